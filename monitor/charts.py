"""Altair chart builders (pure: data in, alt.Chart out) and server-side PNG export.

Charts name a CJK font so Chinese never renders as boxes: browsers pick the first installed
family, and vl-convert (PNG export) uses the system font Debian's fonts-wqy-microhei installs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any, Callable, Generic, Literal, ParamSpec, TypeVar

import altair as alt
import pandas as pd

from .i18n import t

# Altair validates every schema object as it is built ("debug mode"), and the whole chart again when it
# is converted for display: building the prefecture map validated its GeoJSON twice (~130 ms a rerun).
# Once is enough — an invalid chart still fails, at conversion.
alt.utils.schemapi.disable_debug_mode()

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _content_key(value):
    """A hashable key for a builder argument; DataFrames by their content (values, index, columns, dtypes)."""
    if isinstance(value, pd.DataFrame):
        digest = hashlib.sha1(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()).hexdigest()
        return ("frame", tuple(value.columns), tuple(str(d) for d in value.dtypes), value.shape, digest)
    if isinstance(value, dict):
        return ("object", id(value))  # the prefecture shapes: one object, read once
    if isinstance(value, (list, tuple)):
        return tuple(_content_key(v) for v in value)
    hash(value)  # anything else must be hashable as it is (else the builder is simply called)
    return value


def _validated_once(chart):
    """Validate a built chart now, and let later conversions of this same object skip the schema check.

    Streamlit converts a chart with `to_dict()` on every rerun, and Altair validates the whole spec each
    time: ~10 ms a chart, ~37 ms for the prefecture map, whose coordinates are walked by the validator.
    A memoised chart never changes, so one validation is enough; an invalid chart still fails here.
    """
    if isinstance(chart, alt.TopLevelMixin):
        chart.to_dict(validate=True)
        # Set on the instance, bypassing SchemaBase.__setattr__ (which would add it to the spec).
        object.__setattr__(chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False))
    return chart


class _Memoised(Generic[_P, _R]):
    """A chart builder that gives the same chart object back for the same arguments (the last 256 of each).

    The pages rebuild the same charts on every rerun — up to 17 on the prefecture page, ~6–15 ms each
    for Altair to construct. The builders are pure and nothing modifies a chart once built, so a chart
    can be shared between reruns and sessions. ``cache_clear()`` empties it (the benchmark's cold runs).
    A class rather than a closure so that the type checker sees both the builder's signature and
    ``cache_clear``.
    """

    def __init__(self, builder: Callable[_P, _R]) -> None:
        functools.update_wrapper(self, builder)
        self._builder = builder
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            key = (_content_key(args), _content_key(tuple(sorted(kwargs.items()))))
        except TypeError:
            return self._builder(*args, **kwargs)
        with self._lock:
            chart = self._cache.get(key)
            if chart is not None:
                self._cache.move_to_end(key)
                return chart
        chart = _validated_once(self._builder(*args, **kwargs))
        with self._lock:
            self._cache[key] = chart
            while len(self._cache) > 256:
                self._cache.popitem(last=False)
        return chart

    def cache_clear(self) -> None:
        with self._lock:
            self._cache.clear()


_memoised = _Memoised


CJK_FONT = "WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"
SERIES_ORDER = ("observed", "path", "projection")
SERIES_COLOURS = {"observed": "#1f5fa8", "path": "#6b6b6b", "projection": "#d98c1f"}
SERIES_DASH = {"observed": [1, 0], "path": [6, 4], "projection": [2, 3]}
TARGET_COLOUR = "#b2182b"
GAP_COLOUR = "#eeeeee"
NO_DATA_COLOUR = "#d9d9d9"
# Legends show the line itself (colour and dash), not a filled circle that hides the dash.
LINE_LEGEND: dict[str, Any] = dict(orient="bottom", labelLimit=320, symbolType="stroke", symbolStrokeWidth=3, symbolSize=500,
                   labelFontSize=13)


def nothing_to_draw(frame: pd.DataFrame | None, column: str = "value") -> bool:
    """True when a chart of `frame` would have no observed figure to show (no rows, or `column` all missing)."""
    return frame is None or len(frame) == 0 or column not in frame.columns or not frame[column].notna().any()


def empty_note(frame: pd.DataFrame | None, lang: str = "zh", column: str = "value") -> str | None:
    """The sentence a page shows instead of a chart when there is nothing to draw; None when there is."""
    return t("chart.note.no_data", lang) if nothing_to_draw(frame, column) else None


def year_domain(*year_lists) -> list[int]:
    """Every year from the first to the last of the given years: missing years keep their place on the axis."""
    years = [int(y) for ys in year_lists for y in ys if y is not None and y == y]
    return list(range(min(years), max(years) + 1)) if years else []


def _year_axis(title: str, domain: list[int], **scale) -> alt.X:
    """Years as ordinal integers: one label per year, never a repeated or fractional year."""
    return alt.X("year:O", title=title, scale=alt.Scale(domain=domain, **scale),
                 axis=alt.Axis(labelAngle=0, labelFlush=False, labelOverlap="greedy", labelFontSize=12,
                               titleFontSize=13))


def source_note(frame: pd.DataFrame | None, lang: str = "zh") -> str:
    """The 数据来源 line of a chart: each distinct source with its years and class."""
    from .sources import classify, label

    if frame is None or "source" not in frame.columns or not frame.source.notna().any():
        return t("chart.note.source", lang, source="—")
    rows = frame[frame.source.notna()]
    urls = rows.source_url if "source_url" in rows.columns else pd.Series("", index=rows.index)
    grouped: dict[tuple[str, str], list[int]] = {}
    for year, text, url in zip(rows.year, rows.source, urls):
        grouped.setdefault((text, classify(text, url if isinstance(url, str) else "")), []).append(int(year))
    sep, colon, years_sep = ("；", "：", "、") if lang == "zh" else ("; ", ": ", ", ")
    parts = [f"{years_sep.join(str(y) for y in sorted(set(ys)))}{colon}{text}"
             + (f"（{label(code, lang)}）" if lang == "zh" else f" ({label(code, lang)})")
             for (text, code), ys in sorted(grouped.items(), key=lambda item: min(item[1]))]
    return t("chart.note.source", lang, source=sep.join(parts))


def _with_print(chart, **meta):
    """Remember what a printed chart needs beyond the view (title, unit, source note) on the chart object."""
    object.__setattr__(chart, "_print", meta)
    return chart


def _value_scale(values) -> alt.Scale:
    """Not from zero; a single value gets a margin either side (else the axis has one tick, "14.000000")."""
    finite = {float(v) for v in values if v is not None and v == v}
    if len(finite) == 1:
        (value,) = finite
        margin = abs(value) * 0.1 or 1.0
        return alt.Scale(zero=False, domain=[value - margin, value + margin])
    return alt.Scale(zero=False)


def _gap_layers(gaps: list[tuple[int, int]], x: alt.X, lang: str) -> list:
    """A light band over each stretch of missing years, labelled 数据缺失 (no line is drawn across it)."""
    if not gaps:
        return []
    label = t("chart.note.data_missing", lang)
    band = pd.DataFrame([{"year": y, "label": label} for a, b in gaps for y in range(a, b + 1)])
    middle = pd.DataFrame([{"year": (a + b) // 2, "label": label} for a, b in gaps])
    return [
        alt.Chart(band).mark_rect(color=GAP_COLOUR).encode(x=x, tooltip=alt.Tooltip("label:N", title=None)),
        alt.Chart(middle).mark_text(color="#777777", baseline="top", dy=6, fontSize=12).encode(
            x=x, y=alt.value(0), text="label:N"),
    ]


@_memoised
def build_series_chart(observed: pd.DataFrame, path: pd.DataFrame, *, target_year: int | None,
                       target_value: float | None, unit: str, lang: str = "zh", title: str = "") -> alt.LayerChart:
    """Observed annual values, the target path (dashed), the projection at the current pace and the target point.

    `observed`: columns year, value (annual levels; source, source_url for the note). `path`: columns year, value,
    series ∈ {path, projection}. Observed points are joined only between consecutive years: a stretch of missing
    years is a grey band labelled 数据缺失, never a line.
    """
    from .series import gaps, runs

    labels = {s: t(f"chart.series.{s}", lang) for s in SERIES_ORDER}
    seen = observed.dropna(subset=["value"]).sort_values("year")
    frames = [seen.assign(series="observed", run=[f"observed{r}" for r in runs(seen.year)])[
        ["year", "value", "series", "run"]]]
    if len(path):  # drawn first: the observed points lie on top where they meet the path
        frames.insert(0, path[["year", "value", "series"]].assign(run=path["series"]))
    data = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    data["year"] = data["year"].astype(int)
    data["label"] = data["series"].map(labels)
    present = [s for s in SERIES_ORDER if s in set(data.series)]  # a legend for the series drawn, only
    order = [labels[s] for s in present]
    colour = alt.Color("label:N", title=None, sort=order,
                       scale=alt.Scale(domain=order, range=[SERIES_COLOURS[s] for s in present]),
                       legend=alt.Legend(**LINE_LEGEND))
    dash = alt.StrokeDash("label:N", title=None, sort=order,
                          scale=alt.Scale(domain=order, range=[SERIES_DASH[s] for s in present]),
                          legend=alt.Legend(**LINE_LEGEND))
    value_title = f"{t('chart.value', lang)}（{unit}）" if lang == "zh" else f"{t('chart.value', lang)} ({unit})"
    # every layer carries the same x (axis included): a layer with a bare "year:O" shifts the axis labels
    x = _year_axis(t("chart.year", lang), year_domain(data.year, [target_year] if target_value is not None else []))
    lines = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(filled=True, size=60), strokeWidth=2.5).encode(
        x=x,
        y=alt.Y("value:Q", title=value_title, scale=_value_scale(list(data.value) + [target_value]),
                axis=alt.Axis(labelFontSize=12, titleFontSize=13)),
        color=colour,
        strokeDash=dash,
        detail="run:N",  # one line per unbroken run of years
        tooltip=[alt.Tooltip("label:N", title=t("chart.series_title", lang)),
                 alt.Tooltip("year:O", title=t("chart.year", lang)),
                 alt.Tooltip("value:Q", title=t("chart.value", lang), format=",.1f")],
    )
    layers = _gap_layers(gaps(seen.year), x, lang) + [lines]
    if target_year is not None and target_value is not None:
        target = pd.DataFrame({"year": [int(target_year)], "value": [float(target_value)],
                               "label": [t("chart.target", lang)]})
        point = alt.Chart(target).mark_point(shape="diamond", size=180, filled=True, color=TARGET_COLOUR).encode(
            x=x, y="value:Q",
            tooltip=[alt.Tooltip("label:N", title=t("chart.series_title", lang)),
                     alt.Tooltip("value:Q", title=t("chart.value", lang), format=",.1f")])
        # beside the diamond, right-aligned: inside the plot even at the last year, clear of the line's end
        text = alt.Chart(target).mark_text(align="right", dx=-12, dy=0, color=TARGET_COLOUR, fontWeight="bold",
                                           fontSize=13).encode(x=x, y="value:Q", text="label:N")
        layers += [point, text]
    chart = alt.layer(*layers).properties(title=title, height=340).configure(font=CJK_FONT)
    return _with_print(chart, title=title, unit=unit, source=source_note(observed, lang))


@_memoised
def build_growth_chart(rates: pd.DataFrame, *, target_rate: float | None, lang: str = "zh",
                       title: str = "") -> alt.LayerChart:
    """Official year-on-year growth by year (bars; preliminary ones lighter) against the target rate (rule).

    `rates`: columns year, yoy_pct (percent), status (source, source_url for the note). One bar per year on an
    ordinal year axis: every bar whole, every year labelled once.
    """
    data = rates[["year", "yoy_pct", "status"]].copy()
    data["year"] = data["year"].astype(int)
    data["kind"] = [t("chart.preliminary", lang) if s == "preliminary" else t("chart.official", lang)
                    for s in data["status"]]
    kinds = [t("chart.official", lang), t("chart.preliminary", lang)]
    bars = alt.Chart(data).mark_bar().encode(
        x=_year_axis(t("chart.year", lang), year_domain(data.year), paddingInner=0.35, paddingOuter=0.2),
        y=alt.Y("yoy_pct:Q", title=t("chart.growth", lang), axis=alt.Axis(labelFontSize=12, titleFontSize=13)),
        opacity=alt.Opacity("kind:N", title=None,
                            legend=alt.Legend(orient="bottom", symbolType="square", symbolSize=200, labelFontSize=13),
                            scale=alt.Scale(domain=kinds, range=[0.9, 0.45])),
        color=alt.value(SERIES_COLOURS["observed"]),
        tooltip=[alt.Tooltip("year:O", title=t("chart.year", lang)),
                 alt.Tooltip("yoy_pct:Q", title=t("chart.growth", lang), format=".1f"),
                 alt.Tooltip("kind:N", title=t("chart.series_title", lang))],
    )
    layers = [bars]
    if target_rate is not None:
        rule_data = pd.DataFrame({"rate": [float(target_rate)], "label": [t("chart.target_rate", lang, rate=target_rate)]})
        layers.append(alt.Chart(rule_data).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2).encode(y="rate:Q"))
        layers.append(alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-8, color=TARGET_COLOUR, fontSize=13).encode(
            y="rate:Q", text="label:N", x=alt.value(0)))
    chart = alt.layer(*layers).properties(title=title, height=300).configure(font=CJK_FONT)
    return _with_print(chart, title=title, unit="%", source=source_note(rates, lang))


@_memoised
def build_ytd_chart(frame: pd.DataFrame, *, lang: str = "zh", title: str = "") -> alt.LayerChart:
    """Cumulative completion of the year's path value by month against the 时序进度 line (m/12).

    `frame`: columns year, month, completion (fraction), time_share (fraction).
    """
    data = frame.copy()
    data["period"] = data["year"].astype(str) + "-" + data["month"].astype(int).map("{:02d}".format)
    base = alt.Chart(data)
    x = alt.X("period:N", title=t("chart.period", lang), sort=None, axis=alt.Axis(labelAngle=0, labelFlush=False))
    bars = base.mark_bar(color="#1f5fa8", opacity=0.85).encode(
        x=x, y=alt.Y("completion:Q", title=t("chart.completion", lang), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("period:N", title=t("chart.period", lang)),
                 alt.Tooltip("completion:Q", title=t("chart.completion", lang), format=".1%"),
                 alt.Tooltip("time_share:Q", title=t("chart.time_share", lang), format=".1%")])
    schedule = base.mark_tick(color="#b2182b", thickness=3, size=28).encode(x=x, y="time_share:Q")
    return alt.layer(bars, schedule).properties(title=title, height=260).configure(font=CJK_FONT)


# The printed chart: landscape, sized for the text width of an A4 page (about 26 × 18 cm in landscape), drawn at
# 2× so it is ≥ 1600 px wide and sharp when printed.
PRINT_WIDTH = 800
PRINT_HEIGHT = 400
PRINT_SCALE = 2.0


def _width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _wrap(text: str, width: int) -> str:
    """Break a long note into lines of about `width` columns (a CJK character takes two), at a space where one is
    near (Latin words stay whole)."""
    lines, line = [], ""
    for char in text:
        if _width(line + char) > width and line:
            cut = line.rfind(" ")
            if cut > len(line) * 2 // 3:  # a space in the last third: break there
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line)
                line = ""
        line += char
    return "\n".join(lines + [line])


def _legends_on_top(spec) -> None:
    """Every legend of the printed view above the plot: a concatenation puts bottom legends after the footnote."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "legend" and isinstance(value, dict):
                value["orient"] = "top"
            else:
                _legends_on_top(value)
    elif isinstance(spec, list):
        for item in spec:
            _legends_on_top(item)


def print_spec(chart: alt.TopLevelMixin, *, lang: str = "zh", title: str | None = None, unit: str | None = None,
               source: str | None = None) -> dict:
    """The Vega-Lite spec of the printed chart: fixed landscape size, a title with the unit beneath it, the view,
    and the 数据来源 footnote. Title, unit and source default to what the builder recorded."""
    meta = dict(getattr(chart, "_print", {}))
    title = meta.get("title", "") if title is None else title
    unit = meta.get("unit", "") if unit is None else unit
    source = meta.get("source") or t("chart.note.source", lang, source="—") if source is None else source
    view = chart.to_dict()
    top = {key: view.pop(key) for key in ("$schema", "config", "datasets") if key in view}
    view.pop("title", None)
    _legends_on_top(view)
    if not any(key in view for key in ("facet", "vconcat", "hconcat", "concat", "repeat")):
        view["width"] = PRINT_WIDTH
        view["height"] = max(view.get("height", 0) if isinstance(view.get("height"), int) else 0, PRINT_HEIGHT)
    note_text = _wrap(source, 125)
    note = {"data": {"values": [{"note": note_text}]},
            "mark": {"type": "text", "align": "left", "baseline": "top", "lineBreak": "\n", "fontSize": 12,
                     "color": "#444444", "lineHeight": 17},
            "encoding": {"text": {"field": "note", "type": "nominal"}, "x": {"value": 0}, "y": {"value": 0}},
            "width": view.get("width", PRINT_WIDTH), "height": 17 * (note_text.count("\n") + 1),
            "view": {"stroke": None}}
    heading = {"text": title or " ", "anchor": "start", "fontSize": 20, "offset": 12}
    if unit:
        heading["subtitle"] = t("chart.note.unit", lang, unit=unit)
        heading["subtitleFontSize"] = 13
    return {**top, "title": heading, "padding": 24, "spacing": 18, "background": "white",
            "vconcat": [view, note]}


def chart_png(chart: alt.TopLevelMixin, scale: float = PRINT_SCALE, lang: str = "zh", **print_options) -> bytes:
    """The printed chart (print_spec) rendered on the server with vl-convert; Chinese number and time formats
    for zh. `print_options`: title, unit, source, overriding what the builder recorded."""
    import vl_convert as vlc

    locale: Literal["zh-CN", "en-US"] = "zh-CN" if lang == "zh" else "en-US"
    return vlc.vegalite_to_png(print_spec(chart, lang=lang, **print_options), scale=scale, format_locale=locale,
                               time_format_locale=locale, allowed_base_urls=[])


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from a PNG's IHDR header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@_memoised
def build_bullet_chart(table: pd.DataFrame, *, measure_title: str, yardstick: float | None, yardstick_label: str = "",
                       lang: str = "zh", ascending: bool = False, value_format: str = ",.1f") -> alt.LayerChart:
    """One row per region, sorted by the measure: a bar coloured by whether it meets the yardstick, and the
    yardstick as a dashed rule. `table`: columns name, measure (missing rows are left out of the bars)."""
    data = table.dropna(subset=["measure"]).copy()
    meets = t("chart.meets", lang)
    below = t("chart.below", lang)
    if yardstick is not None:
        ok = data.measure <= yardstick if ascending else data.measure >= yardstick
        data["against"] = [meets if flag else below for flag in ok]
        color: Any = alt.Color("against:N", title=None, scale=alt.Scale(domain=[meets, below], range=["#1f5fa8", "#d98c1f"]),
                          legend=alt.Legend(orient="bottom", symbolType="square", symbolSize=200, labelFontSize=13))
    else:  # no yardstick for this measure: one colour, no yardstick words
        color = alt.value("#1f5fa8")
    order = data.sort_values("measure", ascending=ascending).name.tolist()
    bars = alt.Chart(data).mark_bar(height=14).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("measure:Q", title=measure_title),
        color=color,
        tooltip=[alt.Tooltip("name:N", title=t("chart.region", lang)),
                 alt.Tooltip("measure:Q", title=measure_title, format=value_format)],
    )
    layers = [bars]
    if yardstick is not None:
        rule = pd.DataFrame({"x": [float(yardstick)], "label": [yardstick_label]})
        layers.append(alt.Chart(rule).mark_rule(color="#b2182b", strokeDash=[6, 4], strokeWidth=2).encode(x="x:Q"))
        layers.append(alt.Chart(rule).mark_text(color="#b2182b", align="left", dx=4, dy=-6, baseline="bottom").encode(
            x="x:Q", text="label:N", y=alt.value(0)))
    # Room for every row plus the legend: with autosize "fit" a too-short chart drops discrete bands.
    return alt.layer(*layers).properties(height=max(160, 28 * len(order) + 60)).configure(font=CJK_FONT)


@_memoised
def build_choropleth(geojson: dict, values: pd.DataFrame, *, measure_title: str, lang: str = "zh",
                     title: str = "", value_format: str = ",.1f", selectable: bool = False) -> alt.Chart:
    """Prefectures coloured by the measure, with tooltips; regions without data in grey.

    `values`: columns adcode, name, measure. The GeoJSON's exterior rings are clockwise, as Vega expects.
    """
    lookup = values[["adcode", "name", "measure"]].copy()
    lookup["measure"] = lookup["measure"].astype(float)
    base = alt.Chart(alt.Data(values=_Opaque(geojson), format=alt.DataFormat(property="features"))).transform_lookup(
        lookup="properties.adcode", from_=alt.LookupData(lookup, "adcode", ["name", "measure"]))
    # Regions without a value are drawn grey (the scale's colour for invalid values), not dropped from the map.
    colour = alt.Color("measure:Q", title=measure_title, scale=alt.Scale(scheme="blues"),
                       legend=alt.Legend(orient="bottom", direction="horizontal", format=legend_format(lookup["measure"]),
                                         tickCount=4, gradientLength=300, labelOverlap="greedy", labelFontSize=12,
                                         titleLimit=400, labelLimit=120))
    chart = base.mark_geoshape(stroke="white", strokeWidth=1, invalid="show").encode(
        color=colour,
        tooltip=[alt.Tooltip("name:N", title=t("chart.region", lang)),
                 alt.Tooltip("measure:Q", title=measure_title, format=value_format)],
    )
    if selectable:
        # Select on a flat field: a nested one ("properties.adcode") comes back from Streamlit's event under the
        # escaped key "properties\\.adcode", which the page did not find, so a click focused nothing.
        pick = alt.selection_point(name="region_pick", fields=["adcode"], on="click")
        chart = chart.transform_calculate(adcode="datum.properties.adcode").add_params(pick)
    return chart.project(type="mercator").properties(title=title, height=460).configure(font=CJK_FONT).configure_scale(
        invalid={"color": {"value": NO_DATA_COLOUR}})


def legend_format(values) -> str:
    """A d3 format for a colour legend's few labels: whole numbers with separators for large values (30,000, not
    "30,000.0" cut to "000.0"), one decimal for small ones (rates)."""
    finite = pd.Series(values, dtype=float).dropna()
    if finite.empty:
        return ",.1f"
    top = finite.abs().max()
    return ",.0f" if top >= 100 else ".1f" if top >= 1 else ".2f"


class _Opaque:
    """Inline chart data that Altair passes through as it is (its `SchemaLike` protocol).

    Altair walks a nested dict element by element when it converts a chart, and validates it again:
    for the prefecture shapes (~115 KB of coordinates) that was ~250 ms on every rerun of the page.
    The spec that reaches the browser is the same. `str()` (Altair names the dataset by it) is the
    compact JSON, computed once.
    """

    _schema = {"type": "object"}

    def __init__(self, value: dict):
        self.value = value
        self._text: str | None = None

    def to_dict(self, *args, **kwargs) -> dict:
        return self.value

    def __str__(self) -> str:
        if self._text is None:
            self._text = json.dumps(self.value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return self._text


def _with_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """A `run` column: per name, the unbroken run of years its period label `x` (YYYY or YYYY-MM) belongs to."""
    from .series import runs

    if frame.empty:
        return frame.assign(run=pd.Series(dtype=object))
    years = pd.to_numeric(frame["x"].astype(str).str[:4], errors="coerce")
    out = frame.assign(_year=years).sort_values(["name", "x"], kind="stable")
    labels = []
    for name, group in out.groupby("name", sort=False):
        if group._year.isna().any():  # not years: one line per name, as before
            labels += [f"{name}#0"] * len(group)
        else:
            labels += [f"{name}#{r}" for r in runs(group._year.astype(int))]
    return out.assign(run=labels).drop(columns="_year").reset_index(drop=True)


@_memoised
def build_small_multiples(series: pd.DataFrame, *, order: list[str], shared_scale: bool = False,
                          yardstick: float | None = None, columns: int = 4, width: int = 200,
                          height: int = 110) -> alt.FacetChart:
    """A grid of fixed-size mini charts, one per region, in one chart (one spec and one dataset to draw).

    `series`: columns name, x (str period label), value; `order`: the panels' names in reading order.
    With `shared_scale` every panel has the same y axis; otherwise each its own.
    """
    series = _with_runs(series)
    line = alt.Chart().mark_line(point=True, color=SERIES_COLOURS["observed"]).encode(
        # periods in time order whatever the order of the rows (a panel missing early years once put 2015 last)
        x=alt.X("x:N", title=None, sort="ascending", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        detail="run:N",  # no line across a missing year
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("name:N", title=None), alt.Tooltip("x:N", title=None),
                 alt.Tooltip("value:Q", title=None, format=",.1f")])
    layers = [line]
    if yardstick is not None:
        layers.append(alt.Chart().mark_rule(color="#b2182b", strokeDash=[4, 3]).encode(y=alt.datum(float(yardstick))))
    grid = alt.layer(*layers, data=series).properties(width=width, height=height).facet(
        facet=alt.Facet("name:N", title=None, sort=order, header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=columns)
    if not shared_scale:
        grid = grid.resolve_scale(y="independent")
    return grid.configure(font=CJK_FONT)


@_memoised
def build_comparison_chart(frame: pd.DataFrame, *, measure_title: str, yardstick: float | None = None,
                           yardstick_label: str = "", lang: str = "zh") -> alt.LayerChart:
    """Two (or more) regions' series side by side, against the yardstick. `frame`: columns x, value, name."""
    lines = alt.Chart(_with_runs(frame)).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("x:N", title=t("chart.period", lang), sort="ascending", axis=alt.Axis(labelAngle=0)),
        detail="run:N",
        y=alt.Y("value:Q", title=measure_title, scale=alt.Scale(zero=False)),
        color=alt.Color("name:N", title=None, legend=alt.Legend(**LINE_LEGEND)),
        tooltip=[alt.Tooltip("name:N", title=t("chart.region", lang)), alt.Tooltip("x:N", title=t("chart.period", lang)),
                 alt.Tooltip("value:Q", title=measure_title, format=",.2f")])
    layers = [lines]
    if yardstick is not None:
        rule = pd.DataFrame({"y": [float(yardstick)], "label": [yardstick_label]})
        layers.append(alt.Chart(rule).mark_rule(color="#b2182b", strokeDash=[6, 4]).encode(y="y:Q"))
        layers.append(alt.Chart(rule).mark_text(color="#b2182b", align="left", dx=4, dy=-6).encode(
            y="y:Q", text="label:N", x=alt.value(0)))
    return alt.layer(*layers).properties(height=300).configure(font=CJK_FONT)
