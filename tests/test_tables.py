"""Report-ready tables (issue 11): Chinese headers in Chinese, rates as percentages with one decimal as real
Excel number formats, title lines with the dataset and 截至 period, names before codes, no raw floats."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from monitor import assess
from monitor.db import Reader
from monitor.tables import overview_table, ranking_table, to_csv, to_xlsx

TODAY = dt.date(2026, 11, 28)


def table(db_path, lang="zh", dataset="official"):
    with Reader(db_path) as reader:
        frame = assess.assess_store(reader, dataset, today=TODAY)
    return overview_table(frame, lang, dataset_name="官方数据" if lang == "zh" else "Official data", as_of="2023",
                          synthetic=dataset == "demo")


def test_the_excel_download_has_title_lines_percent_formats_and_names_before_codes(db_path):
    book = load_workbook(io.BytesIO(to_xlsx(table(db_path))))
    sheet = book.active
    assert sheet.cell(1, 1).value == "湖南省消费流通和开放型经济行动方案目标监测表"
    assert sheet.cell(2, 1).value == "数据集：官方数据；截至：2023年"
    header = [c.value for c in sheet[4]]
    assert header[0] == "目标" and header[-1] == "目标编号"
    completion = header.index("完成度") + 1
    cells = [sheet.cell(r, completion) for r in range(5, sheet.max_row + 1)
             if sheet.cell(r, completion).value is not None]
    assert cells and all(c.number_format == "0.0%" and isinstance(c.value, float) for c in cells)
    # 社零 2022 nowcast: 19043.2 / 20000 = 95.2 %
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, len(header)).value == "retail_sales_2023")
    assert round(sheet.cell(row, completion).value, 3) == 0.952


def test_the_csv_download_reads_rounded_percentages_and_never_a_raw_float_or_none(db_path, demo_db):
    for path, dataset in ((db_path, "official"), (demo_db, "demo")):
        for lang in ("zh", "en"):
            text = to_csv(table(path, lang, dataset)).decode("utf-8-sig")
            assert not re.search(r"(?<![A-Za-z])(None|nan|NaN)(?![A-Za-z])", text)
            assert not re.search(r"\d+\.\d{3,}", text), re.search(r"\d+\.\d{3,}", text)
            if lang == "zh":
                assert text.splitlines()[0].startswith("目标,地区,状态")
                assert "完成度（%）" in text.splitlines()[0]


def test_an_english_table_has_no_chinese_headers_or_units(db_path):
    frame = table(db_path, "en").frame
    assert all(not re.search(r"[\u4e00-\u9fff]", h) for h in frame.columns), list(frame.columns)
    assert not any(re.search(r"[\u4e00-\u9fff]", str(u)) for u in frame["Unit"]), set(frame["Unit"])


def ranking_report(demo_db, measure, lang="zh", measure_title="对全省增长的贡献（个百分点）"):
    from monitor import compare, regions, store

    with Reader(demo_db) as reader:
        region_rows = store.regions(reader)
        prefectures = regions.prefectures(region_rows)
        obs = store.observations(reader, "demo", indicator_ids=["retail_sales", compare.POPULATION_INDICATOR],
                                 region_codes=[regions.province_code(), *prefectures])
    ranked = compare.ranking(obs, "retail_sales", "2023", "annual", prefectures, regions.province_code(), measure)
    names = dict(zip(region_rows.code, region_rows.name_zh if lang == "zh" else region_rows.name_en))
    return ranked, ranking_table(ranked, lang, names=names, indicator_name="社会消费品零售总额", unit="亿元",
                                 measure=measure, measure_title=measure_title, period="2023",
                                 period_type="annual", dataset_name="演示数据", synthetic=True)


def test_the_prefecture_download_has_chinese_headers_names_first_and_numbers_as_on_the_page(demo_db):
    _, report = ranking_report(demo_db, "contribution")
    # contributions are differences of floats: 1.1999999999999993 was written to the CSV as it was
    text = to_csv(report).decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["排名", "市州", "数值（亿元）"] and header[-1] == "代码"
    assert "对全省增长的贡献（个百分点）" in header and "与标尺差距" not in header  # no yardstick: no gap column
    assert not re.search(r"\d+\.\d{3,}", text), re.search(r"\d+\.\d{3,}", text)
    assert not re.search(r"(?<![A-Za-z])(None|nan|NaN)(?![A-Za-z])", text)
    sheet = load_workbook(io.BytesIO(to_xlsx(report))).active
    assert sheet.cell(1, 1).value == "社会消费品零售总额市州排名（2023年，按对全省增长的贡献）"
    assert sheet.cell(2, 1).value.startswith("演示数据")  # the synthetic banner first
    header_row = next(r for r in range(1, 8) if sheet.cell(r, 1).value == "排名")
    contribution = [c.value for c in sheet[header_row]].index("对全省增长的贡献（个百分点）") + 1
    assert sheet.cell(header_row + 1, contribution).number_format == "0.00"


def test_the_prefecture_download_in_english_has_english_headers(demo_db):
    _, report = ranking_report(demo_db, "growth", "en", "YoY growth (%)")
    assert all(not re.search(r"[\u4e00-\u9fff]", h) for h in report.frame.columns), list(report.frame.columns)
    assert list(report.frame.columns)[:2] == ["Rank", "Prefecture"] and list(report.frame.columns)[-1] == "Code"
