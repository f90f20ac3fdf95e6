"""指标详情 — one indicator in one region: the series against the path to its target, the numbers
behind the status, and the provenance of every figure shown."""

import pandas as pd
import streamlit as st

from monitor import assess, charts, measures, regions, series, sources
from monitor.formatting import fmt_rate, fmt_ratio, fmt_value, is_missing, unit_label
from monitor.i18n import pick, t
from monitor.target_kinds import kind_of
from ui.data import (
    load_assessment,
    load_departments,
    load_indicator_names,
    load_indicators,
    load_measure_of_target,
    load_observation_regions,
    load_observations,
    load_provenance,
    load_region_names,
    load_regions,
    load_targets,
)
from ui.frame import require_app_frame
from ui.state import View, url_widget
from ui.text import md, t_md
from ui.widgets import as_list, download_chart_png, download_table, provenance_frame, status_badge

require_app_frame()

view = View()
lang = view.lang


def choose_indicator(indicators: pd.DataFrame, targets: pd.DataFrame) -> str:
    targeted = [i for i in targets.indicator_id.dropna().unique()]
    ordered = targeted + [i for i in indicators.id if i not in targeted]
    return url_widget(st.selectbox, t("indicator.choose", lang), ordered, "ind", ordered[0],
                      format_func=load_indicator_names(lang).get)


def choose_region(available: list[str]) -> str:
    """The province, its prefectures, then any other region with data for the indicator."""
    options = regions.region_choices(load_regions(), available)
    # names and data looked up in dicts: with a few thousand regions, a lookup per option in the frame
    # and the list took ~0.5 s of every rerun
    names = load_region_names(lang)
    with_data = set(available)
    return url_widget(
        st.selectbox, t("indicator.region", lang), options, "region", regions.province_code(),
        format_func=lambda c: names.get(c, c) + ("" if c in with_data else t("indicator.no_data_suffix", lang)))


def numbers_table(row) -> pd.DataFrame:
    """The numbers behind a status, as label / value pairs with units."""
    unit = row.unit
    # Base, latest and path values are levels of the indicator (a ratio in % for a points target);
    # only the target of an average-growth target is a rate.
    value_unit = "%" if kind_of(row.target_type).value_is_points else (row.indicator_unit or unit)
    base = fmt_value(row.base_value, value_unit, lang)
    items = [
        ("numbers.base", t("format.paren", lang, text=base, note=row.base_period)
         if isinstance(row.base_period, str) else base),
        ("numbers.latest", t("format.paren", lang, text=fmt_value(row.latest_value, value_unit, lang),
                             note=row.latest_period) if isinstance(row.latest_period, str) else "—"),
        ("numbers.target", t("format.paren", lang, note=row.target_period,
                             text=f"{row.comparator or ''} {fmt_value(row.target_value, unit, lang)}")),
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
    return pd.DataFrame({t("numbers.measure", lang): [t(k, lang) for k, _ in items],
                         t("numbers.value", lang): [v for _, v in items]})


def render_measure(target_id: str) -> None:
    """The task (主要任务) that states the target, with its departments and its paragraph, verbatim."""
    measure = load_measure_of_target(target_id)
    if not measure:
        return
    names = measures.department_names(load_departments(), lang)
    co = t("format.list_sep", lang).join(names.get(c, c) for c in measure["co_codes"])
    title = t("indicator.measure", lang, number=measure["number_label"], title=pick(measure, "title", lang),
              lead=names.get(measure["lead_code"], measure["lead_code"] or "—"), co=co or "—")
    with st.expander(md(title), icon=":material/assignment:"):
        st.markdown(md(measure["text_zh"]))


def render_target(row, obs_series: pd.DataFrame, indicator_row) -> None:
    kind = kind_of(row.target_type)
    with st.container(border=True):
        st.markdown(f"**{md(pick(row, 'name', lang))}**　{t('indicator.quote', lang)}：“{md(row.quote_zh)}”")
        status_badge(row.status, lang, as_list(row.qualifiers), yardstick=bool(row.yardstick))
        sentence = pick(row, "sentence", lang)
        if sentence:
            st.markdown(md(sentence))
        render_measure(row.target_id)
        reason = pick(row, "reason", lang)
        if row.status == "na" and reason not in sentence:  # said once, not twice
            st.info(t_md("overview.missing", lang, reason=reason), icon=":material/info:")
        left, right = st.columns([2, 3])
        with left:
            numbers = numbers_table(row)
            st.dataframe(numbers, hide_index=True, width="stretch", height=36 * (len(numbers) + 1) + 4,
                         column_config={t("numbers.measure", lang): st.column_config.TextColumn(width="medium")})
        with right:
            path = assess.target_path(row._asdict())
            if kind.is_growth:
                render_growth_chart(obs_series, row)
            else:
                render_level_chart(obs_series, path, row, indicator_row)
        ytd = series.ytd_completion(obs_series, path) if kind.ytd_against_path else None
        if ytd is not None and len(ytd):
            st.markdown(f"**{t('indicator.ytd_title', lang)}**")
            ytd_chart = charts.build_ytd_chart(ytd, lang=lang, title=t("indicator.ytd_chart_title", lang))
            st.altair_chart(ytd_chart, width="stretch")
            st.caption(t("indicator.ytd_help", lang))


def render_level_chart(obs_series: pd.DataFrame, path: pd.DataFrame, row, indicator_row) -> None:
    levels = series.annual_levels(obs_series)
    if note := charts.empty_note(levels, lang):  # nothing observed: a sentence, not an empty chart
        return st.info(note, icon=":material/info:")
    target_year = int(row.target_period) if isinstance(row.target_period, str) and row.target_period.isdigit() else None
    target_value = row.target_value
    if kind_of(row.target_type).value_is_points:  # the target is a change: draw the level it implies
        target_value = None if is_missing(row.base_value) else row.base_value + row.target_value
    chart = charts.build_series_chart(levels, path, target_year=target_year, target_value=target_value,
                                      unit=unit_label(indicator_row.unit, lang), lang=lang,
                                      title=pick(row, "name", lang))
    st.altair_chart(chart, width="stretch")
    download_chart_png(chart, f"{row.target_id}_{row.region}", lang, key=f"png_{row.target_id}")


def render_growth_chart(obs_series: pd.DataFrame, row) -> None:
    rates = series.growth_rates(obs_series)
    annual = rates[rates.period_type == "annual"]
    if note := charts.empty_note(annual, lang, "yoy_pct"):
        return st.info(note, icon=":material/info:")
    chart = charts.build_growth_chart(annual, target_rate=row.target_value, lang=lang, title=pick(row, "name", lang))
    st.altair_chart(chart, width="stretch")
    download_chart_png(chart, f"{row.target_id}_{row.region}", lang, key=f"png_{row.target_id}")


indicators = load_indicators()
targets = load_targets()

st.title(t("nav.indicator", lang))
controls = st.columns(2)
with controls[0]:
    indicator_id = choose_indicator(indicators, targets)
available = load_observation_regions(view.dataset, indicator_id)
with controls[1]:
    region = choose_region(available)
all_obs = load_observations(view.dataset, (indicator_id,), (region,))  # the chosen region's figures only

indicator_row = indicators.set_index("id").loc[indicator_id]
st.subheader(md(pick(indicator_row, "name", lang)))
definition = pick(indicator_row, "definition", lang)
st.caption("　".join([md(definition), t("format.label", lang, label=t("indicator.publisher", lang),
                                                     value=md(indicator_row.publisher) or "—"),
                      t("format.label", lang, label=t("indicator.unit", lang), value=md(indicator_row.unit))]))
notes = pick(indicator_row, "notes", lang)
if notes:
    st.warning(md(notes), icon=":material/warning:")

obs_series = series.up_to(series.select(all_obs, indicator_id, region), view.as_of)

scored = targets.target_type.map(lambda target_type: kind_of(target_type).scored)
own_targets = targets[(targets.indicator_id == indicator_id) & scored]
if len(own_targets):
    result = load_assessment(view.dataset, view.as_of, (region,))
    result = result[result.target_id.isin(own_targets.id)]
    result = result.merge(targets[["id", "name_zh", "name_en", "quote_zh"]].rename(columns={"id": "target_id"}),
                          on="target_id", how="left")
    chosen = st.session_state.get("target") or st.query_params.get("target")
    if chosen in set(result.target_id):  # a deep link to one target shows it first
        result = pd.concat([result[result.target_id == chosen], result[result.target_id != chosen]])
    if region != regions.province_code():
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
    first_hand = st.toggle(t("source_class.filter", lang), key="first_hand", help=t("source_class.filter_help", lang))
    table = provenance_frame(sources.first_hand_only(obs_series) if first_hand else obs_series, lang)
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
        shown = provenance_frame(other, lang)  # the same columns, words and number style as the table above
        shown.insert(0, t("prov.region", lang), [load_region_names(lang).get(c, c) for c in other.region_code])
        shown.insert(0, t("prov.indicator", lang), [load_indicator_names(lang).get(i, i) for i in other.indicator_id])
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            t("prov.url", lang): st.column_config.LinkColumn(t("prov.url", lang)),
            t("prov.vintage", lang): st.column_config.DatetimeColumn(t("prov.vintage", lang), format="YYYY-MM-DD HH:mm"),
        })
