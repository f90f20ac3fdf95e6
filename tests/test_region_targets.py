"""A prefecture's own targets join the registry from a file, with no code change, and are assessed for it."""

import shutil

import pytest

from monitor import assess, bootstrap, store
from monitor.cli import main
from monitor.config import PLANS_DIR
from monitor.db import Reader
from monitor.i18n import t
from monitor.registry import RegistryError, add_plan
from tests.conftest import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "tests" / "fixtures" / "plans" / "example_city_2024.toml"


@pytest.fixture
def plans(tmp_path, monkeypatch):
    folder = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, folder)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(folder))
    return folder


def test_cli_adds_a_city_plan_and_the_target_is_assessed_for_its_city(plans, tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    bootstrap.initialise(db)
    assert main(["targets", "add", str(EXAMPLE), "--db", str(db)]) == 0
    assert "changsha_retail_growth_example" in capsys.readouterr().out
    assert (plans / "source" / "example_city_2024.txt").is_file()
    with Reader(db) as reader:
        targets = store.targets(reader)
        result = assess.assess_store(reader, region="430100")
    row = targets.set_index("id").loc["changsha_retail_growth_example"]
    assert row.region_code == "430100"
    assert "changsha_retail_growth_example" in set(result.target_id)
    with Reader(db) as reader:  # the province's own view does not list the city's target as its own
        province = assess.assess_store(reader)
    assert "changsha_retail_growth_example" not in set(province[province.region == "430000"].target_id)


def edited_example(folder, old: str, new: str):
    """A copy of the example plan with one edit, its text file beside it."""
    plan = folder / "edited.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new), encoding="utf-8")
    (folder / "source").mkdir(exist_ok=True)
    shutil.copyfile(EXAMPLE.parent / "source" / "example_city_2024.txt", folder / "source" / "example_city_2024.txt")
    return plan


@pytest.mark.parametrize("old, new, message", [
    ('年均增长6%以上"', '年均增长9%以上"', "verbatim"),        # a quote the text does not contain
    ('region = "430100"', 'region = "439999"', "unknown region"),
    ('indicator = "retail_sales"', 'indicator = "retail_salez"', "unknown indicator"),
])
def test_a_bad_plan_is_refused_and_nothing_is_copied(plans, tmp_path, old, new, message):
    with pytest.raises(RegistryError, match=message):
        add_plan(edited_example(tmp_path, old, new))
    assert not (plans / "edited.toml").exists()


def test_overview_shows_a_city_target_when_the_city_is_selected(plans, tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "x.duckdb"
    add_plan(EXAMPLE)
    bootstrap.initialise(db)
    monkeypatch.setenv("MONITOR_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    app = str(PROJECT_ROOT / "app.py")

    at = AppTest.from_file(app, default_timeout=60)
    at.run()
    ids_column = t("table.target_id", "zh")
    assert "changsha_retail_growth_example" not in set(at.dataframe[0].value[ids_column])

    at = AppTest.from_file(app, default_timeout=60)
    at.query_params["region"] = "430100"
    at.run()
    assert not at.exception
    ids = set(at.dataframe[0].value[ids_column])
    assert "changsha_retail_growth_example" in ids and "retail_growth_2021_2023" in ids
