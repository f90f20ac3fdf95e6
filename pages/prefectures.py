"""市州比较 — Hunan's 14 prefectures on one scale: ranking, yardstick, small multiples, map, and one in focus.

The rules (indicators and measures offered, sort direction, yardstick, which target gives the status) are in
monitor/compare.py; the parts are drawn by ui/prefectures.py from the cached loaders in ui/data.py.
"""

import streamlit as st

from monitor import compare, series
from monitor.formatting import fmt_period
from monitor.i18n import pick, t
from monitor.regions import province_code
from ui.data import (
    load_assessment,
    load_comparison_periods,
    load_indicator_names,
    load_indicators,
    load_prefecture_observations,
    load_prefectures,
    load_rank_history,
    load_ranking,
    load_region_names,
    load_region_short_names,
    load_targets,
)
from ui.frame import require_app_frame
from ui.prefectures import (
    Comparison,
    clicked_region,
    name_list,
    recent_history,
    render_bullet_and_map,
    render_focus_card,
    render_focus_chart,
    render_ranking,
    render_small_multiples,
)
from ui.state import View, url_widget
from ui.text import t_md

require_app_frame()

view = View()
lang = view.lang
indicators = load_indicators().set_index("id")
targets = load_targets()
prefectures = load_prefectures()
names = load_region_short_names(lang)
full_names = load_region_names(lang)

st.title(t("nav.prefectures", lang))
st.caption(t("prefectures.subtitle", lang))

options = compare.comparable_indicators(load_indicators())
top = st.columns([3, 2])
with top[0]:
    indicator_id = url_widget(st.selectbox, t("indicator.choose", lang), options, "ind", options[0],
                              format_func=load_indicator_names(lang).get)
indicator = indicators.loc[indicator_id]
periods = series.up_to(load_comparison_periods(view.dataset, indicator_id), view.as_of)
if periods.empty:
    st.warning(t_md("prefectures.no_data", lang, indicator=pick(indicator, "name", lang)), icon=":material/database_off:")
    st.stop()
period_labels = {row.period: t("prefectures.period_label", lang, n=row.regions,
                               period=fmt_period(row.period, row.period_type, lang))
                 for row in periods.itertuples()}
with top[1]:
    period = url_widget(st.selectbox, t("prefectures.period", lang), list(period_labels), "period",
                        compare.default_period(periods, compare.last_plan_year(indicator_id, targets)),
                        format_func=lambda p: period_labels[p])
period_type = periods.set_index("period").period_type[period]
measures = compare.measures_for(indicator.kind)
measure = url_widget(st.segmented_control, t("prefectures.measure", lang), measures, "measure",
                     compare.default_measure(measures), required=True, format_func=lambda m: t(f"measure.{m}", lang))

obs = load_prefecture_observations(view.dataset, indicator_id)
province_rows = obs[(obs.indicator_id == indicator_id) & (obs.region_code == province_code())
                    & (obs.period == period) & (obs.period_type == period_type)]
province_row = province_rows.iloc[0].to_dict() if len(province_rows) else None
c = Comparison(indicator_id, indicator, period, period_type, measure, prefectures,
               compare.yardstick(measure, indicator_id, targets, province_row), lang)
table = load_ranking(view.dataset, indicator_id, period, period_type, measure, c.ascending, c.yardstick_value)

target_id = compare.status_target(indicator_id, measure, targets)
statuses = {}
status_title = t("prefectures.col_status", lang)
if target_id is not None:  # the column says which target, judged up to which period
    assessed = load_assessment(view.dataset, period, prefectures)
    statuses = assessed[assessed.target_id == target_id].set_index("region").status.to_dict()
    status_title = t("prefectures.col_status_for", lang, target=pick(targets.set_index("id").loc[target_id], "name", lang),
                     period=fmt_period(period, period_type, lang))

missing = table[table.missing].region_code.tolist()
if missing:
    st.info(t_md("prefectures.missing", lang, n=len(missing), names=name_list(missing, names, lang)),
            icon=":material/info:")
if measure == "per_capita" and table.missing.all():
    st.warning(t("prefectures.no_population", lang), icon=":material/warning:")

st.subheader(t("prefectures.ranking_title", lang))
selection = render_ranking(table, statuses, view, c, full_names, status_title)
map_event = render_bullet_and_map(table, c, names, full_names)
# A click on the map or a row of the table focuses that prefecture (written to the URL like the select box).
clicked = clicked_region(selection, map_event, table, prefectures)
if clicked and clicked != st.session_state.get("region"):
    st.query_params["region"] = clicked

history = recent_history(load_rank_history(view.dataset, indicator_id, period_type, measure, c.ascending), c)
render_small_multiples(history, c, names)

st.divider()
st.subheader(t("prefectures.focus_title", lang))
focus_cols = st.columns(2)
with focus_cols[0]:
    focus = url_widget(st.selectbox, t("prefectures.focus", lang), list(prefectures), "region", prefectures[0],
                       format_func=lambda code: full_names[code])
with focus_cols[1]:
    others = [code for code in prefectures if code != focus]
    second = url_widget(st.selectbox, t("prefectures.compare_with", lang), others, "compare", others[0],
                        format_func=lambda code: full_names[code])

assessed_focus = load_assessment(view.dataset, view.as_of, (focus, second))
assessed_focus = assessed_focus.merge(targets[["id", "name_zh", "name_en"]].rename(columns={"id": "target_id"}),
                                      on="target_id", how="left")
for col, code in zip(st.columns(2), (focus, second)):
    with col:
        render_focus_card(code, table, assessed_focus, history, c, full_names)
render_focus_chart(history, (focus, second), c, full_names)
