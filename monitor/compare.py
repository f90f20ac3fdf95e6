"""Comparing regions: measures, rankings with ties and missing data, rank changes, contributions.

Pure pandas over the observations frame (one row per indicator, region, period); the prefecture
page and the CLI call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("level", "growth", "share", "per_capita", "contribution")
POPULATION_INDICATOR = "population"


def period_rows(observations: pd.DataFrame, indicator_id: str, period: str, period_type: str) -> pd.DataFrame:
    mask = ((observations.indicator_id == indicator_id) & (observations.period == period)
            & (observations.period_type == period_type))
    return observations[mask]


def previous_period(observations: pd.DataFrame, indicator_id: str, period: str, period_type: str) -> str | None:
    """The period of the same type just before `period` that has data for the indicator."""
    same = observations[(observations.indicator_id == indicator_id) & (observations.period_type == period_type)]
    earlier = sorted({p for p in same.period.unique() if p < period})
    return earlier[-1] if earlier else None


def measure_values(observations: pd.DataFrame, indicator_id: str, period: str, period_type: str,
                   regions: list[str], parent: str, measure: str) -> pd.DataFrame:
    """One row per region in `regions`: value, yoy_pct and the chosen measure (NaN where it cannot be computed).

    share        = value / parent value (percent)
    per_capita   = value (亿元) / population (万人) → 元 per person; population from the same year
    contribution = the region's increase over the parent's level a year earlier, in percentage points
                   of the parent's growth: (v − v/(1+g)) / (P/(1+G)) × 100, with official rates g, G
                   (comparable basis), so the contributions of all regions add up to about G.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    rows = period_rows(observations, indicator_id, period, period_type).set_index("region_code")
    frame = pd.DataFrame({"region_code": regions})
    frame["value"] = frame.region_code.map(rows.value)
    frame["yoy_pct"] = frame.region_code.map(rows.yoy_pct)
    parent_value = rows.value.get(parent, np.nan)
    parent_yoy = rows.yoy_pct.get(parent, np.nan)
    if measure == "level":
        frame["measure"] = frame.value
    elif measure == "growth":
        frame["measure"] = frame.yoy_pct
    elif measure == "share":
        frame["measure"] = frame.value / parent_value * 100
    elif measure == "per_capita":
        year = period[:4]
        pop = observations[(observations.indicator_id == POPULATION_INDICATOR) & (observations.period == year)]
        population = frame.region_code.map(pop.set_index("region_code").value)
        frame["measure"] = frame.value * 1e4 / population  # 亿元 / 万人 → 元 per person
    else:
        parent_previous = parent_value / (1 + parent_yoy / 100)
        previous = frame.value / (1 + frame.yoy_pct / 100)
        frame["measure"] = (frame.value - previous) / parent_previous * 100
    return frame


def rank(frame: pd.DataFrame, column: str = "measure", ascending: bool = False) -> pd.Series:
    """Competition ranking (1, 2, 2, 4): ties share the best rank; missing values get no rank."""
    return frame[column].rank(method="min", ascending=ascending, na_option="keep").astype("Int64")


def ranking(observations: pd.DataFrame, indicator_id: str, period: str, period_type: str, regions: list[str],
            parent: str, measure: str, *, ascending: bool = False, yardstick: float | None = None) -> pd.DataFrame:
    """Ranking table: value, yoy, measure, rank, previous rank, change of rank, gap to the yardstick.

    Regions without data stay in the table with an empty measure, ranked last (rank missing) and
    flagged, never shown as zero. `ascending=True` ranks the smallest first (indicators where lower
    is better). Rank change is positive when a region moved up.
    """
    frame = measure_values(observations, indicator_id, period, period_type, regions, parent, measure)
    frame["rank"] = rank(frame, ascending=ascending)
    before = previous_period(observations, indicator_id, period, period_type)
    if before is not None:
        prev = measure_values(observations, indicator_id, before, period_type, regions, parent, measure)
        frame["previous_rank"] = rank(prev, ascending=ascending).values
    else:
        frame["previous_rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["rank_change"] = frame.previous_rank - frame["rank"]
    frame["previous_period"] = before
    frame["gap_to_yardstick"] = frame.measure - yardstick if yardstick is not None else np.nan
    frame["missing"] = frame.measure.isna()
    order = frame.sort_values(["missing", "rank", "region_code"], na_position="last")
    return order.reset_index(drop=True)


def available_periods(observations: pd.DataFrame, indicator_id: str, regions: list[str]) -> pd.DataFrame:
    """Periods with data for any of `regions`, newest first, with how many regions have data."""
    rows = observations[(observations.indicator_id == indicator_id) & observations.region_code.isin(regions)]
    counts = rows.groupby(["period", "period_type", "year", "month"]).region_code.nunique().rename("regions")
    return counts.reset_index().sort_values(["year", "month", "period_type"], ascending=[False, False, True])
