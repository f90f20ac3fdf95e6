"""任务台账 — the task ledger: every measure's latest status for a quarter, who has not reported, one measure's
history; templates and the compiled ledger to download; returned templates uploaded by editors."""

import streamlit as st

from monitor import ledger, measures
from monitor.i18n import t
from ui import auth
from ui.data import get_reader, load_departments
from ui.frame import require_app_frame
from ui.ledger import (
    default_period,
    history_frame,
    load_history,
    load_ledger,
    load_overdue,
    period_options,
    table_frame,
    upload_returned,
)
from ui.state import View, url_widget
from ui.text import md, t_md

require_app_frame()
view = View()
lang = view.lang
st.title(t("nav.ledger", lang))
st.caption(t("ledger.page.intro", lang))

departments = load_departments()
dept_names = measures.department_names(departments, lang)
left, middle, right = st.columns(3)
with left:
    period = url_widget(st.selectbox, t("ledger.page.period", lang), period_options(view.dataset), "quarter",
                        default_period(view.dataset), format_func=lambda p: ledger.period_label(p, lang))
with middle:
    dept = url_widget(st.selectbox, t("ledger.page.department", lang), ["all", *departments.code], "dept", "all",
                      format_func=lambda c: t("ledger.page.all", lang) if c == "all" else dept_names.get(c, c))
statuses = ["all", *ledger.STATUSES, "overdue"]
with right:
    status = url_widget(st.selectbox, t("ledger.column.status", lang), statuses, "lstatus", "all",
                        format_func=lambda s: t("ledger.page.all", lang) if s == "all" else ledger.status_label(s, lang)
                        if s in ledger.STATUSES else t(f"ledger.status.{s}", lang))

table = load_ledger(period, view.dataset, None if dept == "all" else dept, lang)
counts = table["status"].value_counts()
with st.container(horizontal=True, gap="medium"):  # wraps on a phone instead of stacking five rows
    for code in [*ledger.STATUSES, "overdue"]:
        st.metric(t(f"ledger.status.{code}", lang), int(counts.get(code, 0)), width="content")
shown = table if status == "all" else table[table["status"] == status]
for (plan_id, section), group in shown.groupby(["plan_id", "section"], sort=False):
    st.subheader(md(section), divider="gray")
    st.dataframe(table_frame(group, lang), hide_index=True, width="stretch")

st.subheader(t("ledger.page.overdue", lang))
missing = load_overdue(period, view.dataset)
if dept != "all":
    missing = missing[missing["department_code"] == dept]
if len(missing):
    st.dataframe(missing.groupby("department_code").size().rename_axis(None).to_frame(t("ledger.page.count", lang))
                 .rename(index=dept_names), width="content")
else:
    st.caption(t("ledger.page.none_overdue", lang))

st.subheader(t("ledger.page.history", lang))
titles = dict(zip(table["measure_id"], table["number"] + "." + table["title"]))
measure = url_widget(st.selectbox, t("ledger.column.title", lang), list(titles), "measure", None,
                     format_func=lambda m: titles.get(m, m))
if measure:
    st.dataframe(history_frame(load_history(measure, view.dataset), lang), hide_index=True, width="stretch")

st.subheader(t("ledger.page.downloads", lang))
name = ledger.period_label(period, lang) + t("ledger.export.sheet", lang)
prefix = "DEMO-synthetic_" if view.synthetic else ""
st.download_button(t("ledger.page.export_xlsx", lang), data=lambda: ledger.export_xlsx(table, period, view.dataset, lang),
                   file_name=f"{prefix}{name}.xlsx", key="ledger_xlsx")
st.download_button(t("ledger.page.export_csv", lang), data=lambda: ledger.export_csv(table, lang),
                   file_name=f"{prefix}{name}.csv", key="ledger_csv")
if auth.is_unlocked():
    template_dept = dept if dept != "all" else departments.code.iloc[0]
    # a button's label is Markdown; the department's name is data
    st.download_button(t_md("ledger.page.template", lang, department=dept_names.get(template_dept, template_dept)),
                       data=lambda: ledger.build_template(get_reader(), template_dept, period, view.dataset),
                       file_name=ledger.template_file_name(dept_names.get(template_dept, template_dept), period),
                       key="ledger_template")
    upload_returned(view.dataset, lang, st.session_state.get("data_editor_name") or auth.DEFAULT_EDITOR)
else:
    st.caption(t("ledger.page.editors_only", lang))
