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
import math
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
    figures = figure_targets(reader)
    mine["lead_text"] = [names.get(code, "") for code in mine["lead_code"]]
    mine["co_text"] = ["、".join(names.get(c, c) for c in codes) for codes in mine["co_codes"]]
    mine["quantified"] = [[i for i in ids if i in figures] for ids in mine["target_ids"]]
    mine["figure_targets"] = [[figures[i] for i in ids] for ids in mine["quantified"]]
    mine["targets_text"] = [_targets_text(targets) for targets in mine["figure_targets"]]
    mine["title_text"] = [f"{label}.{title}" for label, title in zip(mine["number_label"], mine["title_zh"])]
    return mine


@dataclass(frozen=True)
class FigureTarget:
    """A quantified target as the template's 完成值 column sees it: which indicator a figure for it enters, in
    what unit, and whether it can take one (a target on an indicator summed from components cannot)."""

    id: str
    name_zh: str
    indicator_id: str
    indicator_unit: str
    region_code: str
    frequency: str
    allow_negative: bool
    derived: bool
    as_growth: bool  # an average-growth target: the figure is the cumulative year-on-year growth in %

    @property
    def unit(self) -> str:
        return "%" if self.as_growth else self.indicator_unit


def figure_targets(reader: Reader) -> dict[str, FigureTarget]:
    """Every quantified target with its indicator's unit, frequency and whether it may be negative or is derived."""
    rows = reader.query_rows(
        "SELECT t.id, t.name_zh, t.indicator_id, i.unit, t.region_code, i.frequency, coalesce(i.allow_negative, false),"
        " i.components IS NOT NULL AND len(i.components) > 0, t.target_type = 'average_growth'"
        " FROM targets t JOIN indicators i ON i.id = t.indicator_id WHERE t.target_type <> 'no_numeric_target'")
    return {row[0]: FigureTarget(*row) for row in rows}


def _targets_text(targets: list[FigureTarget]) -> str:
    """The locked 量化目标 cell: each quantified target with the unit its 完成值 is in, numbered when there are
    several (the number is what a 完成值 like “2：19500” refers to)."""
    lines = []
    for n, target in enumerate(targets, start=1):
        if target.derived:
            how = t("ledger.figure.derived_hint", "zh")
        elif target.as_growth:
            how = t("ledger.figure.growth_hint", "zh")
        else:
            how = t("ledger.figure.unit_hint", "zh", unit=target.unit)
        line = f"{target.name_zh}{how}"
        lines.append(t("ledger.figure.numbered", "zh", n=n, line=line) if len(targets) > 1 else line)
    return "\n".join(lines)


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

@dataclass(frozen=True)
class Figure:
    """A reported 完成值 as the observation it becomes: the target's indicator and region, the report's period
    mapped to a stored period (a quarter → January to its last month for a monthly indicator; the fourth quarter
    or a year → the year for an annual one), and the number as a level or as a year-on-year growth."""

    target_id: str
    target_name: str
    indicator_id: str
    region_code: str
    period: str
    period_type: str
    year: int
    month: int
    value: float | None
    yoy_pct: float | None
    unit: str
    typed: str  # the number as the department typed it (the observation's quote)


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
    figure: Figure | None = None


@dataclass
class ReturnedFile:
    file_name: str
    file_sha256: str
    department_code: str = ""
    department_name: str = ""
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
    out.department_name = names[out.department_code]
    _read_rows(reader, book[SHEET], out, problem, today)
    return out


LEDGER_SOURCE_MARK = "重点任务推进情况表"  # in every returned table's title (ledger.template_title)


def is_ledger_source(source) -> bool:
    """Whether a stored figure came from a department's returned table rather than a published statistic."""
    return isinstance(source, str) and LEDGER_SOURCE_MARK in source


def _reports_to_write(returned: ReturnedFile, plan: pd.DataFrame) -> list[Report]:
    to_write = {m for m, c in zip(plan.measure_id, plan.change) if c != "unchanged"}
    return [r for r in returned.reports if r.measure_id in to_write]


def figure_counts(reader: Reader, returned: ReturnedFile, plan: pd.DataFrame) -> tuple[int, int]:
    """(figures that will enter the indicators, figures kept in the ledger only) for a previewed file."""
    writing = _reports_to_write(returned, plan)
    kept = figures_blocked(reader, returned, writing)
    return sum(1 for r in writing if r.figure is not None) - kept, kept


def figures_blocked(reader: Reader, returned: ReturnedFile, reports: list[Report]) -> int:
    """How many reported figures will not enter the indicators because a published statistic (a bureau release,
    a customs figure) already holds that indicator, region and period: the published figure stays the figure."""
    keys = [(f.indicator_id, f.region_code, f.period_type, f.period)
            for f in (r.figure for r in reports) if f is not None]
    blocked = 0
    for key in keys:
        rows = reader.query_df(f"SELECT source FROM observations WHERE {_OBSERVATION_KEY} AND is_latest",
                               [returned.dataset, *key])
        blocked += int(len(rows) > 0 and not is_ledger_source(rows.source.iloc[0]))
    return blocked


def source_title(returned: ReturnedFile) -> str:
    """The source a reported figure is stored with: the returned table's own title, naming the department."""
    return t("ledger.template_title", "zh", period=period_label(returned.period), department=returned.department_name)


def _read_rows(reader: Reader, sheet, out: ReturnedFile, problem, today: _dt.date) -> None:
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
        report = _report(row, r, inputs, out, problem, letters, today)
        if report is not None:
            out.reports.append(report)
    if not out.reports and not out.problems:
        problem("nothing_reported")


def _report(row: pd.Series, r: int, inputs: dict, out: ReturnedFile, problem, letters: dict,
            today: _dt.date) -> Report | None:
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
    figure = _figure(row["figure_targets"], inputs["value"], out.period, today,
                     lambda code, **params: problem(code, r, letters["value"], **params))
    evidence = _cell_text(inputs["evidence"])
    if evidence and not re.match(r"^https?://\S+$", evidence, re.IGNORECASE):
        problem("bad_link", r, letters["evidence"], value=evidence)
    report_date = _date(inputs["report_date"])
    if report_date == "bad":
        problem("bad_date", r, letters["report_date"], value=str(inputs["report_date"]))
    if len(out.problems) > before:
        return None
    role = "lead" if row["lead_code"] == out.department_code else "co"
    return Report(row["id"], role, status or "", text, figure.target_id if figure else None,
                  (figure.value if figure.yoy_pct is None else figure.yoy_pct) if figure else None, evidence,
                  _cell_text(inputs["reporter"]), report_date if isinstance(report_date, _dt.date) else None, r,
                  figure)


_NUMBERED = re.compile(r"^\s*(?:[(（]\s*(\d{1,2})\s*[)）]|(\d{1,2})\s*[:：])\s*(.*)$")


def _number(text: str) -> float | None:
    """A typed number (thousands separators and a trailing % allowed); None for anything else, NaN and ∞ too."""
    cleaned = text.replace(",", "").replace("，", "").strip().removesuffix("%").strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        return None
    number = float(cleaned)
    return number if math.isfinite(number) else None


def _figure(targets: list[FigureTarget], cell: Any, period: str, today: _dt.date, problem) -> Figure | None:
    """Read a 完成值 cell: which target it is for, the number, and the observation it becomes (None when empty or
    when a problem was reported through ``problem(code, **params)``)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        problem("value_not_number", value=str(cell))
        return None
    typed = _cell_text(cell) or ""
    if not targets:
        problem("value_without_target")
        return None
    numbered = _NUMBERED.match(typed) if isinstance(cell, str) else None
    if numbered:
        position = int(numbered.group(1) or numbered.group(2))
        if not 1 <= position <= len(targets):
            problem("value_unknown_target", n=position, count=len(targets))
            return None
        target, text = targets[position - 1], numbered.group(3)
    elif len(targets) > 1:
        problem("value_which_target", count=len(targets))
        return None
    else:
        target, text = targets[0], typed
    number = float(cell) if isinstance(cell, (int, float)) and not numbered else _number(text)
    if number is None or not math.isfinite(number):
        problem("value_not_number", value=typed)
        return None
    if target.derived:
        problem("value_target_derived", target=target.name_zh)
        return None
    if number < 0 and not target.as_growth and not target.allow_negative:
        problem("value_negative", value=typed, target=target.name_zh)
        return None
    year, quarter = parse_period(period)
    if target.frequency == "monthly_ytd" and quarter is not None:
        stored, period_type, month = f"{year}-{3 * quarter:02d}", "ytd", 3 * quarter
    elif quarter in (None, 4):
        stored, period_type, month = str(year), "annual", 12
    else:
        problem("value_annual_only", target=target.name_zh)
        return None
    if period_end(period) > today:
        problem("value_period_open", period=period_label(period))
        return None
    return Figure(target.id, target.name_zh, target.indicator_id, target.region_code, stored, period_type, year, month,
                  None if target.as_growth else number, number if target.as_growth else None, target.indicator_unit,
                  text.strip())


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
                     "value": rep.value, "target_id": rep.target_id, "change": change, "source_row": rep.source_row})
    return pd.DataFrame(rows, columns=["measure_id", "role", "status", "previous_status", "progress_text", "value",
                                       "target_id", "change", "source_row"])


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
    figures: int = 0  # reported figures written to the observations (each a new vintage where one existed)
    kept: int = 0  # reported figures kept in the ledger only: a published statistic holds that period


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
        writing = _reports_to_write(returned, plan)
        with_figures, kept = figure_counts(reader, returned, plan)
    added, revised = int((plan.change == "new").sum()), int((plan.change == "changed").sum())
    unchanged = int((plan.change == "unchanged").sum())
    if dry_run or added + revised == 0:
        return LedgerImport(returned.file_name, added, revised, unchanged, None, with_figures, kept)
    with writer(db_path) as con:  # the reports, their figures and the log entry: one transaction
        import_id = _log(con, returned, added, revised, unchanged, user)
        figures = _store(con, returned, writing, import_id)
    return LedgerImport(returned.file_name, added, revised, unchanged, import_id, figures, kept)


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
           vintage: _dt.datetime | None = None) -> int:
    """Write the reports (each a new vintage) and their figures; returns how many figures were written."""
    vintage = vintage or _dt.datetime.now().replace(microsecond=0)
    figures = 0
    for rep in reports:
        if rep.figure is not None:
            figures += _store_figure(con, returned, rep, rep.figure, import_id, vintage)
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
    return figures


_OBSERVATION_KEY = "dataset = ? AND indicator_id = ? AND region_code = ? AND period_type = ? AND period = ?"


def _store_figure(con, returned: ReturnedFile, rep: Report, fig: Figure, import_id: int | None,
                  vintage: _dt.datetime) -> int:
    """A reported figure as an observation of the target's indicator, the returned table as its source: a new
    vintage over whatever was latest for that indicator, region and period (the earlier rows kept), nothing
    when the latest already says the same from the same source. 1 when written, else 0."""
    key = [returned.dataset, fig.indicator_id, fig.region_code, fig.period_type, fig.period]
    source = source_title(returned)
    latest = con.execute(f"SELECT value, yoy_pct, source FROM observations WHERE {_OBSERVATION_KEY} AND is_latest",
                         key).fetchone()
    if latest is not None and not is_ledger_source(latest[2]):
        return 0  # a published statistic for the period stays the figure; the department's value stays in the ledger
    if latest is not None and _same(latest[0], fig.value) and _same(latest[1], fig.yoy_pct) and latest[2] == source:
        return 0
    # the newest vintage stays the latest: an existing row dated after this one (a later release) keeps the flag
    con.execute(f"UPDATE observations SET is_latest = false WHERE {_OBSERVATION_KEY} AND is_latest AND vintage <= ?",
                [*key, vintage])
    newer = con.execute(f"SELECT count(*) FROM observations WHERE {_OBSERVATION_KEY} AND is_latest", key).fetchone()
    con.execute(
        "INSERT INTO observations (dataset, indicator_id, region_code, period, period_type, year, month, value, unit,"
        " value_published, unit_published, yoy_pct, source, source_url, quote, note, status, vintage, import_id,"
        " is_latest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
        [returned.dataset, fig.indicator_id, fig.region_code, fig.period, fig.period_type, fig.year, fig.month,
         fig.value, fig.unit, fig.value, fig.unit, fig.yoy_pct, source,
         t("ledger.figure.quote", "zh", target=fig.target_name, value=fig.typed),
         t("ledger.figure.note", "en", measure=rep.measure_id, target=fig.target_id, file=returned.file_name,
           row=rep.source_row),
         "revised" if latest is not None else None, vintage, import_id, not (newer and newer[0])])
    return 1


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


def period_end(period: str) -> _dt.date:
    """The last day of a quarter (or year)."""
    year, quarter = parse_period(period)
    if quarter is None or quarter == 4:
        return _dt.date(year, 12, 31)
    return _dt.date(year, 3 * quarter + 1, 1) - _dt.timedelta(days=1)


def period_due(period: str) -> _dt.date:
    """The day a period's report is due: ten days after the quarter (or year) ends."""
    return period_end(period) + _dt.timedelta(days=10)


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
