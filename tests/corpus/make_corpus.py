"""Write the corpus of bad files (and a few accepted-with-warning ones) that tests/test_corpus.py checks.

The files are checked in; run `python tests/corpus/make_corpus.py` to rewrite them after changing
this script. Each file has one problem; tests/test_corpus.py says which message it must get.
The 50 MB file is generated at test time (tests/bigfiles.py), never checked in.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
HEADER = "indicator,region,period,value,unit,yoy_pct,source,source_url,note\n"
GOOD = "retail_sales,长沙市,2024,6000,亿元,5,长沙市统计局,,\n"


def long_csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode("utf-8")


def wide_csv(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


TITLE = "2024年1-6月各市州社会消费品零售总额,,"
UNIT = "单位：亿元,,"
SOURCE = "数据来源：湖南省统计局,,"

FILES: dict[str, bytes] = {
    # --- the long CSV
    "empty.csv": b"",
    "header_only.csv": HEADER.encode(),
    "unknown_region.csv": long_csv(GOOD.strip(), "retail_sales,火星市,2024,300,亿元,,src,,"),
    "region_suggestion.csv": long_csv("retail_sales,湘西土家族自治州,2024,300,亿元,,src,,"),
    "unknown_indicator.csv": long_csv("retail_sale,长沙市,2024,6000,亿元,,src,,"),
    "derived_indicator.csv": long_csv("new_above_quota_enterprises,湖南省,2024,100,家,,src,,"),
    "non_numeric.csv": long_csv(GOOD.strip(), "retail_sales,株洲市,2024,12x,亿元,,src,,"),
    "empty_value.csv": long_csv("retail_sales,株洲市,2024,,亿元,,src,,"),
    "negative.csv": long_csv("retail_sales,株洲市,2024,-5,亿元,,src,,"),
    "yoy_not_numeric.csv": long_csv("retail_sales,株洲市,2024,300,亿元,x%,src,,"),
    "duplicate.csv": long_csv(GOOD.strip(), "retail_sales,430100,2024,6001,亿元,,src,,"),
    "bad_period.csv": long_csv("retail_sales,株洲市,2024-13,300,亿元,,src,,"),
    "future_period.csv": long_csv("retail_sales,株洲市,2099,300,亿元,,src,,"),
    "early_period.csv": long_csv("retail_sales,株洲市,1900,300,亿元,,src,,"),
    "unknown_unit.csv": long_csv("retail_sales,株洲市,2024,300,吨,,src,,"),
    "unit_mismatch.csv": long_csv("retail_sales,株洲市,2024,300,家,,src,,"),
    "missing_source.csv": long_csv("retail_sales,株洲市,2024,300,亿元,,,,"),
    "bad_status.csv": long_csv("retail_sales,株洲市,2024,300,亿元,,src,,,draft",
                               header=HEADER.strip() + ",status\n"),
    "missing_column.csv": b"indicator,region,period\nretail_sales,430000,2024\n",
    "malformed.csv": long_csv(GOOD.strip(), "retail_sales,株洲市,2024,300,亿元,,src,,,extra"),
    "bad_encoding.csv": HEADER.encode() + b"retail_sales,\x80\xff,2024,1,\xe4\xba,,s,,\n",
    # accepted, with a warning
    "unit_converted.csv": long_csv("retail_sales,株洲市,2024,3000000,万元,,src,,"),
    "implausible_yoy.csv": long_csv("retail_sales,株洲市,2024,300,亿元,300,src,,"),
    "formula_text.csv": long_csv('retail_sales,株洲市,2024,300,亿元,,株洲市统计局,,,"=1+1"',
                                 header=HEADER.strip() + ",quote\n"),
    # --- wide tables (CSV)
    "wide_gbk_region.csv": wide_csv([TITLE, UNIT, "地区,1-5月,1-6月", "全省,9000.1,10800.5", "长沙市,2500,3000.2",
                                     "湘西土家族自治州,100,120", SOURCE], "gbk"),
    "wide_non_numeric.csv": b"\xef\xbb\xbf" + wide_csv([TITLE, UNIT, "地区,1-5月,1-6月", "长沙市,2500,3000.2",
                                                          "株洲市,约300,350", SOURCE]),
    "wide_empty_cell.csv": wide_csv([TITLE, UNIT, "地区,1-5月,1-6月", "长沙市,2500,3000.2", "株洲市,300,",
                                     SOURCE]),
    "wide_future.csv": wide_csv(["各市州社会消费品零售总额,,", UNIT, "地区,2024年1-6月,2099年1-6月",
                                 "长沙市,3000.2,1", "株洲市,350,1", SOURCE]),
    "wide_no_year.csv": wide_csv(["各市州社会消费品零售总额,,", UNIT, "地区,1-5月,1-6月", "长沙市,2500,3000.2",
                                  SOURCE]),
    "wide_no_unit.csv": wide_csv([TITLE, "地区,1-5月,1-6月", "长沙市,2500,3000.2", SOURCE]),
    "wide_no_indicator.csv": wide_csv(["2024年1-6月各市州主要指标,,", UNIT, "地区,1-5月,1-6月",
                                       "长沙市,2500,3000.2", SOURCE]),
    "wide_no_source.csv": wide_csv([TITLE, UNIT, "地区,1-5月,1-6月", "长沙市,2500,3000.2"]),
    "wide_unit_conflict.csv": wide_csv([TITLE, UNIT, "地区,1-5月,1-6月", "长沙市,2500,3000.2",
                                        "株洲市,300,\"3,500,000万元\"", SOURCE]),
    "wide_duplicate_region.csv": wide_csv([TITLE, UNIT, "地区,1-5月,1-6月", "湘西州,100,120", "长沙市,2500,3000.2",
                                           "湘西,101,121", SOURCE]),
    "wide_negative.csv": wide_csv([TITLE, UNIT, "地区,1-6月,同比增长(%)", "长沙市,3000.2,6.1", "株洲市,-350,7.2",
                                   SOURCE], "gb18030"),
    "wide_implausible_yoy.csv": wide_csv([TITLE, UNIT, "地区,1-6月,同比增长(%)", "长沙市,3000.2,6.1",
                                          "株洲市,350,172.0", SOURCE], "gb18030"),
    "not_a_table.csv": "会议纪要\n今天讨论了社零数据。\n下周再议。\n".encode("utf-8"),
    # --- other formats
    "legacy.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
}


def xlsx_bytes(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def formula_xlsx() -> bytes:
    """A wide table whose province row is an Excel formula."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "社零"
    sheet.append(["2024年1-6月各市州社会消费品零售总额"])
    sheet.append(["单位：亿元"])
    sheet.append(["地区", "1-5月", "1-6月"])
    sheet.append(["长沙市", 2500, 3000.2])
    sheet.append(["株洲市", 300, 350])
    sheet.append(["全省", "=SUM(B4:B5)", 3350.2])
    sheet.append(["数据来源：湖南省统计局"])
    return xlsx_bytes(book)


def merged_title_xlsx() -> bytes:
    """Merged title and unit cells, periods merged over (绝对额, 增速) pairs, and one negative value."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "各市州"
    sheet["A1"] = "2024年各市州社会消费品零售总额"
    sheet.merge_cells("A1:E1")
    sheet["A2"] = "单位：亿元"
    sheet.merge_cells("A2:E2")
    sheet["A3"] = "地区"
    sheet.merge_cells("A3:A4")
    sheet["B3"] = "1-5月"
    sheet.merge_cells("B3:C3")
    sheet["D3"] = "1-6月"
    sheet.merge_cells("D3:E3")
    for column, label in zip("BCDE", ["绝对额", "增速(%)", "绝对额", "增速(%)"]):
        sheet[f"{column}4"] = label
    sheet.append(["长沙市", 2500, 5.8, 3000.2, 6.1])
    sheet.append(["株洲市", 300, 6.9, -350, 7.2])
    sheet.append(["数据来源：湖南省统计局"])
    return xlsx_bytes(book)


def long_two_sheets_xlsx() -> bytes:
    """The long layout on two sheets; the second has an unknown region."""
    book = openpyxl.Workbook()
    header = ["indicator", "region", "period", "value", "unit", "yoy_pct", "source", "source_url", "note"]
    first = book.active
    first.title = "2023"
    first.append(header)
    first.append(["gdp", "长沙市", "2023", 14331.98, "亿元", 4.8, "长沙市统计公报", None, None])
    second = book.create_sheet("2024")
    second.append(header)
    second.append(["gdp", "长沙市", "2024", 15268.8, "亿元", 5.0, "长沙市统计公报", None, None])
    second.append(["gdp", "长砂市", "2024", 4100, "亿元", 5.0, "统计公报", None, None])
    return xlsx_bytes(book)


def header_only_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "data"
    book.active.append(["indicator", "region", "period", "value", "unit", "yoy_pct", "source"])
    return xlsx_bytes(book)


def formula_text_xlsx() -> bytes:
    """A text cell that looks like a formula (stored as text, not a formula): accepted with a warning."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(["indicator", "region", "period", "value", "unit", "yoy_pct", "source", "source_url", "note"])
    sheet.append(["gdp", "株洲市", "2023", 3846.5, "亿元", 5.2, "株洲市统计公报", None, None])
    cell = sheet.cell(row=2, column=9, value="=1+1")
    cell.data_type = "s"  # text, as Excel stores a cell typed as '=1+1
    return xlsx_bytes(book)


def not_xlsx_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def main() -> None:
    files = dict(FILES)
    files["formula.xlsx"] = formula_xlsx()
    files["merged_title.xlsx"] = merged_title_xlsx()
    files["long_two_sheets.xlsx"] = long_two_sheets_xlsx()
    files["header_only.xlsx"] = header_only_xlsx()
    files["formula_text.xlsx"] = formula_text_xlsx()
    files["not_a_workbook.xlsx"] = not_xlsx_zip()
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files)} files to {HERE}")


if __name__ == "__main__":
    main()
