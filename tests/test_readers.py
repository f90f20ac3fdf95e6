"""read_any: workbooks and the Statistics Bureau's wide tables, through the importer's pipeline."""

from __future__ import annotations

import functools
import io
from datetime import date, datetime

import openpyxl
import pytest

from monitor import store
from monitor.db import Reader
from monitor.importer import ImportRejected, import_file, preview_file
from monitor.readers import classify_header, clean_header, match_period, read_any

TODAY = date(2026, 11, 28)
TITLE = "2024年1-6月各市州社会消费品零售总额"


def wide(*lines: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = ("\n".join(lines) + "\n").encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def table(encoding="utf-8", bom=False) -> bytes:
    return wide(f"{TITLE},,,,", "单位：亿元,,,,", "地区,1-5月,1-6月,1-5月增速,1-6月增速",
                '全省,"9,000.1",１０８００．５,5.1,5.3%', "长　沙　市,2500,3000.2,6.0,6.1",
                "湘西州,100,120,3.0,3.2", "株洲市,300,350亿元,7,7.2", ",,,,", "注：全省数据为快报数。,,,,",
                "数据来源：湖南省统计局,,,,", encoding=encoding, bom=bom)


def latest(db_path, region, period, indicator="retail_sales"):
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT value, yoy_pct, unit_published, source, period_type FROM observations_latest "
            "WHERE indicator_id = ? AND region_code = ? AND period = ?", [indicator, region, period])
    return rows[0] if rows else None


@pytest.mark.parametrize("header, expected", [
    ("2024", ("2024", "annual")),
    ("2024年", ("2024", "annual")),
    ("2024-06", ("2024-06", "ytd")),
    ("2024年6月", ("2024-06", "ytd")),
    ("1-6月", ("2024-06", "ytd")),
    ("2024年1-6月", ("2024-06", "ytd")),
    ("1—6月", ("2024-06", "ytd")),
    ("１－６月", ("2024-06", "ytd")),
    ("1至6月", ("2024-06", "ytd")),
    ("1-6月累计", ("2024-06", "ytd")),
    ("6月当月", ("2024-06", "month")),
    ("1月", ("2024-01", "ytd")),
    ("1-6月(亿元)", ("2024-06", "ytd")),
])
def test_period_headers(header, expected):
    column = classify_header(header, 1)
    assert column.kind == "value"
    assert column.period.resolve(2024, None) == expected


@pytest.mark.parametrize("header, period", [
    ("增速(%)", None), ("同比增长(%)", None), ("1-6月增速", ("2024-06", "ytd")),
    ("2024年1-6月比上年同期增长(%)", ("2024-06", "ytd")),
])
def test_growth_headers(header, period):
    column = classify_header(header, 1)
    assert column.kind == "growth"
    assert (column.period.resolve(2024, None) if column.period else None) == period


def test_a_month_alone_follows_the_period_type_option():
    period = match_period(clean_header("2024年6月"))
    assert period.resolve(None, None) == ("2024-06", "ytd")
    assert period.resolve(None, "month") == ("2024-06", "month")


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("gbk", False), ("gb18030", False)])
def test_wide_csv_in_every_encoding(db_path, encoding, bom):
    result = import_file(db_path, table(encoding, bom), "wide.csv", stage=read_any, today=TODAY)
    assert result.plan.file_format == "csv-wide"
    assert result.plan.rows_in_file == 8 and result.plan.added + result.plan.revised == 8
    assert latest(db_path, "430000", "2024-06")[:4] == (10800.5, 5.3, "亿元", "湖南省统计局")  # 全省, full-width digits
    assert latest(db_path, "430000", "2024-05")[0] == 9000.1                                  # thousands separator
    assert latest(db_path, "430100", "2024-06")[:2] == (3000.2, 6.1)                          # 长　沙　市
    assert latest(db_path, "433100", "2024-05")[0] == 100                                     # 湘西州
    assert latest(db_path, "430200", "2024-06")[0] == 350                                     # "350亿元"


def test_indicator_and_unit_from_the_title_and_unit_lines_and_the_conversion_is_announced_once(db_path):
    data = wide("2024年1-6月各市州网上零售额,,", "单位:万元,,", "地区,1-5月,1-6月", "长沙市,25000000,30000000",
                "株洲市,3000000,3500000", "数据来源：湖南省统计局,,")
    result = import_file(db_path, data, "online.csv", stage=read_any, today=TODAY)
    assert [(w.code, w.row, w.column) for w in result.plan.warnings] == [("unit_converted", 2, "column A")]
    assert latest(db_path, "430100", "2024-06", "online_retail")[:3] == (3000.0, None, "万元")


def test_options_describe_a_bare_table_and_say_where_they_override_it(db_path):
    data = wide("地区,1-6月,同比增长(%)", "长沙市,3000.2,6.1", "全省,10800.5,5.3")
    stage = functools.partial(read_any, indicator="retail_sales", unit="亿元", source="湖南省统计局",
                              source_url="https://tjj.hunan.gov.cn/", year=2024)
    result = import_file(db_path, data, "bare.csv", stage=stage, today=TODAY)
    assert result.plan.added + result.plan.revised == 2
    assert latest(db_path, "430100", "2024-06")[:2] == (3000.2, 6.1)
    with Reader(db_path) as reader:
        plan, _ = preview_file(reader, wide(f"{TITLE},,", "单位：万元,,", "地区,1-6月,增速", "长沙市,3000.2,6.1"),
                               "t.csv", stage=functools.partial(read_any, unit="亿元", source="s"), today=TODAY)
    assert [(w.code, w.row, w.column) for w in plan.warnings] == [("option_overrides_file", 2, "column A")]


def test_unknown_indicator_option_gets_a_suggestion_once(db_path):
    data = wide("地区,2024年1-6月", "长沙市,3000.2", "株洲市,350")
    stage = functools.partial(read_any, indicator="retail_sale", unit="亿元", source="s")
    with pytest.raises(ImportRejected) as info:
        import_file(db_path, data, "t.csv", stage=stage, today=TODAY)
    assert [(e.code, e.row, e.column) for e in info.value.plan.errors] == [("unknown_indicator", None,
                                                                            "indicator (option)")]
    assert "did you mean retail_sales?" in info.value.plan.errors[0].message


def test_single_month_headers_are_read_as_ytd_with_a_warning_unless_told(db_path):
    data = wide("2024年各市州社会消费品零售总额,,", "单位：亿元,,", "地区,2024年5月,2024年6月", "长沙市,500,510",
                "数据来源：湖南省统计局,,")
    with Reader(db_path) as reader:
        plan, diff = preview_file(reader, data, "m.csv", stage=read_any, today=TODAY)
        assert [(w.code, w.row, w.column) for w in plan.warnings] == [
            ("period_assumed_ytd", 3, "2024年5月"), ("period_assumed_ytd", 3, "2024年6月")]
        assert set(diff.period_type) == {"ytd"}
        plan, diff = preview_file(reader, data, "m.csv", stage=functools.partial(read_any, period_type="month"),
                                  today=TODAY)
    assert plan.warnings == [] and set(diff.period_type) == {"month"}


def test_title_period_with_a_value_and_growth_header(db_path):
    data = wide(f"{TITLE},,", "单位：亿元,,", "地区,绝对额,增速(%)", "长沙市,3000.2,6.1", "合计,10800.5,5.3",
                "数据来源：湖南省统计局,,")
    result = import_file(db_path, data, "t.csv", stage=read_any, today=TODAY)
    assert result.plan.added + result.plan.revised == 2
    assert latest(db_path, "430000", "2024-06")[:2] == (10800.5, 5.3)  # 合计 is the province


def test_not_published_markers_store_nothing_and_say_so(db_path):
    data = wide(f"{TITLE},,", "单位：亿元,,", "地区,1-5月,1-6月", "长沙市,2500,—", "株洲市,…,350",
                "数据来源：湖南省统计局,,")
    result = import_file(db_path, data, "t.csv", stage=read_any, today=TODAY)
    assert [(w.code, w.row, w.column) for w in result.plan.warnings] == [("not_published", 4, "1-6月"),
                                                                        ("not_published", 5, "1-5月")]
    assert latest(db_path, "430100", "2024-06") is None and latest(db_path, "430200", "2024-05") is None


def workbook(*sheets) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, extra in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if extra:
            extra(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_workbook_with_a_trailing_growth_block_and_percent_formatted_cells(db_path):
    def formats(sheet):
        sheet["D5"].number_format = "0.0%"
        sheet["E5"].number_format = '0.0"%"'  # a literal sign: the number is already in percent
    data = workbook(("块", [[TITLE], ["单位：亿元"], [None, "绝对额", None, "增速(%)", None],
                           ["地区", "1-5月", "1-6月", "1-5月", "1-6月"], ["长沙市", 2500, 3000.2, 0.058, 6.1],
                           ["数据来源：湖南省统计局"]], formats))
    result = import_file(db_path, data, "block.xlsx", stage=read_any, today=TODAY)
    assert result.plan.file_format == "xlsx-wide"
    assert latest(db_path, "430100", "2024-05")[:2] == (2500, 5.8)
    assert latest(db_path, "430100", "2024-06")[:2] == (3000.2, 6.1)


def test_workbook_date_headers_and_several_sheets(db_path):
    def rows(v):
        return [["2024年各市州社会消费品零售总额"], ["单位：亿元"],
                ["地区", datetime(2024, 5, 1), datetime(2024, 6, 1)], ["长沙市", v, v + 1], ["数据来源：湖南省统计局"]]

    data = workbook(("a", rows(100), None), ("b", [["说明：本工作簿…"]], None),
                    ("c", [["2024年各市州社会消费品零售总额"], ["单位：亿元"], ["地区", "2023"], ["长沙市", 9000],
                           ["数据来源：湖南省统计局"]], None))
    stage = functools.partial(read_any, period_type="ytd")
    result = import_file(db_path, data, "book.xlsx", stage=stage, today=TODAY)
    assert [(w.code, w.sheet) for w in result.plan.warnings] == [("sheet_skipped", "b")]
    assert latest(db_path, "430100", "2024-06")[0] == 101 and latest(db_path, "430100", "2023")[0] == 9000
    only_c = functools.partial(read_any, sheet="c")
    with Reader(db_path) as reader:
        plan, _ = preview_file(reader, data, "book.xlsx", stage=only_c, today=TODAY)
    assert plan.rows_in_file == 1


def test_long_workbook_normalises_cells(db_path):
    header = ["indicator", "region", "period", "value", "unit", "yoy_pct", "source"]
    data = workbook(("data", [header, ["gdp", "长沙市", 2023, "１４，３３１．９８亿元", None, "4.8%", "长沙市统计公报"],
                              ["gdp", "株洲市", datetime(2024, 6, 1), 1900, "亿元", 5.1, "株洲市统计局"]], None))
    result = import_file(db_path, data, "long.xlsx", stage=read_any, today=TODAY)
    assert result.plan.file_format == "xlsx" and result.plan.added + result.plan.revised == 2
    assert latest(db_path, "430100", "2023", "gdp")[:3] == (14331.98, 4.8, "亿元")
    assert latest(db_path, "430200", "2024-06", "gdp")[0] == 1900  # Excel's date for '2024-06'


def test_long_csv_still_takes_the_sql_path(db_path):
    data = b"indicator,region,period,value,unit,yoy_pct,source,source_url,note\nretail_sales,430100,2024,6000,,,s,,\n"
    with Reader(db_path) as reader:
        plan, _ = preview_file(reader, data, "l.csv", stage=read_any, today=TODAY)
    assert plan.file_format == "csv" and plan.is_valid


def test_options_are_ignored_for_the_long_layout_and_say_so(db_path):
    data = b"indicator,region,period,value,unit,yoy_pct,source,source_url,note\nretail_sales,430100,2024,6000,,,s,,\n"
    with Reader(db_path) as reader:
        plan, _ = preview_file(reader, data, "l.csv", stage=functools.partial(read_any, unit="万元"), today=TODAY)
    assert [(w.code, w.column) for w in plan.warnings] == [("option_ignored", "unit (option)")]


def test_bad_options_are_reported(db_path):
    with Reader(db_path) as reader:
        plan, _ = preview_file(reader, table(), "t.csv", stage=functools.partial(read_any, year="24"), today=TODAY)
    assert [(e.code, e.column) for e in plan.errors] == [("bad_option", "year (option)")]
    with pytest.raises(TypeError):
        with Reader(db_path) as reader:
            preview_file(reader, table(), "t.csv", stage=functools.partial(read_any, colour="red"), today=TODAY)


def test_wide_table_reimported_with_one_changed_cell_is_one_revision(db_path):
    stage = functools.partial(read_any, source="湖南省统计局")
    lines = [f"{TITLE},,", "单位：亿元,,", "地区,1-5月,1-6月", "长沙市,2500,3000.2", "株洲市,300,350",
             "湘潭市,200,240", "衡阳市,260,310"]
    first = import_file(db_path, wide(*lines), "v1.csv", stage=stage, today=TODAY, vintage=datetime(2024, 7, 15))
    assert (first.plan.added, first.plan.revised) == (8, 0)
    lines[5] = "湘潭市,200,241.5"
    second = import_file(db_path, wide(*lines), "v2.csv", stage=stage, today=TODAY, vintage=datetime(2024, 8, 15))
    assert second.plan.counts() == (0, 1, 7)
    with Reader(db_path) as reader:
        history = store.history(reader, "official", "retail_sales", "430300", "2024-06")
        revised = store.revisions(reader, "official", 10)
    assert list(history.value) == [241.5, 240] and list(history.file_name) == ["v2.csv", "v1.csv"]
    assert list(history.vintage) == [datetime(2024, 8, 15), datetime(2024, 7, 15)]
    mine = revised[revised.file_name == "v2.csv"]
    assert len(mine) == 1
    row = mine.iloc[0]
    assert (row.region_code, row.region_name_zh, row.period, row.old_value, row.new_value) == (
        "430300", "湘潭市", "2024-06", 240, 241.5)
    assert row.old_vintage == datetime(2024, 7, 15) and row.new_vintage == datetime(2024, 8, 15)


def test_a_figure_that_looks_like_a_year_does_not_make_a_header(db_path):
    data = wide("地区,绝对额,增速", "长沙市,2024,5.1")  # no title period: not a table we can read
    with Reader(db_path) as reader:
        plan, _ = preview_file(reader, data, "t.csv", stage=read_any, today=TODAY)
    assert [e.code for e in plan.errors] == ["no_header"]
