"""`targets add` writes only inside the plans folder, only new files (or, with --replace, a file of the same kind),
never through or from a symbolic link, and a refused plan writes nothing anywhere (issue 16 items 1–3, 17)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import DATA_DIR, PLANS_DIR
from monitor.registry import RegistryError, add_plan
from tests.conftest import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "tests" / "fixtures" / "plans" / "example_city_2024.toml"
EXAMPLE_TEXT = EXAMPLE.parent / "source" / "example_city_2024.txt"


def listing(root: Path) -> dict[str, str]:
    """Every entry under root (without following links): its kind and contents' hash or link target."""
    entries = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                entries[key] = "link -> " + os.readlink(path)
            elif path.is_dir():
                entries[key] = "dir"
            else:
                entries[key] = hashlib.sha256(path.read_bytes()).hexdigest() + f" {oct(path.stat().st_mode)}"
    return entries


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """tmp/data/{plans,official,...} like the bundled data, a scratch folder for every temporary file,
    and an incoming folder ten levels deep where the plan to add is written."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "plans", data / "plans")
    shutil.copytree(DATA_DIR / "official", data / "official")
    for name in ("regions.csv", "regions_counties.csv", "indicators.toml"):
        shutil.copyfile(DATA_DIR / name, data / name)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # every temporary file lands inside tmp_path
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(data / "plans"))
    incoming = tmp_path.joinpath(*[f"d{i}" for i in range(10)])
    incoming.mkdir(parents=True)
    return tmp_path


def write_plan(folder: Path, source_file: str, text: bytes | None = None, quote: str | None = None,
               name: str = "evil.toml") -> Path:
    """The example city plan, its source_file changed, and (unless text is None) that text written where it points."""
    plan = EXAMPLE.read_text(encoding="utf-8").replace('source_file = "source/example_city_2024.txt"',
                                                       f"source_file = {source_file!r}".replace("'", '"'))
    if quote is not None:
        plan = plan.replace('quote_zh = "社会消费品零售总额年均增长6%以上"', f'quote_zh = "{quote}"')
    path = folder / name
    path.write_text(plan, encoding="utf-8")
    if text is not None:
        where = folder / source_file
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_bytes(text)
    return path


def incoming(tree: Path) -> Path:
    return tree.joinpath(*[f"d{i}" for i in range(10)])


def refused_and_nothing_written(tree: Path, plan: Path, match: str, replace: bool = False) -> None:
    before = listing(tree)
    with pytest.raises(RegistryError, match=match):
        add_plan(plan, plans_dir=tree / "data" / "plans", data_dir=tree / "data", replace=replace)
    assert listing(tree) == before


def test_a_source_file_climbing_out_of_the_plans_folder_is_refused_and_nothing_is_written_anywhere(tree):
    # Ten levels deep, ten '..' reach tmp_path itself from the plan's folder; from the plans folder
    # (tmp/data/plans) they would climb past tmp_path, and in the trial folder past the scratch folder.
    source = "../" * 10 + "evil.txt"
    plan = write_plan(incoming(tree), source, "#!/bin/sh\n社会消费品零售总额年均增长6%以上\n".encode())
    assert (tree / "evil.txt").is_file()
    refused_and_nothing_written(tree, plan, r"\.\.")
    refused_and_nothing_written(tree, plan, r"\.\.", replace=True)


def test_a_plan_cannot_overwrite_the_bundled_official_figures_even_with_replace(tree):
    official = tree / "data" / "official" / "hunan_official.csv"
    original = official.read_bytes()
    folder = incoming(tree)
    plan = write_plan(folder, "../official/hunan_official.csv",
                      "社会消费品零售总额年均增长6%以上\nretail_sales,湖南省,2023,99999\n".encode())
    refused_and_nothing_written(tree, plan, r"\.\.")
    refused_and_nothing_written(tree, plan, r"\.\.", replace=True)
    # …nor by naming a file of another kind inside the plans folder, such as another plan
    plan = write_plan(folder, "consumption_2021_2023.toml", "社会消费品零售总额年均增长6%以上".encode())
    refused_and_nothing_written(tree, plan, r"text file", replace=True)
    assert official.read_bytes() == original


def test_an_absolute_source_file_is_refused_with_exit_status_2_and_a_message_in_both_languages(tree, capsys):
    target = tree / "abs.txt"
    target.write_text("社会消费品零售总额年均增长6%以上", encoding="utf-8")
    plan = write_plan(incoming(tree), str(target))
    refused_and_nothing_written(tree, plan, "absolute")
    before = listing(tree)
    assert main(["targets", "add", str(plan), "--db", str(tree / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "absolute" in err and "绝对路径" in err and "Traceback" not in err
    assert listing(tree) == before


def test_a_source_text_that_is_a_symbolic_link_is_refused(tree):
    secret = tree / "shadow"
    secret.write_text("root:$6$secret\n", encoding="utf-8")
    secret.chmod(0o600)
    folder = incoming(tree)
    (folder / "source").mkdir()
    (folder / "source" / "shadow.txt").symlink_to(secret)
    plan = write_plan(folder, "source/shadow.txt", quote="root:")
    refused_and_nothing_written(tree, plan, "symbolic link")
    # a link to the folder holding the text is refused as well
    shutil.rmtree(folder / "source")
    (tree / "outside").mkdir()
    (tree / "outside" / "shadow.txt").symlink_to(secret)
    (folder / "source").symlink_to(tree / "outside")
    refused_and_nothing_written(tree, plan, "symbolic link")


def test_a_plan_file_that_is_a_symbolic_link_is_refused(tree):
    real = write_plan(tree, "source/example_city_2024.txt", EXAMPLE_TEXT.read_bytes(), name="real.toml")
    link = incoming(tree) / "linked.toml"
    link.symlink_to(real)
    refused_and_nothing_written(tree, link, "symbolic link")


def test_nothing_is_written_through_a_link_inside_the_plans_folder(tree):
    outside = tree / "outside"
    outside.mkdir()
    plans = tree / "data" / "plans"
    (plans / "city").symlink_to(outside)
    plan = write_plan(incoming(tree), "city/example.txt", EXAMPLE_TEXT.read_bytes())
    refused_and_nothing_written(tree, plan, "symbolic link")
    assert list(outside.iterdir()) == []


def test_an_existing_file_with_other_contents_is_kept_unless_replace(tree):
    plans = tree / "data" / "plans"
    folder = incoming(tree)
    plan = write_plan(folder, "source/xiangzhengbanfa_2021_66.txt",
                      "社会消费品零售总额年均增长6%以上（攻击者的版本）".encode())
    refused_and_nothing_written(tree, plan, "--replace")          # the bundled notice's text
    good = write_plan(folder, "source/example_city_2024.txt", EXAMPLE_TEXT.read_bytes(), name="example.toml")
    add_plan(good, plans_dir=plans, data_dir=tree / "data")
    assert (plans / "example.toml").read_bytes() == good.read_bytes()
    # the same plan file again is a no-op; an edited one needs --replace
    add_plan(good, plans_dir=plans, data_dir=tree / "data")
    good.write_text(good.read_text(encoding="utf-8").replace("（示例）", "（示例二）"), encoding="utf-8")
    refused_and_nothing_written(tree, good, "--replace")
    add_plan(good, plans_dir=plans, data_dir=tree / "data", replace=True)
    assert (plans / "example.toml").read_bytes() == good.read_bytes()
    assert not [p for p in plans.rglob(".adding-*")]


def test_a_refused_plan_writes_nothing_in_the_plans_folder_or_the_temporary_folder(tree):
    # a quote that the text does not hold: the trial check fails after reading both files
    plan = write_plan(incoming(tree), "source/new_city.txt", "另一段文字".encode())
    refused_and_nothing_written(tree, plan, "verbatim")


@pytest.mark.parametrize("text, match", [
    ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("plan = 5\n", r"\[plan\]"),
    ('[plan]\nid = "x"\nsource_file = "source/x.txt"\ntargets = 3\n', None),
    ("not = toml = at all", "TOML"),
])
def test_malformed_plan_files_exit_2_with_a_message_not_a_traceback(tree, capsys, text, match):
    plan = incoming(tree) / "bad.toml"
    plan.write_text(text, encoding="utf-8")
    before = listing(tree)
    assert main(["targets", "add", str(plan), "--db", str(tree / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "nothing was added" in err and "未添加" in err
    if match:
        assert any(__import__("re").search(match, line) for line in err.splitlines())
    assert listing(tree) == before


def test_the_bundled_plans_still_load_and_add(tree):
    plans = tree / "data" / "plans"
    ids = add_plan(EXAMPLE, plans_dir=plans, data_dir=tree / "data")
    assert ids == ["changsha_retail_growth_example"]
    assert (plans / "source" / "example_city_2024.txt").read_bytes() == EXAMPLE_TEXT.read_bytes()
    assert PLANS_DIR.joinpath("consumption_2021_2023.toml").read_bytes() == (plans / "consumption_2021_2023.toml").read_bytes()
