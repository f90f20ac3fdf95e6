"""The prefecture page's parts: the ranking table, the bullet chart and map, the small multiples and the
focus cards. Each draws from frames the page has loaded (ui/data.py) and the rules in monitor/compare.py."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from monitor import charts, compare, tables
from monitor.formatting import fmt_period, fmt_value
from monitor.geo import prefecture_shapes
from monitor.i18n import pick, t

from .text import md
from .widgets import as_list, status_badge


@dataclass(frozen=True)
class Comparison:
    """What the page compares: one indicator, period and measure over the province's prefectures."""

    indicator_id: str
    indicator: pd.Series  # the indicator's registry row (unit, decimals, kind, direction, names)
    period: str
    period_type: str
    measure: str
    prefectures: tuple[str, ...]
    yardstick: compare.Yardstick | None
    lang: str

    @property
    def ascending(self) -> bool:
        return compare.ranks_ascending(self.indicator.direction, self.measure)

    @property
    def yardstick_value(self) -> float | None:
        return self.yardstick.value if self.yardstick else None

    @property
    def yardstick_label(self) -> str:
        return self.yardstick.label(self.lang) if self.yardstick else ""

    def measure_title(self) -> str:
        """The measure's name with its unit: 同比增速（%） / YoY growth (%)."""
        return t("format.paren", self.lang, text=t(f"measure.{self.measure}", self.lang),
                 note=compare.measure_unit(self.measure, self.indicator.unit))


def name_list(codes, names: dict[str, str], lang: str) -> str:
    """Names of regions as a list in the interface's language (湘潭、衡阳 / Xiangtan, Hengyang)."""
    return t("format.list_sep", lang).join(names[c] for c in codes)


def render_ranking(table: pd.DataFrame, statuses: dict[str, str], view, c: Comparison,
                   full_names: dict[str, str], status_title: str):
    """The ranking table with its download buttons; returns the table's selection event.

    The page and the downloads are one report table (monitor/tables.py): the same headers, the same rounding,
    the code last; the files add a title, the dataset and period, and the source note."""
    lang = c.lang
    report = tables.ranking_table(
        table, lang, names=full_names, indicator_name=pick(c.indicator, "name", lang), unit=c.indicator.unit,
        measure=c.measure, measure_title=c.measure_title(), period=c.period, period_type=c.period_type,
        dataset_name=t(f"dataset.{view.dataset}", lang), statuses=statuses, status_title=status_title,
        has_yardstick=c.yardstick is not None, synthetic=view.synthetic)
    selection = st.dataframe(tables.display_frame(report, lang), hide_index=True, width="stretch",
                             on_select="rerun", selection_mode="single-row", key="ranking_table")
    if table.previous_period.iloc[0]:
        st.caption(t("prefectures.rank_change_help", lang, previous=table.previous_period.iloc[0]))
    base_name = ("DEMO-synthetic_" if view.synthetic else "") + f"prefectures_{c.indicator_id}_{c.period}_{c.measure}"
    left, right = st.columns(2)
    left.download_button(t("download.csv", lang), data=lambda: tables.to_csv(report), file_name=f"{base_name}.csv",
                         mime="text/csv", key="prefectures_table_csv", on_click="ignore", icon=":material/download:")
    right.download_button(t("download.xlsx", lang), data=lambda: tables.to_xlsx(report),
                          file_name=f"{base_name}.xlsx", key="prefectures_table_xlsx", on_click="ignore",
                          icon=":material/table:")
    return selection


def render_bullet_and_map(table: pd.DataFrame, c: Comparison, names: dict[str, str], full_names: dict[str, str]):
    """The measure against the yardstick (bars) beside the map; returns the map's selection event."""
    lang = c.lang
    chart_cols = st.columns([1, 1])
    with chart_cols[0]:
        st.subheader(t("prefectures.bullet_title", lang))
        bullet_data = pd.DataFrame({"name": [names[code] for code in table.region_code], "measure": table.measure})
        st.altair_chart(charts.build_bullet_chart(bullet_data, measure_title=c.measure_title(),
                                                  yardstick=c.yardstick_value, yardstick_label=c.yardstick_label,
                                                  lang=lang, ascending=c.ascending), width="stretch")
    with chart_cols[1]:
        st.subheader(t("prefectures.map_title", lang))
        map_values = pd.DataFrame({"adcode": table.region_code,
                                   "name": [full_names[code] for code in table.region_code],
                                   "measure": table.measure})
        map_chart = charts.build_choropleth(prefecture_shapes(), map_values, measure_title=c.measure_title(),
                                            lang=lang, title=t("prefectures.map_schematic", lang), selectable=True)
        map_event = st.altair_chart(map_chart, width="stretch", on_select="rerun", key="prefecture_map")
        st.caption(t("prefectures.map_notice", lang))
    return map_event


def clicked_region(selection, map_event, table: pd.DataFrame, prefectures) -> str | None:
    """The prefecture a new click picked: a row of the ranking table, or a region on the map (the map wins).

    A selection stays in the widget's state on every later run; only a selection that differs from the last one
    acted on counts, so choosing another prefecture in the select box afterwards is not undone by an old click.
    """
    picked = []
    picked_rows = getattr(getattr(selection, "selection", None), "rows", None) or []
    if picked_rows:
        picked.append(("table", table.region_code.iloc[picked_rows[0]]))
    map_selection = getattr(map_event, "selection", None) or {}
    for point in (map_selection.get("region_pick") or []) if hasattr(map_selection, "get") else []:
        code = point.get("adcode") if isinstance(point, dict) else None
        if code in prefectures:
            picked.append(("map", code))
    clicked = None
    seen = st.session_state.setdefault("prefecture_clicks_seen", {})
    for source, code in picked:
        if seen.get(source) != code:
            clicked = code
        seen[source] = code
    for source in {"table", "map"} - {source for source, _ in picked}:
        seen.pop(source, None)  # a cleared selection: the same prefecture clicked again counts again
    return clicked


def recent_history(history: pd.DataFrame, c: Comparison) -> pd.DataFrame:
    """The rank history the small multiples and focus cards show: up to the chosen period, the same month
    of each year for year-to-date data, the last ten years."""
    history = history[history.period <= c.period]
    if c.period_type == "ytd":  # the same month in each year reads best for year-to-date data
        history = history[history.period.str[5:] == c.period[5:]]
    return history[history.period.str[:4].astype(int) >= int(c.period[:4]) - 9]


def render_small_multiples(history: pd.DataFrame, c: Comparison, names: dict[str, str]) -> None:
    lang = c.lang
    st.subheader(t("prefectures.multiples_title", lang))
    shared = st.toggle(t("prefectures.shared_scale", lang), value=c.measure in ("growth", "share"), key="shared_scale")
    drawn = history.dropna(subset=["measure"])
    drawn = drawn[drawn.region_code.isin(c.prefectures)]
    without = [code for code in c.prefectures if code not in set(drawn.region_code)]
    if len(drawn):
        panels = pd.DataFrame({"name": [names[code] for code in drawn.region_code],
                               "x": drawn.period.str[:4] if c.period_type == "annual" else drawn.period,
                               "value": drawn.measure})
        order = [names[code] for code in c.prefectures if code not in without]
        st.altair_chart(charts.build_small_multiples(panels, order=order, shared_scale=shared,
                                                     yardstick=c.yardstick_value), width="content")
    if without:
        st.caption(t("format.label", lang, label=md(name_list(without, names, lang)),
                     value=t("prefectures.no_data_note", lang)))


def render_focus_card(code: str, table: pd.DataFrame, assessed: pd.DataFrame, history: pd.DataFrame,
                      c: Comparison, full_names: dict[str, str]) -> None:
    """One prefecture: its figure and rank in the period, its assessed targets, its rank in past periods."""
    lang = c.lang
    with st.container(border=True):
        st.markdown(f"### {md(full_names[code])}")  # region and target names are data: shown as text
        row = table[table.region_code == code]
        if len(row) and not row.missing.iloc[0]:
            r = row.iloc[0]
            st.markdown(t("prefectures.focus_line", lang, period=fmt_period(c.period, c.period_type, lang),
                          value=fmt_value(r.value, c.indicator.unit, lang, int(c.indicator.decimals)),
                          yoy=fmt_value(r.yoy_pct, "%", lang),
                          rank="—" if pd.isna(r["rank"]) else int(r["rank"]), n=int((~table.missing).sum())))
        else:
            st.markdown(t("prefectures.focus_no_data", lang, period=c.period))
        mine = assessed[(assessed.region == code) & (assessed.status != "not_scored")]
        for target in mine[mine.status != "na"].itertuples():
            with st.container(horizontal=True, vertical_alignment="center"):
                st.markdown(md(pick(target, "name", lang)))
                status_badge(target.status, lang, as_list(target.qualifiers))
        not_assessable = int((mine.status == "na").sum())
        if not_assessable:
            st.caption(t("prefectures.focus_na", lang, n=not_assessable))
        ranks = history[history.region_code == code].dropna(subset=["rank"])
        if len(ranks):
            st.markdown(t("format.label", lang, label=f"**{t('prefectures.rank_history', lang)}**", value=""))
            st.caption("　".join(f"{p}: {int(k)}" for p, k in zip(ranks.period, ranks["rank"])))


def render_focus_chart(history: pd.DataFrame, codes: tuple[str, ...], c: Comparison,
                       full_names: dict[str, str]) -> None:
    """The focused prefectures' series side by side, against the yardstick."""
    focus_series = history[history.region_code.isin(codes)].dropna(subset=["measure"])
    if len(focus_series):
        comparison = pd.DataFrame({"x": focus_series.period, "value": focus_series.measure,
                                   "name": [full_names[code] for code in focus_series.region_code]})
        st.altair_chart(charts.build_comparison_chart(comparison, measure_title=c.measure_title(),
                                                      yardstick=c.yardstick_value,
                                                      yardstick_label=c.yardstick_label, lang=c.lang),
                        width="stretch")
