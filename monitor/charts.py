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
from typing import Callable, Generic, Literal, ParamSpec, TypeVar

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


def _year_axis(title: str) -> alt.X:
    return alt.X("year:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1),
                 scale=alt.Scale(nice=False, zero=False))


@_memoised
def build_series_chart(observed: pd.DataFrame, path: pd.DataFrame, *, target_year: int | None,
                       target_value: float | None, unit: str, lang: str = "zh", title: str = "") -> alt.LayerChart:
    """Observed annual values, the target path (dashed), the projection at the current pace and the target point.

    `observed`: columns year, value (annual levels). `path`: columns year, value, series ∈ {path, projection}.
    """
    labels = {s: t(f"chart.series.{s}", lang) for s in SERIES_ORDER}
    frames = [observed.assign(series="observed")[["year", "value", "series"]]]
    if len(path):
        frames.append(path[["year", "value", "series"]])
    data = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    data["year"] = data["year"].astype(int)
    data["label"] = data["series"].map(labels)
    order = [labels[s] for s in SERIES_ORDER]
    colour = alt.Color("label:N", title=None, sort=order,
                       scale=alt.Scale(domain=order, range=[SERIES_COLOURS[s] for s in SERIES_ORDER]),
                       legend=alt.Legend(orient="bottom", labelLimit=320))
    dash = alt.StrokeDash("label:N", title=None, sort=order,
                          scale=alt.Scale(domain=order, range=[SERIES_DASH[s] for s in SERIES_ORDER]),
                          legend=alt.Legend(orient="bottom", labelLimit=320))
    value_title = f"{t('chart.value', lang)}（{unit}）" if lang == "zh" else f"{t('chart.value', lang)} ({unit})"
    lines = alt.Chart(data).mark_line(point=True, strokeWidth=2).encode(
        x=_year_axis(t("chart.year", lang)),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False)),
        color=colour,
        strokeDash=dash,
        tooltip=[alt.Tooltip("label:N", title=t("chart.series_title", lang)),
                 alt.Tooltip("year:Q", title=t("chart.year", lang), format="d"),
                 alt.Tooltip("value:Q", title=t("chart.value", lang), format=",.1f")],
    )
    layers = [lines]
    if target_year is not None and target_value is not None:
        target = pd.DataFrame({"year": [int(target_year)], "value": [float(target_value)],
                               "label": [t("chart.target", lang)]})
        point = alt.Chart(target).mark_point(shape="diamond", size=180, filled=True, color="#b2182b").encode(
            x="year:Q", y="value:Q",
            tooltip=[alt.Tooltip("label:N", title=t("chart.series_title", lang)),
                     alt.Tooltip("value:Q", title=t("chart.value", lang), format=",.1f")])
        text = alt.Chart(target).mark_text(dy=-14, color="#b2182b", fontWeight="bold").encode(
            x="year:Q", y="value:Q", text="label:N")
        layers += [point, text]
    return alt.layer(*layers).properties(title=title, height=340).configure(font=CJK_FONT)


@_memoised
def build_growth_chart(rates: pd.DataFrame, *, target_rate: float | None, lang: str = "zh",
                       title: str = "") -> alt.LayerChart:
    """Official year-on-year growth by year (bars; preliminary ones lighter) against the target rate (rule).

    `rates`: columns year, yoy_pct (percent), status.
    """
    data = rates[["year", "yoy_pct", "status"]].copy()
    data["year"] = data["year"].astype(int)
    data["kind"] = [t("chart.preliminary", lang) if s == "preliminary" else t("chart.official", lang)
                    for s in data["status"]]
    bars = alt.Chart(data).mark_bar(size=28).encode(
        x=_year_axis(t("chart.year", lang)),
        y=alt.Y("yoy_pct:Q", title=t("chart.growth", lang)),
        opacity=alt.Opacity("kind:N", title=None, legend=alt.Legend(orient="bottom"),
                            scale=alt.Scale(domain=[t("chart.official", lang), t("chart.preliminary", lang)],
                                            range=[0.9, 0.45])),
        color=alt.value(SERIES_COLOURS["observed"]),
        tooltip=[alt.Tooltip("year:Q", title=t("chart.year", lang), format="d"),
                 alt.Tooltip("yoy_pct:Q", title=t("chart.growth", lang), format=".1f"),
                 alt.Tooltip("kind:N", title=t("chart.series_title", lang))],
    )
    layers = [bars]
    if target_rate is not None:
        rule_data = pd.DataFrame({"rate": [float(target_rate)],
                                  "label": [t("chart.target_rate", lang, rate=target_rate)]})
        layers.append(alt.Chart(rule_data).mark_rule(color="#b2182b", strokeDash=[6, 4], strokeWidth=2)
                      .encode(y="rate:Q"))
        layers.append(alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-8, color="#b2182b").encode(
            y="rate:Q", text="label:N", x=alt.value(0)))
    return alt.layer(*layers).properties(title=title, height=300).configure(font=CJK_FONT)


@_memoised
def build_ytd_chart(frame: pd.DataFrame, *, lang: str = "zh", title: str = "") -> alt.LayerChart:
    """Cumulative completion of the year's path value by month against the 时序进度 line (m/12).

    `frame`: columns year, month, completion (fraction), time_share (fraction).
    """
    data = frame.copy()
    data["period"] = data["year"].astype(str) + "-" + data["month"].astype(int).map("{:02d}".format)
    base = alt.Chart(data)
    x = alt.X("period:N", title=t("chart.period", lang), sort=None)
    bars = base.mark_bar(color="#1f5fa8", opacity=0.85).encode(
        x=x, y=alt.Y("completion:Q", title=t("chart.completion", lang), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("period:N", title=t("chart.period", lang)),
                 alt.Tooltip("completion:Q", title=t("chart.completion", lang), format=".1%"),
                 alt.Tooltip("time_share:Q", title=t("chart.time_share", lang), format=".1%")])
    schedule = base.mark_tick(color="#b2182b", thickness=3, size=28).encode(x=x, y="time_share:Q")
    return alt.layer(bars, schedule).properties(title=title, height=260).configure(font=CJK_FONT)


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0, lang: str = "zh") -> bytes:
    """Render on the server with vl-convert; Chinese number and time formats for zh."""
    import vl_convert as vlc

    locale: Literal["zh-CN", "en-US"] = "zh-CN" if lang == "zh" else "en-US"
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale, format_locale=locale, time_format_locale=locale,
                               allowed_base_urls=[])


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
    else:
        data["against"] = meets
    order = data.sort_values("measure", ascending=ascending).name.tolist()
    bars = alt.Chart(data).mark_bar(height=14).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("measure:Q", title=measure_title),
        color=alt.Color("against:N", title=None, scale=alt.Scale(domain=[meets, below], range=["#1f5fa8", "#d98c1f"]),
                        legend=alt.Legend(orient="bottom")),
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
    colour = alt.condition("isValid(datum.measure)",
                           alt.Color("measure:Q", title=measure_title, scale=alt.Scale(scheme="blues"),
                                     legend=alt.Legend(orient="bottom", format=value_format)),
                           alt.value("#d9d9d9"))
    chart = base.mark_geoshape(stroke="white", strokeWidth=1).encode(
        color=colour,
        tooltip=[alt.Tooltip("name:N", title=t("chart.region", lang)),
                 alt.Tooltip("measure:Q", title=measure_title, format=value_format)],
    )
    if selectable:
        pick = alt.selection_point(name="region_pick", fields=["properties.adcode"], on="click")
        chart = chart.add_params(pick)
    return chart.project(type="mercator").properties(title=title, height=460).configure(font=CJK_FONT)


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


@_memoised
def build_small_multiples(series: pd.DataFrame, *, order: list[str], shared_scale: bool = False,
                          yardstick: float | None = None, columns: int = 4, width: int = 200,
                          height: int = 110) -> alt.FacetChart:
    """A grid of fixed-size mini charts, one per region, in one chart (one spec and one dataset to draw).

    `series`: columns name, x (str period label), value; `order`: the panels' names in reading order.
    With `shared_scale` every panel has the same y axis; otherwise each its own.
    """
    line = alt.Chart().mark_line(point=True, color=SERIES_COLOURS["observed"]).encode(
        x=alt.X("x:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
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
    lines = alt.Chart(frame).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("x:N", title=t("chart.period", lang), sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=measure_title, scale=alt.Scale(zero=False)),
        color=alt.Color("name:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("name:N", title=t("chart.region", lang)),
                 alt.Tooltip("x:N", title=t("chart.period", lang)),
                 alt.Tooltip("value:Q", title=measure_title, format=",.2f")])
    layers = [lines]
    if yardstick is not None:
        rule = pd.DataFrame({"y": [float(yardstick)], "label": [yardstick_label]})
        layers.append(alt.Chart(rule).mark_rule(color="#b2182b", strokeDash=[6, 4]).encode(y="y:Q"))
        layers.append(alt.Chart(rule).mark_text(color="#b2182b", align="left", dx=4, dy=-6).encode(
            y="y:Q", text="label:N", x=alt.value(0)))
    return alt.layer(*layers).properties(height=300).configure(font=CJK_FONT)
