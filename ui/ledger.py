"""Cached loaders and render pieces of the task-ledger page (pages/ledger.py)."""

from __future__ import annotations

import datetime as _dt

import pandas as pd
import streamlit as st

from monitor import ledger
from monitor.i18n import pick, t

from .data import clear_caches, get_reader, load_assessment
from .text import t_md


@st.cache_data(max_entries=32, show_spinner=False)
def load_ledger(period: str, dataset: str, department: str | None, lang: str) -> pd.DataFrame:
    statuses = {r["target_id"]: r for r in load_assessment(dataset).to_dict("records")}
    return ledger.ledger_table(get_reader(), period, dataset, department=department, target_status=statuses,
                               lang=lang)


@st.cache_data(max_entries=16, show_spinner=False)
def load_overdue(period: str, dataset: str) -> pd.DataFrame:
    return ledger.overdue(get_reader(), period, dataset)


@st.cache_data(max_entries=16, show_spinner=False)
def load_history(measure_id: str, dataset: str) -> pd.DataFrame:
    return get_reader().query_df(
        "SELECT r.period, d.short_name_zh AS department_name_zh, d.name_en AS department_name_en, r.role, r.status,"
        " r.progress_text, r.value, r.evidence_url, r.reporter, r.report_date, r.vintage, r.is_latest"
        " FROM progress_reports r LEFT JOIN departments d ON d.code = r.department_code"
        " WHERE r.measure_id = ? AND r.dataset = ? ORDER BY r.period DESC, r.role, r.vintage DESC",
        [measure_id, dataset])


@st.cache_data(max_entries=4, show_spinner=False)
def load_reported_periods(dataset: str) -> list[str]:
    rows = get_reader().query_rows("SELECT DISTINCT period FROM progress_reports WHERE dataset = ? ORDER BY 1",
                                   [dataset])
    return [r[0] for r in rows]


def period_options(dataset: str, today: _dt.date | None = None) -> list[str]:
    """Quarters of the plan period and after, up to the current one, and any period with reports; newest first."""
    today = today or _dt.date.today()
    current = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    options = set(ledger.quarters(2021, today.year)) | set(load_reported_periods(dataset))
    return sorted((p for p in options if p <= current or p in load_reported_periods(dataset)), reverse=True)


def default_period(dataset: str, today: _dt.date | None = None) -> str:
    """The latest quarter with reports, else the latest quarter whose reports are due."""
    reported = [p for p in load_reported_periods(dataset) if "-Q" in p]
    if reported:
        return reported[-1]
    today = today or _dt.date.today()
    due = [p for p in ledger.quarters(2021, today.year) if ledger.period_due(p) <= today]
    return due[-1] if due else ledger.quarters(today.year, today.year)[0]


def table_frame(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Names first, the status beside them, codes last (a phone shows the first columns)."""
    return pd.DataFrame({
        t("ledger.column.title", lang): [f"{n}.{x}" for n, x in zip(table["number"], table["title"])],
        t("ledger.column.lead", lang): table["lead"],
        t("ledger.column.status", lang): table["status_label"],
        t("ledger.export.progress", lang): table["progress"],
        t("ledger.export.targets", lang): table["targets"],
        t("ledger.column.co", lang): table["co"],
        t("ledger.column.measure_id", lang): table["measure_id"],
    })


def history_frame(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("ledger.page.period", lang): [ledger.period_label(p, lang) for p in history["period"]],
        t("ledger.page.department", lang): [pick(r, "department_name", lang) for r in history.to_dict("records")],
        t("ledger.page.role", lang): [t(f"ledger.page.role_{r}", lang) for r in history["role"]],
        t("ledger.column.status", lang): [ledger.status_label(s, lang) for s in history["status"]],
        t("ledger.column.progress", lang): history["progress_text"].fillna(""),
        t("ledger.page.vintage", lang): history["vintage"].astype(str),
        t("ledger.page.current", lang): [t("ledger.page.yes", lang) if x else "" for x in history["is_latest"]],
    })


def upload_returned(dataset: str, lang: str, editor: str) -> None:
    """The editor's upload of returned templates: each file checked, previewed and written all or nothing."""
    files = st.file_uploader(t("ledger.page.upload", lang), type=["xlsx"], accept_multiple_files=True,
                             key="ledger_upload")
    if not files:
        return
    reader = get_reader()
    ready = []
    for file in files:
        data = file.getvalue()
        returned = ledger.read_returned(reader, data, file.name)
        if returned.problems:
            st.error(t_md("ledger.cli.rejected", lang, file=file.name), icon=":material/block:")
            st.text(ledger.LedgerRejected(returned.problems).summary(lang))
            continue
        plan = ledger.preview(reader, returned)
        counts = plan["change"].value_counts().to_dict()
        st.success(t_md("ledger.page.preview", lang, file=file.name, period=ledger.period_label(returned.period, lang),
                     new=counts.get("new", 0), changed=counts.get("changed", 0),
                     unchanged=counts.get("unchanged", 0)), icon=":material/fact_check:")
        figures, kept = ledger.figure_counts(reader, returned, plan)
        if figures:
            st.caption(t_md("ledger.cli.figures_to_write", lang, n=figures))
        if kept:
            st.caption(t_md("ledger.cli.figures_kept", lang, n=kept))
        ready.append((file.name, data))
    if ready and st.button(t("ledger.page.confirm", lang), type="primary", key="ledger_confirm"):
        from monitor.config import db_path

        for name, data in ready:
            try:
                result = ledger.import_returned(db_path(), data, name, user=editor)
            except ledger.LedgerRejected as exc:  # the problems name the file and quote its cells: plain text
                st.error(t_md("ledger.cli.rejected", lang, file=name), icon=":material/block:")
                st.text(exc.summary(lang))
                continue
            st.success(t_md("ledger.cli.imported", lang, file=name, added=result.added, revised=result.revised,
                         unchanged=result.unchanged))
            if result.figures:
                st.caption(t_md("ledger.cli.figures", lang, n=result.figures))
            if result.kept:
                st.caption(t_md("ledger.cli.figures_kept", lang, n=result.kept))
        clear_caches()
