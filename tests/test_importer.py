"""The long CSV contract and all-or-nothing imports."""

from datetime import date

import pytest

from monitor import store
from monitor.db import Reader
from monitor.importer import ImportRejected, import_file

HEADER = "indicator,region,period,value,unit,yoy_pct,source,source_url,note\n"
TODAY = date(2026, 11, 28)


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    data = (header + "".join(r + "\n" for r in rows)).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def count(db_path, where="TRUE", params=()):
    with Reader(db_path) as reader:
        return reader.query_rows(f"SELECT count(*) FROM observations WHERE {where}", list(params))[0][0]


def latest(db_path, indicator, region, period):
    with Reader(db_path) as reader:
        return reader.query_rows(
            "SELECT value, unit, value_published, unit_published, yoy_pct, status FROM observations_latest "
            "WHERE indicator_id = ? AND region_code = ? AND period = ?", [indicator, region, period])


@pytest.mark.parametrize("bom", [False, True])
def test_accepts_codes_names_and_bom(db_path, bom):
    data = csv_bytes(
        "retail_sales,430200,2024,1500.5,亿元,5.1,株洲市统计局,https://example.org/a,",
        "retail_sales,邵阳市,2024-06,700,亿元,4.0,邵阳市统计局,,",
        "retail_sales,湘西州,2024,,亿元,3.2,湘西州统计局,,growth only",
        bom=bom)
    result = import_file(db_path, data, "f.csv", today=TODAY)
    assert (result.plan.added, result.plan.revised) == (3, 0)
    assert latest(db_path, "retail_sales", "430200", "2024") == [(1500.5, "亿元", 1500.5, "亿元", 5.1, None)]
    assert latest(db_path, "retail_sales", "430500", "2024-06")[0][0] == 700
    assert latest(db_path, "retail_sales", "433100", "2024")[0][0] is None  # growth only: value stays missing, not 0


def test_converts_units_and_keeps_the_published_ones(db_path):
    data = csv_bytes("logistics_cost,全国,2024,19.0,万亿元,,中国物流与采购联合会,,",
                     "retail_sales,长沙市,2024,58000000,万元,,长沙市统计局,,")
    result = import_file(db_path, data, "units.csv", today=TODAY)
    assert [p.code for p in result.plan.warnings] == ["unit_converted", "unit_converted"]
    assert latest(db_path, "logistics_cost", "000000", "2024")[0][:4] == (190000.0, "亿元", 19.0, "万亿元")
    assert latest(db_path, "retail_sales", "430100", "2024")[0][0] == 5800.0


def test_optional_quote_and_status_columns(db_path):
    header = HEADER.strip() + ",quote,status\n"
    data = csv_bytes('gdp,株洲市,2024,3800,亿元,5.0,株洲公报,,,"全市地区生产总值3800亿元",preliminary', header=header)
    import_file(db_path, data, "q.csv", today=TODAY)
    assert latest(db_path, "gdp", "430200", "2024")[0][5] == "preliminary"


def test_one_bad_row_rejects_the_whole_file(db_path):
    before = count(db_path)
    data = csv_bytes("retail_sales,长沙市,2024,6000,亿元,5,src,,",
                     "retail_sales,火星市,2024,300,亿元,,src,,")
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "bad.csv", today=TODAY)
    errors = info.value.plan.errors
    assert [(e.code, e.row, e.column) for e in errors] == [("unknown_region", 3, "region")]
    assert errors[0].location() == "bad.csv, row 3, column region"
    assert errors[0].location("zh") == "bad.csv，第3行，列region"  # the Chinese interface names places in Chinese
    assert count(db_path) == before
    with Reader(db_path) as reader:  # the attempt is logged; the data are untouched
        last = "FROM import_log ORDER BY id DESC LIMIT 1"
        assert reader.query_rows(f"SELECT outcome, file_name {last}")[0] == ("rejected", "bad.csv")
        message, message_zh = reader.query_rows(f"SELECT message, message_zh {last}")[0]
    # the reasons are logged in both languages, each naming the file, row and column
    assert message == "error: bad.csv, row 3, column region: unknown region '火星市'"
    assert message_zh == "错误：bad.csv，第3行，列region：未知地区“火星市”"


@pytest.mark.parametrize("row, code", [
    ("retail_sale,长沙市,2024,1,亿元,,s,,", "unknown_indicator"),
    ("retail_sales,长沙市,2024-13,1,亿元,,s,,", "bad_period"),
    ("retail_sales,长沙市,24,1,亿元,,s,,", "bad_period"),
    ("retail_sales,长沙市,2031,1,亿元,,s,,", "future_period"),
    ("retail_sales,长沙市,1900,1,亿元,,s,,", "period_too_early"),
    ("retail_sales,长沙市,2024,abc,亿元,,s,,", "value_not_numeric"),
    ("retail_sales,长沙市,2024,1,亿元,x%,s,,", "yoy_not_numeric"),
    ("retail_sales,长沙市,2024,,亿元,,s,,", "no_value"),
    ("retail_sales,长沙市,2024,-5,亿元,,s,,", "negative_value"),
    ("retail_sales,长沙市,2024,1,吨,,s,,", "unknown_unit"),
    ("retail_sales,长沙市,2024,1,家,,s,,", "unit_mismatch"),
    ("retail_sales,长沙市,2024,1,亿元,,,,", "missing_source"),
    ("new_above_quota_enterprises,湖南省,2024,1,家,,s,,", "derived_indicator"),
])
def test_each_kind_of_bad_row_is_named(db_path, row, code):
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, csv_bytes(row), "bad.csv", today=TODAY)
    assert code in {e.code for e in info.value.plan.errors}
    assert all(e.row == 2 for e in info.value.plan.errors)


def test_unknown_region_gets_a_suggestion(db_path):
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, csv_bytes("retail_sales,湘西土家族自治州,2024,1,亿元,,s,,"), "s.csv", today=TODAY)
    assert "湘西土家族苗族自治州" in info.value.plan.errors[0].message


def test_duplicates_inside_the_file(db_path):
    data = csv_bytes("retail_sales,长沙市,2024,1,亿元,,s,,", "retail_sales,430100,2024,2,亿元,,s,,")
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "dup.csv", today=TODAY)
    assert [e.code for e in info.value.plan.errors] == ["duplicate_row"]
    assert "rows 2, 3" in info.value.plan.errors[0].message


@pytest.mark.parametrize("data, code", [
    (b"", "empty_file"),
    (HEADER.encode(), "no_rows"),
    (b"indicator,region,period\nretail_sales,430000,2024\n", "missing_column"),
    (csv_bytes("retail_sales,430000,2024,1,亿元,,s,,,extra"), "malformed_csv"),
])
def test_file_level_problems(db_path, data, code):
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "f.csv", today=TODAY)
    assert [e.code for e in info.value.plan.errors] == [code]


def test_gbk_encoded_csv(db_path):
    data = (HEADER + "retail_sales,长沙市,2024,6000,亿元,5,长沙市统计局,,\n").encode("gbk")
    assert import_file(db_path, data, "gbk.csv", today=TODAY).plan.added == 1


def test_revision_adds_a_vintage_and_keeps_the_old_value(db_path):
    import_file(db_path, csv_bytes("retail_sales,长沙市,2024,6000,亿元,5,src,,"), "v1.csv", today=TODAY)
    result = import_file(db_path, csv_bytes("retail_sales,长沙市,2024,6010,亿元,5.2,src,,"), "v2.csv", today=TODAY)
    assert (result.plan.added, result.plan.revised) == (0, 1)
    assert latest(db_path, "retail_sales", "430100", "2024")[0][0] == 6010
    with Reader(db_path) as reader:
        hist = store.history(reader, "official", "retail_sales", "430100", "2024")
    assert list(hist.value) == [6010, 6000]
    assert hist.status.iloc[0] == "revised"


def test_reimporting_the_same_file_is_a_no_op(db_path):
    data = csv_bytes("retail_sales,长沙市,2024,6000,亿元,5,src,,")
    first = import_file(db_path, data, "same.csv", today=TODAY)
    second = import_file(db_path, data, "same.csv", today=TODAY)
    assert second.outcome == "no_op" and second.plan.unchanged == 1
    assert f"import #{first.import_id}" in second.summary()
    with Reader(db_path) as reader:
        logged = reader.query_rows("SELECT outcome, message, message_zh FROM import_log ORDER BY id")
    assert logged[-2] == ("success", "1 added, 0 revised, 0 unchanged", "新增1条，修订0条，未变0条")
    assert logged[-1] == ("no_op", f"0 added, 0 revised, 1 unchanged; same file as import #{first.import_id}",
                          f"新增0条，修订0条，未变1条；与第{first.import_id}次导入的文件相同")
    assert count(db_path, "region_code = '430100' AND period = '2024'") == 1


def test_the_latest_flag_follows_the_newest_vintage_whatever_the_import_order(db_path):
    """observations_latest reads a flag the writer keeps; it must equal the window over vintages."""
    header = HEADER.strip() + ",release_date\n"
    import_file(db_path, csv_bytes("gdp,株洲市,2024,3800,亿元,,株洲公报,,,2025-03-01", header=header), "a.csv",
                today=TODAY)
    import_file(db_path, csv_bytes("gdp,株洲市,2024,3810,亿元,,株洲公报,,,2025-09-01", header=header), "b.csv",
                today=TODAY)
    assert latest(db_path, "gdp", "430200", "2024")[0][0] == 3810
    # a file that carries an older release date is stored as an earlier vintage: the newest stays current
    import_file(db_path, csv_bytes("gdp,株洲市,2024,3790,亿元,,株洲公报,,,2025-01-15", header=header), "c.csv",
                today=TODAY)
    assert latest(db_path, "gdp", "430200", "2024")[0][0] == 3810
    assert count(db_path, "indicator_id = 'gdp' AND region_code = '430200' AND period = '2024'") == 3
    with Reader(db_path) as reader:
        flagged = reader.query_df("SELECT * FROM observations_latest ORDER BY id")
        windowed = reader.query_df("SELECT * FROM observations_as_of(TIMESTAMP '9999-12-31') ORDER BY id")
        assert flagged.equals(windowed)
        assert reader.query_df("SELECT * FROM observations_current ORDER BY indicator_id, region_code, period_type, "
                               "period").equals(reader.query_df(
                                   "SELECT * FROM observations_resolved(TIMESTAMP '9999-12-31') "
                                   "ORDER BY indicator_id, region_code, period_type, period"))
