"""Workbook bombs are refused before or early while parsing (issue 16 item 10): a small .xlsx that declares or
expands to millions of cells, or whose sheets inflate to a huge XML, never reaches a full parse."""

from __future__ import annotations

import io
import zipfile

import pytest

from monitor import readers
from monitor.cli import main
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


def test_ten_million_cells_expanded_from_far_away_cells_are_refused_early(db_path):
    # One cell in column XFD per row: openpyxl pads each row to 16,384 cells; 1,000 rows ≈ 16 million cells
    rows = HEADER_ROW + "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(2, 1002))
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
