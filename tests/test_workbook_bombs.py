"""Workbook bombs are refused before or early while parsing (issue 16 item 10): a small .xlsx that declares or
expands to millions of cells, or whose sheets inflate to a huge XML, never reaches a full parse. What passes those
bounds is read in a child process (monitor.parse_worker), killed past its time or memory limit: the import is
refused in both languages and nothing is written."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from monitor import parse_worker, readers
from monitor.cli import main
from monitor.db import Reader
from monitor.importer import ImportRejected, import_file

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(sheet_xml: str) -> bytes:
    """A minimal .xlsx around one hand-written sheet (how an attacker writes one: no library sets the limits)."""
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{rels}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS} xmlns:r="{rels}"><sheets>'
                   '<sheet name="bomb" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rels}/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet(rows: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet {NS}>{dim}<sheetData>{rows}</sheetData></worksheet>'


HEADER_ROW = ('<row r="1">' + "".join(f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>' for col, name in
                                     zip("ABCDEF", ("indicator", "region", "period", "value", "unit", "source")))
              + "</row>")


def refused(db_path, data: bytes, fragment: str):
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "bomb.xlsx", stage=readers.read_any)
    (error,) = info.value.plan.errors
    assert error.code == "workbook_too_large" and fragment in error.message, error.message
    assert "CSV" in error.message and "CSV" in error.message_zh
    return error


def test_a_sheet_declaring_the_whole_grid_is_refused_before_parsing(db_path):
    data = workbook(sheet(HEADER_ROW, "A1:XFD1048576"))   # 17 billion cells declared, a few hundred bytes
    error = refused(db_path, data, "17,179,869,184 cells")
    assert error.sheet == "bomb"


def test_ten_million_cells_expanded_from_far_away_cells_are_refused_at_the_first_wide_row(db_path):
    # One cell in column XFD per row: openpyxl pads each row to 16,384 cells; 1,000 rows ≈ 16 million cells
    rows = HEADER_ROW + "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(2, 1002))
    data = workbook(sheet(rows))
    assert len(data) < 50_000
    error = refused(db_path, data, "row 2 of sheet 'bomb' reaches column XFD (16,384 columns, limit 1,000")
    assert "第2行延伸到XFD列" in error.message_zh and "删除表格右侧的单元格" in error.message_zh


def test_two_million_cells_expanded_from_cells_within_the_column_bound_are_refused_while_streaming(db_path):
    # One cell in column ALL (the 1,000th) per row: 2,100 rows are 2.1 million cells once padded
    rows = HEADER_ROW + "".join(f'<row r="{r}"><c r="ALL{r}"><v>1</v></c></row>' for r in range(2, 2102))
    data = workbook(sheet(rows))
    assert len(data) < 50_000
    refused(db_path, data, "more than 2,000,000 cells")


def test_a_sheet_that_inflates_beyond_the_xml_bound_is_refused_from_the_zip_directory(db_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_WORKBOOK_XML_BYTES", 100_000)
    rows = HEADER_ROW + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 5000))
    data = workbook(sheet(rows))
    refused(db_path, data, "bytes of XML uncompressed")


def test_the_cli_refuses_a_bomb_with_exit_2(db_path, tmp_path, capsys):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook(sheet(HEADER_ROW, "A1:XFD1048576")))
    assert main(["import", str(path), "--db", str(db_path)]) == 2
    assert "too large" in capsys.readouterr().err


def test_a_small_hand_written_workbook_still_imports(db_path):
    text = lambda col, v: f'<c r="{col}2" t="inlineStr"><is><t>{v}</t></is></c>'  # noqa: E731
    row = ('<row r="2">' + text("A", "retail_sales") + text("B", "长沙市") + text("C", "2019")
           + '<c r="D2"><v>4287.3</v></c>' + text("E", "亿元") + text("F", "湖南省统计局") + "</row>")
    result = import_file(db_path, workbook(sheet(HEADER_ROW + row, "A1:F2")), "ok.xlsx", stage=readers.read_any)
    assert result.plan.errors == [] and result.plan.added == 1


# --------------------------------------------------------------------------- the child process (monitor.parse_worker)

def long_workbook(rows: int) -> bytes:
    """A long-format workbook of `rows` rows (years from 2000), inside every static bound: only reading it takes time and
    memory."""
    text = lambda col, r, v: f'<c r="{col}{r}" t="inlineStr"><is><t>{v}</t></is></c>'  # noqa: E731
    body = "".join(f'<row r="{r}">' + text("A", r, "retail_sales") + text("B", r, "长沙市") + text("C", r, 1998 + r)
                   + f'<c r="D{r}"><v>{r}.5</v></c>' + text("E", r, "亿元") + text("F", r, "湖南省统计局") + "</row>"
                   for r in range(2, rows + 2))
    return workbook(sheet(HEADER_ROW + body))


def observations(db_path) -> int:
    with Reader(db_path) as reader:
        return reader.query_rows("SELECT count(*) FROM observations")[0][0]


def gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_workbook_is_read_in_a_child_process_not_in_the_server(db_path):
    before = parse_worker.latest_run()
    result = import_file(db_path, long_workbook(3), "ok.xlsx", stage=readers.read_any)
    assert result.plan.added == 3
    (run,) = parse_worker.runs_after(before)
    assert run.function == "monitor.readers.workbook_rows" and run.outcome == "ok"
    assert run.pid is not None and run.pid != os.getpid()
    assert run.niceness == os.nice(0) + parse_worker.NICENESS  # below the server's priority: viewers come first


def test_a_child_past_its_time_limit_is_killed_and_the_import_refused_in_both_languages(db_path, monkeypatch):
    monkeypatch.setattr(readers, "READ_SECONDS", 0.3)
    stored = observations(db_path)
    before = parse_worker.latest_run()
    error = refused(db_path, long_workbook(20_000), "longer than 0.3 s")
    assert "0.3秒" in error.message_zh and "工作簿过大" in error.message_zh
    (run,) = parse_worker.runs_after(before)
    assert run.outcome == "time" and gone(run.pid)
    assert observations(db_path) == stored  # nothing written


def test_a_child_past_its_memory_limit_is_stopped_and_the_import_refused_in_both_languages(db_path, monkeypatch):
    monkeypatch.setattr(readers, "READ_MEMORY_MB", 10)
    stored = observations(db_path)
    before = parse_worker.latest_run()
    error = refused(db_path, long_workbook(20_000), "more than 10 MB of memory")
    assert "10 MB" in error.message_zh and "内存" in error.message_zh
    (run,) = parse_worker.runs_after(before)
    assert run.outcome == "memory" and gone(run.pid)
    assert observations(db_path) == stored
    # the next workbook gets a fresh child with the usual limits
    monkeypatch.undo()
    assert import_file(db_path, long_workbook(2), "ok.xlsx", stage=readers.read_any).plan.added == 2


def test_a_wide_csv_is_read_in_a_child_too_and_refused_past_its_time_limit(db_path, monkeypatch):
    # A wide table is read cell by cell in Python like a workbook: 2.9 MB of it (440,000 cells) took 43 s
    monkeypatch.setattr(readers, "READ_SECONDS", 0.3)
    periods = ",".join(f"2024年1-{m}月" for m in range(2, 13))
    data = ("地区," + periods + "\n" + "".join(f"长沙市,{','.join(str(i + j) for j in range(11))}\n"
                                               for i in range(40_000))).encode()
    stored = observations(db_path)
    before = parse_worker.latest_run()
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "wide.csv", stage=readers.reader_for("wide", {"indicator": "retail_sales"}))
    (error,) = info.value.plan.errors
    assert error.code == "file_too_large" and "longer than 0.3 s" in error.message and "long format" in error.message
    assert "0.3秒" in error.message_zh and "长表格式" in error.message_zh
    (run,) = parse_worker.runs_after(before)
    assert run.function == "monitor.readers.wide_csv_rows" and run.outcome == "time" and gone(run.pid)
    assert observations(db_path) == stored


def test_a_long_csv_is_read_in_the_server_process_by_duckdb(db_path):
    before = parse_worker.latest_run()
    data = "indicator,region,period,value,unit,source\nretail_sales,长沙市,2019,4287.3,亿元,湖南省统计局\n".encode()
    assert import_file(db_path, data, "long.csv", stage=readers.read_any).plan.added == 1
    assert parse_worker.runs_after(before) == []
