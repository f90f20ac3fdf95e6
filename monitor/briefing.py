"""The monitoring report (监测报告) as a Word document, in the house style of a government briefing.

One concern (issue 10 allows a long module for one concern): the Word report, its content and its house
style.

Everything in it comes from the engine and the store: the assessment records of `assess.assess_store` (the
same options as `python -m monitor assess --json`), their sentences, the observations' provenance, charts
rendered on the server as the indicator page's PNG downloads are (`charts.chart_png`), the prefecture ranking
of `compare.ranking`, and the caveats the pages show. Numbers are formatted by `formatting`, words come from
the locale catalog (section `report`).

Contents, in order: title and subtitle (the synthetic-data banner first on a synthetic dataset); 一、总体情况;
二、分目标情况 — per plan a table (目标 | 目标值 | 最新值（期别） | 完成度 | 时序进度 | 状态), the engine's
sentences grouped by status (未完成, 逆向变化, 进度明显滞后, 需加快进度, 符合进度, 已完成) and the headline
charts; 市州比较 when prefecture data exist; 重点任务推进 when a task ledger table exists; 数据说明 (sources
with URLs, targets without enough data, caveats).

House style after GB/T 9704-2012 (Chinese): A4; margins 37/35/28/26 mm (top/bottom/left/right); title
方正小标宋简体 二号 (22 pt); level-1 headings 黑体 三号, level-2 楷体_GB2312 三号, level-3 and body
仿宋_GB2312 三号 (16 pt), fonts set as East Asian names (w:eastAsia) so Word on the reader's machine uses
them; 22 lines of 28 characters (document grid); page numbers "— 1 —" in 四号, odd pages right, even pages
left; headings numbered 一、（一）1.; table header rows repeat on each page. English: a plain serif.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from . import assess, charts, compare, series, store
from .assess.progress import status_label
from .config import PROVINCE_CODE
from .formatting import fmt_as_of, fmt_date, fmt_period, fmt_rate, fmt_value, is_missing, unit_label
from .i18n import normalise_language, pick, t

# The order of the status groups in 分目标情况 (worst first, as such reports read).
STATUS_GROUP_ORDER = ("missed", "reversing", "lagging", "accelerate", "on_track", "achieved")
# The statuses counted in 总体情况, in the pages' order.
COUNTED_STATUSES = ("achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na")
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
COMPARISON_MEASURE = "growth"
LEDGER_BEHIND = ("behind", "overdue")  # the ledger statuses the report names task by task

# Page geometry after GB/T 9704-2012, in millimetres.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_PT, TITLE_PT, SUBTITLE_PT, PAGE_NUMBER_PT, TABLE_PT = 16, 22, 14, 14, 12
FONTS_ZH = {"title": "方正小标宋简体", "h1": "黑体", "h2": "楷体_GB2312", "h3": "仿宋_GB2312", "body": "仿宋_GB2312",
            "page": "宋体"}
LATIN_ZH = "Times New Roman"
SERIF_EN, EAST_ASIA_EN = "Times New Roman", "宋体"


@dataclass
class ReportOptions:
    """What the report covers — the options of `assess --json` plus plan and department filters."""

    dataset: str = "official"
    as_of: str | None = None
    region: str | None = None
    lang: str = "zh"
    plan: str | None = None
    dept: str | None = None
    today: _dt.date | None = None


@dataclass
class Report:
    content: bytes
    file_name: str
    frame: pd.DataFrame  # the engine's rows the report covers (after the plan and department filters)
    source_urls: list[str] = field(default_factory=list)
    synthetic: bool = False
    dept_applied: bool | None = None  # None: no department asked for


# --------------------------------------------------------------------------- reading

def _table_exists(reader, name: str) -> bool:
    rows = reader.query_rows("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
                             " AND table_name = ?", [name])
    return bool(rows[0][0])


MEASURE_TABLES = ("departments", "measures", "measure_departments")


def department_targets(reader, dept: str, lang: str = "zh") -> tuple[set[str], str] | None:
    """The ids of the targets stated in the measures `dept` leads or co-leads, and the department's name in `lang`;
    None while the store has no measures (tables departments, measures, measure_departments and
    targets.measure_id, loaded from the plan files). `dept`: a code, the name as written (省商务厅), the short
    name or the English name. ValueError (Chinese and English) for a department the store does not know.
    """
    if not all(_table_exists(reader, name) for name in MEASURE_TABLES):
        return None
    rows = reader.query_rows(
        "SELECT code, name_zh, name_en FROM departments WHERE code = ? OR name_zh = ? OR short_name_zh = ?"
        " OR lower(name_en) = lower(?) ORDER BY code = ? DESC LIMIT 1", [dept, dept, dept, dept, dept])
    if not rows:
        raise ValueError(t("report.bad_dept", "zh", dept=dept))
    code, name_zh, name_en = rows[0]
    ids = reader.query_rows(
        "SELECT t.id FROM targets t WHERE t.measure_id IN (SELECT md.measure_id FROM measure_departments md"
        " WHERE md.department_code = ? AND md.role IN ('lead', 'co'))", [code])
    return {r[0] for r in ids}, (name_zh if normalise_language(lang) == "zh" else name_en or name_zh)


def assessment(reader, options: ReportOptions) -> tuple[pd.DataFrame, bool | None, str | None]:
    """The engine's rows for the report's options, joined with the registry's text, in the plans' order.

    Returns (frame, dept_applied, department name): dept_applied is None without --dept, False while the store has
    no measures.
    ValueError for a malformed as-of, an unknown region or plan (messages in Chinese and English).
    """
    result = assess.assess_store(reader, dataset=options.dataset, as_of=options.as_of, region=options.region)
    targets = store.targets(reader)
    if options.plan is not None and options.plan not in set(targets.plan_id):
        known = ", ".join(sorted(set(targets.plan_id)))
        raise ValueError(t("report.bad_plan", "zh", plan=options.plan, known=known))
    info = targets[["id", "plan_id", "name_zh", "name_en", "quote_zh", "plan_title_zh", "plan_title_en",
                    "sort_order", "notes_zh", "notes_en"]].rename(columns={"id": "target_id", "plan_id": "plan"})
    frame = result.merge(info, on="target_id", how="left")
    if options.plan is not None:
        frame = frame[frame.plan == options.plan]
    applied, dept_name = None, options.dept
    if options.dept:
        found = department_targets(reader, options.dept, options.lang)
        applied = found is not None
        if found is not None:
            frame = frame[frame.target_id.isin(found[0])]
            dept_name = found[1]
    return frame.sort_values("sort_order", kind="stable").reset_index(drop=True), applied, dept_name


def _as_list(value) -> list:
    if value is None or isinstance(value, (float, str)):
        return [] if not isinstance(value, str) else [value]
    return list(value)


# --------------------------------------------------------------------------- words and numbers

def _sentence(row, lang: str) -> str:
    text = row.sentence_zh if lang == "zh" else row.sentence_en
    return text if isinstance(text, str) else ""


def _reason(row, lang: str) -> str:
    text = row.reason_zh if lang == "zh" else row.reason_en
    return text if isinstance(text, str) else ""


def _decimals(value) -> int:
    return 0 if not is_missing(value) and float(value).is_integer() else 1


def _period_text(period, period_type, lang: str) -> str:
    """A figure's period: 2021年, 2022年1—6月 (year to date), 2022年6月 (a single month)."""
    if period_type == "month":
        return fmt_as_of(period, lang)
    return fmt_period(period, period_type if isinstance(period_type, str) else None, lang)


def _paren(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def target_cells(row, lang: str) -> list[str]:
    """The table row of a target: name, target value, latest value (period), completion, time share, status."""
    if row.target_type == "average_growth":
        latest = fmt_rate(row.observed_rate, lang)
        target = f"{row.comparator} {fmt_value(row.target_value, '%', lang)}"
    elif row.target_type == "pp_change":
        latest = fmt_value(row.latest_value, "%", lang)
        key = "overview.pp_down" if row.target_value < 0 else "overview.pp_up"
        target = t(key, lang, change=fmt_value(abs(row.target_value), "个百分点", lang), base=row.plan_base_period)
    else:
        latest = fmt_value(row.latest_value, row.unit, lang, _decimals(row.latest_value))
        target = f"{row.comparator} {fmt_value(row.target_value, row.unit, lang, _decimals(row.target_value))}"
    if isinstance(row.latest_period, str) and row.latest_period and latest != "—":
        latest += _paren(_period_text(row.latest_period, row.latest_period_type, lang), lang)
    if isinstance(row.target_period, str) and row.target_period:
        target += _paren(fmt_period(row.target_period, "annual", lang), lang)
    status = status_label(row.status, lang, bool(getattr(row, "yardstick", False)))  # 达到参照 for a yardstick
    qualifiers = [t(f"qualifier.{q}", lang) for q in _as_list(row.qualifiers)]
    if qualifiers:
        status += _paren(t("report.list_sep", lang).join(qualifiers), lang)
    return [pick(row, "name", lang), target, latest, fmt_rate(row.completion, lang), fmt_rate(row.expected_share, lang),
            status]


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def heading_number(level: int, n: int, lang: str, parent: int | None = None) -> str:
    """一、（一）1. in Chinese; 1. 1.1 (1) in English."""
    if lang == "zh":
        return {1: f"{_chinese_number(n)}、", 2: f"（{_chinese_number(n)}）", 3: f"{n}."}[level]
    return {1: f"{n}. ", 2: f"{parent}.{n} ", 3: f"({n}) "}[level]


def _headline_ids(frame: pd.DataFrame) -> list[str]:
    """Each plan's headline: the targets on the indicator of its first scored target (社零: level and growth)."""
    first: dict[str, str] = {}
    ids: list[str] = []
    for plan, status, indicator, target in zip(frame.plan, frame.status, frame.indicator_id, frame.target_id):
        if status == "not_scored":
            continue
        first.setdefault(plan, indicator)
        if first[plan] == indicator:
            ids.append(target)
    return ids


# --------------------------------------------------------------------------- content

@dataclass
class _Chart:
    title: str
    png: bytes


@dataclass
class _Content:
    """The report's content, independent of the document format."""

    lang: str
    title: str
    subtitle: str
    banner: str | None
    overall: list[str]
    plans: list[dict]  # {title, rows: frame, groups: [(heading, [sentences])], charts: [_Chart]}
    prefectures: dict | None
    ledger: list[str] | None
    sources: list[str]
    source_urls: list[str]
    missing: list[str]
    caveats: list[str]


def _period_cutoff(as_of: str | None) -> int | None:
    return assess.parse_as_of(as_of)


def _chart_for(row, obs: pd.DataFrame, lang: str):
    """The indicator page's chart for a target (growth bars for an average-growth target, else the level against
    the target path), with its title."""
    name = pick(row, "name", lang)
    if row.target_type == "average_growth":
        rates = series.growth_rates(obs)
        annual = rates[rates.period_type == "annual"]
        if annual.empty:
            return None
        title = t("report.chart_growth_title", lang, name=name)
        return title, charts.build_growth_chart(annual, target_rate=row.target_value, lang=lang, title=name)
    levels = series.annual_levels(obs)
    if levels.empty:
        return None
    path = assess.target_path(row._asdict())
    target_year = int(row.target_period) if isinstance(row.target_period, str) and row.target_period.isdigit() else None
    target_value = row.target_value
    if row.target_type == "pp_change":
        target_value = None if is_missing(row.base_value) else row.base_value + row.target_value
    unit = row.indicator_unit if isinstance(row.indicator_unit, str) else row.unit
    title = t("report.chart_level_title", lang, name=name)
    return title, charts.build_series_chart(levels, path, target_year=target_year, target_value=target_value,
                                            unit=unit_label(unit, lang), lang=lang, title=name)


_PNG_CACHE: dict[int, tuple[object, bytes]] = {}


def _png(chart, lang: str) -> bytes:
    """Server-side PNG as the indicator page's download; memoised per chart object (the builders return the same
    object for the same data, so a second report of the same view reuses the pictures)."""
    hit = _PNG_CACHE.get(id(chart))
    if hit is not None and hit[0] is chart:
        return hit[1]
    png = charts.chart_png(chart, lang=lang)
    if len(_PNG_CACHE) > 64:
        _PNG_CACHE.clear()
    _PNG_CACHE[id(chart)] = (chart, png)
    return png


def _observations_up_to(obs: pd.DataFrame, as_of: str | None) -> pd.DataFrame:
    cutoff = _period_cutoff(as_of)
    if cutoff is None:
        return obs
    return obs[(obs.year * 12 + obs.month) <= cutoff]


def _prefecture_section(reader, options: ReportOptions, indicator_id: str, targets: pd.DataFrame,
                        indicators: pd.DataFrame, regions: pd.DataFrame, lang: str) -> tuple[dict | None, pd.DataFrame]:
    """The ranking of the prefectures on the headline indicator's growth, as the prefecture page draws it."""
    prefectures = regions[(regions.level == "prefecture") & (regions.parent_code == PROVINCE_CODE)].code.tolist()
    empty = pd.DataFrame()
    if not prefectures:
        return None, empty
    obs = store.observations(reader, options.dataset, indicator_ids=[indicator_id],
                             region_codes=[PROVINCE_CODE, *prefectures])
    obs = _observations_up_to(obs, options.as_of)
    periods = compare.available_periods(obs, indicator_id, prefectures)
    if periods.empty:
        return None, empty
    best = periods[periods.regions == periods.regions.max()].iloc[0]
    period, period_type = best.period, best.period_type
    province = obs[(obs.region_code == PROVINCE_CODE) & (obs.period == period) & (obs.period_type == period_type)]
    growth = targets[(targets.indicator_id == indicator_id) & (targets.target_type == "average_growth")
                     & (targets.region_code == PROVINCE_CODE)]
    if len(growth):
        yardstick = float(growth.target_value.iloc[0])
        yardstick_text = t("prefectures.yardstick_target", lang, rate=f"{yardstick:g}")
    elif len(province) and not is_missing(province.yoy_pct.iloc[0]):
        yardstick = float(province.yoy_pct.iloc[0])
        yardstick_text = t("prefectures.yardstick_province", lang, rate=fmt_value(yardstick, "", lang))
    else:
        yardstick, yardstick_text = None, t("report.prefectures_no_yardstick", lang)
    indicator = indicators.set_index("id").loc[indicator_id]
    ascending = indicator.direction == "decrease" and COMPARISON_MEASURE in ("level", "share", "per_capita")
    table = compare.ranking(obs, indicator_id, period, period_type, prefectures, PROVINCE_CODE, COMPARISON_MEASURE,
                            ascending=ascending, yardstick=yardstick)
    full = {r.code: pick(r, "name", lang) for r in regions.itertuples()}
    short = {r.code: pick(r, "short_name" if lang == "zh" else "name", lang) for r in regions.itertuples()}
    unit = indicator.unit
    measure_name = t(f"measure.{COMPARISON_MEASURE}", lang)
    headers = [t("prefectures.col_rank", lang), t("prefectures.col_name", lang),
               f"{t('prefectures.col_value', lang)}{_paren(unit_label(unit, lang), lang)}",
               t("prefectures.col_yoy", lang), t("prefectures.col_gap", lang)]
    rows = []
    for r in table.itertuples():
        rows.append(["—" if pd.isna(r.rank) else str(int(r.rank)), full.get(r.region_code, r.region_code),
                     fmt_value(r.value, "", lang, int(indicator.decimals)) if not is_missing(r.value) else "—",
                     fmt_value(r.yoy_pct, "", lang) if not is_missing(r.yoy_pct) else "—",
                     "—" if is_missing(r.gap_to_yardstick) else f"{'+' if r.gap_to_yardstick > 0 else ''}"
                                                                 f"{fmt_value(r.gap_to_yardstick, '', lang)}"])
    ranked = table[~table.missing]
    sep = t("report.list_sep", lang)
    sentences = [t("report.prefectures_intro", lang, indicator=pick(indicator, "name", lang),
                   period=_period_text(period, period_type, lang), kind=t(f"period_type.{period_type}", lang),
                   measure=measure_name, yardstick=yardstick_text)]
    if len(ranked) >= 6:  # top and bottom three, disjoint
        top = [short[c] for c in ranked.region_code.head(3)]
        bottom = [short[c] for c in ranked.region_code.tail(3).iloc[::-1]]
        sentences.append(t("report.prefectures_top_bottom", lang, measure=measure_name, top=sep.join(top),
                           bottom=sep.join(bottom)))
    elif len(ranked):  # too few to name a top and a bottom three: the order of those with data
        sentences.append(t("report.prefectures_order", lang, measure=measure_name,
                           names=sep.join(short[c] for c in ranked.region_code)))
    missing = table[table.missing].region_code.tolist()
    if missing:
        sentences.append(t("report.prefectures_missing", lang, names=sep.join(short[c] for c in missing)))
    used_periods = {period} | ({table.previous_period.iloc[0]} if table.previous_period.iloc[0] else set())
    used = obs[obs.period.isin(used_periods) & (obs.period_type == period_type)]
    return {"sentences": sentences, "headers": headers, "rows": rows}, used


def _ledger_section(reader, options, lang: str) -> list[str] | None:
    """重点任务推进 from the task ledger (monitor/ledger.py): for the latest quarter with reports up to the as-of
    period, how many tasks in each status, and the tasks behind schedule or not reported. None when the dataset
    has no reports at all (the section is left out)."""
    from . import ledger

    periods = [r[0] for r in reader.query_rows(
        "SELECT DISTINCT period FROM progress_reports WHERE dataset = ? AND period LIKE '%-Q%' ORDER BY 1",
        [options.dataset])]
    if not periods:
        return None
    if options.as_of:
        year, month = int(options.as_of[:4]), int(options.as_of[5:7]) if len(options.as_of) > 4 else 12
        cutoff = f"{year}-Q{(month - 1) // 3 + 1}"
        periods = [p for p in periods if p <= cutoff] or periods[:1]
    period = periods[-1]
    table = ledger.ledger_table(reader, period, options.dataset, lang=lang)
    sep = t("report.list_sep", lang)
    counts = table.status_label.value_counts()
    lines = [t("report.ledger_counts", lang, period=ledger.period_label(period, lang), n=len(table),
               counts=sep.join(t("report.overall_count_item", lang, status=label, n=int(n))
                               for label, n in counts.items()))]
    behind = table[table.status.isin(LEDGER_BEHIND)]
    if len(behind):
        items = [t("report.ledger_item", lang, number=r.number, title=r.title, lead=r.lead, status=r.status_label)
                 for r in behind.itertuples()]
        lines.append(t("report.ledger_behind", lang, items=sep.join(items)))
    else:
        lines.append(t("report.ledger_none_behind", lang))
    return lines


def _figures_text(used: pd.DataFrame, indicator_names: dict, region_names: dict, lang: str) -> str:
    parts = []
    for indicator_id, rows in used.groupby("indicator_id", sort=True):
        codes = list(dict.fromkeys(rows.region_code))
        if len(codes) <= 3:
            regions_text = t("report.list_sep", lang).join(region_names.get(c, c) for c in codes)
        else:
            regions_text = t("report.figures_many_regions", lang, first=region_names.get(codes[0], codes[0]),
                             n=len(codes))
        texts = []
        for kind, same in rows.groupby("period_type", sort=True):
            periods = sorted(set(same.period))
            if len(periods) <= 4:
                texts += [_period_text(p, kind, lang) for p in periods]
            else:  # a long run of periods as its ends and its count
                texts.append(t("report.figures_range", lang, first=_period_text(periods[0], kind, lang),
                               last=_period_text(periods[-1], kind, lang), n=len(periods)))
        parts.append(t("report.figures_item", lang, indicator=indicator_names.get(indicator_id, indicator_id),
                       regions=regions_text, periods=t("report.list_sep", lang).join(texts)))
    return t("report.figures_period_sep", lang).join(parts)


def _sources_section(used: pd.DataFrame, indicators: pd.DataFrame, regions: pd.DataFrame,
                     lang: str) -> tuple[list[str], list[str]]:
    """One line per source (name, URL, the figures used), and the distinct URLs."""
    if used.empty:
        return [], []
    indicator_names = {r.id: pick(r, "name", lang) for r in indicators.itertuples()}
    region_names = {r.code: pick(r, "name", lang) for r in regions.itertuples()}
    used = used.assign(source=used.source.fillna("—"), source_url=used.source_url.fillna(""))
    lines, urls = [], []
    for (source, url), rows in used.groupby(["source", "source_url"], sort=True):
        url_text = _paren(url, lang) if url else t("report.source_no_url", lang)
        lines.append(t("report.source_line", lang, source=source, url=url_text,
                       figures=_figures_text(rows, indicator_names, region_names, lang)))
        if url:
            urls.append(url)
    return lines, urls


def _caveats(frame: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> list[str]:
    """The caveats the pages show: the qualifiers present (with their help text and targets), the notes of the
    indicators and targets used, and the data caveats of the overview."""
    sep = t("report.list_sep", lang)
    lines = []
    for qualifier in ("estimate", "stale", "base_substituted", "series_break"):
        rows = frame[[qualifier in _as_list(q) for q in frame.qualifiers]]
        if len(rows):
            lines.append(t("report.qualifier_line", lang, qualifier=t(f"qualifier.{qualifier}", lang),
                           help=t(f"qualifier_help.{qualifier}", lang),
                           targets=sep.join(pick(r, "name", lang) for r in rows.itertuples())))
    used = indicators[indicators.id.isin(set(frame.indicator_id.dropna()))]
    for row in used.itertuples():
        note = pick(row, "notes", lang)
        if note:
            lines.append(t("report.indicator_note", lang, indicator=pick(row, "name", lang), note=note))
    for row in frame.itertuples():
        note = pick(row, "notes", lang)
        if note:
            lines.append(t("report.indicator_note", lang, indicator=pick(row, "name", lang), note=note))
    for line in t("caveats.body", lang).strip().splitlines():
        line = line.strip().lstrip("-").strip().replace("**", "")
        if line:
            lines.append(line)
    lines.append(t("report.method", lang))
    return lines


def _region_code(regions: pd.DataFrame, region: str | None) -> str:
    """The code of the report's region (a code or a name, as `assess --region` takes); the province by default."""
    if region is None:
        return PROVINCE_CODE
    text = str(region).strip()
    for column in ("code", "name_zh", "short_name_zh", "name_en"):
        hit = regions[regions[column].astype(str).str.casefold() == text.casefold()]
        if len(hit):
            return str(hit.code.iloc[0])
    return text


def _region_and_period(reader, options: ReportOptions, regions: pd.DataFrame) -> tuple[str, str]:
    """The region's name and the as-of period as the title and the file name give them (the latest period with
    data for a target when no as-of is given, as the pages' 最新)."""
    lang = normalise_language(options.lang)
    code = _region_code(regions, options.region)
    name = {r.code: pick(r, "name", lang) for r in regions.itertuples()}.get(code, code)
    as_of = options.as_of or next(iter(store.target_periods(reader, options.dataset)), None)
    return name, fmt_as_of(as_of, lang) if as_of else t("sidebar.asof_latest", lang)


def _file_name(region_name: str, as_of_text: str, lang: str, synthetic: bool) -> str:
    name = t("report.file_stem", lang, region=region_name, as_of=as_of_text).replace(" ", "_") + ".docx"
    return f"DEMO-synthetic_{name}" if synthetic else name


def file_name(reader, options: ReportOptions) -> str:
    """The download name of the report for `options`, without building it: 湖南省消费流通行动方案监测报告_截至2022年6月.docx
    (DEMO-synthetic_… on a synthetic dataset)."""
    datasets = store.datasets(reader).set_index("id")
    synthetic = bool(options.dataset in datasets.index and datasets.loc[options.dataset, "is_synthetic"])
    region_name, as_of_text = _region_and_period(reader, options, store.regions(reader))
    return _file_name(region_name, as_of_text, normalise_language(options.lang), synthetic)


def gather(reader, options: ReportOptions) -> tuple[_Content, pd.DataFrame, bool, bool | None, str]:
    """Read and assess everything the report shows: (content, frame, synthetic, dept_applied, file name)."""
    lang = normalise_language(options.lang)
    frame, dept_applied, dept_name = assessment(reader, options)
    regions = store.regions(reader)
    indicators = store.indicators(reader)
    targets = store.targets(reader)
    datasets = store.datasets(reader).set_index("id")
    synthetic = bool(options.dataset in datasets.index and datasets.loc[options.dataset, "is_synthetic"])
    dataset_name = t(f"dataset.{options.dataset}", lang) if options.dataset in ("official", "demo") else options.dataset

    region_name, as_of_text = _region_and_period(reader, options, regions)
    today = options.today or _dt.date.today()
    title = t("report.title", lang, region=region_name)
    subtitle = t("report.subtitle", lang, as_of=as_of_text, dataset=dataset_name, made=fmt_date(today, lang))

    scored = frame[frame.status != "not_scored"]
    unscored = frame[frame.status == "not_scored"]
    sep = t("report.list_sep", lang)
    counts = scored.status.value_counts()
    overall = []
    if options.plan is not None and len(frame):
        overall.append(t("report.overall_filter_plan", lang, plan=pick(frame.iloc[0], "plan_title", lang)))
    if options.dept:
        overall.append(t("report.overall_filter_dept", lang, dept=dept_name) if dept_applied
                       else t("report.dept_not_applied", lang, dept=options.dept))
    if len(scored):
        overall.append(t("report.overall_counts", lang, n=len(scored), counts=sep.join(
            t("report.overall_count_item", lang, status=t(f"status.{s}", lang), n=int(counts[s]))
            for s in COUNTED_STATUSES if counts.get(s, 0))))
    else:
        overall.append(t("report.overall_none", lang))
    if len(unscored):
        overall.append(t("report.overall_unscored", lang, n=len(unscored)))
    headline_ids = _headline_ids(frame)
    headline = frame[frame.target_id.isin(headline_ids)]
    if len(headline):
        joiner = "" if lang == "zh" else " "
        overall.append(joiner.join([t("report.overall_headline", lang)] + [_sentence(r, lang) or _reason(r, lang)
                                                                           for r in headline.itertuples()]))

    # Observations behind the charts: the headline indicators in the report's region, up to the as-of period.
    chart_obs = store.observations(reader, options.dataset, indicator_ids=sorted(set(headline.indicator_id)),
                                   region_codes=sorted(set(headline.region))) if len(headline) else pd.DataFrame()
    chart_obs = _observations_up_to(chart_obs, options.as_of) if len(chart_obs) else chart_obs
    built = []
    for row in headline.itertuples():
        if row.status in ("na", "not_scored"):
            continue
        obs = series.select(chart_obs, row.indicator_id, row.region)
        made = _chart_for(row, obs, lang)
        if made is not None:
            built.append((row.plan, made[0], made[1], obs[obs.period_type == "annual"]))  # the figures drawn
    with ThreadPoolExecutor(max_workers=2) as pool:  # vl-convert renders outside the GIL
        pngs = list(pool.map(lambda item: _png(item[2], lang), built))
    used_frames = [b[3] for b in built]

    plans = []
    for plan_id, rows in frame.groupby("plan", sort=False):
        scored_rows = rows[rows.status != "not_scored"]
        groups = []
        for status in STATUS_GROUP_ORDER:
            members = scored_rows[scored_rows.status == status]
            if len(members):
                groups.append((t("report.status_group", lang, status=t(f"status.{status}", lang), n=len(members)),
                               [_sentence(r, lang) for r in members.itertuples()]))
        plan_unscored = rows[rows.status == "not_scored"]
        if len(plan_unscored):
            groups.append((t("report.unscored_group", lang, n=len(plan_unscored)),
                           [_sentence(r, lang) for r in plan_unscored.itertuples()]))
        plan_charts = [_Chart(b[1], png) for b, png in zip(built, pngs) if b[0] == plan_id]
        plans.append({"title": pick(rows.iloc[0], "plan_title", lang),
                      "rows": [target_cells(r, lang) for r in scored_rows.itertuples()],
                      "groups": groups, "charts": plan_charts})

    prefecture_part, prefecture_used = (None, pd.DataFrame())
    if len(headline):
        prefecture_part, prefecture_used = _prefecture_section(reader, options, headline.indicator_id.iloc[0],
                                                               targets, indicators, regions, lang)
    ledger = _ledger_section(reader, options, lang)

    keys = sorted({k for ks in frame.observation_keys for k in _as_list(ks)})
    used = store.provenance(reader, options.dataset, keys)
    frames = [f[["indicator_id", "region_code", "period", "period_type", "source", "source_url"]]
              for f in [used, *used_frames, prefecture_used] if len(f)]
    all_used = pd.concat(frames, ignore_index=True).drop_duplicates() if frames else pd.DataFrame(
        columns=["indicator_id", "region_code", "period", "period_type", "source", "source_url"])
    sources, urls = _sources_section(all_used, indicators, regions, lang)
    na_rows = scored[scored.status == "na"]
    missing = [_sentence(r, lang) or _reason(r, lang) for r in na_rows.itertuples()]
    content = _Content(lang=lang, title=title, subtitle=subtitle,
                       banner=t("report.banner", lang) if synthetic else None, overall=overall, plans=plans,
                       prefectures=prefecture_part, ledger=ledger, sources=sources, source_urls=urls,
                       missing=missing, caveats=_caveats(frame, indicators, lang))
    return content, frame, synthetic, dept_applied, _file_name(region_name, as_of_text, lang, synthetic)


# --------------------------------------------------------------------------- the document

def _mm_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


class _Writer:
    """python-docx with the house style: page, styles with East Asian fonts, numbered headings, tables."""

    def __init__(self, lang: str):
        from docx import Document
        from docx.shared import Mm

        self.lang = lang
        self.doc = Document()
        self.counters = [0, 0, 0]
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        section.header_distance, section.footer_distance = Mm(15), Mm(23)
        self._styles()
        if lang == "zh":
            self._document_grid(section)
        self._page_numbers(section)

    # ----- style helpers
    @staticmethod
    def _fonts(element, latin: str, east_asia: str) -> None:
        """Set the Latin and the East Asian font on a style's or run's rPr (python-docx's font.name sets only
        the Latin one), removing theme fonts that would override them."""
        from docx.oxml.ns import qn

        rpr = element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if fonts.get(qn(attr)) is not None:
                del fonts.attrib[qn(attr)]
        fonts.set(qn("w:ascii"), latin)
        fonts.set(qn("w:hAnsi"), latin)
        fonts.set(qn("w:cs"), latin)
        fonts.set(qn("w:eastAsia"), east_asia)

    def _style(self, name: str, latin: str, east_asia: str, size: float, *, bold=False, italic=False,
               align=None, first_line: float | None = 0, line_pt: float | None = None, before=0, after=0,
               base: str | None = None):
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_LINE_SPACING
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        styles = self.doc.styles
        try:
            style = styles[name]
        except KeyError:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles[base or "Normal"]
            style.quick_style = True
        self._fonts(style.element, latin, east_asia)
        font = style.font
        font.size, font.bold, font.italic = Pt(size), bold, italic
        font.color.rgb = RGBColor(0, 0, 0)
        ppr = style.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):  # the Title style's rule below
            ppr.remove(border)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if line_pt is not None:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(line_pt)
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.first_line_indent = Pt(first_line) if first_line is not None else None
        if align is not None:
            fmt.alignment = align
        return style

    def _styles(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        centre, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
        if self.lang == "zh":
            line = self._line_pt()
            indent = 2 * BODY_PT
            self._style("Normal", LATIN_ZH, FONTS_ZH["body"], BODY_PT, align=justify, first_line=indent, line_pt=line)
            self._style("Title", LATIN_ZH, FONTS_ZH["title"], TITLE_PT, align=centre, line_pt=line * 1.5)
            self._style("Subtitle", LATIN_ZH, FONTS_ZH["h2"], SUBTITLE_PT, align=centre, line_pt=line)
            self._style("Heading 1", LATIN_ZH, FONTS_ZH["h1"], BODY_PT, first_line=indent, line_pt=line)
            self._style("Heading 2", LATIN_ZH, FONTS_ZH["h2"], BODY_PT, first_line=indent, line_pt=line)
            self._style("Heading 3", LATIN_ZH, FONTS_ZH["h3"], BODY_PT, bold=True, first_line=indent, line_pt=line)
            self._style("Report Banner", LATIN_ZH, FONTS_ZH["h1"], BODY_PT, align=centre, line_pt=line)
            self._style("Report Table", LATIN_ZH, FONTS_ZH["body"], TABLE_PT, first_line=0)
            self._style("Caption", LATIN_ZH, FONTS_ZH["h2"], TABLE_PT + 2, align=centre)
            for name in ("Report Table", "Caption"):  # table cells and pictures keep their own height
                ppr = self.doc.styles[name].element.get_or_add_pPr()
                snap = OxmlElement("w:snapToGrid")
                snap.set(qn("w:val"), "0")
                ppr.insert_element_before(snap, "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                          "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                          "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                                          "w:sectPr", "w:pPrChange")
            lang_tag = "zh-CN"
        else:
            self._style("Normal", SERIF_EN, EAST_ASIA_EN, 12, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=None, after=6)
            self._style("Title", SERIF_EN, EAST_ASIA_EN, 18, bold=True, align=centre, after=6)
            self._style("Subtitle", SERIF_EN, EAST_ASIA_EN, 12, italic=True, align=centre, after=12)
            self._style("Heading 1", SERIF_EN, EAST_ASIA_EN, 14, bold=True, before=12, after=6)
            self._style("Heading 2", SERIF_EN, EAST_ASIA_EN, 12, bold=True, before=9, after=4)
            self._style("Heading 3", SERIF_EN, EAST_ASIA_EN, 12, bold=True, italic=True, before=6, after=3)
            self._style("Report Banner", SERIF_EN, EAST_ASIA_EN, 12, bold=True, align=centre, after=6)
            self._style("Report Table", SERIF_EN, EAST_ASIA_EN, 10, first_line=None)
            self._style("Caption", SERIF_EN, EAST_ASIA_EN, 10, italic=True, align=centre, after=6)
            lang_tag = "en-GB"
        for name in ("Heading 1", "Heading 2", "Heading 3"):
            self.doc.styles[name].paragraph_format.keep_with_next = True
        # The documents' language, so Word checks spelling and breaks lines as the text needs.
        rpr = self.doc.styles["Normal"].element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), lang_tag)
        lang.set(qn("w:eastAsia"), "zh-CN")

    @staticmethod
    def _line_pt() -> float:
        """The fixed line pitch that fits 22 lines in the text block (225 mm), rounded down to 0.1 pt: 28.9 pt."""
        height_pt = (PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]) / 25.4 * 72
        return math.floor(height_pt / LINES_PER_PAGE * 10) / 10

    @staticmethod
    def _char_spacing_twentieths() -> int:
        """Character spacing (in 1/20 pt) that fits 28 body characters in the text block's width (156 mm):
        16 pt characters need −0.25 pt each (15.75 pt × 28 = 441 pt ≤ 442.2 pt)."""
        width_pt = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72
        return math.floor((width_pt / CHARS_PER_LINE - BODY_PT) * 20)

    def _document_grid(self, section) -> None:
        """22 lines of 28 characters: a line grid of the fixed line pitch (Word's 文档网格 "只指定行网格") and body
        text condensed to 28 characters a line. A character grid (w:type="linesAndChars") would do the same in
        Word, but LibreOffice spreads characters over it (about 18 a line), so the width is set by the spacing."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        sect = section._sectPr
        grid = sect.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(self._line_pt() * 20)))
        rpr = self.doc.styles["Normal"].element.get_or_add_rPr()
        spacing = rpr.find(qn("w:spacing"))
        if spacing is None:
            spacing = OxmlElement("w:spacing")
            rpr.append(spacing)
        spacing.set(qn("w:val"), str(self._char_spacing_twentieths()))

    def _page_numbers(self, section) -> None:
        """"— 1 —" in 四号: odd pages right-aligned, even pages left, one character in from the edge."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self.doc.settings.odd_and_even_pages_header_footer = True
        size = PAGE_NUMBER_PT if self.lang == "zh" else 10
        latin, east = (LATIN_ZH, FONTS_ZH["page"]) if self.lang == "zh" else (SERIF_EN, EAST_ASIA_EN)
        for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer,
                                                                           WD_ALIGN_PARAGRAPH.LEFT)):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            fmt = paragraph.paragraph_format
            fmt.first_line_indent = Pt(0)
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                fmt.right_indent = Pt(size)
            else:
                fmt.left_indent = Pt(size)

            def run(text, paragraph=paragraph):
                r = paragraph.add_run(text)
                r.font.size = Pt(size)
                self._fonts(r._r, latin, east)
                return r
            run("— ")
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), "PAGE")
            number = run("1")
            number._r.getparent().remove(number._r)
            field.append(number._r)
            paragraph._p.append(field)
            run(" —")

    # ----- content
    def _style_id(self, name: str) -> str:
        # python-docx looks a style up by scanning every style on each assignment (~5 ms); once per name here
        ids = self.__dict__.setdefault("_ids", {})
        if name not in ids:
            ids[name] = self.doc.styles[name].style_id
        return ids[name]

    def paragraph(self, text: str, style: str | None = None):
        p = self.doc.add_paragraph(text)
        if style is not None:
            p._p.style = self._style_id(style)
        return p

    def heading(self, level: int, text: str):
        self.counters[level - 1] += 1
        for deeper in range(level, 3):
            self.counters[deeper] = 0
        number = heading_number(level, self.counters[level - 1], self.lang, parent=self.counters[0])
        return self.paragraph(number + text, f"Heading {level}")

    def table(self, headers: list[str], rows: list[list[str]], numeric: set[int], widths_mm: list[float]):
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm

        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        repeat = OxmlElement("w:tblHeader")  # the header row repeats on each page
        repeat.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(repeat)
        for cell, text in zip(header.cells, headers):
            p = cell.paragraphs[0]
            p._p.style = self._style_id("Report Table")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(text).bold = True
        for values in rows:
            cells = table.add_row().cells
            for i, (cell, text) in enumerate(zip(cells, values)):
                p = cell.paragraphs[0]
                p._p.style = self._style_id("Report Table")
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else WD_ALIGN_PARAGRAPH.LEFT
                p.add_run(text)
        table.autofit = False
        for column, width in zip(table.columns, widths_mm):
            column.width = Mm(width)  # w:gridCol, which LibreOffice reads
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm):
                cell.width = Mm(width)  # w:tcW, which Word reads
        self.paragraph("", "Report Table")  # a line between the table and the next paragraph
        return table

    def picture(self, png: bytes, caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        width = 140  # mm, within the 156 mm text block: a chart and its caption fit on half a page
        p = self.paragraph("", "Caption")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = None  # a fixed line height would clip the picture
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(io.BytesIO(png), width=Mm(width))
        self.paragraph(caption, "Caption")

    def bytes(self) -> bytes:
        props = self.doc.core_properties
        props.author = "xiaofei-monitor"
        props.comments = ""
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


TARGET_TABLE_WIDTHS_MM = {"zh": (46, 24, 28, 18, 18, 22), "en": (32, 22, 25, 28, 23, 26)}  # 156 mm in all


def render_docx(content: _Content) -> bytes:
    lang = content.lang
    w = _Writer(lang)
    w.doc.core_properties.title = content.title
    if content.banner:
        w.paragraph(content.banner, "Report Banner")
    w.paragraph(content.title, "Title")
    w.paragraph(content.subtitle, "Subtitle")

    w.heading(1, t("report.overall", lang))
    for text in content.overall:
        w.paragraph(text)

    w.heading(1, t("report.by_target", lang))
    figure = 0
    headers = [t(f"report.col_{c}", lang) for c in ("target", "target_value", "latest", "completion", "time_share",
                                                   "status")]
    for plan in content.plans:
        w.heading(2, plan["title"])
        if plan["rows"]:
            w.table(headers, plan["rows"], numeric={1, 2, 3, 4}, widths_mm=list(TARGET_TABLE_WIDTHS_MM[lang]))
        for heading, sentences in plan["groups"]:
            w.heading(3, heading)
            for sentence in sentences:
                w.paragraph(sentence)
        for chart in plan["charts"]:
            figure += 1
            w.picture(chart.png, t("report.figure", lang, n=figure, title=chart.title))

    if content.prefectures:
        w.heading(1, t("report.prefectures", lang))
        part = content.prefectures
        w.paragraph(part["sentences"][0])
        w.table(part["headers"], part["rows"], numeric={0, 2, 3, 4}, widths_mm=[16, 52, 34, 28, 26])
        for sentence in part["sentences"][1:]:
            w.paragraph(sentence)

    if content.ledger is not None:
        w.heading(1, t("report.ledger", lang))
        for line in content.ledger:
            w.paragraph(line)

    w.heading(1, t("report.notes", lang))
    w.heading(2, t("report.sources", lang))
    w.paragraph(t("report.sources_intro", lang))
    for i, line in enumerate(content.sources, 1):
        w.paragraph(f"{i}. {line}")
    w.heading(2, t("report.missing_title", lang))
    for line in content.missing or [t("report.missing_none", lang)]:
        w.paragraph(line)
    w.heading(2, t("report.caveats_title", lang))
    for line in content.caveats:
        w.paragraph(line)
    return w.bytes()


def build_report(reader, options: ReportOptions) -> Report:
    """The report for `options` as a .docx, with its download name (DEMO-synthetic_… on synthetic data)."""
    content, frame, synthetic, dept_applied, name = gather(reader, options)
    return Report(content=render_docx(content), file_name=name, frame=frame, source_urls=content.source_urls,
                  synthetic=synthetic, dept_applied=dept_applied)
