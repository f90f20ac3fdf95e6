"""The prefecture table of a statistical monthly report: several indicators side by side, names merged over
绝对额/增长 pairs, spaced region names, a footnote (issue 16, the layout that could not be imported)."""

from __future__ import annotations

from monitor import store
from monitor.cli import main
from monitor.db import Reader
from monitor.importer import import_file
from tests.conftest import PROJECT_ROOT

TABLE = PROJECT_ROOT / "tests" / "fixtures" / "wide" / "prefectures_multi_2023_test.csv"  # figures are invented


def test_the_multi_indicator_table_imports_with_layout_wide_and_no_other_option(db_path, capsys):
    assert main(["import", str(TABLE), "--db", str(db_path), "--layout", "wide"]) == 0
    out = capsys.readouterr()
    assert "30 rows added" in out.out
    # the blocks the registry does not know are listed, not guessed
    assert "'规模以上工业增加值' is not an indicator the registry knows" in out.err
    assert "'固定资产投资' is not an indicator the registry knows" in out.err
    with Reader(db_path) as reader:
        regions = store.regions(reader)
        prefectures = set(regions[(regions.level == "prefecture") & (regions.parent_code == "430000")].code)
        rows = reader.query_df(
            "SELECT indicator_id, region_code, period, period_type, value, yoy_pct, unit FROM observations_latest"
            " WHERE dataset = 'official' AND period = '2023-12' AND period_type = 'ytd'")
    for indicator in ("gdp", "retail_sales"):
        mine = rows[rows.indicator_id == indicator].set_index("region_code")
        assert set(mine.index) == prefectures | {"430000"}        # 14 prefectures and the province ("全  省")
    assert rows.set_index(["indicator_id", "region_code"]).loc[("gdp", "430000")].value == 50000.5
    assert rows.set_index(["indicator_id", "region_code"]).loc[("retail_sales", "430100")][["value", "yoy_pct"]] \
        .tolist() == [410.25, 6.1]


def test_a_block_with_only_a_growth_column_stores_the_growth(db_path):
    text = "\n".join([
        "2024年1-6月各市州进出口情况（测试夹具）,,,,,",
        "地区,进出口,,出口,,进口",
        ",金额（亿元）,同比（%）,金额（亿元）,同比（%）,同比（%）",
        "长 沙 市,1000.5,10.5,600.5,12.5,7.5",
        "株洲市,100.25,5.5,60.25,6.5,3.5",
        "资料来源：长沙海关（测试夹具）",
    ]) + "\n"
    result = import_file(db_path, text.encode(), "customs.csv", layout="wide")
    assert [p.code for p in result.plan.warnings] == ["block_skipped"]      # 出口: no such indicator
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT indicator_id, region_code, value, yoy_pct FROM observations_latest WHERE dataset = 'official'"
            " AND period = '2024-06' AND indicator_id IN ('imports', 'trade_total') ORDER BY indicator_id, region_code")
    assert rows == [("imports", "430100", None, 7.5), ("imports", "430200", None, 3.5),
                    ("trade_total", "430100", 1000.5, 10.5), ("trade_total", "430200", 100.25, 5.5)]
