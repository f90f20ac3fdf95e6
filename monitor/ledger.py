"""The task ledger (重点任务推进台账): quarterly progress reports on every measure, from the departments.

One concern, end to end: the template a department fills in (an .xlsx 推进情况表 with its measures, a status
drop-down, locked id columns and instructions), reading a returned template back with row-level validation,
the preview (new / changed / unchanged against the stored reports), the all-or-nothing write (new vintages,
the earlier ones kept; one import_log row), the compiled ledger and the overdue list (逾期未报).

Periods are quarters 'YYYY-Qn' or years 'YYYY' (annual summaries). Statuses are codes (completed, on_schedule,
behind, not_started); their words and every message come from the locale catalog (``ledger.*``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import measures as measures_mod
from .db import Reader, writer
from .export import neutralise_text
from .i18n import pick, t

STATUSES = ("completed", "on_schedule", "behind", "not_started")
TEXT_LIMIT = 2000
TEMPLATE_MARK = "xiaofei-monitor ledger template"
TEMPLATE_VERSION = 1
SHEET = "推进情况表"
INSTRUCTIONS = "填表说明"
META = "_meta"
HEADER_ROW = 3
FIRST_ROW = 4
# the template's columns in order: (key, locked)
COLUMNS = (("no", True), ("measure_id", True), ("title", True), ("lead", True), ("co", True), ("targets", True),
           ("progress", False), ("status", False), ("value", False), ("evidence", False), ("reporter", False),
           ("report_date", False))
INPUTS = tuple(key for key, locked in COLUMNS if not locked)
_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- periods and words

def parse_period(text: str) -> tuple[int, int | None]:
    """'2023-Q3' → (2023, 3); '2023' → (2023, None). ValueError otherwise."""
    match = _PERIOD.match(str(text or "").strip())
    if not match:
        raise ValueError(t("ledger.problem.bad_period", "en", period=text))
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def period_start(period: str) -> _dt.date:
    year, quarter = parse_period(period)
    return _dt.date(year, 3 * (quarter - 1) + 1 if quarter else 1, 1)


def period_label(period: str, lang: str = "zh") -> str:
    year, quarter = parse_period(period)
    return t("ledger.quarter", lang, year=year, quarter=quarter) if quarter else t("ledger.year", lang, year=year)


def status_label(status: str | None, lang: str = "zh") -> str:
    return t(f"ledger.status.{status}", lang) if status in STATUSES else t("ledger.status.none", lang)


def quarters(first_year: int, last_year: int) -> list[str]:
    return [f"{y}-Q{q}" for y in range(first_year, last_year + 1) for q in range(1, 5)]


# --------------------------------------------------------------------------- problems

@dataclass(frozen=True)
class LedgerProblem:
    """One reason a returned file is refused: a catalog key with its parameters, and where it is."""

    code: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def location(self, lang: str = "zh") -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(t("ledger.where.sheet", lang, sheet=self.sheet))
        if self.row is not None:
            parts.append(t("ledger.where.row", lang, row=self.row))
        if self.column:
            parts.append(t("ledger.where.column", lang, column=self.column))
        return t("ledger.where.sep", lang).join(parts)

    def text(self, lang: str = "zh") -> str:
        return t("ledger.where.problem", lang, where=self.location(lang),
                 message=t(f"ledger.problem.{self.code}", lang, **dict(self.params)))


class LedgerRejected(ValueError):
    """A returned file with errors: nothing of it is written."""

    def __init__(self, problems: list[LedgerProblem]):
        self.problems = problems
        super().__init__(self.summary("en"))

    def summary(self, lang: str = "zh", limit: int = 20) -> str:
        lines = [p.text(lang) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(t("ledger.more_problems", lang, n=len(self.problems) - limit))
        return "\n".join(lines)


# --------------------------------------------------------------------------- what a department answers for

def department_rows(reader: Reader, department_code: str) -> pd.DataFrame:
    """The tasks a department leads or co-leads, lead first, with the texts the template's locked columns show."""
    mine = measures_mod.measures_of_department(reader, department_code, roles=("lead", "co"))
    mine = mine[mine["kind"] == "task"].reset_index(drop=True)
    names = dict(reader.query_rows("SELECT code, name_zh FROM departments"))
    target_names = dict(reader.query_rows("SELECT id, name_zh FROM targets WHERE target_type <> 'no_numeric_target'"))
    mine["lead_text"] = [names.get(code, "") for code in mine["lead_code"]]
    mine["co_text"] = ["、".join(names.get(c, c) for c in codes) for codes in mine["co_codes"]]
    mine["quantified"] = [[i for i in ids if i in target_names] for ids in mine["target_ids"]]
    mine["targets_text"] = ["；".join(target_names[i] for i in ids) for ids in mine["quantified"]]
    mine["title_text"] = [f"{label}.{title}" for label, title in zip(mine["number_label"], mine["title_zh"])]
    return mine


def _locked_values(row: pd.Series, position: int) -> dict[str, Any]:
    return {"no": position, "measure_id": row["id"], "title": row["title_text"], "lead": row["lead_text"],
            "co": row["co_text"], "targets": row["targets_text"]}


def _department(reader: Reader, key: str) -> tuple[str, str]:
    code = measures_mod.department_code(reader, key)
    if code is None:
        raise ValueError(t("ledger.problem.unknown_department", "en", department=key))
    name = reader.query_rows("SELECT name_zh FROM departments WHERE code = ?", [code])[0][0]
    return code, name


# --------------------------------------------------------------------------- the template

def template_file_name(department_name: str, period: str) -> str:
    return f"{period_label(period)}重点任务推进情况表（{department_name}）.xlsx"


def build_template(reader: Reader, department: str, period: str, dataset: str = "official") -> bytes:
    """The .xlsx a department fills in for one period: its measures, a status drop-down, locked id columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    parse_period(period)
    code, name = _department(reader, department)
    rows = department_rows(reader, code)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    last_col = len(COLUMNS)
    sheet.cell(1, 1, t("ledger.template_title", "zh", period=period_label(period), department=name))
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    sheet.cell(2, 1, t("ledger.template_subtitle", "zh", department=name, period=period_label(period)))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    grey = PatternFill("solid", fgColor="E7E6E6")
    for col, (key, locked) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, col, t(f"ledger.column.{key}", "zh"))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(col)].width = {"title": 30, "progress": 50, "targets": 30,
                                                             "co": 24, "evidence": 24}.get(key, 12)
    for i, (_, row) in enumerate(rows.iterrows(), start=1):
        values = _locked_values(row, i)
        for col, (key, locked) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(FIRST_ROW + i - 1, col, values.get(key))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if locked:
                cell.fill = grey
            else:
                cell.protection = Protection(locked=False)
    statuses = ",".join(t(f"ledger.status.{s}", "zh") for s in STATUSES)
    status_col = [k for k, _ in COLUMNS].index("status") + 1
    letter = get_column_letter(status_col)
    if len(rows):
        validation = DataValidation(type="list", formula1=f'"{statuses}"', allow_blank=True, showErrorMessage=True,
                                    errorTitle=t("ledger.status_error_title", "zh"),
                                    error=t("ledger.status_error", "zh", statuses=statuses))
        validation.add(f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + len(rows) - 1}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = sheet.cell(FIRST_ROW, 3)
    sheet.protection.sheet = True  # locked columns stay as issued; the input columns are unlocked
    notes = book.create_sheet(INSTRUCTIONS)
    for r, line in enumerate(t("ledger.instructions", "zh", statuses=statuses, limit=TEXT_LIMIT).split("\n"), 1):
        notes.cell(r, 1, line)
    notes.column_dimensions["A"].width = 110
    meta = book.create_sheet(META)
    for r, (key, value) in enumerate((("template", TEMPLATE_MARK), ("version", TEMPLATE_VERSION),
                                      ("department", code), ("period", period), ("dataset", dataset),
                                      ("rows", len(rows))), 1):
        meta.cell(r, 1, key)
        meta.cell(r, 2, value)
    meta.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- reading a returned template

@dataclass
class Report:
    measure_id: str
    role: str
    status: str
    progress_text: str | None
    target_id: str | None
    value: float | None
    evidence_url: str | None
    reporter: str | None
    report_date: _dt.date | None
    source_row: int


@dataclass
class ReturnedFile:
    file_name: str
    file_sha256: str
    department_code: str = ""
    period: str = ""
    dataset: str = "official"
    reports: list[Report] = field(default_factory=list)
    problems: list[LedgerProblem] = field(default_factory=list)
    rows_in_file: int = 0


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _status_code(text: str | None) -> str | None:
    if text is None:
        return None
    for code in STATUSES:
        if text in (code, t(f"ledger.status.{code}", "zh"), t(f"ledger.status.{code}", "en")):
            return code
    return None


def _date(value: Any) -> _dt.date | None | str:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日-")
    try:
        parts = [int(p) for p in text.split("-")]
        return _dt.date(*parts)
    except (TypeError, ValueError):
        return "bad"


def read_returned(reader: Reader, data: bytes, file_name: str, *, today: _dt.date | None = None,
                  expected_period: str | None = None, expected_department: str | None = None) -> ReturnedFile:
    """Read a returned template; every problem is collected with its file, sheet, row and column."""
    from openpyxl import load_workbook

    today = today or _dt.date.today()
    out = ReturnedFile(Path(file_name).name, hashlib.sha256(data).hexdigest())

    def problem(code: str, row: int | None = None, column: str | None = None, sheet: str | None = SHEET, **params):
        out.problems.append(LedgerProblem(code, out.file_name, sheet, row, column, tuple(params.items())))

    if not zipfile.is_zipfile(io.BytesIO(data)):
        problem("not_xlsx", sheet=None)
        return out
    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # a damaged or foreign zip: said plainly, never a traceback
        problem("not_xlsx", sheet=None)
        return out
    if META not in book.sheetnames or book[META].cell(1, 2).value != TEMPLATE_MARK:
        problem("not_a_template", sheet=None)
        return out
    meta = {book[META].cell(r, 1).value: book[META].cell(r, 2).value for r in range(1, 10)}
    out.department_code, out.period = str(meta.get("department") or ""), str(meta.get("period") or "")
    out.dataset = str(meta.get("dataset") or "official")
    if SHEET not in book.sheetnames:
        problem("sheet_missing", sheet=None, sheet_name=SHEET)
        return out
    try:
        start = period_start(out.period)
    except ValueError:
        problem("bad_period", sheet=META, period=out.period)
        return out
    if start > today:
        problem("future_period", sheet=None, period=period_label(out.period))
    if expected_period and expected_period != out.period:
        problem("other_period", sheet=None, period=period_label(out.period), expected=period_label(expected_period))
    if expected_department and measures_mod.department_code(reader, expected_department) != out.department_code:
        problem("other_department", sheet=None, department=out.department_code, expected=expected_department)
    names = dict(reader.query_rows("SELECT code, name_zh FROM departments"))
    if out.department_code not in names:
        problem("unknown_department", sheet=META, department=out.department_code)
        return out
    _read_rows(reader, book[SHEET], out, problem)
    return out


def _read_rows(reader: Reader, sheet, out: ReturnedFile, problem) -> None:
    from openpyxl.utils import get_column_letter

    expected = department_rows(reader, out.department_code)
    by_id = {row["id"]: (i, row) for i, (_, row) in enumerate(expected.iterrows(), start=1)}
    headers = {t(f"ledger.column.{key}", "zh"): key for key, _ in COLUMNS}
    letters = {key: get_column_letter(col) for col, (key, _) in enumerate(COLUMNS, start=1)}
    for col, (key, _) in enumerate(COLUMNS, start=1):
        if headers.get(_cell_text(sheet.cell(HEADER_ROW, col).value) or "") != key:
            problem("header_changed", HEADER_ROW, letters[key], expected=t(f"ledger.column.{key}", "zh"))
    seen: set[str] = set()
    for r in range(FIRST_ROW, sheet.max_row + 1):
        cells = {key: sheet.cell(r, col) for col, (key, _) in enumerate(COLUMNS, start=1)}
        if all(c.value in (None, "") for c in cells.values()):
            continue
        for key, cell in cells.items():
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                problem("formula", r, letters[key])
        measure_id = _cell_text(cells["measure_id"].value)
        if measure_id not in by_id:
            known = measure_id in set(measures_mod.measures(reader)["id"]) if measure_id else False
            problem("not_assigned" if known else "unknown_measure", r, letters["measure_id"], measure=measure_id or "")
            continue
        assert measure_id is not None  # an id not among the department's tasks was reported above
        if measure_id in seen:
            problem("duplicate_measure", r, letters["measure_id"], measure=measure_id)
            continue
        seen.add(measure_id)
        position, row = by_id[measure_id]
        for key, value in _locked_values(row, position).items():
            if key != "no" and _cell_text(cells[key].value) != _cell_text(value):
                problem("locked_changed", r, letters[key], column_name=t(f"ledger.column.{key}", "zh"))
        inputs = {key: cells[key].value for key in INPUTS}
        if all(v in (None, "") for v in inputs.values()):
            continue  # not reported this time
        out.rows_in_file += 1
        report = _report(row, r, inputs, out, problem, letters)
        if report is not None:
            out.reports.append(report)
    if not out.reports and not out.problems:
        problem("nothing_reported")


def _report(row: pd.Series, r: int, inputs: dict, out: ReturnedFile, problem, letters: dict) -> Report | None:
    before = len(out.problems)
    status_text = _cell_text(inputs["status"])
    status = _status_code(status_text)
    if status is None:
        problem("bad_status" if status_text else "no_status", r, letters["status"], value=status_text or "",
                statuses="、".join(t(f"ledger.status.{s}", "zh") for s in STATUSES))
    text = _cell_text(inputs["progress"])
    if text and _CONTROL.search(text):
        problem("control_character", r, letters["progress"])
    if not text and status != "not_started":
        problem("text_required", r, letters["progress"])
    if text and len(text) > TEXT_LIMIT:
        problem("text_too_long", r, letters["progress"], n=len(text), limit=TEXT_LIMIT)
    value, target_id = inputs["value"], None
    if value not in (None, ""):
        try:
            value = float(str(value).replace(",", "").strip())
        except ValueError:
            problem("value_not_number", r, letters["value"], value=str(value))
            value = None
        if not row["quantified"]:
            problem("value_without_target", r, letters["value"])
        else:
            target_id = row["quantified"][0]
    else:
        value = None
    evidence = _cell_text(inputs["evidence"])
    if evidence and not re.match(r"^https?://\S+$", evidence, re.IGNORECASE):
        problem("bad_link", r, letters["evidence"], value=evidence)
    report_date = _date(inputs["report_date"])
    if report_date == "bad":
        problem("bad_date", r, letters["report_date"], value=str(inputs["report_date"]))
    if len(out.problems) > before:
        return None
    role = "lead" if row["lead_code"] == out.department_code else "co"
    return Report(row["id"], role, status or "", text, target_id, value, evidence, _cell_text(inputs["reporter"]),
                  report_date if isinstance(report_date, _dt.date) else None, r)


# --------------------------------------------------------------------------- preview and write

_COMPARED = ("status", "progress_text", "target_id", "value", "evidence_url", "reporter", "report_date")


def latest_reports(reader: Reader, dataset: str = "official", period: str | None = None) -> pd.DataFrame:
    sql = "SELECT * FROM progress_reports WHERE is_latest AND dataset = ?"
    params: list[Any] = [dataset]
    if period:
        sql += " AND period = ?"
        params.append(period)
    return reader.query_df(sql + " ORDER BY measure_id, department_code", params)


def preview(reader: Reader, returned: ReturnedFile) -> pd.DataFrame:
    """One row per report in the file: change 'new', 'changed' (a new vintage) or 'unchanged' (not written)."""
    current = latest_reports(reader, returned.dataset, returned.period)
    stored = {(r.measure_id, r.department_code): r for r in current.itertuples()}
    rows = []
    for rep in returned.reports:
        old = stored.get((rep.measure_id, returned.department_code))
        change = "new"
        if old is not None:
            same = all(_same(getattr(old, c), getattr(rep, c)) for c in _COMPARED)
            change = "unchanged" if same else "changed"
        rows.append({"measure_id": rep.measure_id, "role": rep.role, "status": rep.status,
                     "previous_status": None if old is None else old.status, "progress_text": rep.progress_text,
                     "value": rep.value, "change": change, "source_row": rep.source_row})
    return pd.DataFrame(rows, columns=["measure_id", "role", "status", "previous_status", "progress_text", "value",
                                       "change", "source_row"])


def _same(stored: Any, new: Any) -> bool:
    """A stored value (NaN/NaT for empty, Timestamp for a date) equals what the file says."""
    if stored is None or (not isinstance(stored, str) and pd.isna(stored)):
        stored = None
    elif isinstance(stored, pd.Timestamp):
        stored = stored.date()
    return stored == new


@dataclass
class LedgerImport:
    file_name: str
    added: int
    revised: int
    unchanged: int
    import_id: int | None


def import_returned(db_path, data: bytes, file_name: str, *, user: str = "", today: _dt.date | None = None,
                    expected_period: str | None = None, expected_department: str | None = None,
                    dry_run: bool = False) -> LedgerImport:
    """Validate, preview and write one returned file, all or nothing; LedgerRejected when it has errors."""
    with Reader(db_path) as reader:
        returned = read_returned(reader, data, file_name, today=today, expected_period=expected_period,
                                 expected_department=expected_department)
        if returned.problems:
            raise LedgerRejected(returned.problems)
        plan = preview(reader, returned)
    added, revised = int((plan.change == "new").sum()), int((plan.change == "changed").sum())
    unchanged = int((plan.change == "unchanged").sum())
    if dry_run or added + revised == 0:
        return LedgerImport(returned.file_name, added, revised, unchanged, None)
    to_write = {m for m, c in zip(plan.measure_id, plan.change) if c != "unchanged"}
    with writer(db_path) as con:
        import_id = _log(con, returned, added, revised, unchanged, user)
        _store(con, returned, [r for r in returned.reports if r.measure_id in to_write], import_id)
    return LedgerImport(returned.file_name, added, revised, unchanged, import_id)


def _log(con, returned: ReturnedFile, added: int, revised: int, unchanged: int, user: str) -> int:
    now = _dt.datetime.now().replace(microsecond=0)
    return con.execute(
        "INSERT INTO import_log (started_at, finished_at, file_name, file_sha256, file_format, dataset, rows_in_file,"
        " rows_added, rows_revised, rows_unchanged, user_name, outcome, message, message_zh)"
        " VALUES (?, ?, ?, ?, 'ledger-xlsx', ?, ?, ?, ?, ?, ?, 'success', ?, ?) RETURNING id",
        [now, now, returned.file_name, returned.file_sha256, returned.dataset, returned.rows_in_file, added, revised,
         unchanged, user, t("ledger.logged", "en", department=returned.department_code, period=returned.period),
         t("ledger.logged", "zh", department=returned.department_code, period=returned.period)]).fetchone()[0]


def _store(con, returned: ReturnedFile, reports: list[Report], import_id: int | None,
           vintage: _dt.datetime | None = None) -> None:
    vintage = vintage or _dt.datetime.now().replace(microsecond=0)
    for rep in reports:
        con.execute("UPDATE progress_reports SET is_latest = false WHERE dataset = ? AND measure_id = ? AND period = ?"
                    " AND department_code = ? AND is_latest", [returned.dataset, rep.measure_id, returned.period,
                                                                returned.department_code])
        con.execute(
            "INSERT INTO progress_reports (dataset, measure_id, period, department_code, role, status, progress_text,"
            " target_id, value, evidence_url, reporter, report_date, vintage, import_id, source_file, source_row)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [returned.dataset, rep.measure_id, returned.period, returned.department_code, rep.role, rep.status,
             rep.progress_text, rep.target_id, rep.value, rep.evidence_url, rep.reporter, rep.report_date, vintage,
             import_id, returned.file_name, rep.source_row])


# --------------------------------------------------------------------------- the compiled ledger

def ledger_table(reader: Reader, period: str, dataset: str = "official", department: str | None = None,
                 today: _dt.date | None = None, target_status: dict[str, dict] | None = None,
                 lang: str = "zh") -> pd.DataFrame:
    """One row per task: its departments, the lead's latest report for the period (or 逾期未报), co-reports,
    and its quantified targets' latest progress from the engine (``target_status``: target id → row)."""
    today = today or _dt.date.today()
    tasks = measures_mod.measures(reader)
    if department:
        code = measures_mod.department_code(reader, department)
        mine = measures_mod.measures_of_department(reader, code or "", roles=("lead", "co"))
        tasks = tasks[tasks["id"].isin(set(mine["id"]))]
    names = measures_mod.department_names(measures_mod.departments(reader), lang)
    reports = latest_reports(reader, dataset, period)
    due = period_due(period) < today
    rows = []
    for task in tasks.itertuples():
        mine = reports[reports["measure_id"] == task.id]
        lead = mine[mine["role"] == "lead"]
        co = mine[mine["role"] == "co"]
        status = lead["status"].iloc[0] if len(lead) else ("overdue" if due else "pending")
        texts = [r.progress_text for r in lead.itertuples() if isinstance(r.progress_text, str)]
        texts += [t("ledger.co_report", lang, department=names.get(r.department_code, r.department_code),
                    text=r.progress_text) for r in co.itertuples()
                  if isinstance(r.progress_text, str)]
        rows.append({
            "plan_id": task.plan_id, "section": pick(task._asdict(), "section", lang),
            "measure_id": task.id, "number": task.number_label,
            "title": pick(task._asdict(), "title", lang),
            "lead_code": task.lead_code, "lead": names.get(task.lead_code, task.lead_code) if task.lead_code else "",
            "co": t("ledger.list_sep", lang).join(names.get(c, c) for c in task.co_codes),
            "targets": _targets_progress(task.target_ids, target_status or {}, lang),
            "progress": "\n".join(texts), "status": status,
            "status_label": t(f"ledger.status.{status}", lang),
            "reported_by": t("ledger.list_sep", lang).join(names.get(c, c) for c in mine["department_code"]),
        })
    return pd.DataFrame(rows)


def period_due(period: str) -> _dt.date:
    """The day a period's report is due: ten days after the quarter (or year) ends."""
    year, quarter = parse_period(period)
    if quarter is None:
        end = _dt.date(year, 12, 31)
    else:
        end = (_dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - _dt.timedelta(days=1))
    return end + _dt.timedelta(days=10)


def _targets_progress(target_ids: list[str], target_status: dict[str, dict], lang: str) -> str:
    if not target_status:
        return ""
    from .assess.progress import status_label as target_status_label
    from .formatting import fmt_rate, is_missing

    parts = []
    for target_id in target_ids:
        row = target_status.get(target_id)
        if not row or row.get("status") == "not_scored":
            continue
        name = pick(row, "target_name", lang)
        done = "" if is_missing(row.get("completion")) else t("ledger.completion", lang,
                                                               rate=fmt_rate(row.get("completion"), lang))
        parts.append(t("ledger.target_progress", lang, name=name, status=target_status_label(row["status"], lang),
                       completion=done))
    return "\n".join(parts)


def overdue(reader: Reader, period: str, dataset: str = "official") -> pd.DataFrame:
    """Tasks whose lead department has no report for the period: department, measure, title."""
    tasks = measures_mod.measures(reader)
    reported = set(latest_reports(reader, dataset, period).query("role == 'lead'")["measure_id"])
    missing = tasks[~tasks["id"].isin(reported) & tasks["lead_code"].notna()]
    return pd.DataFrame({"department_code": missing["lead_code"], "department": missing["lead_short_name_zh"],
                         "measure_id": missing["id"], "number": missing["number_label"],
                         "title": missing["title_zh"]}).reset_index(drop=True)


EXPORT_COLUMNS = ("no", "title", "lead", "co", "targets", "progress", "status_label")


def export_frame(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The compiled 台账 in the layout staff send upward, formula-looking text neutralised."""
    frame = pd.DataFrame({
        t("ledger.export.no", lang): range(1, len(table) + 1),
        t("ledger.export.title", lang): [f"{n}.{x}" for n, x in zip(table["number"], table["title"])],
        t("ledger.export.lead", lang): table["lead"], t("ledger.export.co", lang): table["co"],
        t("ledger.export.targets", lang): table["targets"], t("ledger.export.progress", lang): table["progress"],
        t("ledger.export.status", lang): table["status_label"],
    }) if len(table) else pd.DataFrame(columns=[t(f"ledger.export.{c}", lang) for c in EXPORT_COLUMNS])
    for column in frame.columns:
        frame[column] = frame[column].map(neutralise_text)
    return frame


def export_xlsx(table: pd.DataFrame, period: str, dataset: str, lang: str = "zh") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    frame = export_frame(table, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = t("ledger.export.sheet", lang)[:31]
    title = t("ledger.export.heading", lang, period=period_label(period, lang))
    if dataset != "official":
        title = t("ledger.synthetic_banner", lang) + " " + title
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(frame.columns))
    for col, name in enumerate(frame.columns, start=1):
        sheet.cell(2, col, name).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(col)].width = (6, 36, 14, 24, 40, 60, 12)[col - 1]
    for r, values in enumerate(frame.itertuples(index=False), start=3):
        for col, value in enumerate(values, start=1):
            sheet.cell(r, col, value).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_csv(table: pd.DataFrame, lang: str = "zh") -> bytes:
    from .export import to_csv_bytes

    return to_csv_bytes(export_frame(table, lang))
