"""The preview → confirm protocol (monitor/import_flow.py), without Streamlit: a confirmation writes what the
preview showed or nothing (issue 16 item 8), and a second click on Confirm reports the first click's import."""

from __future__ import annotations

import pytest

from monitor import import_flow
from monitor.db import Reader
from monitor.importer import PlanChanged, import_file

HEADER = "indicator,region,period,value,unit,source\n"


def csv_of(value: float, region: str = "长沙市", period: str = "2019") -> bytes:
    return (HEADER + f"retail_sales,{region},{period},{value},亿元,湖南省统计局\n").encode()


def stored(db_path, region: str = "430100", period: str = "2019") -> list[float]:
    with Reader(db_path) as reader:
        return [r[0] for r in reader.query_rows(
            "SELECT value FROM observations WHERE dataset = 'official' AND indicator_id = 'retail_sales' "
            "AND region_code = ? AND period = ? ORDER BY vintage, id", [region, period])]


def log_size(db_path) -> int:
    with Reader(db_path) as reader:
        return reader.query_rows("SELECT count(*) FROM import_log")[0][0]


def preview_of(db_path, data: bytes, name: str = "editor.csv") -> import_flow.Preview:
    with Reader(db_path) as reader:
        return import_flow.preview(reader, import_flow.ImportRequest.make(name, data))


@pytest.fixture
def changsha(db_path):
    import_file(db_path, csv_of(5208.5), "first.csv")
    return db_path


def test_a_figure_written_by_someone_else_after_the_preview_stops_the_confirmation(changsha):
    shown = preview_of(changsha, csv_of(6000))
    assert shown.plan.counts() == (0, 1, 0) and shown.changes.previous_value.tolist() == [5208.5]
    import_file(changsha, csv_of(5500), "cli.csv", user="cli")      # meanwhile, on the command line
    # The counts alone cannot tell: the fresh diff is again one revision, of 5500 instead of 5208.5.
    with Reader(changsha) as reader:
        assert import_flow.preview(reader, shown.request).plan.counts() == shown.plan.counts()
    size = log_size(changsha)
    with pytest.raises(PlanChanged):
        import_flow.confirm(changsha, shown, "editor")
    assert stored(changsha) == [5208.5, 5500.0]                     # the CLI's figure stands
    assert log_size(changsha) == size                                # nothing written, not even a log line


def test_a_write_to_other_figures_does_not_stop_the_confirmation(changsha):
    shown = preview_of(changsha, csv_of(6000))
    import_file(changsha, csv_of(300, region="株洲市"), "other.csv")  # not a figure the preview compared against
    result = import_flow.confirm(changsha, shown, "editor")
    assert (result.outcome, result.plan.revised, result.repeated) == ("success", 1, False)
    assert stored(changsha) == [5208.5, 6000.0]


def test_a_second_click_on_confirm_reports_the_first_import_and_writes_nothing(changsha):
    shown = preview_of(changsha, csv_of(6000))
    first = import_flow.confirm(changsha, shown, "editor")
    size, before = log_size(changsha), changsha.read_bytes()
    again = import_flow.confirm(changsha, shown, "editor")          # not PlanChanged: it was this confirmation
    assert again.repeated and (again.outcome, again.import_id) == ("success", first.import_id)
    assert (again.plan.added, again.plan.revised) == (0, 1)
    assert stored(changsha) == [5208.5, 6000.0]
    assert log_size(changsha) == size and changsha.read_bytes() == before


def test_a_preview_matches_only_its_own_file_options_and_database(changsha):
    shown = preview_of(changsha, csv_of(6000))
    assert shown.matches(shown.request, shown.database)
    assert not shown.matches(import_flow.ImportRequest.make("editor.csv", csv_of(6001)))
    assert not shown.matches(import_flow.ImportRequest.make("editor.csv", csv_of(6000), layout="wide"))
    import_file(changsha, csv_of(1, region="株洲市"), "other.csv")
    with Reader(changsha) as reader:
        assert not shown.matches(shown.request, reader.identity)     # another database file: preview again


def test_one_entry_chooses_the_reader_from_layout_and_options(db_path):
    from tests.conftest import PROJECT_ROOT

    wide = (PROJECT_ROOT / "tests" / "fixtures" / "wide" / "prefectures_2024h1_gbk.csv").read_bytes()
    with Reader(db_path) as reader:
        plan, _ = import_flow.importer.preview_file(reader, wide, "wide.csv", layout="wide")
        long_plan, _ = import_flow.importer.preview_file(reader, wide, "wide.csv")  # the long CSV reader
    assert plan.is_valid and plan.rows_in_file == 30 and plan.file_format == "csv-wide"
    assert not long_plan.is_valid
    result = import_file(db_path, wide, "wide.csv", layout="auto", options={"source": None})
    assert result.plan.added + result.plan.revised == 30


def test_no_module_imports_another_modules_private_names():
    import ast

    from tests.conftest import PROJECT_ROOT

    offenders = []
    for path in sorted((PROJECT_ROOT / "monitor").rglob("*.py")) + sorted((PROJECT_ROOT / "ui").glob("*.py")) \
            + sorted((PROJECT_ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_a_workbook_is_parsed_once_for_preview_and_confirm(db_path):
    import io

    import openpyxl

    from monitor import parse_worker

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator", "region", "period", "value", "unit", "source"])
    sheet.append(["retail_sales", "长沙市", "2019", 4287.3, "亿元", "湖南省统计局"])
    buffer = io.BytesIO()
    book.save(buffer)
    before = parse_worker.latest_run()  # workbooks are read in a child process (monitor.parse_worker), once a run
    shown = preview_of(db_path, buffer.getvalue(), "one.xlsx")
    result = import_flow.confirm(db_path, shown, "editor")
    reads = [r.function for r in parse_worker.runs_after(before)]
    assert (result.outcome, result.plan.added, reads) == ("success", 1, ["monitor.readers.workbook_rows"])
    assert stored(db_path) == [4287.3]


def test_a_wide_csv_is_parsed_once_for_preview_and_confirm(db_path):
    from monitor import parse_worker

    data = "地区,2019年\n长沙市,4287.3\n株洲市,1090.2\n".encode()
    request = import_flow.ImportRequest.make("wide.csv", data, "wide",
                                             {"indicator": "retail_sales", "unit": "亿元", "source": "湖南省统计局"})
    before = parse_worker.latest_run()  # wide CSVs are read in a child process, like workbooks
    with Reader(db_path) as reader:
        shown = import_flow.preview(reader, request)
    result = import_flow.confirm(db_path, shown, "editor")
    reads = [r.function for r in parse_worker.runs_after(before)]
    assert (result.outcome, result.plan.added, reads) == ("success", 2, ["monitor.readers.wide_csv_rows"])
