"""The overview's 生成监测报告（Word） button: the same document as `python -m monitor report` for the view.

The document is built when the button is clicked (a deferred download), never on a rerun, through its own
read-only Reader: the click is served outside the page script, and the database file may have been replaced.
"""

from __future__ import annotations

import streamlit as st

from monitor.briefing import DOCX_MIME, ReportOptions, build_report, file_name
from monitor.config import db_path
from monitor.db import Reader
from monitor.i18n import t

from .data import get_reader
from .state import View


def report_options(view: View, region: str | None) -> ReportOptions:
    """The CLI's options for the view: dataset, as-of period, region, language, and the department filter
    (URL key `dept`) when the page has one."""
    dept = st.session_state.get("dept") or st.query_params.get("dept") or None
    if dept == "all":  # the overview's 全部单位
        dept = None
    return ReportOptions(dataset=view.dataset, as_of=view.as_of, region=region, lang=view.lang, dept=dept)


@st.cache_data(max_entries=64, show_spinner=False)
def _file_name(dataset: str, as_of: str | None, region: str | None, lang: str, dept: str | None) -> str:
    return file_name(get_reader(), ReportOptions(dataset=dataset, as_of=as_of, region=region, lang=lang, dept=dept))


def report_button(view: View, region: str | None) -> None:
    """A download button whose file is the monitoring report of the current view."""
    options = report_options(view, region)
    path = str(db_path())

    def build() -> bytes:
        with Reader(path) as reader:
            return build_report(reader, options).content

    name = _file_name(options.dataset, options.as_of, options.region, options.lang, options.dept)
    st.download_button(t("report.button", view.lang), data=build, file_name=name, mime=DOCX_MIME,
                       key="overview_report", on_click="ignore", icon=":material/description:",
                       help=t("report.button_help", view.lang))
