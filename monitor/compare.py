"""Comparing regions: measures, rankings with ties and missing data, rank changes, contributions, and
the rules the prefecture page applies — which indicators and measures it offers, which way a ranking
sorts, the yardstick a measure is read against and which provincial target gives a region's status.

Pure, vectorised pandas over the observations frame (one row per indicator, region, period) and the
registry's targets frame; the prefecture page and its tests call these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import PROVINCE_CODE
from .formatting import is_missing
from .i18n import t
from .target_kinds import KINDS, kind_of

MEASURES = ("level", "growth", "share", "per_capita", "contribution")
POPULATION_INDICATOR = "population"
# The unit of each measure; None: the indicator's own unit (the level is the value).
MEASURE_UNITS = {"level": None, "growth": "%", "share": "%", "per_capita": "元/人", "contribution": "个百分点"}
COMPARABLE_KINDS = ("flow", "stock", "ratio")  # indicator kinds a ranking of regions means something for
PREFERRED_INDICATORS = ("retail_sales", "online_retail", "gdp", "trade_total")  # listed first, in this order


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


# --------------------------------------------------------------------------- the prefecture page's rules

def comparable_indicators(indicators: pd.DataFrame) -> list[str]:
    """Indicator ids a ranking of regions is offered for: flows, stocks and ratios published as such (not
    sums of components), the preferred ones first, then the others in the frame's order."""
    candidates = [row.id for row in indicators.itertuples(index=False)
                  if row.kind in COMPARABLE_KINDS and not isinstance(row.components, (list, tuple, np.ndarray))]
    preferred = [i for i in PREFERRED_INDICATORS if i in candidates]
    return preferred + [i for i in candidates if i not in preferred]


def measures_for(indicator_kind: str) -> list[str]:
    """The measures offered for an indicator: a ratio has no share, per-capita value or contribution."""
    return ["level", "growth"] if indicator_kind == "ratio" else list(MEASURES)


def default_measure(measures: list[str]) -> str:
    return "growth" if "growth" in measures else measures[0]


def measure_unit(measure: str, indicator_unit: str) -> str:
    """The unit a measure is shown in: the indicator's own for the level, else the measure's."""
    return MEASURE_UNITS[measure] or indicator_unit


def ranks_ascending(direction: str | None, measure: str) -> bool:
    """Whether the smallest ranks first: for an indicator where lower is better (direction "decrease"), on
    the measures that are amounts of it (level, share, per capita). Growth and contribution always rank the
    largest first: a falling cost still ranks by how fast it falls, read against its own yardstick."""
    return direction == "decrease" and measure in ("level", "share", "per_capita")


def default_period(periods: pd.DataFrame, last_plan_year: int | None = None) -> str:
    """The period the page opens on: the newest of those with data for the most regions, within the plan's years
    when any are (a 2025 figure is not what a 2021–2023 plan is judged on); `periods` as from available_periods,
    newest first."""
    if last_plan_year is not None:
        within = periods[periods.period.str[:4].astype(int) <= last_plan_year]
        if len(within):
            periods = within
    return periods[periods.regions == periods.regions.max()].period.iloc[0]


def last_plan_year(indicator_id: str, targets: pd.DataFrame) -> int | None:
    """The last target year of the indicator's targets (None without one)."""
    years = pd.to_numeric(targets[targets.indicator_id == indicator_id].target_period.astype(str).str[:4],
                          errors="coerce").dropna()
    return int(years.max()) if len(years) else None


@dataclass(frozen=True)
class Yardstick:
    """The line a measure is read against: the plan's growth target, or the province's own growth."""

    value: float
    source: str  # "target" (the plan's rate) or "province" (the province's growth in the period)

    def label(self, lang: str) -> str:
        rate = f"{self.value:g}" if self.source == "target" else f"{self.value:.1f}"
        return t(f"prefectures.yardstick_{self.source}", lang, rate=rate)


def yardstick(measure: str, indicator_id: str, targets: pd.DataFrame, province_row: dict | None,
              province: str = PROVINCE_CODE) -> Yardstick | None:
    """The yardstick of a measure: for growth, the province's growth target for the indicator (a target
    read against a rate), else the province's own growth in the period (`province_row`: its observation,
    with yoy_pct); no yardstick for the other measures or without either."""
    if measure != "growth":
        return None
    mine = targets[(targets.indicator_id == indicator_id) & (targets.region_code == province)]
    growth = mine[[kind_of(k).is_growth for k in mine.target_type]]
    if len(growth):
        return Yardstick(float(growth.target_value.iloc[0]), "target")
    if province_row is not None and not is_missing(province_row.get("yoy_pct")):
        return Yardstick(float(province_row["yoy_pct"]), "province")
    return None


def status_target(indicator_id: str, measure: str, targets: pd.DataFrame,
                  province: str = PROVINCE_CODE) -> str | None:
    """The provincial target whose assessment gives the ranking's status column, or None.

    Only kinds that can be a region's yardstick count (not, e.g., a yearly floor or a share of the
    province). The target read on the measure's scale comes first — a growth target for the growth
    measure, a level target for the others — then the rest, each group in the kinds table's order.
    """
    mine = targets[(targets.indicator_id == indicator_id) & (targets.region_code == province)]
    wants_growth = measure == "growth"
    usable = [k for k in KINDS if k.scored and k.yardstick != "none"]
    order = sorted(usable, key=lambda k: (k.is_growth != wants_growth, KINDS.index(k)))
    for kind in order:
        hit = mine[mine.target_type == kind.target_type]
        if len(hit):
            return hit.id.iloc[0]
    return None
