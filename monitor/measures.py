"""The plans' measures (主要任务) and the departments responsible for them.

Read from the store (tables measures, measure_departments, departments, targets; loaded from
data/plans/*.toml and data/departments.csv by the registry). A measure's departments are in the text's
order; the first one leads (排第一位的为牵头单位). Words come from the locale catalog (section `tasks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .db import Reader
from .i18n import normalise_language, pick, t

NO_NUMBER = "no_numeric_target"


def departments(reader: Reader) -> pd.DataFrame:
    """Every department with the number of tasks it leads and co-leads (0 for none), in code order."""
    return reader.query_df(
        "SELECT d.code, d.name_zh, d.short_name_zh, d.name_en, d.kind, d.plan_id,"
        " count(*) FILTER (WHERE md.role = 'lead' AND m.kind = 'task') AS n_lead,"
        " count(*) FILTER (WHERE md.role = 'co' AND m.kind = 'task') AS n_co"
        " FROM departments d"
        " LEFT JOIN measure_departments md ON md.department_code = d.code"
        " LEFT JOIN measures m ON m.id = md.measure_id"
        " GROUP BY ALL ORDER BY n_lead DESC, n_co DESC, d.code")


def department_code(reader: Reader, key: str | None) -> str | None:
    """A department's code from its code, its name as written, its short name or its English name (a URL's dept=…)."""
    if not key:
        return None
    rows = reader.query_rows(
        "SELECT code FROM departments WHERE code = ? OR name_zh = ? OR short_name_zh = ? OR lower(name_en) = lower(?)"
        " ORDER BY code = ? DESC LIMIT 1", [key, key, key, key, key])
    return rows[0][0] if rows else None


_MEASURE_SQL = (
    "SELECT m.id, m.plan_id, m.kind, m.number, m.number_label, m.section_zh, m.section_en, m.title_zh, m.title_en,"
    " m.text_zh, m.lead_code, d.name_zh AS lead_name_zh, d.short_name_zh AS lead_short_name_zh,"
    " d.name_en AS lead_name_en, m.sort_order,"
    " (SELECT list(md.department_code ORDER BY md.position) FROM measure_departments md"
    "   WHERE md.measure_id = m.id AND md.role = 'co') AS co_codes,"
    " (SELECT list(md.department_code ORDER BY md.position) FROM measure_departments md"
    "   WHERE md.measure_id = m.id AND md.role = 'named') AS named_codes,"
    " (SELECT list(t.id ORDER BY t.sort_order) FROM targets t WHERE t.measure_id = m.id) AS target_ids,"
    " (SELECT count(*) FROM targets t WHERE t.measure_id = m.id AND t.target_type <> 'no_numeric_target')"
    "   AS n_quantified"
    " FROM measures m LEFT JOIN departments d ON d.code = m.lead_code")


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("co_codes", "named_codes", "target_ids"):
        frame[column] = [list(v) if isinstance(v, (list, tuple, np.ndarray)) else [] for v in frame[column]]
    return frame


def measures(reader: Reader, plan_id: str | None = None, kind: str | None = "task") -> pd.DataFrame:
    """Measures in the plans' order; `kind` 'task' (主要任务), 'requirement' (the notice's) or None for both."""
    where, params = [], []
    if plan_id:
        where.append("m.plan_id = ?")
        params.append(plan_id)
    if kind:
        where.append("m.kind = ?")
        params.append(kind)
    sql = _MEASURE_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.sort_order"
    return _clean(reader.query_df(sql, params))


@dataclass
class Section:
    title_zh: str
    title_en: str | None
    measures: pd.DataFrame

    def title(self, lang: str) -> str:
        return pick({"title_zh": self.title_zh, "title_en": self.title_en}, "title", lang)


def measures_by_section(reader: Reader, plan_id: str) -> list[Section]:
    """A plan's tasks grouped by their section (（一）…专项行动), sections in the text's order."""
    frame = measures(reader, plan_id)
    sections: list[Section] = []
    for title_zh, group in frame.groupby("section_zh", sort=False, dropna=False):
        sections.append(Section(title_zh if isinstance(title_zh, str) else "", group.section_en.iloc[0],
                                group.reset_index(drop=True)))
    return sections


def measures_of_department(reader: Reader, code: str, roles: tuple[str, ...] = ("lead", "co")) -> pd.DataFrame:
    """The measures a department leads or co-leads (or is named in), with its `role` and `position`, lead first."""
    frame = _clean(reader.query_df(
        "WITH mine AS (SELECT measure_id, role, position FROM measure_departments"
        f" WHERE department_code = ? AND role IN ({', '.join('?' for _ in roles)}))"
        f" SELECT q.*, mine.role, mine.position FROM ({_MEASURE_SQL}) q JOIN mine ON mine.measure_id = q.id"
        " ORDER BY mine.role = 'lead' DESC, q.sort_order", [code, *roles]))
    return frame


def measure_of_target(reader: Reader, target_id: str) -> dict | None:
    """The measure stating a target (with its departments), or None when the plan's 发展目标 states it."""
    frame = _clean(reader.query_df(_MEASURE_SQL + " WHERE m.id = (SELECT measure_id FROM targets WHERE id = ?)",
                                   [target_id]))
    return frame.iloc[0].to_dict() if len(frame) else None


@dataclass
class DepartmentSummary:
    """What a department answers for, as counts: tasks it leads and co-leads, and their quantified targets."""

    code: str
    name_zh: str
    name_en: str
    n_lead: int
    n_co: int
    n_quantified: int                           # quantified targets of the tasks it leads
    target_ids: list[str] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)   # of those targets, when statuses are given


def department_summary(reader: Reader, code: str, statuses: dict[str, str] | None = None) -> DepartmentSummary:
    """Counts for "省商务厅牵头N项任务，其中量化目标M个"; `statuses` (target id → status) adds their statuses."""
    row = reader.query_rows("SELECT name_zh, name_en FROM departments WHERE code = ?", [code])
    if not row:
        raise KeyError(f"unknown department {code!r}")
    led = measures_of_department(reader, code, roles=("lead",))
    co = measures_of_department(reader, code, roles=("co",))
    led_tasks = led[led.kind == "task"]
    quantified = reader.query_rows(
        "SELECT t.id FROM targets t JOIN measures m ON m.id = t.measure_id"
        " WHERE m.lead_code = ? AND m.kind = 'task' AND t.target_type <> ? ORDER BY m.sort_order, t.sort_order",
        [code, NO_NUMBER])
    ids = [r[0] for r in quantified]
    counts: dict[str, int] = {}
    for target_id in ids:
        status = (statuses or {}).get(target_id)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return DepartmentSummary(code, row[0][0], row[0][1], len(led_tasks), int((co.kind == "task").sum()), len(ids),
                             ids, counts)


STATUS_ORDER = ("achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na", "not_scored")


def summary_line(summary: DepartmentSummary, lang: str = "zh") -> str:
    """One line: 省商务厅牵头35项任务，其中量化目标45个（另参与3项）：符合进度2个、数据不足40个."""
    lang = normalise_language(lang)
    name = summary.name_zh if lang == "zh" else summary.name_en
    key = "tasks.dept_summary_one" if summary.n_lead == 1 else "tasks.dept_summary"
    text = t(key, lang, name=name, n_lead=summary.n_lead, n_quantified=summary.n_quantified)
    if summary.n_co:
        text += t("tasks.dept_summary_co", lang, n_co=summary.n_co)
    if summary.status_counts:
        parts = [t("tasks.status_count", lang, status=t(f"status.{s}", lang), n=summary.status_counts[s])
                 for s in STATUS_ORDER if summary.status_counts.get(s)]
        text += t("tasks.status_lead_in", lang) + t("tasks.list_separator", lang).join(parts)
    return text


_NAME_COLUMN = {"zh": "short_name_zh", "en": "name_en"}


def department_names(frame: pd.DataFrame, lang: str = "zh") -> dict[str, str]:
    """Department code → the name a page shows: the short Chinese name (商务厅) or the English one."""
    return dict(zip(frame["code"], frame[_NAME_COLUMN[normalise_language(lang)]]))
