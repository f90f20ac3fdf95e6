"""The task ledger (issue 13): a department's template round-trips through a person's hands, and every bad
returned file is refused whole, naming file, sheet, row and column, with the database unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from openpyxl import load_workbook

from monitor import ledger
from monitor.cli import main
from monitor.db import Reader

TODAY = dt.date(2023, 10, 9)
PERIOD = "2023-Q3"


def template(db_path, dept="省商务厅", period=PERIOD):
    with Reader(db_path) as reader:
        return ledger.build_template(reader, dept, period)


def fill(data: bytes, rows: dict[int | str, dict], edit=None) -> bytes:
    """Type into the template as a person would: row number (1 = first task) or task id → {column key: value}."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[ledger.SHEET]
    keys = [k for k, _ in ledger.COLUMNS]
    ids = {sheet.cell(r, 2).value: r - ledger.FIRST_ROW + 1 for r in range(ledger.FIRST_ROW, sheet.max_row + 1)}
    for n, values in rows.items():
        n = ids[n] if isinstance(n, str) else n
        for key, value in values.items():
            sheet.cell(ledger.FIRST_ROW + n - 1, keys.index(key) + 1, value)
    if edit:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_checksum(db_path) -> str:
    with Reader(db_path) as reader:
        rows = reader.query_rows("SELECT * FROM progress_reports ORDER BY id")
        logs = reader.query_rows("SELECT count(*) FROM import_log")
        observations = reader.query_rows("SELECT * FROM observations ORDER BY id")
    return hashlib.sha256(repr((rows, logs, observations)).encode()).hexdigest()


def test_the_template_lists_the_departments_tasks_with_a_status_list_and_locked_ids(db_path):
    book = load_workbook(io.BytesIO(template(db_path)))
    sheet = book[ledger.SHEET]
    assert sheet.cell(1, 1).value == "2023年第3季度重点任务推进情况表（省商务厅）"
    assert [c.value for c in sheet[ledger.HEADER_ROW]] == [
        "序号", "任务编号", "重点任务", "牵头单位", "配合单位", "量化目标", "推进情况", "状态", "完成值", "佐证材料链接",
        "填报人", "填报日期"]
    with Reader(db_path) as reader:
        mine = ledger.department_rows(reader, "commerce")
    assert sheet.max_row == ledger.FIRST_ROW + len(mine) - 1
    # lead tasks first: the first row is a task the department leads
    assert sheet.cell(ledger.FIRST_ROW, 4).value == "省商务厅"
    validation = sheet.data_validations.dataValidation[0]
    assert validation.type == "list" and "按计划推进" in validation.formula1
    assert sheet.protection.sheet is True
    assert sheet.cell(ledger.FIRST_ROW, 2).protection.locked is True      # 任务编号 locked
    assert sheet.cell(ledger.FIRST_ROW, 7).protection.locked is False     # 推进情况 open
    assert ledger.INSTRUCTIONS in book.sheetnames
    assert book[ledger.META].sheet_state == "veryHidden"


def test_round_trip_then_a_corrected_file_adds_a_vintage_and_keeps_the_first(db_path):
    blank = template(db_path)
    first = fill(blank, {1: {"progress": "新增限上企业1200家。", "status": "按计划推进",
                             "reporter": "张三", "report_date": "2023-10-08"},
                         2: {"progress": "数字人民币试点扩面。", "status": "已完成"},
                         3: {"status": "未启动"}})
    result = ledger.import_returned(db_path, first, "商务厅.xlsx", user="editor", today=TODAY)
    assert (result.added, result.revised, result.unchanged) == (3, 0, 0)
    with Reader(db_path) as reader:
        table = ledger.ledger_table(reader, PERIOD, today=dt.date(2023, 10, 20)).set_index("measure_id")
        stored = ledger.latest_reports(reader, period=PERIOD).set_index("measure_id")
    assert table.loc["co_m01", "status_label"] == "按计划推进"
    assert table.loc["co_m01", "progress"] == "新增限上企业1200家。"
    assert table.loc["co_m02", "status_label"] == "已完成"
    assert table.loc["co_m03", "status_label"] == "未启动"
    assert table.loc["co_m04", "status_label"] == "逾期未报"          # due 10 October, nothing from its lead
    assert stored.loc["co_m01", "report_date"].date() == dt.date(2023, 10, 8)

    corrected = fill(blank, {1: {"progress": "新增限上企业1300家（更正）。", "status": "按计划推进"},
                             2: {"progress": "数字人民币试点扩面。", "status": "已完成"}})
    again = ledger.import_returned(db_path, corrected, "商务厅-更正.xlsx", user="editor", today=TODAY)
    assert (again.added, again.revised, again.unchanged) == (0, 1, 1)
    with Reader(db_path) as reader:
        history = reader.query_df("SELECT progress_text, is_latest FROM progress_reports WHERE measure_id = 'co_m01'"
                                  " ORDER BY vintage, id")
        table = ledger.ledger_table(reader, PERIOD, today=dt.date(2023, 10, 20)).set_index("measure_id")
    assert history.progress_text.tolist() == ["新增限上企业1200家。", "新增限上企业1300家（更正）。"]
    assert history.is_latest.tolist() == [False, True]
    assert table.loc["co_m01", "progress"] == "新增限上企业1300家（更正）。"


def test_the_template_numbers_a_tasks_targets_and_says_what_unit_its_value_is_in(db_path):
    book = load_workbook(io.BytesIO(template(db_path)))
    sheet = book[ledger.SHEET]
    targets = {sheet.cell(r, 2).value: sheet.cell(r, 6).value for r in range(ledger.FIRST_ROW, sheet.max_row + 1)}
    assert targets["co_m04"] == "打造30个网销“一县一品”品牌〔完成值单位：个〕"            # one target: no number
    assert targets["oe_m10"].split("\n") == [
        "（1）与“一带一路”沿线国家（地区）进出口额突破2000亿元〔完成值单位：亿元〕",
        "（2）与RCEP成员国进出口额突破2000亿元〔完成值单位：亿元〕",
        "（3）与非洲国家进出口额突破500亿元〔完成值单位：亿元〕"]
    assert targets["oe_m12"] == "加工贸易年均增长15%以上〔完成值填累计同比增速，单位：%〕"
    assert targets["co_m01"].endswith("〔由分项汇总计算，不填完成值〕")             # a total of two sector series
    assert "2：19500" in book[ledger.INSTRUCTIONS].cell(5, 1).value


def test_a_reported_figure_enters_the_observations_with_the_report_as_its_source_and_a_correction_adds_a_vintage(
        db_path):
    from monitor import sources
    from monitor.assess import assess_store

    after_q4 = dt.date(2024, 1, 9)
    blank = template(db_path, period="2023-Q4")
    first = fill(blank, {"co_m04": {"progress": "新认定网销品牌5个。", "status": "已完成", "value": 32}})
    result = ledger.import_returned(db_path, first, "商务厅-四季度.xlsx", user="editor", today=after_q4)
    assert (result.added, result.figures) == (1, 1)
    key = "county_online_brands|430000|annual|2023"
    with Reader(db_path) as reader:
        rows = reader.query_df("SELECT * FROM observations WHERE indicator_id = 'county_online_brands' ORDER BY id")
        log = reader.query_df("SELECT * FROM import_log WHERE id = ?", [result.import_id])
        status = assess_store(reader, today=after_q4).set_index("target_id").loc["county_online_brands_2023"]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.dataset, row.region_code, row.period, row.period_type, row.value) == (
        "official", "430000", "2023", "annual", 32)
    assert row.source == "2023年第4季度重点任务推进情况表（省商务厅）" and row.is_latest
    assert row.import_id == result.import_id and log.file_format.iloc[0] == "ledger-xlsx"  # one write, one log entry
    assert sources.classify(row.source, row.source_url) == "first_hand"
    assert row.quote == "打造30个网销“一县一品”品牌：完成值 32"
    assert status.latest_value == 32 and key in status.observation_keys and status.status == "achieved"

    corrected = fill(blank, {"co_m04": {"progress": "新认定网销品牌5个。", "status": "已完成", "value": 28}})
    again = ledger.import_returned(db_path, corrected, "商务厅-四季度-更正.xlsx", user="editor", today=after_q4)
    assert (again.revised, again.figures) == (1, 1)
    with Reader(db_path) as reader:
        rows = reader.query_df("SELECT value, is_latest, status, import_id FROM observations"
                               " WHERE indicator_id = 'county_online_brands' ORDER BY vintage, id")
        reports = reader.query_df("SELECT target_id, value, is_latest FROM progress_reports WHERE measure_id = 'co_m04'"
                                  " ORDER BY vintage, id")
        status = assess_store(reader, today=after_q4).set_index("target_id").loc["county_online_brands_2023"]
    assert rows.value.tolist() == [32, 28] and rows.is_latest.tolist() == [False, True]
    assert rows.status.iloc[1] == "revised" and rows.import_id.iloc[1] == again.import_id
    assert reports.value.tolist() == [32, 28] and set(reports.target_id) == {"county_online_brands_2023"}
    assert status.latest_value == 28 and status.status != "achieved"


def test_a_quarters_figure_is_the_year_to_date_and_a_growth_target_takes_the_growth_rate(db_path):
    data = fill(template(db_path), {"oe_m10": {"progress": "x", "status": "按计划推进", "value": "2：1,500"},
                                    "oe_m12": {"progress": "x", "status": "进度滞后", "value": "-3.5%"}})
    result = ledger.import_returned(db_path, data, "商务厅.xlsx", today=TODAY)
    assert result.figures == 2
    with Reader(db_path) as reader:
        rows = reader.query_df("SELECT indicator_id, period, period_type, month, value, yoy_pct, unit FROM observations"
                               " WHERE import_id = ? ORDER BY indicator_id", [result.import_id])
    assert rows.to_dict("records") == [
        {"indicator_id": "processing_trade", "period": "2023-09", "period_type": "ytd", "month": 9,
         "value": pytest.approx(float("nan"), nan_ok=True), "yoy_pct": -3.5, "unit": "亿元"},
        {"indicator_id": "trade_rcep", "period": "2023-09", "period_type": "ytd", "month": 9, "value": 1500,
         "yoy_pct": pytest.approx(float("nan"), nan_ok=True), "unit": "亿元"}]


def test_a_published_statistic_stays_the_figure_and_the_departments_value_stays_in_the_ledger(db_path, capsys):
    # the bundled data hold customs' imports for 2023 1—9月; a department's 完成值 for the same period must not
    # become a newer vintage over the published figure (it would be quoted as the official number)
    with Reader(db_path) as reader:
        before = reader.query_df("SELECT value, source FROM observations WHERE indicator_id = 'imports'"
                                 " AND region_code = '430000' AND period = '2023-09' AND is_latest")
    assert len(before) == 1 and not ledger.is_ledger_source(before.source.iloc[0])
    data = fill(template(db_path), {"oe_m14": {"progress": "进口稳步增长。", "status": "按计划推进", "value": "1：9999"}})
    dry = ledger.import_returned(db_path, data, "商务厅.xlsx", today=TODAY, dry_run=True)
    assert (dry.figures, dry.kept) == (0, 1)
    result = ledger.import_returned(db_path, data, "商务厅.xlsx", today=TODAY)
    assert (result.added, result.figures, result.kept) == (1, 0, 1)
    with Reader(db_path) as reader:
        after = reader.query_df("SELECT value, source FROM observations WHERE indicator_id = 'imports'"
                                " AND region_code = '430000' AND period = '2023-09' AND is_latest")
        report = reader.query_df("SELECT value FROM progress_reports WHERE measure_id = 'oe_m14' AND is_latest")
    assert after.to_dict("records") == before.to_dict("records")
    assert report.value.tolist() == [9999]  # kept in the ledger


def test_a_figure_for_a_period_not_yet_over_is_refused(db_path):
    before = ledger_checksum(db_path)
    data = fill(template(db_path, period="2023-Q4"), {"oe_m10": {"progress": "x", "status": "按计划推进",
                                                                  "value": "1：1800"}})
    with pytest.raises(ledger.LedgerRejected) as caught:
        ledger.import_returned(db_path, data, "early.xlsx", today=dt.date(2023, 12, 20))
    assert [p.code for p in caught.value.problems] == ["value_period_open"]
    assert ledger_checksum(db_path) == before


def test_a_co_departments_report_is_kept_beside_the_leads(db_path):
    # 省发展改革委 co-leads co_m01 (省商务厅 leads): its report is its own row, and the ledger shows both
    data = fill(template(db_path, "省发展改革委"), {})
    book = load_workbook(io.BytesIO(data))
    rows = {book[ledger.SHEET].cell(r, 2).value: r - ledger.FIRST_ROW + 1
            for r in range(ledger.FIRST_ROW, book[ledger.SHEET].max_row + 1)}
    filled = fill(data, {rows["co_m01"]: {"progress": "配合制定重点企业名录。", "status": "按计划推进"}})
    ledger.import_returned(db_path, filled, "发改委.xlsx", today=TODAY)
    lead = fill(template(db_path), {1: {"progress": "牵头推进。", "status": "按计划推进"}})
    ledger.import_returned(db_path, lead, "商务厅.xlsx", today=TODAY)
    with Reader(db_path) as reader:
        row = ledger.ledger_table(reader, PERIOD, today=TODAY).set_index("measure_id").loc["co_m01"]
        roles = ledger.latest_reports(reader, period=PERIOD).query("measure_id == 'co_m01'").role.tolist()
    assert sorted(roles) == ["co", "lead"]
    assert row.progress == "牵头推进。\n发展改革委：配合制定重点企业名录。"


def _rename_sheet(book):
    book[ledger.SHEET].title = "Sheet1"


def _change_locked(book):
    book[ledger.SHEET].cell(ledger.FIRST_ROW, 3).value = "改过的任务名"


def _formula(book):
    book[ledger.SHEET].cell(ledger.FIRST_ROW, 7).value = "=HYPERLINK(\"http://x\")"
    book[ledger.SHEET].cell(ledger.FIRST_ROW, 8).value = "已完成"


def _other_measure(book):
    book[ledger.SHEET].cell(ledger.FIRST_ROW, 2).value = "co_m16"   # the one task 省商务厅 neither leads nor co-leads
    book[ledger.SHEET].cell(ledger.FIRST_ROW, 7).value = "……"
    book[ledger.SHEET].cell(ledger.FIRST_ROW, 8).value = "已完成"


@pytest.mark.parametrize("case, rows, edit, code, column", [
    ("unknown status", {1: {"progress": "x", "status": "差不多"}}, None, "bad_status", "H"),
    ("no text", {1: {"status": "按计划推进"}}, None, "text_required", "G"),
    ("text too long", {1: {"progress": "长" * 2001, "status": "按计划推进"}}, None, "text_too_long", "G"),
    ("bad link", {1: {"progress": "x", "status": "已完成", "evidence": "javascript:alert(1)"}}, None, "bad_link", "J"),
    ("value on a task without target", {2: {"progress": "x", "status": "已完成", "value": 5}}, None,
     "value_without_target", "I"),
    ("value not a number", {"oe_m10": {"progress": "x", "status": "已完成", "value": "1：约1800"}}, None,
     "value_not_number", "I"),
    ("value NaN", {"oe_m12": {"progress": "x", "status": "已完成", "value": "nan"}}, None, "value_not_number", "I"),
    ("negative level", {"oe_m10": {"progress": "x", "status": "已完成", "value": "1：-5"}}, None, "value_negative",
     "I"),
    ("several targets, none named", {"oe_m10": {"progress": "x", "status": "已完成", "value": 1800}}, None,
     "value_which_target", "I"),
    ("a target number the task lacks", {"oe_m10": {"progress": "x", "status": "已完成", "value": "5：1800"}}, None,
     "value_unknown_target", "I"),
    ("a target summed from components", {"co_m01": {"progress": "x", "status": "已完成", "value": 2500}}, None,
     "value_target_derived", "I"),
    ("an annual indicator in a quarter", {"co_m04": {"progress": "x", "status": "已完成", "value": 12}}, None,
     "value_annual_only", "I"),
    ("changed locked cell", {1: {"progress": "x", "status": "已完成"}}, _change_locked, "locked_changed", "C"),
    ("formula", {}, _formula, "formula", "G"),
    ("renamed sheet", {1: {"progress": "x", "status": "已完成"}}, _rename_sheet, "sheet_missing", None),
    ("a measure of another department", {}, _other_measure, "not_assigned", "B"),
])
def test_a_bad_returned_file_is_refused_whole_naming_where(db_path, case, rows, edit, code, column):
    before = ledger_checksum(db_path)
    good_row = {3: {"progress": "本行没有问题。", "status": "按计划推进"}}
    data = fill(template(db_path), {**good_row, **rows}, edit)
    with pytest.raises(ledger.LedgerRejected) as caught:
        ledger.import_returned(db_path, data, "returned.xlsx", today=TODAY)
    problem = next(p for p in caught.value.problems if p.code == code)
    assert problem.file == "returned.xlsx" and problem.column == column
    zh, en = problem.text("zh"), problem.text("en")
    assert "returned.xlsx" in zh and "returned.xlsx" in en and zh != en
    if column:
        assert f"{column}列" in zh and f"column {column}" in en
    assert ledger_checksum(db_path) == before


@pytest.mark.parametrize("case, data_of, kwargs, code", [
    ("an .xls file", lambda db: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, {}, "not_xlsx"),
    ("not a template", lambda db: _plain_workbook(), {}, "not_a_template"),
    ("a template from another quarter", lambda db: fill(template(db, period="2023-Q2"), {1: {"progress": "x",
                                                                                             "status": "已完成"}}),
     {"expected_period": "2023-Q3"}, "other_period"),
    ("a file from another department", lambda db: fill(template(db, "省发展改革委"), {1: {"progress": "x",
                                                                                      "status": "已完成"}}),
     {"expected_department": "省商务厅"}, "other_department"),
    ("a period in the future", lambda db: fill(template(db, period="2024-Q1"), {1: {"progress": "x",
                                                                                    "status": "已完成"}}),
     {}, "future_period"),
    ("nothing filled in", lambda db: template(db), {}, "nothing_reported"),
])
def test_a_foreign_file_is_refused_with_a_precise_message(db_path, case, data_of, kwargs, code):
    before = ledger_checksum(db_path)
    with pytest.raises(ledger.LedgerRejected) as caught:
        ledger.import_returned(db_path, data_of(db_path), "returned.xlsx", today=TODAY, **kwargs)
    assert code in [p.code for p in caught.value.problems], caught.value.summary("en")
    assert ledger_checksum(db_path) == before


def _plain_workbook() -> bytes:
    from openpyxl import Workbook
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def test_the_export_neutralises_formula_looking_text_and_reads_the_layout_staff_send(db_path, tmp_path):
    data = fill(template(db_path), {1: {"progress": "@SUM(1+1) 开头的说明", "status": "按计划推进"}})
    ledger.import_returned(db_path, data, "商务厅.xlsx", today=TODAY)
    with Reader(db_path) as reader:
        table = ledger.ledger_table(reader, PERIOD, today=TODAY)
    frame = ledger.export_frame(table)
    assert list(frame.columns) == ["序号", "重点任务", "牵头单位", "配合单位", "量化目标与最新进度", "本季度推进情况", "状态"]
    assert frame.iloc[0]["本季度推进情况"] == "'@SUM(1+1) 开头的说明"
    csv = ledger.export_csv(table)
    assert csv.startswith(b"\xef\xbb\xbf")
    book = load_workbook(io.BytesIO(ledger.export_xlsx(table, PERIOD, "official")))
    assert book.active.cell(1, 1).value == "2023年第3季度重点任务推进台账"
    assert book.active.cell(3, 6).value == "'@SUM(1+1) 开头的说明"


def test_cli_template_import_dry_run_overdue_and_export(db_path, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["ledger", "template", "--db", str(db_path), "--dept", "省商务厅", "--period", PERIOD, str(out)]) == 0
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(out.read_bytes(), {1: {"progress": "推进中。", "status": "按计划推进"}}))
    assert main(["ledger", "import", "--db", str(db_path), "--dry-run", str(filled)]) == 0
    assert "试运行" in capsys.readouterr().out
    with_figure = tmp_path / "with-figure.xlsx"
    with_figure.write_bytes(fill(out.read_bytes(), {"oe_m10": {"progress": "推进中。", "status": "按计划推进",
                                                               "value": "2：1500"}}))
    assert main(["ledger", "import", "--db", str(db_path), "--dry-run", str(with_figure)]) == 0
    assert "其中1个完成值将以本表为来源记入指标数据" in capsys.readouterr().out    # said, not yet done
    with Reader(db_path) as reader:
        assert reader.query_rows("SELECT count(*) FROM progress_reports")[0][0] == 0
    assert main(["ledger", "import", "--db", str(db_path), str(filled)]) == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill(out.read_bytes(), {1: {"progress": "x", "status": "不知道"}}))
    assert main(["ledger", "import", "--db", str(db_path), str(bad)]) == 2
    text = capsys.readouterr().out
    assert "bad.xlsx" in text and "H列" in text and "column H" in text
    assert main(["ledger", "overdue", "--db", str(db_path), "--period", PERIOD]) == 0
    assert "逾期未报" in capsys.readouterr().out
    export = tmp_path / "ledger.csv"
    assert main(["ledger", "export", "--db", str(db_path), "--period", PERIOD, str(export)]) == 0
    assert "推进中。" in export.read_bytes().decode("utf-8-sig")


def test_overdue_counts_the_tasks_whose_lead_has_not_reported(db_path):
    with Reader(db_path) as reader:
        before = ledger.overdue(reader, PERIOD)
        tasks = len(ledger.measures_mod.measures(reader))
    assert len(before) == tasks  # nobody has reported yet
    ledger.import_returned(db_path, fill(template(db_path), {1: {"progress": "x", "status": "已完成"}}), "a.xlsx",
                           today=TODAY)
    with Reader(db_path) as reader:
        after = ledger.overdue(reader, PERIOD)
    assert len(after) == tasks - 1 and "co_m01" not in set(after.measure_id)


@pytest.mark.parametrize("period, label, due", [
    ("2023-Q3", "2023年第3季度", dt.date(2023, 10, 10)),
    ("2023-Q4", "2023年第4季度", dt.date(2024, 1, 10)),
    ("2022", "2022年", dt.date(2023, 1, 10)),
])
def test_periods_read_and_fall_due_ten_days_after_they_end(period, label, due):
    assert ledger.period_label(period) == label
    assert ledger.period_due(period) == due


def test_a_malformed_period_is_refused():
    with pytest.raises(ValueError):
        ledger.parse_period("2023Q3")


def test_the_demo_has_synthetic_reports_for_every_task_and_quarter_with_some_missing(demo_db):
    with Reader(demo_db) as reader:
        tasks = len(ledger.measures_mod.measures(reader))
        lead = reader.query_df("SELECT measure_id, period, progress_text, status FROM progress_reports"
                               " WHERE dataset = 'demo' AND role = 'lead' AND is_latest")
        official = reader.query_rows("SELECT count(*) FROM progress_reports WHERE dataset = 'official'")[0][0]
    expected = tasks * 12                                   # 2021-Q1 … 2023-Q4
    assert lead.measure_id.nunique() == tasks and lead.period.nunique() == 12
    assert 0.05 < 1 - len(lead) / expected < 0.2            # a realistic share of missing reports
    texts = lead.progress_text.dropna()
    assert len(texts) and texts.str.startswith("【演示数据】").all()
    assert official == 0                                    # the synthetic reports never enter the official ledger
