"""Comparing regions: measures, rankings with ties and missing data, rank changes, contributions.

Pure, vectorised pandas over the observations frame (one row per indicator, region, period); the
prefecture page and its tests call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("level", "growth", "share", "per_capita", "contribution")
POPULATION_INDICATOR = "population"


def measure_table(observations: pd.DataFrame, indicator_id: str, period_type: str, regions: list[str], parent: str,
                  measure: str, periods: list[str] | None = None) -> pd.DataFrame:
    """The measure for every (period, region) of `regions` — one row each, NaN where it cannot be computed.

    level        = the value
    growth       = the official year-on-year rate (%)
    share        = value / parent value (%)
    per_capita   = value (亿元) / population (万人) → 元 per person; population of the same year
    contribution = the region's increase over the parent's level a year earlier, in percentage points
                   of the parent's growth: (v − v/(1+g)) / (P/(1+G)) × 100, with official rates g, G
                   (comparable basis), so the contributions of all regions add up to about G.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    rows = observations[(observations.indicator_id == indicator_id) & (observations.period_type == period_type)]
    if periods is not None:
        rows = rows[rows.period.isin(periods)]
    all_periods = sorted(rows.period.unique()) if periods is None else list(periods)
    grid = pd.MultiIndex.from_product([all_periods, regions], names=["period", "region_code"]).to_frame(index=False)
    keyed = rows.set_index(["period", "region_code"])[["value", "yoy_pct"]]
    frame = grid.join(keyed, on=["period", "region_code"])
    parent_rows = rows[rows.region_code == parent].set_index("period")
    parent_value = frame.period.map(parent_rows.value)
    parent_yoy = frame.period.map(parent_rows.yoy_pct)
    if measure == "level":
        frame["measure"] = frame.value
    elif measure == "growth":
        frame["measure"] = frame.yoy_pct
    elif measure == "share":
        frame["measure"] = frame.value / parent_value * 100
    elif measure == "per_capita":
        pop = observations[(observations.indicator_id == POPULATION_INDICATOR) & (observations.period_type == "annual")]
        population = pop.set_index(["period", "region_code"]).value
        keys = pd.MultiIndex.from_arrays([frame.period.str[:4], frame.region_code])
        frame["measure"] = frame.value.to_numpy() * 1e4 / population.reindex(keys).to_numpy()  # 亿元/万人 → 元/人
    else:
        parent_previous = parent_value / (1 + parent_yoy / 100)
        previous = frame.value / (1 + frame.yoy_pct / 100)
        frame["measure"] = (frame.value - previous) / parent_previous * 100
    return frame


def rank(values: pd.Series, ascending: bool = False) -> pd.Series:
    """Competition ranking (1, 2, 2, 4): ties share the best rank; missing values get no rank."""
    return values.rank(method="min", ascending=ascending, na_option="keep").astype("Int64")


def rank_history(table: pd.DataFrame, ascending: bool = False) -> pd.DataFrame:
    """Rank of each region within each period of a measure_table."""
    out = table.copy()
    ranks = out.groupby("period").measure.rank(method="min", ascending=ascending, na_option="keep")
    out["rank"] = ranks.astype("Int64")
    return out


def previous_period(observations: pd.DataFrame, indicator_id: str, period: str, period_type: str) -> str | None:
    """The period of the same type just before `period` that has data for the indicator."""
    same = observations[(observations.indicator_id == indicator_id) & (observations.period_type == period_type)]
    earlier = sorted(p for p in same.period.unique() if p < period)
    return earlier[-1] if earlier else None


def ranking(observations: pd.DataFrame, indicator_id: str, period: str, period_type: str, regions: list[str],
            parent: str, measure: str, *, ascending: bool = False, yardstick: float | None = None) -> pd.DataFrame:
    """Ranking table: value, yoy, measure, rank, previous rank, change of rank, gap to the yardstick.

    Regions without data stay in the table with an empty measure, ranked last (rank missing) and
    flagged, never shown as zero. `ascending=True` ranks the smallest first (indicators where lower
    is better). Rank change is positive when a region moved up.
    """
    before = previous_period(observations, indicator_id, period, period_type)
    wanted = [period] + ([before] if before else [])
    table = rank_history(measure_table(observations, indicator_id, period_type, regions, parent, measure, wanted),
                         ascending=ascending)
    frame = table[table.period == period].drop(columns="period").reset_index(drop=True)
    if before is not None:
        previous = table[table.period == before].set_index("region_code")["rank"]
        frame["previous_rank"] = frame.region_code.map(previous).astype("Int64")
    else:
        frame["previous_rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["rank_change"] = frame.previous_rank - frame["rank"]
    frame["previous_period"] = before
    frame["gap_to_yardstick"] = frame.measure - yardstick if yardstick is not None else np.nan
    frame["missing"] = frame.measure.isna()
    order = frame.sort_values(["missing", "rank", "region_code"], na_position="last")
    return order.reset_index(drop=True)


def available_periods(observations: pd.DataFrame, indicator_id: str, regions: list[str]) -> pd.DataFrame:
    """Annual and year-to-date periods with data for any of `regions`, newest first, with how many regions have data."""
    rows = observations[(observations.indicator_id == indicator_id) & observations.region_code.isin(regions)
                        & observations.period_type.isin(["annual", "ytd"])]
    counts = rows.groupby(["period", "period_type", "year", "month"]).region_code.nunique().rename("regions")
    return counts.reset_index().sort_values(["year", "month", "period_type"], ascending=[False, False, True])
