"""市州比较 — Hunan's 14 prefectures on one scale: ranking, yardstick, small multiples, map, and one in focus."""

import pandas as pd
import streamlit as st

from monitor import charts, compare
from monitor.formatting import fmt_value, is_missing
from monitor.geo import prefecture_shapes
from monitor.i18n import pick, t
from ui.data import (
    load_assessment,
    load_indicator_names,
    load_indicators,
    load_observations,
    load_region_names,
    load_regions,
    load_targets,
)
from ui.frame import require_app_frame
from ui.state import View, url_widget
from ui.widgets import as_list, download_table, status_badge, status_label

require_app_frame()

view = View()
lang = view.lang
PROVINCE = "430000"
MEASURE_UNITS = {"level": None, "growth": "%", "share": "%", "per_capita": "元/人", "contribution": "个百分点"}


@st.cache_data(max_entries=64, show_spinner=False)
def load_prefecture_observations(dataset: str, indicator_id: str, prefectures: tuple[str, ...]) -> pd.DataFrame:
    return load_observations(dataset, (indicator_id, compare.POPULATION_INDICATOR), (PROVINCE, *prefectures))


# The page's tables are derived from cached data by pure functions; caching them too keeps a rerun
# (a click on the map, a toggle) from recomputing every measure of every year.
@st.cache_data(max_entries=64, show_spinner=False)
def load_periods(dataset: str, indicator_id: str, prefectures: tuple[str, ...]) -> pd.DataFrame:
    return compare.available_periods(load_prefecture_observations(dataset, indicator_id, prefectures), indicator_id,
                                     list(prefectures))


@st.cache_data(max_entries=128, show_spinner=False)
def load_ranking(dataset: str, indicator_id: str, period: str, period_type: str, prefectures: tuple[str, ...],
                 measure: str, ascending: bool, yardstick: float | None) -> pd.DataFrame:
    return compare.ranking(load_prefecture_observations(dataset, indicator_id, prefectures), indicator_id, period,
                           period_type, list(prefectures), PROVINCE, measure, ascending=ascending, yardstick=yardstick)


@st.cache_data(max_entries=64, show_spinner=False)
def load_rank_history(dataset: str, indicator_id: str, period_type: str, prefectures: tuple[str, ...], measure: str,
                      ascending: bool) -> pd.DataFrame:
    obs = load_prefecture_observations(dataset, indicator_id, prefectures)
    return compare.rank_history(compare.measure_table(obs, indicator_id, period_type, list(prefectures), PROVINCE,
                                                      measure), ascending=ascending)


def measure_title(measure: str, unit: str) -> str:
    shown = unit if measure == "level" else MEASURE_UNITS[measure]
    name = t(f"measure.{measure}", lang)
    return f"{name}（{shown}）" if lang == "zh" else f"{name} ({shown})"


def yardstick_for(measure: str, indicator_id: str, targets: pd.DataFrame, province_row) -> tuple[float | None, str]:
    """The plan's growth target for this indicator, else the province's own growth (growth measure only)."""
    if measure != "growth":
        return None, ""
    growth = targets[(targets.indicator_id == indicator_id) & (targets.target_type == "average_growth")
                     & (targets.region_code == PROVINCE)]
    if len(growth):
        rate = float(growth.target_value.iloc[0])
        return rate, t("prefectures.yardstick_target", lang, rate=f"{rate:g}")
    if province_row is not None and not is_missing(province_row.get("yoy_pct")):
        rate = float(province_row["yoy_pct"])
        return rate, t("prefectures.yardstick_province", lang, rate=f"{rate:.1f}")
    return None, ""


def status_target(indicator_id: str, measure: str, targets: pd.DataFrame) -> str | None:
    """Which provincial target gives the status column: the growth target for growth, else the level target."""
    mine = targets[(targets.indicator_id == indicator_id) & (targets.region_code == PROVINCE)]
    wanted = ["average_growth", "level_by_date"] if measure == "growth" else ["level_by_date", "average_growth"]
    for kind in wanted + ["pp_change", "cumulative_flow", "stock_threshold"]:
        hit = mine[mine.target_type == kind]
        if len(hit):
            return hit.id.iloc[0]
    return None


def name_list(codes: list[str]) -> str:
    """Short names of regions as a list in the interface's language (湘潭、衡阳 / Xiangtan, Hengyang)."""
    return ("、" if lang == "zh" else ", ").join(names[c] for c in codes)


def rank_change_text(change) -> str:
    if change is None or pd.isna(change):
        return "—"
    if change > 0:
        return f"▲{int(change)}"
    if change < 0:
        return f"▼{-int(change)}"
    return "="


indicators = load_indicators().set_index("id")
regions = load_regions()
targets = load_targets()
prefecture_rows = regions[(regions.level == "prefecture") & (regions.parent_code == PROVINCE)]
prefectures = prefecture_rows.code.tolist()
names = load_region_names(lang, "short_name" if lang == "zh" else "name")
full_names = load_region_names(lang)

st.title(t("nav.prefectures", lang))
st.caption(t("prefectures.subtitle", lang))

candidates = [i for i in indicators.index if indicators.loc[i, "kind"] in ("flow", "stock", "ratio")
              and not isinstance(indicators.loc[i, "components"], (list, tuple))]
preferred = ["retail_sales", "online_retail", "gdp", "trade_total"]
options = [i for i in preferred if i in candidates] + [i for i in candidates if i not in preferred]
top = st.columns([3, 2])
with top[0]:
    indicator_id = url_widget(st.selectbox, t("indicator.choose", lang), options, "ind", options[0],
                              format_func=load_indicator_names(lang).get)
indicator = indicators.loc[indicator_id]
obs = load_prefecture_observations(view.dataset, indicator_id, tuple(prefectures))
periods = load_periods(view.dataset, indicator_id, tuple(prefectures))
if view.as_of:
    cutoff = view.as_of if "-" in view.as_of else f"{view.as_of}-12"
    periods = periods[(periods.year * 100 + periods.month) <= int(cutoff.replace("-", ""))]
if periods.empty:
    st.warning(t("prefectures.no_data", lang, indicator=pick(indicator, "name", lang)), icon=":material/database_off:")
    st.stop()
period_labels = {row.period: t("prefectures.period_label", lang, period=row.period, n=row.regions,
                               kind=t(f"period_type.{row.period_type}", lang))
                 for row in periods.itertuples()}
best = periods[periods.regions == periods.regions.max()].period.iloc[0]  # newest with the most prefectures
with top[1]:
    period = url_widget(st.selectbox, t("prefectures.period", lang), list(period_labels), "period", best,
                        format_func=lambda p: period_labels[p])
period_type = periods.set_index("period").period_type[period]
measures = list(compare.MEASURES)
if indicator.kind == "ratio":
    measures = ["level", "growth"]
measure = url_widget(st.segmented_control, t("prefectures.measure", lang), measures, "measure", "growth"
                     if "growth" in measures else measures[0], required=True,
                     format_func=lambda m: t(f"measure.{m}", lang))

province_row = obs[(obs.indicator_id == indicator_id) & (obs.region_code == PROVINCE) & (obs.period == period)
                   & (obs.period_type == period_type)]
province_row = province_row.iloc[0].to_dict() if len(province_row) else None
yardstick, yardstick_label = yardstick_for(measure, indicator_id, targets, province_row)
ascending = indicator.direction == "decrease" and measure in ("level", "share", "per_capita")
table = load_ranking(view.dataset, indicator_id, period, period_type, tuple(prefectures), measure, ascending,
                     yardstick)

target_id = status_target(indicator_id, measure, targets)
statuses = {}
if target_id is not None:
    assessed = load_assessment(view.dataset, period, tuple(prefectures))
    assessed = assessed[assessed.target_id == target_id].set_index("region")
    statuses = assessed.status.to_dict()

missing = table[table.missing].region_code.tolist()
if missing:
    st.info(t("prefectures.missing", lang, n=len(missing), names=name_list(missing)), icon=":material/info:")
if measure == "per_capita" and table.missing.all():
    st.warning(t("prefectures.no_population", lang), icon=":material/warning:")

st.subheader(t("prefectures.ranking_title", lang))
display = pd.DataFrame({
    "region": table.region_code,
    t("prefectures.col_rank", lang): table["rank"],
    t("prefectures.col_name", lang): [full_names[c] for c in table.region_code],
    t("prefectures.col_value", lang): table.value,
    t("prefectures.col_yoy", lang): table.yoy_pct,
    measure_title(measure, indicator.unit): table.measure,
    t("prefectures.col_rank_change", lang): [rank_change_text(c) for c in table.rank_change],
    t("prefectures.col_gap", lang): table.gap_to_yardstick,
    t("prefectures.col_status", lang): [status_label(statuses[c], lang) if c in statuses else "—"
                                         for c in table.region_code],
    t("prefectures.col_note", lang): [t("prefectures.no_data_note", lang) if m else "" for m in table.missing],
})
if measure in ("level", "growth"):  # the measure is already the value or the growth column
    display = display.drop(columns=measure_title(measure, indicator.unit))
value_title = (f"{t('prefectures.col_value', lang)}（{indicator.unit}）" if lang == "zh"
               else f"{t('prefectures.col_value', lang)} ({indicator.unit})")
display = display.rename(columns={t("prefectures.col_value", lang): value_title})
formats = {value_title: "{:,.1f}", t("prefectures.col_yoy", lang): "{:.1f}",
           measure_title(measure, indicator.unit): "{:,.2f}", t("prefectures.col_gap", lang): "{:+.1f}",
           t("prefectures.col_rank", lang): "{:.0f}"}
formats = {column: fmt for column, fmt in formats.items() if column in display.columns}
# Missing values show as a dash, never as 0 or an empty-looking "None".
selection = st.dataframe(
    display.style.format(formats, na_rep="—"), hide_index=True, width="stretch", on_select="rerun",
    selection_mode="single-row", key="ranking_table",
    column_config={"region": st.column_config.TextColumn(t("prefectures.col_code", lang))})
if table.previous_period.iloc[0]:
    st.caption(t("prefectures.rank_change_help", lang, previous=table.previous_period.iloc[0]))
download_table(display, f"prefectures_{indicator_id}_{period}_{measure}", lang, key="prefectures_table",
               synthetic=view.synthetic)

chart_cols = st.columns([1, 1])
with chart_cols[0]:
    st.subheader(t("prefectures.bullet_title", lang))
    bullet_data = pd.DataFrame({"name": [names[c] for c in table.region_code], "measure": table.measure})
    st.altair_chart(charts.build_bullet_chart(bullet_data, measure_title=measure_title(measure, indicator.unit),
                                              yardstick=yardstick, yardstick_label=yardstick_label, lang=lang,
                                              ascending=ascending), width="stretch")
with chart_cols[1]:
    st.subheader(t("prefectures.map_title", lang))
    map_values = pd.DataFrame({"adcode": table.region_code, "name": [full_names[c] for c in table.region_code],
                               "measure": table.measure})
    map_chart = charts.build_choropleth(prefecture_shapes(), map_values,
                                        measure_title=measure_title(measure, indicator.unit), lang=lang,
                                        title=t("prefectures.map_schematic", lang), selectable=True)
    map_event = st.altair_chart(map_chart, width="stretch", on_select="rerun", key="prefecture_map")
    st.caption(t("prefectures.map_notice", lang))

# A click on the map or a row of the table focuses that prefecture (written to the URL like the select box).
clicked = None
picked_rows = getattr(getattr(selection, "selection", None), "rows", None) or []
if picked_rows:
    clicked = table.region_code.iloc[picked_rows[0]]
map_selection = getattr(map_event, "selection", None) or {}
for point in (map_selection.get("region_pick") or []) if hasattr(map_selection, "get") else []:
    code = point.get("properties.adcode") if isinstance(point, dict) else None
    if code in prefectures:
        clicked = code
if clicked and clicked != st.session_state.get("region"):
    st.query_params["region"] = clicked

st.subheader(t("prefectures.multiples_title", lang))
shared = st.toggle(t("prefectures.shared_scale", lang), value=measure in ("growth", "share"), key="shared_scale")
history = load_rank_history(view.dataset, indicator_id, period_type, tuple(prefectures), measure, ascending)
history = history[history.period <= period]
if period_type == "ytd":  # the same month in each year reads best for year-to-date data
    history = history[history.period.str[5:] == period[5:]]
history = history[history.period.str[:4].astype(int) >= int(period[:4]) - 9]  # the last ten years
drawn = history.dropna(subset=["measure"])
drawn = drawn[drawn.region_code.isin(prefectures)]
without = [code for code in prefectures if code not in set(drawn.region_code)]
if len(drawn):
    panels = pd.DataFrame({"name": [names[c] for c in drawn.region_code],
                           "x": drawn.period.str[:4] if period_type == "annual" else drawn.period,
                           "value": drawn.measure})
    st.altair_chart(charts.build_small_multiples(panels, order=[names[c] for c in prefectures if c not in without],
                                                 shared_scale=shared, yardstick=yardstick), width="content")
if without:
    st.caption(name_list(without) + ("：" if lang == "zh" else ": ") + t("prefectures.no_data_note", lang))

st.divider()
st.subheader(t("prefectures.focus_title", lang))
focus_cols = st.columns(2)
with focus_cols[0]:
    focus = url_widget(st.selectbox, t("prefectures.focus", lang), prefectures, "region", prefectures[0],
                       format_func=lambda c: full_names[c])
with focus_cols[1]:
    others = [c for c in prefectures if c != focus]
    second = url_widget(st.selectbox, t("prefectures.compare_with", lang), others, "compare", others[0],
                        format_func=lambda c: full_names[c])

assessed_focus = load_assessment(view.dataset, view.as_of, (focus, second))
assessed_focus = assessed_focus.merge(targets[["id", "name_zh", "name_en"]].rename(columns={"id": "target_id"}),
                                      on="target_id", how="left")
card_cols = st.columns(2)
for col, code in zip(card_cols, (focus, second)):
    with col, st.container(border=True):
        st.markdown(f"### {full_names[code]}")
        row = table[table.region_code == code]
        if len(row) and not row.missing.iloc[0]:
            r = row.iloc[0]
            st.markdown(t("prefectures.focus_line", lang, period=period,
                          value=fmt_value(r.value, indicator.unit, lang, int(indicator.decimals)),
                          yoy="—" if is_missing(r.yoy_pct) else f"{r.yoy_pct:.1f}%",
                          rank="—" if pd.isna(r["rank"]) else int(r["rank"]), n=len(prefectures)))
        else:
            st.markdown(t("prefectures.focus_no_data", lang, period=period))
        mine = assessed_focus[(assessed_focus.region == code) & (assessed_focus.status != "not_scored")]
        for target in mine[mine.status != "na"].itertuples():
            with st.container(horizontal=True, vertical_alignment="center"):
                st.markdown(pick(target, "name", lang))
                status_badge(target.status, lang, as_list(target.qualifiers))
        not_assessable = int((mine.status == "na").sum())
        if not_assessable:
            st.caption(t("prefectures.focus_na", lang, n=not_assessable))
        ranks = history[history.region_code == code].dropna(subset=["rank"])
        if len(ranks):
            st.markdown(f"**{t('prefectures.rank_history', lang)}**：" if lang == "zh"
                        else f"**{t('prefectures.rank_history', lang)}**: ")
            st.caption("　".join(f"{p}: {int(k)}" for p, k in zip(ranks.period, ranks["rank"])))

focus_series = history[history.region_code.isin([focus, second])].dropna(subset=["measure"])
if len(focus_series):
    comparison = pd.DataFrame({"x": focus_series.period,
                               "value": focus_series.measure,
                               "name": [full_names[c] for c in focus_series.region_code]})
    st.altair_chart(charts.build_comparison_chart(comparison, measure_title=measure_title(measure, indicator.unit),
                                                  yardstick=yardstick, yardstick_label=yardstick_label, lang=lang),
                    width="stretch")
