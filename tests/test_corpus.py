"""The corpus of bad files: each gets a precise message, and the database is byte-for-byte unchanged.

"Unchanged" is checked on the export (every vintage, as `python -m monitor export --all-vintages`
writes it): its SHA-256 before and after must match. Files that are accepted with a warning are run
through `python -m monitor import --dry-run`, which must not write either.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date
from pathlib import Path

import pytest

from monitor import export, store
from monitor.cli import main
from monitor.db import Reader
from monitor.importer import ImportRejected, import_file, preview_file
from monitor.readers import read_any
from tests.bigfiles import write_long_csv

CORPUS = Path(__file__).resolve().parent / "corpus"
TODAY = date(2026, 11, 28)


def export_digest(db_path) -> str:
    with Reader(db_path) as reader:
        frame = store.export_frame(reader, "official", all_vintages=True)
    return hashlib.sha256(export.to_csv_bytes(frame)).hexdigest()


# file, options, (code, sheet, row, column), a fragment of the message
ERRORS = [
    ("empty.csv", {}, ("empty_file", None, None, None), "the file is empty"),
    ("header_only.csv", {}, ("no_rows", None, 2, None), "header but no data rows"),
    ("header_only.xlsx", {}, ("no_rows", "data", 2, None), "header but no data rows"),
    ("unknown_region.csv", {}, ("unknown_region", None, 3, "region"), "unknown region '火星市'"),
    ("region_suggestion.csv", {}, ("unknown_region", None, 2, "region"), "did you mean 湘西土家族苗族自治州?"),
    ("unknown_indicator.csv", {}, ("unknown_indicator", None, 2, "indicator"), "did you mean retail_sales?"),
    ("derived_indicator.csv", {}, ("derived_indicator", None, 2, "indicator"), "computed from its component"),
    ("non_numeric.csv", {}, ("value_not_numeric", None, 3, "value"), "value '12x' is not a number"),
    ("empty_value.csv", {}, ("no_value", None, 2, "value"), "neither a value nor a growth rate"),
    ("negative.csv", {}, ("negative_value", None, 2, "value"), "value -5 is negative"),
    ("yoy_not_numeric.csv", {}, ("yoy_not_numeric", None, 2, "yoy_pct"), "yoy_pct 'x%' is not a number"),
    ("duplicate.csv", {}, ("duplicate_row", None, 3, "period"), "more than once in the file (rows 2, 3)"),
    ("bad_period.csv", {}, ("bad_period", None, 2, "period"), "got '2024-13'"),
    ("future_period.csv", {}, ("future_period", None, 2, "period"), "period '2099' is in the future"),
    ("early_period.csv", {}, ("period_too_early", None, 2, "period"), "before 1949"),
    ("unknown_unit.csv", {}, ("unknown_unit", None, 2, "unit"), "unknown unit '吨'"),
    ("unit_mismatch.csv", {}, ("unit_mismatch", None, 2, "unit"), "whose unit is 亿元"),
    ("missing_source.csv", {}, ("missing_source", None, 2, "source"), "every number needs its source"),
    ("bad_status.csv", {}, ("bad_status", None, 2, "status"), "got 'draft'"),
    ("missing_column.csv", {}, ("missing_column", None, 1, None), "missing column(s) value, unit, source"),
    ("malformed.csv", {}, ("malformed_csv", None, 3, None), "row 3 has 10 fields, the header has 9"),
    ("bad_encoding.csv", {}, ("bad_encoding", None, None, None), "neither UTF-8 nor GBK/GB18030"),
    ("not_a_table.csv", {}, ("no_header", None, None, None), "no table header found"),
    ("legacy.xls", {}, ("xls_not_supported", None, None, None), "save it as .xlsx"),
    ("not_a_workbook.xlsx", {}, ("bad_xlsx", None, None, None), "not a readable .xlsx workbook"),
    # wide tables: the column is the header the user sees, the row the cell's (the header's for a period)
    ("wide_gbk_region.csv", {}, ("unknown_region", None, 6, "地区"), "did you mean 湘西土家族苗族自治州?"),
    ("wide_non_numeric.csv", {}, ("value_not_numeric", None, 5, "1-5月"), "value '约300' is not a number"),
    ("wide_empty_cell.csv", {}, ("no_value", None, 5, "1-6月"), "neither a value nor a growth rate"),
    ("wide_negative.csv", {}, ("negative_value", None, 5, "1-6月"), "value -350 is negative"),
    ("wide_future.csv", {}, ("future_period", None, 3, "2099年1-6月"), "period '2099-06' is in the future"),
    ("wide_no_year.csv", {}, ("no_year", None, 3, "1-5月"), "year= (--year)"),
    ("wide_no_unit.csv", {}, ("no_unit", None, 3, "1-5月"), "states no unit"),
    ("wide_no_indicator.csv", {}, ("no_indicator", None, 1, "column A"), "names none we know"),
    ("wide_no_source.csv", {}, ("no_source", None, None, "source (option)"), "--source"),
    ("wide_unit_conflict.csv", {}, ("unit_conflict", None, 5, "1-6月"), "says 万元 but the table's unit is 亿元"),
    ("wide_duplicate_region.csv", {}, ("duplicate_row", None, 6, "地区"),
     "433100 / 2024-05 (ytd) appears more than once"),
    ("wide_non_numeric.csv", {"layout": "long"}, ("missing_column", None, 1, None), "missing column(s)"),
    # workbooks
    ("formula.xlsx", {}, ("formula_cell", "社零", 6, "1-5月"), "holds a formula (=SUM(B4:B5))"),
    ("merged_title.xlsx", {}, ("negative_value", "各市州", 6, "1-6月 绝对额"), "value -350 is negative"),
    ("long_two_sheets.xlsx", {}, ("unknown_region", "2024", 3, "region"), "did you mean 长沙市?"),
    ("long_two_sheets.xlsx", {"sheet": "2025"}, ("no_such_sheet", None, None, "sheet (option)"),
     "the sheets are 2023, 2024"),
]


@pytest.mark.parametrize("name, options, expected, fragment", ERRORS,
                         ids=[f"{c[0]}-{c[2][0]}" for c in ERRORS])
def test_bad_file_is_rejected_with_a_precise_message(db_path, name, options, expected, fragment):
    before = export_digest(db_path)
    stage = functools.partial(read_any, **{k: v for k, v in options.items() if v is not None})
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, (CORPUS / name).read_bytes(), name, stage=stage, today=TODAY)
    errors = info.value.plan.errors
    assert {e.code for e in errors} == {expected[0]}, [str(e) for e in errors]
    assert any((e.code, e.sheet, e.row, e.column) == expected and fragment in e.message for e in errors), \
        [str(e) for e in errors]
    assert all(e.file == name for e in errors)
    assert export_digest(db_path) == before


WARNINGS = [
    ("unit_converted.csv", [], ("unit_converted", None, 2, "unit"), "converted from 万元 to 亿元"),
    ("implausible_yoy.csv", [], ("implausible_yoy", None, 2, "yoy_pct"), "300% is outside the plausible range"),
    ("wide_implausible_yoy.csv", [], ("implausible_yoy", None, 5, "同比增长(%)"), "172.0% is outside"),
    ("formula_text.csv", [], ("formula_like_text", None, 2, "quote"), "'=1+1' starts with ="),
    ("formula_text.xlsx", [], ("formula_like_text", "data", 2, "note"), "'=1+1' starts with ="),
]


@pytest.mark.parametrize("name, args, expected, fragment", WARNINGS, ids=[c[0] for c in WARNINGS])
def test_file_with_a_warning_is_reported_by_a_dry_run_that_writes_nothing(db_path, capsys, name, args, expected,
                                                                         fragment):
    before = export_digest(db_path)
    assert main(["import", str(CORPUS / name), "--db", str(db_path), "--dry-run", *args]) == 0
    out, err = capsys.readouterr()
    assert "nothing written (--dry-run)" in out and fragment in err
    with Reader(db_path) as reader:
        plan, _diff = preview_file(reader, (CORPUS / name).read_bytes(), name, stage=read_any, today=TODAY)
    assert plan.is_valid
    warning = next(w for w in plan.warnings if w.code == expected[0])
    assert (warning.code, warning.sheet, warning.row, warning.column) == expected
    assert fragment in warning.message
    assert export_digest(db_path) == before


def test_formula_like_text_is_stored_as_text_and_neutralised_in_exports(db_path, tmp_path):
    import_file(db_path, (CORPUS / "formula_text.csv").read_bytes(), "formula_text.csv", stage=read_any, today=TODAY)
    with Reader(db_path) as reader:
        assert reader.query_rows("SELECT quote FROM observations_latest WHERE region_code = '430200' "
                                 "AND period = '2024' AND indicator_id = 'retail_sales'") == [("=1+1",)]
    out = tmp_path / "out.csv"
    assert main(["export", "--db", str(db_path), "--format", "csv", str(out)]) == 0
    assert "'=1+1" in out.read_bytes().decode("utf-8-sig")


def test_50_mb_file_with_one_bad_row_near_the_end(db_path, tmp_path):
    rows = 480_000
    bad_row = rows - 3  # file row number, header = 1
    path = write_long_csv(tmp_path / "big.csv", rows, bad_row=bad_row, bad_value="1O5.5")
    assert path.stat().st_size >= 50_000_000
    before = export_digest(db_path)
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, path.read_bytes(), "big.csv", today=TODAY)
    assert [(e.code, e.row, e.column) for e in info.value.plan.errors] == [("value_not_numeric", bad_row, "value")]
    assert "'1O5.5'" in info.value.plan.errors[0].message
    assert export_digest(db_path) == before
