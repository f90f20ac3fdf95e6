"""The command line: init, import, export, exit codes."""

import csv
import hashlib
import io
import subprocess
import sys

from monitor.cli import main
from tests.conftest import PROJECT_ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)


def test_init_then_export_yields_every_bundled_row_with_its_source(tmp_path):
    db = tmp_path / "x.duckdb"
    out = tmp_path / "out.csv"
    assert run("init", "--db", str(db)).returncode == 0
    result = run("export", "--db", str(db), "--format", "csv", str(out))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    exported = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    bundled = list(csv.DictReader((PROJECT_ROOT / "data/official/hunan_official.csv").open(encoding="utf-8")))
    assert len(exported) == len(bundled) == 86
    assert all(row["source"] for row in exported)
    key = lambda r: (r["indicator"], r["period"], r["source"], r["quote"])
    assert sorted(map(key, exported)) == sorted(map(key, bundled))


def export_digest(db, tmp_path, name):
    out = tmp_path / name
    assert main(["export", "--db", str(db), "--format", "csv", str(out)]) == 0
    return hashlib.sha256(out.read_bytes()).hexdigest()


def test_import_with_a_bad_row_exits_2_names_the_row_and_changes_nothing(db_path, tmp_path, capsys):
    before = export_digest(db_path, tmp_path, "before.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,region,period,value,unit,yoy_pct,source,source_url,note\n"
                   "retail_sales,长沙市,2024,6000,亿元,5,src,,\n"
                   "retail_sales,火星市,2024,300,亿元,,src,,\n", encoding="utf-8")
    assert main(["import", str(bad), "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "火星市" in err and "nothing was written" in err
    assert export_digest(db_path, tmp_path, "after.csv") == before


def test_import_good_file_prints_counts(db_path, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("indicator,region,period,value,unit,yoy_pct,source,source_url,note\n"
                    "retail_sales,长沙市,2024,6000,亿元,5,src,,\n", encoding="utf-8")
    assert main(["import", str(good), "--db", str(db_path)]) == 0
    assert "1 rows added" in capsys.readouterr().out


def test_missing_file_exits_2(db_path, capsys):
    assert main(["import", "/nonexistent.csv", "--db", str(db_path)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_xlsx_export_opens_with_chinese(db_path, tmp_path):
    import openpyxl
    out = tmp_path / "out.xlsx"
    assert main(["export", "--db", str(db_path), "--format", "xlsx", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    names = {cell.value for cell in sheet["M"][1:]}
    assert "社会消费品零售总额" in names
