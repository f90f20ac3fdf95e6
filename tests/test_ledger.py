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


def fill(data: bytes, rows: dict[int, dict], edit=None) -> bytes:
    """Type into the template as a person would: row number (1 = first task) → {column key: value}."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[ledger.SHEET]
    keys = [k for k, _ in ledger.COLUMNS]
    for n, values in rows.items():
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
    return hashlib.sha256(repr((rows, logs)).encode()).hexdigest()


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
    first = fill(blank, {1: {"progress": "新增限上企业1200家。", "status": "按计划推进", "value": 2500,
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
    assert stored.loc["co_m01", "value"] == 2500 and stored.loc["co_m01", "target_id"] == "new_above_quota_firms_2021_2023"
    assert stored.loc["co_m01", "report_date"].date() == dt.date(2023, 10, 8)

    corrected = fill(blank, {1: {"progress": "新增限上企业1300家（更正）。", "status": "按计划推进", "value": 2600},
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
