"""Hostile and messy input and injected faults at import and export (issue 16 items 5–7, 11–15, 17 and source_url).

Each test reproduces one break found by an attack on the app and fails on the code before its fix.
"""

from __future__ import annotations

import csv
import io
import signal
import stat
import subprocess
import sys

import openpyxl
import pytest

from monitor import export, store
from monitor.cli import main
from monitor.db import Reader
from monitor.importer import ImportRejected, import_file
from tests.conftest import PROJECT_ROOT

HEADER = "indicator,region,period,value,unit,source,source_url,note\n"
TODAY_ROW = "retail_sales,长沙市,2019,{value},亿元,湖南省统计局,{url},{note}\n"


def row(value="4287.3", url="", note="") -> str:
    return TODAY_ROW.format(value=value, url=url, note=note)


def stored_notes(db_path, region="430100", period="2019") -> list[str]:
    with Reader(db_path) as reader:
        return [r[0] for r in reader.query_rows(
            "SELECT note FROM observations_latest WHERE dataset = 'official' AND indicator_id = 'retail_sales' "
            "AND region_code = ? AND period = ?", [region, period])]


def cli(*args, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    """`python -m monitor …` in a subprocess; with limit_bytes, no file it writes may grow beyond that size —
    a full disk, portably (RLIMIT_FSIZE; SIGXFSZ ignored so a write fails with an error instead of a kill)."""
    def limit():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, preexec_fn=limit if limit_bytes else None)


# --------------------------------------------------------------------------- item 5: CR inside a field

def test_a_carriage_return_inside_a_stored_text_cannot_split_the_exported_csv_row(db_path, tmp_path):
    note = "see annex\r=cmd|' /C calc'!A0"
    import_file(db_path, (HEADER + row(note=f'"{note}"')).encode(), "cr.csv")
    assert stored_notes(db_path) == [note]
    out = tmp_path / "out.csv"
    assert main(["export", "--db", str(db_path), "--format", "csv", str(out)]) == 0
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    assert all(len(r) == len(header) for r in rows)  # no row was split
    notes = [r[header.index("note")] for r in rows if r[header.index("region")] in ("430100", "长沙市")
             and r[header.index("period")] == "2019"]
    assert notes == ["see annex\r'=cmd|' /C calc'!A0"]  # the second line is neutralised as well
    # and read line by line (as a naive reader would), no line starts with a formula character
    assert not [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                if line.startswith(("=", "+", "@"))]


def test_every_line_of_a_multi_line_text_is_neutralised():
    assert export.neutralise_text("a\n-b\r\n@c") == "a\n'-b\r\n'@c"
    assert export.neutralise_text("=1+1") == "'=1+1"


# --------------------------------------------------------------------------- item 6: control characters

def test_control_characters_are_removed_at_import_with_a_warning_naming_the_cell(db_path):
    result = import_file(db_path, (HEADER + row(note="a\x00b\x07c")).encode(), "ctrl.csv")
    warnings = [p for p in result.plan.warnings if p.code == "control_characters"]
    assert [(w.row, w.column) for w in warnings] == [(2, "note")]
    assert "\\x00" in warnings[0].text("zh") and "\x00" not in warnings[0].text("zh")
    assert stored_notes(db_path) == ["abc"]


def test_exports_are_written_whatever_control_characters_the_store_already_holds(db_path, tmp_path):
    from monitor import db as dbmod

    with dbmod.writer(db_path) as con:  # a row stored before the import refused control characters
        con.execute("UPDATE observations SET note = 'old\x00row\x1b[31m' WHERE region_code = '430000' AND period = '2021'"
                    " AND indicator_id = 'retail_sales'")
    out = tmp_path / "out.xlsx"
    result = cli("export", "--db", str(db_path), "--format", "xlsx", str(out))
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    notes = [c.value for c in next(sheet.iter_cols(min_col=[c.value for c in sheet[1]].index("note") + 1))]
    assert "old\ufffdrow\ufffd[31m" in notes
    csv_out = tmp_path / "out.csv"
    assert cli("export", "--db", str(db_path), "--format", "csv", str(csv_out)).returncode == 0
    assert b"\x00" not in csv_out.read_bytes()


# --------------------------------------------------------------------------- item 7: mixed encodings

def test_a_utf8_file_with_one_gbk_line_is_refused_naming_that_line(db_path):
    lines = [HEADER] + [row(value=str(4000 + i)).replace("2019", str(2000 + i)) for i in range(5)]
    data = "".join(lines).encode("utf-8") + row(value="1").replace("长沙市", "株洲市").encode("gbk")
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "mixed.csv")
    errors = info.value.plan.errors
    assert [(e.code, e.row) for e in errors] == [("bad_encoding", 7)]
    assert "line 7" in errors[0].message and "第7行" in errors[0].message_zh


def test_a_gbk_file_with_one_utf8_line_is_refused_naming_that_line(db_path):
    data = (HEADER + row()).encode("gbk") + row(value="1").replace("长沙市", "株洲市").encode("utf-8")
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "mixed.csv")
    assert [(e.code, e.row) for e in info.value.plan.errors] == [("bad_encoding", 3)]


def test_a_whole_gbk_file_still_imports(db_path):
    result = import_file(db_path, (HEADER + row()).encode("gbk"), "gbk.csv")
    assert result.plan.errors == []


# --------------------------------------------------------------------------- item 11: CR-only, huge fields

def test_a_csv_with_cr_only_line_ends_is_read(db_path, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes((HEADER + row(value="4300")).replace("\n", "\r").encode())
    assert main(["import", str(path), "--db", str(db_path)]) == 0
    with Reader(db_path) as reader:
        assert reader.query_rows("SELECT value FROM observations_latest WHERE dataset = 'official' AND "
                                 "region_code = '430100' AND period = '2019' AND indicator_id = 'retail_sales'") \
            == [(4300.0,)]


@pytest.mark.parametrize("layout", ["auto", "long", "wide"])
def test_a_header_cell_over_128_kib_exits_2_with_a_clear_message(db_path, tmp_path, capsys, layout):
    path = tmp_path / "big.csv"
    path.write_text(HEADER.strip() + "," + "x" * 200_000 + "\n" + row(), encoding="utf-8")
    assert main(["import", str(path), "--db", str(db_path), "--layout", layout]) == 2
    err = capsys.readouterr().err
    assert "200,0" in err and "32,767" in err and "field limit (131072)" not in err


def test_a_2_mb_line_with_an_open_quote_is_refused_naming_the_row_and_the_limit(db_path, tmp_path, capsys):
    path = tmp_path / "open.csv"
    path.write_text(HEADER + row() + 'retail_sales,株洲市,2019,1,亿元,s,,"' + "y" * 2_000_000 + "\n", encoding="utf-8")
    assert main(["import", str(path), "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "32,767" in err and "quotation mark" in err
    assert "field limit (131072)" not in err


def test_a_note_longer_than_a_spreadsheet_cell_is_refused(db_path):
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, (HEADER + row(note="n" * 40_000)).encode(), "long.csv")
    (error,) = info.value.plan.errors
    assert (error.code, error.row, error.column) == ("field_too_long", 2, "note")
    assert len(error.message) < 300  # the cell is quoted cut short, not whole


# --------------------------------------------------------------------------- source_url: http and https only

@pytest.mark.parametrize("url", ["javascript:alert(1)", "vbscript:msgbox", "data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "JavaScript:alert(1)", "//evil.example/x"])
def test_only_http_and_https_source_urls_are_accepted(db_path, url):
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, (HEADER + row(url=url)).encode(), "url.csv")
    assert [(e.code, e.column) for e in info.value.plan.errors] == [("bad_source_url", "source_url")]


def test_http_and_https_source_urls_are_stored(db_path):
    for url in ("http://tjj.hunan.gov.cn/a.html", "HTTPS://www.stats.gov.cn/b"):
        result = import_file(db_path, (HEADER + row(url=url, value=str(len(url)))).encode(), "url.csv")
        assert result.plan.errors == []


# --------------------------------------------------------------------------- item 14: unknown dataset

def test_an_unknown_dataset_is_refused_with_exit_2_and_nothing_is_written(db_path, tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row(), encoding="utf-8")
    assert main(["import", str(path), "--db", str(db_path), "--dataset", "offical"]) == 2
    err = capsys.readouterr().err
    assert "offical" in err and "official" in err
    with Reader(db_path) as reader:
        assert reader.query_rows("SELECT count(*) FROM observations WHERE dataset = 'offical'") == [(0,)]
    assert main(["import", str(path), "--db", str(db_path), "--dataset", "offical", "--dry-run"]) == 2


def test_a_dataset_created_explicitly_is_registered_and_exported(db_path, tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row(), encoding="utf-8")
    assert main(["import", str(path), "--db", str(db_path), "--dataset", "survey_2024", "--new-dataset"]) == 0
    with Reader(db_path) as reader:
        assert "survey_2024" in set(store.datasets(reader).id)
        assert len(store.export_frame(reader, "survey_2024")) == 1
    assert main(["import", str(path), "--db", str(db_path), "--dataset", "Bad Name!", "--new-dataset"]) == 2


# --------------------------------------------------------------------------- item 13: permissions

def test_a_read_only_database_is_not_replaced(db_path, tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row(value="4300"), encoding="utf-8")
    db_path.chmod(0o444)
    before = db_path.read_bytes(), db_path.stat().st_ino
    assert main(["import", str(path), "--db", str(db_path)]) == 2
    assert "read-only" in capsys.readouterr().err
    assert (db_path.read_bytes(), db_path.stat().st_ino) == before
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o444


def test_an_import_keeps_the_database_files_mode(db_path, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row(value="4300"), encoding="utf-8")
    db_path.chmod(0o600)
    import_file(db_path, path.read_bytes(), path.name)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    db_path.chmod(0o664)
    import_file(db_path, (HEADER + row(value="4301")).encode(), path.name)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o664


# --------------------------------------------------------------------------- items 12, 15: a full disk

def test_an_import_on_a_full_disk_leaves_no_partial_copy_and_reports_the_real_cause(db_path, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row(value="4300"), encoding="utf-8")
    before = db_path.read_bytes()
    # Room for the lock file and part of the copy, not for the whole copy of the database
    result = cli("import", str(path), "--db", str(db_path), limit_bytes=db_path.stat().st_size // 2)
    assert result.returncode == 1
    assert "File too large" in result.stderr or "No space left" in result.stderr, result.stderr
    assert "no transaction is active" not in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(f".{db_path.name}")) == []
    assert db_path.read_bytes() == before


def test_an_import_failing_at_commit_on_a_full_disk_reports_the_real_cause(db_path, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "".join(row(value=str(i)).replace("2019", f"{1950 + i}") for i in range(60)),
                    encoding="utf-8")
    before = db_path.read_bytes()
    # the copy fits; the pages the import adds do not
    result = cli("import", str(path), "--db", str(db_path), limit_bytes=db_path.stat().st_size + 4096)
    assert result.returncode == 1, result.stdout
    assert "no transaction is active" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(f".{db_path.name}")) == []
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_to_a_full_disk_leaves_the_previous_file_not_a_truncated_one(db_path, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(b"previous export")
    result = cli("export", "--db", str(db_path), "--format", fmt, str(out), limit_bytes=4096)
    assert result.returncode == 1
    # (openpyxl's spooling generator may print an "Exception ignored" note of its own at exit)
    assert result.stderr.startswith("error: cannot write") and "nothing was written" in result.stderr, result.stderr
    assert out.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


# --------------------------------------------------------------------------- item 17: a huge rejection

def test_a_million_identical_rows_are_rejected_with_a_short_message(db_path):
    data = (HEADER + row() * 200_000).encode()
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "same.csv")
    (error,) = info.value.plan.errors
    assert error.code == "duplicate_row"
    assert "200,000 in all" in error.message and "共200,000行" in error.message_zh
    assert len(error.message) < 300


# --------------------------------------------------------------------------- item 17: damaged database files

def damage(db_path) -> bytes:
    """Overwrite the database's header block: what a failed disk or a foreign file looks like to DuckDB."""
    data = bytearray(db_path.read_bytes())
    data[:4096] = b"\x00garbage" * 512
    db_path.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize("command", [["assess"], ["import", "FILE"], ["export", "--format", "csv", "OUT"],
                                     ["targets", "list"]])
def test_a_damaged_database_gives_one_clear_message_and_is_left_alone(db_path, tmp_path, command):
    data = damage(db_path)
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row(), encoding="utf-8")
    args = [str(path) if a == "FILE" else str(tmp_path / "out.csv") if a == "OUT" else a for a in command]
    result = cli(*args, "--db", str(db_path))
    assert result.returncode == 1
    assert "cannot be read" in result.stderr and "Restore it from a backup" in result.stderr and "无法读取" in result.stderr
    assert "Traceback" not in result.stderr and ".writing-" not in result.stderr  # not the private copy's name
    assert db_path.read_bytes() == data
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(f".{db_path.name}.writing")]


def test_the_app_shows_one_clear_message_for_a_damaged_database(db_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from monitor.i18n import t

    damage(db_path)
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    for page in (None, "pages/data.py", "pages/indicator.py"):
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and "python -m monitor init" in errors[0]
        assert errors[0].startswith(t("import_guard.database_unreadable", "zh").split("{")[0])
