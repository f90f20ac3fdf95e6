"""目标总览 — every target of the plans: status, latest value against the target, completion vs time share."""

import pandas as pd
import streamlit as st

from monitor import measures, regions, tables
from monitor.assess.progress import progress_line
from monitor.formatting import fmt_period, fmt_rate, fmt_target, fmt_value
from monitor.i18n import pick, t
from monitor.target_kinds import kind_of
from ui.data import (
    load_assessment,
    load_department_measures,
    load_department_summary,
    load_departments,
    load_measures,
    load_region_names,
    load_regions,
    load_targets,
)
from ui.frame import require_app_frame
from ui.report_button import report_button
from ui.state import View, url_widget
from ui.text import md, t_md
from ui.widgets import STATUS_ORDER, as_list, status_badge, status_label

require_app_frame()

view = View()
lang = view.lang


def choose_region() -> str:
    """The province, its prefectures, and any other region that has targets of its own."""
    options = regions.region_choices(load_regions(), sorted(set(load_targets().region_code)))
    names = load_region_names(lang)
    return url_widget(st.selectbox, t("overview.region", lang), options, "region", regions.province_code(),
                      format_func=lambda c: names.get(c, c),
                      help=t("overview.region_help", lang))


def load_overview(view: View, region: str) -> pd.DataFrame:
    """The engine's result for the region — its own targets and the provincial ones as yardsticks —
    joined with the registry text."""
    result = load_assessment(view.dataset, view.as_of, (region,))
    targets = load_targets()
    info = targets[["id", "plan_id", "name_zh", "name_en", "quote_zh", "clause", "plan_title_zh", "plan_title_en",
                    "sort_order", "notes_zh", "notes_en", "measure_id"]].rename(columns={"id": "target_id", "plan_id": "plan"})
    merged = result.merge(info, on="target_id", how="left")
    return merged.sort_values("sort_order").reset_index(drop=True)


def headline_values(row) -> tuple[str, str, str]:
    """(latest, target label, target) as text with units, by kind of target. A provincial target used as this
    region's yardstick reads as a reference, at the value it was scaled to; an annual level the app estimated
    from a published rate shows the published rate, and the estimate apart, marked 预估."""
    kind = kind_of(row.target_type)
    unit = row.indicator_unit or row.unit
    scaled = bool(row.yardstick) and kind.yardstick not in ("same_value", "none")
    if kind.is_growth:
        latest = fmt_rate(row.observed_rate, lang)
        target = f"{row.comparator} {fmt_value(row.target_value, '%', lang)}"
    elif kind.value_is_points:
        latest = fmt_value(row.latest_value, "%", lang)
        key = "overview.pp_down" if row.target_value < 0 else "overview.pp_up"
        target = t(key, lang, change=fmt_value(abs(row.target_value), "个百分点", lang), base=row.plan_base_period)
    elif row.latest_is_nowcast:
        latest = t("overview.published_rate", lang, rate=fmt_rate(row.latest_yoy, lang),
                   estimate=fmt_value(row.latest_value, unit, lang))
        target = f"{row.comparator} {fmt_target(row.target_value, unit, lang)}"
    else:
        latest = fmt_value(row.latest_value, unit, lang)
        target = f"{row.comparator} {fmt_target(row.target_value, unit, lang)}"
    if scaled:
        target = t("overview.scaled_target", lang, target=f"{row.comparator} {fmt_value(row.target_level, unit, lang)}")
    period = fmt_period(row.latest_period, row.latest_period_type, lang)
    if period:
        latest = t("format.paren", lang, text=latest, note=period)
    if isinstance(row.target_period, str) and not scaled:
        target = t("format.by_period", lang, text=target, period=fmt_period(row.target_period, "annual", lang))
    label = t("overview.reference" if row.yardstick else "overview.target", lang)
    return latest, label, target


def render_status_counts(frame: pd.DataFrame) -> None:
    """How many targets in each status; a prefecture's yardstick rows count under 达到参照/低于参照, not under
    its own 已完成/未完成 (shown only where it has targets of its own)."""
    scored = frame[frame.status != "not_scored"]
    counts = pd.Series([status_label(s, lang, y) for s, y in zip(scored.status, scored.yardstick)],
                       dtype=object).value_counts()
    own, reference = (~scored.yardstick).any(), scored.yardstick.any()
    labels = []
    for status in (s for s in STATUS_ORDER if s != "not_scored"):
        final = status in ("achieved", "missed")
        if own or not final:
            labels.append(status_label(status, lang))
        if reference and final:
            labels.append(status_label(status, lang, True))
    with st.container(horizontal=True, gap="small"):
        st.metric(t("overview.kpi_targets", lang), len(scored), border=True, width=150)
        for label in dict.fromkeys(labels):
            st.metric(label, int(counts.get(label, 0)), border=True, width=150)


def render_card(row) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(pick(row, 'name', lang))}**")
        status_badge(row.status, lang, as_list(row.qualifiers), yardstick=bool(row.yardstick))
        latest, target_label, target = headline_values(row)
        st.markdown(t("format.label", lang, label=t("overview.latest", lang), value=f"**{latest}**") + "　　"
                    + t("format.label", lang, label=target_label, value=f"**{target}**"),
                    help=md(row.quote_zh))
        line = progress_line(row, lang)
        if line is not None:  # the bar, its label and the sentence read the same two shares
            bar = min(max(line.completion, 0.0), 1.0)
            text = t("format.label", lang, label=line.completion_label, value=fmt_rate(line.completion, lang))
            if line.schedule is not None:
                text += "　" + t("format.label", lang, label=line.schedule_label, value=fmt_rate(line.schedule, lang))
            st.progress(bar, text=text)
        if row.status == "na":
            st.info(t_md("overview.missing", lang, reason=pick(row, "reason", lang)), icon=":material/info:")
        else:
            sentence = pick(row, "sentence", lang)
            if sentence:
                st.caption(md(sentence))
        st.page_link("pages/indicator.py", label=t("overview.details", lang), icon=":material/arrow_forward:",
                     query_params={"ind": row.indicator_id, "region": row.region, "target": row.target_id,
                                   "lang": lang, "dataset": view.dataset})


def render_cards(rows: pd.DataFrame) -> None:
    columns = st.columns(2)
    for i, row in enumerate(rows.itertuples()):
        with columns[i % 2]:
            render_card(row)


def render_plan(plan, scored: pd.DataFrame, tasks: pd.DataFrame, names: dict[str, str]) -> None:
    """A plan's targets under its 发展目标, then section by section and measure by measure, with the lead."""
    st.subheader(md(pick(plan, "plan_title", lang)))
    rows = scored[scored.plan == plan.plan]
    goals = rows[rows.measure_id.isna()]
    if len(goals):
        st.markdown(f"##### {t('overview.goals', lang)}")
        render_cards(goals)
    for section, measures_in in tasks[tasks.plan_id == plan.plan].groupby("section_zh", sort=False):
        shown = [(m, rows[rows.measure_id == m.id]) for m in measures_in.itertuples()]
        shown = [(m, r) for m, r in shown if len(r)]
        if not shown:
            continue
        st.markdown(f"##### {md(pick(measures_in.iloc[0], 'section', lang))}")
        for measure, targets_of in shown:
            lead = names.get(measure.lead_code, "")
            co = t("format.list_sep", lang).join(names.get(c, c) for c in measure.co_codes)
            st.markdown(t("overview.measure_line", lang, number=md(measure.number_label),
                          title=md(pick(measure._asdict(), "title", lang)), lead=md(lead))
                        + (t("overview.measure_co", lang, co=md(co)) if co else ""))
            render_cards(targets_of)


st.title(t("app.title", lang))
st.caption(t("overview.subtitle", lang))

region = choose_region()
departments = load_departments()
dept_names = measures.department_names(departments, lang)
dept = url_widget(st.selectbox, t("overview.department", lang), ["all", *departments.code], "dept", "all",
                  format_func=lambda c: t("overview.all_departments", lang) if c == "all" else dept_names.get(c, c),
                  help=t("overview.department_help", lang))
frame = load_overview(view, region)
tasks = load_measures()
if dept != "all":  # the measures a department leads or co-leads, and their targets
    mine = set(load_department_measures(dept).id)
    tasks = tasks[tasks.id.isin(mine)]
    frame = frame[frame.measure_id.isin(mine)]
if region != regions.province_code():
    st.caption(t("indicator.yardstick", lang))
scored = frame[frame.status != "not_scored"]
unscored = frame[frame.status == "not_scored"]

as_of_text = fmt_period(view.as_of, None, lang) if view.as_of else t("sidebar.asof_latest", lang)
st.markdown(t("overview.as_of", lang, as_of=as_of_text, dataset=t(f"dataset.{view.dataset}", lang)))
with st.expander(t("caveats.title", lang), icon=":material/warning:"):
    st.markdown(t("caveats.body", lang))
if dept != "all":
    statuses = tuple(sorted(zip(frame.target_id, frame.status)))
    # the line names the department (data/departments.csv or a plan file): shown as text
    st.info(md(load_department_summary(dept, statuses, lang)), icon=":material/account_balance:")

render_status_counts(frame)
report_button(view, region)  # 生成监测报告（Word）: the CLI's report of this view

plans = frame.drop_duplicates("plan")[["plan", "plan_title_zh", "plan_title_en"]]
for plan in plans.itertuples():
    render_plan(plan, scored, tasks, dept_names)

st.subheader(t("overview.unscored_title", lang))
st.caption(t("overview.unscored_help", lang))
for row in unscored.itertuples():
    st.markdown(f"- **{md(pick(row, 'name', lang))}** — “{md(row.quote_zh)}”（{md(row.clause)}）")

st.subheader(t("overview.table_title", lang))
report_table = tables.overview_table(scored, lang, dataset_name=t(f"dataset.{view.dataset}", lang), as_of=view.as_of,
                                     synthetic=view.synthetic)
shown_table = tables.display_frame(report_table, lang)
st.dataframe(shown_table, hide_index=True, width="stretch")
base_name = ("DEMO-synthetic_" if view.synthetic else "") + t("tables.file_name", lang,
                                                                as_of=view.as_of or t("tables.latest", lang))
left, right = st.columns(2)
left.download_button(t("download.csv", lang), data=lambda: tables.to_csv(report_table), file_name=f"{base_name}.csv",
                     mime="text/csv", key="overview_table_csv")
right.download_button(t("download.xlsx", lang), data=lambda: tables.to_xlsx(report_table), file_name=f"{base_name}.xlsx",
                      key="overview_table_xlsx")
