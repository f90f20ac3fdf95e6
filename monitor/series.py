"""Chart-ready frames derived from observations and an assessment (pure pandas, no UI)."""

from __future__ import annotations

import pandas as pd

from .assess import parse_as_of


def select(observations: pd.DataFrame, indicator_id: str, region_code: str) -> pd.DataFrame:
    mask = (observations.indicator_id == indicator_id) & (observations.region_code == region_code)
    return observations[mask].sort_values(["year", "month", "period_type"])


def up_to(frame: pd.DataFrame, as_of: str | None) -> pd.DataFrame:
    """The rows of `frame` (columns year, month; annual rows have month 12) for periods up to `as_of`
    ('YYYY' = up to its December, 'YYYY-MM'; None = all), with the engine's reading of the cut-off."""
    cutoff = parse_as_of(as_of)
    if cutoff is None:
        return frame
    return frame[frame.year * 12 + frame.month <= cutoff]

def _provenance(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("source", "source_url") if c in frame.columns]


def annual_levels(series: pd.DataFrame) -> pd.DataFrame:
    """Annual rows that carry a level: columns year (int), value, and source, source_url where the series has them
    (the chart's 数据来源 note)."""
    annual = series[(series.period_type == "annual") & series.value.notna()]
    return annual[["year", "value"] + _provenance(annual)].astype({"year": int}).reset_index(drop=True)


def growth_rates(series: pd.DataFrame) -> pd.DataFrame:
    """Official year-on-year rates, annual and year-to-date: columns period, period_type, year, month, yoy_pct,
    status (and source, source_url where the series has them)."""
    rates = series[series.yoy_pct.notna()]
    return rates[["period", "period_type", "year", "month", "yoy_pct", "status"] + _provenance(rates)].reset_index(
        drop=True)


def runs(years) -> list[int]:
    """For sorted years, the number of the unbroken run each belongs to: a line is drawn within a run only, never
    across a missing year (2020, 2021, 2024 → 0, 0, 1)."""
    numbers, run, previous = [], 0, None
    for year in years:
        if previous is not None and int(year) - previous > 1:
            run += 1
        numbers.append(run)
        previous = int(year)
    return numbers


def gaps(years) -> list[tuple[int, int]]:
    """The missing stretches between observed years, as (first missing, last missing): 2018, 2024 → [(2019, 2023)]."""
    observed = sorted({int(y) for y in years})
    return [(a + 1, b - 1) for a, b in zip(observed, observed[1:]) if b - a > 1]


def ytd_completion(series: pd.DataFrame, path: pd.DataFrame) -> pd.DataFrame:
    """Year-to-date value as a share of that year's value on the target path, against m/12.

    The officials' 时序进度 reading: by end-June a year on schedule has done about half its annual value.
    `path`: the target path (columns year, value, series) from assess.target_path.
    """
    ytd = series[(series.period_type == "ytd") & series.value.notna()]
    on_path = (path[path.series == "path"][["year", "value"]].rename(columns={"value": "path_value"})
               if len(path) else None)
    if on_path is None or ytd.empty:
        return pd.DataFrame(columns=["year", "month", "value", "path_value", "completion", "time_share"])
    frame = ytd[["year", "month", "value"]].merge(on_path, on="year", how="inner")
    frame["completion"] = frame.value / frame.path_value
    frame["time_share"] = frame.month / 12.0
    return frame.reset_index(drop=True)
