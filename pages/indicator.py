"""指标详情 — one indicator in one region: the series against the path to its target, the numbers
behind the status, and the provenance of every figure shown."""

import pandas as pd
import streamlit as st

from monitor import assess, charts, series
from monitor.formatting import fmt_rate, fmt_ratio, fmt_value, is_missing, unit_label
from monitor.i18n import pick, t
from ui.data import (
    load_assessment,
    load_indicator_names,
    load_indicators,
    load_observation_regions,
    load_observations,
    load_provenance,
    load_region_names,
    load_regions,
    load_targets,
)
from ui.frame import require_app_frame
from ui.state import View, url_widget
from ui.widgets import as_list, download_chart_png, download_table, provenance_frame, status_badge

require_app_frame()

view = View()
lang = view.lang
PROVINCE = "430000"


def choose_indicator(indicators: pd.DataFrame, targets: pd.DataFrame) -> str:
    targeted = [i for i in targets.indicator_id.dropna().unique()]
    ordered = targeted + [i for i in indicators.id if i not in targeted]
    return url_widget(st.selectbox, t("indicator.choose", lang), ordered, "ind", ordered[0],
                      format_func=load_indicator_names(lang).get)


def choose_region(regions: pd.DataFrame, available: list[str]) -> str:
    hunan = regions[regions.code.isin([PROVINCE]) | (regions.parent_code == PROVINCE) & (regions.level == "prefecture")]
    listed = set(hunan.code)
    options = hunan.code.tolist() + [c for c in available if c not in listed]
    # names and data looked up in dicts: with a few thousand regions, a lookup per option in the frame
    # and the list took ~0.5 s of every rerun
    names = load_region_names(lang)
    with_data = set(available)
    return url_widget(
        st.selectbox, t("indicator.region", lang), options, "region", PROVINCE,
        format_func=lambda c: names.get(c, c) + ("" if c in with_data else t("indicator.no_data_suffix", lang)))


def numbers_table(row) -> pd.DataFrame:
    """The numbers behind a status, as label / value pairs with units."""
    unit = row.unit
    # Base, latest and path values are levels of the indicator (a ratio in % for a points target);
    # only the target of an average-growth target is a rate.
    value_unit = "%" if row.target_type == "pp_change" else (row.indicator_unit or unit)
    items = [
        ("numbers.base", f"{fmt_value(row.base_value, value_unit, lang)}（{row.base_period}）"
         if isinstance(row.base_period, str) else fmt_value(row.base_value, value_unit, lang)),
        ("numbers.latest", f"{fmt_value(row.latest_value, value_unit, lang)}（{row.latest_period}）"
         if isinstance(row.latest_period, str) else "—"),
        ("numbers.target", f"{row.comparator or ''} {fmt_value(row.target_value, unit, lang)}（{row.target_period}）"),
        ("numbers.required_rate", fmt_rate(row.required_rate, lang)),
        ("numbers.observed_rate", fmt_rate(row.observed_rate, lang)),
        ("numbers.level_implied_rate", fmt_rate(row.level_implied_rate, lang)),
        ("numbers.progress_ratio", fmt_ratio(row.progress_ratio)),
        ("numbers.time_share", fmt_rate(row.time_share, lang)),
        ("numbers.completion", fmt_rate(row.completion, lang)),
        ("numbers.schedule_gap", "—" if is_missing(row.schedule_gap_pp) else f"{row.schedule_gap_pp:+.1f}"),
        ("numbers.remaining_rate", fmt_rate(row.remaining_required_rate, lang)),
        ("numbers.path_value", fmt_value(row.path_value, value_unit, lang)),
        ("numbers.deviation", fmt_rate(row.deviation_from_path, lang, signed=True)),
        ("numbers.projection", fmt_value(row.projection, value_unit, lang)),
        ("numbers.gap", fmt_value(row.gap_to_target, unit, lang)),
    ]
    if lang == "en":
        items = [(k, v.replace("（", " (").replace("）", ")")) for k, v in items]
    return pd.DataFrame({t("numbers.measure", lang): [t(k, lang) for k, _ in items],
                         t("numbers.value", lang): [v for _, v in items]})


def render_target(row, obs_series: pd.DataFrame, indicator_row) -> None:
    with st.container(border=True):
        st.markdown(f"**{pick(row, 'name', lang)}**　{t('indicator.quote', lang)}：“{row.quote_zh}”")
        status_badge(row.status, lang, as_list(row.qualifiers))
        sentence = row.sentence_zh if lang == "zh" else row.sentence_en
        if isinstance(sentence, str) and sentence:
            st.write(sentence)
        if row.status == "na":
            reason = row.reason_zh if lang == "zh" else row.reason_en
            st.info(t("overview.missing", lang, reason=reason if isinstance(reason, str) else ""),
                    icon=":material/info:")
        left, right = st.columns([2, 3])
        with left:
            numbers = numbers_table(row)
            st.dataframe(numbers, hide_index=True, width="stretch", height=36 * (len(numbers) + 1) + 4,
                         column_config={t("numbers.measure", lang): st.column_config.TextColumn(width="medium")})
        with right:
            path = assess.target_path(row._asdict())
            if row.target_type == "average_growth":
                render_growth_chart(obs_series, row)
            else:
                render_level_chart(obs_series, path, row, indicator_row)
        ytd = (series.ytd_completion(obs_series, assess.target_path(row._asdict()))
               if row.target_type == "level_by_date" else None)
        if ytd is not None and len(ytd):
            st.markdown(f"**{t('indicator.ytd_title', lang)}**")
            ytd_chart = charts.build_ytd_chart(ytd, lang=lang, title=t("indicator.ytd_chart_title", lang))
            st.altair_chart(ytd_chart, width="stretch")
            st.caption(t("indicator.ytd_help", lang))


def render_level_chart(obs_series: pd.DataFrame, path: pd.DataFrame, row, indicator_row) -> None:
    levels = series.annual_levels(obs_series)
    target_year = int(row.target_period) if isinstance(row.target_period, str) and row.target_period.isdigit() else None
    target_value = row.target_value
    if row.target_type == "pp_change" and not is_missing(row.base_value):
        target_value = row.base_value + row.target_value  # the level the change implies
    elif row.target_type == "pp_change":
        target_value = None
    chart = charts.build_series_chart(levels, path, target_year=target_year, target_value=target_value,
                                      unit=unit_label(indicator_row.unit, lang), lang=lang,
                                      title=pick(row, "name", lang))
    st.altair_chart(chart, width="stretch")
    download_chart_png(chart, f"{row.target_id}_{row.region}", lang, key=f"png_{row.target_id}")


def render_growth_chart(obs_series: pd.DataFrame, row) -> None:
    rates = series.growth_rates(obs_series)
    annual = rates[rates.period_type == "annual"]
    chart = charts.build_growth_chart(annual, target_rate=row.target_value, lang=lang, title=pick(row, "name", lang))
    st.altair_chart(chart, width="stretch")
    download_chart_png(chart, f"{row.target_id}_{row.region}", lang, key=f"png_{row.target_id}")


indicators = load_indicators()
targets = load_targets()
regions = load_regions()

st.title(t("nav.indicator", lang))
controls = st.columns(2)
with controls[0]:
    indicator_id = choose_indicator(indicators, targets)
available = load_observation_regions(view.dataset, indicator_id)
with controls[1]:
    region = choose_region(regions, available)
all_obs = load_observations(view.dataset, (indicator_id,), (region,))  # the chosen region's figures only

indicator_row = indicators.set_index("id").loc[indicator_id]
st.subheader(pick(indicator_row, "name", lang))
definition = pick(indicator_row, "definition", lang)
st.caption(f"{definition}　{t('indicator.publisher', lang)}：{indicator_row.publisher or '—'}　"
           f"{t('indicator.unit', lang)}：{indicator_row.unit}")
notes = pick(indicator_row, "notes", lang)
if notes:
    st.warning(notes, icon=":material/warning:")

obs_series = series.select(all_obs, indicator_id, region)
if view.as_of:
    cutoff = view.as_of if "-" in view.as_of else f"{view.as_of}-12"
    obs_series = obs_series[(obs_series.year * 100 + obs_series.month) <= int(cutoff.replace("-", ""))]

own_targets = targets[(targets.indicator_id == indicator_id) & (targets.target_type != "no_numeric_target")]
if len(own_targets):
    result = load_assessment(view.dataset, view.as_of, (region,))
    result = result[result.target_id.isin(own_targets.id)]
    result = result.merge(targets[["id", "name_zh", "name_en", "quote_zh"]].rename(columns={"id": "target_id"}),
                          on="target_id", how="left")
    chosen = st.session_state.get("target") or st.query_params.get("target")
    if chosen in set(result.target_id):  # a deep link to one target shows it first
        result = pd.concat([result[result.target_id == chosen], result[result.target_id != chosen]])
    if region != PROVINCE:
        st.caption(t("indicator.yardstick", lang))
    for row in result.itertuples():
        render_target(row, obs_series, indicator_row)
    keys = tuple(sorted({k for ks in result.observation_keys for k in as_list(ks)}))
else:
    st.info(t("indicator.no_target", lang), icon=":material/info:")
    keys = ()

st.subheader(t("indicator.data_title", lang))
if obs_series.empty:
    st.warning(t("indicator.no_data", lang), icon=":material/database_off:")
else:
    table = provenance_frame(obs_series, lang)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        t("prov.url", lang): st.column_config.LinkColumn(t("prov.url", lang)),
        t("prov.vintage", lang): st.column_config.DatetimeColumn(t("prov.vintage", lang), format="YYYY-MM-DD HH:mm"),
    })
    download_table(table, f"{indicator_id}_{region}_{view.dataset}", lang, key="indicator_data",
                   synthetic=view.synthetic)
if keys:
    used = load_provenance(view.dataset, keys)
    other = used[~((used.indicator_id == indicator_id) & (used.region_code == region))]
    if len(other):  # figures the status rests on that are not in the table above (e.g. summed components)
        st.markdown(f"**{t('indicator.used_elsewhere', lang)}**")
        st.dataframe(other, hide_index=True, width="stretch",
                     column_config={"source_url": st.column_config.LinkColumn("source_url")})
