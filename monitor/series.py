"""Chart-ready frames derived from observations and an assessment (pure pandas, no UI)."""

from __future__ import annotations

import pandas as pd


def select(observations: pd.DataFrame, indicator_id: str, region_code: str) -> pd.DataFrame:
    mask = (observations.indicator_id == indicator_id) & (observations.region_code == region_code)
    return observations[mask].sort_values(["year", "month", "period_type"])


def annual_levels(series: pd.DataFrame) -> pd.DataFrame:
    """Annual rows that carry a level: columns year, value."""
    annual = series[(series.period_type == "annual") & series.value.notna()]
    return annual[["year", "value"]].reset_index(drop=True)


def growth_rates(series: pd.DataFrame) -> pd.DataFrame:
    """Official year-on-year rates, annual and year-to-date: columns period, period_type, year, month, yoy_pct."""
    rates = series[series.yoy_pct.notna()]
    return rates[["period", "period_type", "year", "month", "yoy_pct", "status"]].reset_index(drop=True)


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
