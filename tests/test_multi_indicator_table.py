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
    assert result.plan.warnings == []                                       # 出口 is exports (two columns)
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT indicator_id, region_code, value, yoy_pct FROM observations_latest WHERE dataset = 'official'"
            " AND period = '2024-06' AND indicator_id IN ('imports', 'trade_total') ORDER BY indicator_id, region_code")
    assert rows == [("imports", "430100", None, 7.5), ("imports", "430200", None, 3.5),
                    ("trade_total", "430100", 1000.5, 10.5), ("trade_total", "430200", 100.25, 5.5)]


def test_a_1_12_title_is_the_december_cumulative_not_the_annual_figure(db_path):
    """'2023年1-12月' is the monthly report's preliminary cumulative: stored as 2023-12 ytd; the annual figure
    (统计公报) is another row, which the assessment prefers once it exists (see readers._PERIOD_FORMS)."""
    import_file(db_path, TABLE.read_bytes(), TABLE.name, layout="wide")
    with Reader(db_path) as reader:
        kinds = reader.query_rows("SELECT DISTINCT period, period_type FROM observations_latest"
                                  " WHERE dataset = 'official' AND import_id = (SELECT max(id) FROM import_log)")
    assert kinds == [("2023-12", "ytd")]


XIANGXI_NAMES = ("湘 西 州", "湘西州", "湘西自治州", "湘 西 自 治 州", "湘西土家族苗族自治州", "湘西土家族苗族自治州 ")


def test_spaced_short_and_full_names_of_xiangxi_and_the_province_all_resolve_in_a_prefecture_table(db_path):
    """Monthly reports write 湘西 several ways (and pad names with spaces to align them): every way resolves to
    433100, the spaced 全  省 to the province; the names are aliases in data/regions.csv, not code."""
    for i, name in enumerate(XIANGXI_NAMES):
        text = "\n".join([
            f"2023年1-{i + 1}月市州主要经济指标（测试夹具）,,,,",
            "地区,地区生产总值,,社会消费品零售总额,",
            ",绝对额（亿元）,增长（%）,绝对额（亿元）,增长（%）",
            f"全  省,{1000 + i},4.0,{500 + i},6.0",
            f"{name},{100 + i},5.0,{50 + i},7.0",
            "资料来源：湖南省统计局（测试夹具）",
        ]) + "\n"
        result = import_file(db_path, text.encode(), f"xiangxi_{i}.csv", layout="wide")
        assert result.plan.added + result.plan.revised == 4, name
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT region_code, count(*) FROM observations_latest WHERE dataset = 'official'"
            " AND indicator_id = 'gdp' AND source LIKE '%测试夹具%' GROUP BY region_code ORDER BY region_code")
    assert rows == [("430000", len(XIANGXI_NAMES)), ("433100", len(XIANGXI_NAMES))]


def test_a_customs_table_imports_every_block_the_registry_knows_and_lists_the_others(db_path):
    """进出口 / 出口 / 进口 over 金额 / 同比, as customs publish it: the three known blocks become trade_total,
    exports and imports; a block the registry does not know (一般贸易) is named in the report, in both languages,
    and skipped — its figures are not stored under another indicator."""
    text = "\n".join([
        "2024年1-6月各市州进出口情况（测试夹具）,,,,,,,,",
        "地区,进出口,,出口,,进口,,一般贸易,",
        ",金额（亿元）,同比（%）,金额（亿元）,同比（%）,金额（亿元）,同比（%）,金额（亿元）,同比（%）",
        "全  省,3000.5,8.5,2000.5,9.5,1000.0,6.5,1500.5,4.5",
        "长 沙 市,1000.5,10.5,600.5,12.5,400.0,7.5,500.5,5.5",
        "湘西自治州,20.25,5.5,12.25,6.5,8.0,3.5,10.5,2.5",
        "资料来源：长沙海关（测试夹具）",
    ]) + "\n"
    result = import_file(db_path, text.encode(), "customs.csv", layout="wide")
    skipped = [p for p in result.plan.warnings if p.code == "block_skipped"]
    assert len(skipped) == 1 and "一般贸易" in skipped[0].text("en") and "一般贸易" in skipped[0].text("zh")
    assert "not an indicator the registry knows" in skipped[0].text("en")
    assert "不是已登记的指标" in skipped[0].text("zh")
    assert result.plan.added == 9
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT indicator_id, region_code, value, yoy_pct FROM observations_latest WHERE dataset = 'official'"
            " AND period = '2024-06' AND period_type = 'ytd' AND source LIKE '%测试夹具%'"
            " ORDER BY indicator_id, region_code")
    assert rows == [("exports", "430000", 2000.5, 9.5), ("exports", "430100", 600.5, 12.5),
                    ("exports", "433100", 12.25, 6.5),
                    ("imports", "430000", 1000.0, 6.5), ("imports", "430100", 400.0, 7.5),
                    ("imports", "433100", 8.0, 3.5),
                    ("trade_total", "430000", 3000.5, 8.5), ("trade_total", "430100", 1000.5, 10.5),
                    ("trade_total", "433100", 20.25, 5.5)]
