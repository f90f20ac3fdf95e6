"""方法与来源 — how statuses are assessed, and where the data come from (with their caveats)."""

import streamlit as st

from monitor.i18n import t
from ui.data import load_targets
from ui.frame import require_app_frame
from ui.state import View
from ui.text import code, md
from ui.widgets import STATUS_ORDER, status_badge

require_app_frame()

view = View()
lang = view.lang

st.title(t("nav.method", lang))
st.markdown(t("method.intro", lang))

st.subheader(t("method.status_title", lang))
for status in STATUS_ORDER:
    badge, meaning = st.columns([1, 3], vertical_alignment="center")
    with badge:
        status_badge(status, lang)
    meaning.markdown(t(f"status_help.{status}", lang))

st.subheader(t("method.types_title", lang))
st.markdown(t("method.types", lang))

st.subheader(t("method.sources_title", lang))
st.markdown(t("method.sources", lang))
st.subheader(t("caveats.title", lang))
st.markdown(t("caveats.body", lang))

st.subheader(t("method.plans_title", lang))
targets = load_targets()
for plan_id, plan in targets.groupby("plan_id", sort=False):
    first = plan.iloc[0]
    st.markdown(f"**{md(first.plan_title_zh)}**（湘政办发〔2021〕66号）" if lang == "zh"
                else f"**{md(first.plan_title_en)}** (湘政办发〔2021〕66号)")
    for row in plan.itertuples():
        st.markdown(f"- {code(row.id)} — “{md(row.quote_zh)}”（{md(row.clause)}）")
