"""方法与来源 — how statuses are assessed, and where the data come from (with their caveats)."""

import streamlit as st

from monitor.i18n import pick, t
from monitor.target_kinds import KINDS
from ui.data import load_datasets, load_plans, load_targets
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
# Every kind of target from the one table of kinds, with its name and definition from the catalog.
st.markdown("\n".join("- " + t("format.label", lang, label=f"**{kind.name(lang)}**", value=kind.definition(lang))
                      for kind in KINDS))
st.markdown(t("method.thresholds", lang))

st.subheader(t("method.sources_title", lang))
official_rows = int(load_datasets().set_index("id").rows.get("official", 0))
st.markdown(t("method.sources", lang, n=official_rows))
st.subheader(t("method.source_classes_title", lang))
st.markdown(t("method.source_classes", lang))
st.subheader(t("caveats.title", lang))
st.markdown(t("caveats.body", lang))

st.subheader(t("method.plans_title", lang))
targets = load_targets()
document_numbers = load_plans().set_index("id").document_no.dropna().to_dict()
for plan_id, plan in targets.groupby("plan_id", sort=False):
    title = f"**{md(pick(plan.iloc[0], 'plan_title', lang))}**"
    document = document_numbers.get(plan_id)
    st.markdown(t("format.paren", lang, text=title, note=md(document)) if document else title)
    for row in plan.itertuples():
        st.markdown(f"- {code(row.id)} — “{md(row.quote_zh)}”（{md(row.clause)}）")
