"""Synthetic progress reports for the demo dataset: every task, every quarter of 2021–2023, from its lead (and
some co-departments), with a realistic share of late and missing reports. Marked synthetic in every text
(【演示数据】) like the rest of the demo; written in the demo's own write transaction."""

from __future__ import annotations

import datetime as _dt

import numpy as np

from . import ledger

DATASET = "demo"
YEARS = (2021, 2023)
MISSING_SHARE = 0.12      # a lead department that does not report in a quarter
CO_REPORT_SHARE = 0.3     # a co-department that reports its part
ACTIONS = ("制定年度工作方案并分解任务", "召开专题调度会推进重点项目", "出台配套支持政策", "开展督导检查",
           "组织市州对接活动", "推进重点项目建设", "完成阶段性评估", "总结经验并推广")


def write(con, seed: int = 1) -> int:
    """Replace the demo dataset's progress reports; returns how many were written."""
    rng = np.random.default_rng(seed + 1013)
    con.execute("DELETE FROM progress_reports WHERE dataset = ?", [DATASET])
    tasks = con.execute(
        "SELECT m.id, m.title_zh, m.lead_code,"
        " (SELECT list(md.department_code ORDER BY md.position) FROM measure_departments md"
        "  WHERE md.measure_id = m.id AND md.role = 'co') FROM measures m WHERE m.kind = 'task' AND m.lead_code IS NOT NULL"
        " ORDER BY m.sort_order").fetchall()
    periods = ledger.quarters(*YEARS)
    rows = []
    for measure_id, title, lead, co in tasks:
        done_at = rng.integers(4, len(periods) + 6)          # some tasks finish within the plan, some not
        behind_from = rng.integers(2, len(periods) + 8)
        for i, period in enumerate(periods):
            if i >= done_at + 1:
                status = "completed"
            elif i == 0 and rng.random() < 0.3:
                status = "not_started"
            else:
                status = "behind" if i >= behind_from and rng.random() < 0.6 else "on_schedule"
            if i > done_at:
                status = "completed"
            due = ledger.period_due(period)
            who = [(lead, "lead")] if rng.random() >= MISSING_SHARE else []
            who += [(c, "co") for c in (co or []) if rng.random() < CO_REPORT_SHARE]
            for dept, role in who:
                late = rng.random() < 0.15
                date = due + _dt.timedelta(days=int(rng.integers(1, 25))) if late else \
                    due - _dt.timedelta(days=int(rng.integers(0, 9)))
                action = ACTIONS[int(rng.integers(len(ACTIONS)))]
                text = None if status == "not_started" else \
                    f"【演示数据】{ledger.period_label(period)}：围绕“{title}”，{action}。"
                rows.append((DATASET, measure_id, period, dept, role, status if role == "lead" else
                             ("on_schedule" if status == "not_started" else status), text, None, None, None,
                             "演示用户", date, _dt.datetime.combine(date, _dt.time(9)), None,
                             "DEMO-synthetic ledger", None, True))
    con.executemany(
        "INSERT INTO progress_reports (dataset, measure_id, period, department_code, role, status, progress_text,"
        " target_id, value, evidence_url, reporter, report_date, vintage, import_id, source_file, source_row,"
        " is_latest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
