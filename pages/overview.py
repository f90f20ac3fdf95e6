"""目标总览 — every target of the plans: status, latest value against the target, completion vs time share."""

import pandas as pd
import streamlit as st

from monitor.formatting import fmt_rate, fmt_value, is_missing
from monitor.i18n import pick, t
from ui.data import load_assessment, load_region_names, load_regions, load_targets
from ui.frame import require_app_frame
from ui.state import View, url_widget
from ui.widgets import STATUS_ORDER, as_list, download_table, status_badge, status_label

require_app_frame()

view = View()
lang = view.lang


PROVINCE = "430000"


def choose_region() -> str:
    """The province, its prefectures, and any other region that has targets of its own."""
    regions = load_regions()
    own = set(load_targets().region_code)
    options = [PROVINCE] + regions[(regions.level == "prefecture") & (regions.parent_code == PROVINCE)].code.tolist()
    options += sorted(own - set(options))
    names = load_region_names(lang)
    return url_widget(st.selectbox, t("overview.region", lang), options, "region", PROVINCE,
                      format_func=lambda c: names.get(c, c),
                      help=t("overview.region_help", lang))


def load_overview(view: View, region: str) -> pd.DataFrame:
    """The engine's result for the region — its own targets and the provincial ones as yardsticks —
    joined with the registry text."""
    result = load_assessment(view.dataset, view.as_of, (region,))
    targets = load_targets()
    info = targets[["id", "plan_id", "name_zh", "name_en", "quote_zh", "clause", "plan_title_zh", "plan_title_en",
                    "sort_order", "notes_zh", "notes_en"]].rename(columns={"id": "target_id", "plan_id": "plan"})
    merged = result.merge(info, on="target_id", how="left")
    return merged.sort_values("sort_order").reset_index(drop=True)


def decimals_for(value) -> int:
    return 0 if not is_missing(value) and float(value).is_integer() else 1


def headline_values(row) -> tuple[str, str]:
    """(latest, target) as text with units, by target type."""
    unit = row.unit
    if row.target_type == "average_growth":
        latest = fmt_rate(row.observed_rate, lang)
        target = f"{row.comparator} {fmt_value(row.target_value, '%', lang)}"
    elif row.target_type == "pp_change":
        latest = fmt_value(row.latest_value, "%", lang)
        key = "overview.pp_down" if row.target_value < 0 else "overview.pp_up"
        target = t(key, lang, change=fmt_value(abs(row.target_value), "个百分点", lang), base=row.plan_base_period)
    else:
        latest = fmt_value(row.latest_value, unit, lang, decimals_for(row.latest_value))
        target = f"{row.comparator} {fmt_value(row.target_value, unit, lang, decimals_for(row.target_value))}"
    if isinstance(row.latest_period, str) and row.latest_period:
        latest = f"{latest}（{row.latest_period}）" if lang == "zh" else f"{latest} ({row.latest_period})"
    if isinstance(row.target_period, str):
        target = f"{target}（{row.target_period}）" if lang == "zh" else f"{target} (by {row.target_period})"
    return latest, target


def render_status_counts(frame: pd.DataFrame) -> None:
    scored = frame[frame.status != "not_scored"]
    counts = scored.status.value_counts()
    with st.container(horizontal=True, gap="small"):
        st.metric(t("overview.kpi_targets", lang), len(scored), border=True, width=150)
        for status in STATUS_ORDER:
            if status == "not_scored":
                continue
            st.metric(status_label(status, lang), int(counts.get(status, 0)), border=True, width=150)


def render_card(row) -> None:
    with st.container(border=True):
        st.markdown(f"**{pick(row, 'name', lang)}**")
        status_badge(row.status, lang, as_list(row.qualifiers))
        latest, target = headline_values(row)
        st.markdown(f"{t('overview.latest', lang)}：**{latest}**　　{t('overview.target', lang)}：**{target}**"
                    if lang == "zh" else
                    f"{t('overview.latest', lang)}: **{latest}**　　{t('overview.target', lang)}: **{target}**",
                    help=row.quote_zh)
        completion = row.completion
        if not is_missing(completion):
            bar = min(max(float(completion), 0.0), 1.0)
            text = t("overview.completion_text", lang, completion=fmt_rate(completion, lang),
                     time_share=fmt_rate(row.time_share, lang))
            st.progress(bar, text=text)
        if row.status == "na":
            reason = row.reason_zh if lang == "zh" else row.reason_en
            st.info(t("overview.missing", lang, reason=reason if isinstance(reason, str) else ""),
                    icon=":material/info:")
        else:
            sentence = row.sentence_zh if lang == "zh" else row.sentence_en
            if isinstance(sentence, str) and sentence:
                st.caption(sentence)
        st.page_link("pages/indicator.py", label=t("overview.details", lang), icon=":material/arrow_forward:",
                     query_params={"ind": row.indicator_id, "region": row.region, "target": row.target_id,
                                   "lang": lang, "dataset": view.dataset})


def table_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "target_id": frame.target_id,
        t("table.target", lang): [pick(r, "name", lang) for r in frame.itertuples()],
        t("table.status", lang): [status_label(s, lang) for s in frame.status],
        t("table.qualifiers", lang): [", ".join(t(f"qualifier.{q}", lang) for q in as_list(qs))
                                       for qs in frame.qualifiers],
        t("table.latest_period", lang): frame.latest_period,
        t("table.latest_value", lang): frame.latest_value,
        t("table.target_value", lang): frame.target_value,
        t("table.unit", lang): frame.unit,
        t("table.completion", lang): frame.completion,
        t("table.time_share", lang): frame.time_share,
        t("table.ratio", lang): frame.progress_ratio,
        t("table.required_rate", lang): frame.required_rate,
        t("table.observed_rate", lang): frame.observed_rate,
        t("table.remaining_rate", lang): frame.remaining_required_rate,
        t("table.sentence", lang): frame.sentence_zh if lang == "zh" else frame.sentence_en,
    })
    return out


st.title(t("app.title", lang))
st.caption(t("overview.subtitle", lang))

region = choose_region()
frame = load_overview(view, region)
if region != PROVINCE:
    st.caption(t("indicator.yardstick", lang))
scored = frame[frame.status != "not_scored"]
unscored = frame[frame.status == "not_scored"]

as_of_text = view.as_of or t("sidebar.asof_latest", lang)
st.markdown(t("overview.as_of", lang, as_of=as_of_text, dataset=t(f"dataset.{view.dataset}", lang)))
with st.expander(t("caveats.title", lang), icon=":material/warning:"):
    st.markdown(t("caveats.body", lang))

render_status_counts(frame)

plans = frame.drop_duplicates("plan")[["plan", "plan_title_zh", "plan_title_en"]]
for plan in plans.itertuples():
    st.subheader(plan.plan_title_zh if lang == "zh" else plan.plan_title_en)
    rows = scored[scored.plan == plan.plan]
    columns = st.columns(2)
    for i, row in enumerate(rows.itertuples()):
        with columns[i % 2]:
            render_card(row)

st.subheader(t("overview.unscored_title", lang))
st.caption(t("overview.unscored_help", lang))
for row in unscored.itertuples():
    st.markdown(f"- **{pick(row, 'name', lang)}** — “{row.quote_zh}”（{row.clause}）")

st.subheader(t("overview.table_title", lang))
table = table_frame(scored)
percent = {"format": "percent"}
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "target_id": st.column_config.TextColumn("ID"),
        t("table.completion", lang): st.column_config.ProgressColumn(t("table.completion", lang), format="percent",
                                                                     min_value=0.0, max_value=1.0),
        t("table.time_share", lang): st.column_config.NumberColumn(t("table.time_share", lang), **percent),
        t("table.ratio", lang): st.column_config.NumberColumn(t("table.ratio", lang), format="%.2f"),
        t("table.required_rate", lang): st.column_config.NumberColumn(t("table.required_rate", lang), **percent),
        t("table.observed_rate", lang): st.column_config.NumberColumn(t("table.observed_rate", lang), **percent),
        t("table.remaining_rate", lang): st.column_config.NumberColumn(t("table.remaining_rate", lang), **percent),
        t("table.latest_value", lang): st.column_config.NumberColumn(t("table.latest_value", lang), format="%.1f"),
        t("table.target_value", lang): st.column_config.NumberColumn(t("table.target_value", lang), format="%.1f"),
    },
)
download_table(table, f"targets_{view.dataset}_{view.as_of or 'latest'}", lang, key="overview_table",
               synthetic=view.synthetic)
