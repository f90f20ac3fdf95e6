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
    assert len(exported) == len(bundled) == 144
    assert all(row["source"] for row in exported)
    def key(r):
        return r["indicator"], r["period"], r["source"], r["quote"]

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


WIDE = ("2024年1-6月各市州社会消费品零售总额,,\n单位：万元,,\n地区,1-5月,1-6月\n"
        "长沙市,25000000,30002000\n株洲市,3000000,3500000\n")


def test_dry_run_shows_the_diff_and_writes_nothing_then_import_writes(db_path, tmp_path, capsys):
    wide = tmp_path / "wide.csv"
    wide.write_bytes(WIDE.encode("gbk"))
    first = tmp_path / "v1.csv"
    first.write_text("indicator,region,period,value,unit,yoy_pct,source,source_url,note\n"
                     "retail_sales,长沙市,2024-06,2999.5,亿元,,湖南省统计局,,\n", encoding="utf-8")
    assert main(["import", str(first), "--db", str(db_path)]) == 0
    before = export_digest(db_path, tmp_path, "before.csv")
    capsys.readouterr()
    args = ["import", str(wide), "--db", str(db_path), "--layout", "wide", "--source", "湖南省统计局"]
    assert main([*args, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "would add 3 rows, revise 1" in out and "nothing written (--dry-run)" in out
    assert "revised row 4: retail_sales 长沙市 2024-06 (ytd): 2,999.5 → 3,000.2 亿元" in out
    assert "added   row 5: retail_sales 株洲市 2024-06 (ytd): 350 亿元" in out
    assert "value converted from 万元 to 亿元" in err
    assert export_digest(db_path, tmp_path, "after.csv") == before
    assert main(args) == 0
    assert "3 rows added, 1 revised" in capsys.readouterr().out
    assert export_digest(db_path, tmp_path, "after2.csv") != before


def test_dry_run_of_a_bad_file_exits_2_and_lists_the_problems(db_path, tmp_path, capsys):
    wide = tmp_path / "wide.csv"
    wide.write_text(WIDE.replace("株洲市,3000000", "湘西土家族自治州,3000000"), encoding="utf-8")
    assert main(["import", str(wide), "--db", str(db_path), "--dry-run", "--source", "s"]) == 2
    err = capsys.readouterr().err
    assert "would be rejected" in err
    assert "wide.csv, row 5, column 地区: unknown region '湘西土家族自治州'; did you mean 湘西土家族苗族自治州?" in err


def test_dry_run_needs_an_existing_database(tmp_path, capsys):
    wide = tmp_path / "wide.csv"
    wide.write_text(WIDE, encoding="utf-8")
    assert main(["import", str(wide), "--db", str(tmp_path / "none.duckdb"), "--dry-run"]) == 2
    assert "python -m monitor init" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()


def test_wide_options_and_sheet_on_the_command_line(db_path, tmp_path, capsys):
    import openpyxl
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本工作簿含两张表"])
    sheet = book.create_sheet("网上零售")
    sheet.append(["地区", "1-6月", "同比增长(%)"])
    sheet.append(["长沙市", 1500.5, 9.1])
    path = tmp_path / "book.xlsx"
    book.save(path)
    assert main(["import", str(path), "--db", str(db_path), "--sheet", "网上零售", "--indicator", "online_retail",
                 "--unit", "亿元", "--source", "长沙市统计局", "--source-url", "https://example.org/x",
                 "--year", "2024"]) == 0
    assert "1 rows added" in capsys.readouterr().out
    from monitor.db import Reader
    with Reader(db_path) as reader:
        assert reader.query_rows("SELECT value, yoy_pct, source, source_url FROM observations_latest WHERE "
                                 "indicator_id = 'online_retail' AND region_code = '430100' "
                                 "AND period = '2024-06'") == [(1500.5, 9.1, "长沙市统计局", "https://example.org/x")]


def test_demo_if_missing_leaves_an_existing_demo_alone(db_path, capsys):
    assert main(["demo", "--db", str(db_path), "--years", "2020-2022", "--if-missing"]) == 0
    first = capsys.readouterr().out
    assert "synthetic rows" in first
    assert main(["demo", "--db", str(db_path), "--if-missing"]) == 0
    assert "left as it is" in capsys.readouterr().out
