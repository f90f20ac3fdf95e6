"""The engine: dispatch every pair to its kind's family through the kinds table, then statuses and qualifiers.

Every target × region is assessed in one vectorised pass per family; the only Python loops are over the
families and, in ``wording``, over finished rows. Statuses: docs/method.md §2; qualifiers §9.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..target_kinds import codes_in
from .cumulative import assess_cumulative
from .floor import assess_floor
from .growth import assess_growth
from .inputs import data_context, home_flow, level_candidates, make_pairs, per_year, prepare_observations, resolve_base
from .levels import assess_levels
from .method import parse_as_of, progress_score
from .reasons import Period, add_reason, empty_result, has_reason
from .schema import ANNUAL_LAG_MONTHS, COLUMNS, EXTRA_COLUMNS, QUALIFIERS, YTD_LAG_MONTHS
from .wording import write_sentences


class _Inputs:
    """What every family may read: pairs of its kinds, the per-year table, level candidates, context, home bases."""

    def __init__(self, scored: pd.DataFrame, years: pd.DataFrame):
        self.years = years
        self.candidates = level_candidates(years)
        self.context = data_context(scored, years) if len(scored) else pd.DataFrame()
        home = scored.assign(region=scored["region_code"], yardstick=False)
        self.home_base = resolve_base(home, years) if len(home) else pd.DataFrame()


# one computation per family of kinds (monitor/target_kinds.py says which kind belongs to which)
FAMILIES: dict[str, Callable[[pd.DataFrame, _Inputs], tuple[pd.DataFrame, pd.DataFrame]]] = {
    "levels": lambda pairs, i: assess_levels(pairs, i.years, i.candidates, i.home_base, i.context),
    "growth": lambda pairs, i: assess_growth(pairs, i.years, i.context),
    "cumulative": lambda pairs, i: assess_cumulative(pairs, i.years, i.candidates, i.context,
                                                     home_flow(pairs, i.years)),
    "floor": lambda pairs, i: assess_floor(pairs, i.years, i.context),
}


def run(targets: pd.DataFrame, observations: pd.DataFrame, *, as_of: str | None, regions: list[str] | None,
        today: _dt.date, indicators: pd.DataFrame, region_table: pd.DataFrame) -> pd.DataFrame:
    """Assess every target (× region); see ``monitor.assess.assess`` for the arguments."""
    as_of_ord = parse_as_of(as_of)
    pairs = make_pairs(targets, regions, indicators, region_table)
    if len(pairs) == 0:
        return pd.DataFrame(columns=COLUMNS + EXTRA_COLUMNS)
    kinds = dict(zip(indicators["id"], indicators["kind"])) if "kind" in indicators.columns else {}
    scored = pairs[pairs["type_code"] != "N"]
    region_codes = set(scored["region"]) | set(scored["region_code"])
    observed = prepare_observations(observations, set(scored["indicator_id"].dropna()), region_codes, as_of_ord)
    inputs = _Inputs(scored, per_year(observed, kinds))
    parts, keys = [], []
    for family, compute in FAMILIES.items():
        members = scored[scored["type_code"].isin(codes_in(family))]
        if len(members):
            res, k = compute(members, inputs)
            parts.append(res)
            keys.append(k)
    unscored = pairs[pairs["type_code"] == "N"]
    if len(unscored):
        parts.append(empty_result(unscored))
    res = pd.concat(parts).sort_index()
    plan = pairs.set_index("pair").loc[res.index]
    all_keys = pd.concat(keys) if keys else pd.DataFrame(columns=["pair", "key"])
    return _finish(plan, res, all_keys, as_of_ord, today)


def _statuses(plan: pd.DataFrame, res: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Status codes by R against the row's thresholds, once achieved/missed/na are settled; and which rows live."""
    scored = plan["type_code"].to_numpy() != "N"
    ratio = res["R"].to_numpy(dtype=float)
    # rounded for the comparison only, so that 0.2/(1/3) counts as 0.60 and not 0.5999999…
    ratio_cmp = np.round(ratio, 9)
    hi, med, low = plan["thr_hi"].to_numpy(), plan["thr_med"].to_numpy(), plan["thr_low"].to_numpy()
    met, deadline = res["met"].to_numpy(dtype=bool), res["deadline"].to_numpy(dtype=bool)
    # R missing without a stated reason (should not happen) → na, said so
    add_reason(res, scored & ~has_reason(res) & ~met & ~deadline & np.isnan(ratio), "no_ratio")
    na = scored & has_reason(res)
    with np.errstate(invalid="ignore"):
        status = np.select(
            [~scored, na, met, deadline, ratio_cmp >= hi, ratio_cmp >= med, ratio_cmp >= low, ratio_cmp < low],
            ["not_scored", "na", "achieved", "missed", "on_track", "accelerate", "lagging", "reversing"],
            default="na")
    return status, scored & ~na


def _qualifiers(plan: pd.DataFrame, res: pd.DataFrame, live: np.ndarray, as_of_ord: int | None,
                today: _dt.date) -> list[list[str]]:
    ref = today.year * 12 + today.month
    if as_of_ord is not None:
        ref = min(ref, as_of_ord)
    latest_ord = res["latest_year"].to_numpy(dtype=float) * 12 + res["latest_month"].to_numpy(dtype=float)
    lag = np.where(res["latest_is_ytd"].to_numpy(dtype=bool), YTD_LAG_MONTHS, ANNUAL_LAG_MONTHS)
    before_end = latest_ord < plan["target_year"].to_numpy(dtype=float) * 12 + 12
    stale = live & before_end & (ref - latest_ord > lag)
    flags = {
        "estimate": live & res["estimate"].to_numpy(dtype=bool),
        "stale": stale,
        "base_substituted": live & res["base_sub"].to_numpy(dtype=bool),
        "series_break": live & res["series_break"].to_numpy(dtype=bool),
    }
    periods = np.array([Period(p, k) for p, k in zip(res["latest_period"], res["latest_ptype"])], dtype=object)
    add_reason(res, stale, "stale", col="note", period=periods)
    return [[q for q, on in zip(QUALIFIERS, row) if on] for row in zip(*(flags[q].tolist() for q in QUALIFIERS))]


def _observation_keys(res: pd.DataFrame, keys: pd.DataFrame) -> list[list[str]]:
    """One sorted list of observation keys per pair: slices of the sorted keys, no Python call per pair."""
    k = keys.dropna()
    k = k[k["key"].astype(str) != ""].drop_duplicates().sort_values(["pair", "key"])
    k_pair, k_key = k["pair"].to_numpy(), k["key"].to_numpy(dtype=object)
    wanted = res.index.to_numpy()
    starts, ends = np.searchsorted(k_pair, wanted, "left"), np.searchsorted(k_pair, wanted, "right")
    return [k_key[a:b].tolist() for a, b in zip(starts.tolist(), ends.tolist())]


def _finish(plan: pd.DataFrame, res: pd.DataFrame, keys: pd.DataFrame, as_of_ord: int | None,
            today: _dt.date) -> pd.DataFrame:
    status, live = _statuses(plan, res)
    qualifiers = _qualifiers(plan, res, live, as_of_ord, today)
    out = _output_frame(plan, res, status, qualifiers, live, _observation_keys(res, keys))
    write_sentences(out, plan, res)
    return out[COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


def _output_frame(plan: pd.DataFrame, res: pd.DataFrame, status: np.ndarray, qualifiers: list[list[str]],
                  live: np.ndarray, observation_keys: list[list[str]]) -> pd.DataFrame:
    ratio = res["R"].to_numpy(dtype=float)
    met = res["met"].to_numpy(dtype=bool)

    def num(col: str) -> np.ndarray:
        return res[col].to_numpy(dtype=float)

    out = pd.DataFrame({
        "target_id": plan["id"].to_numpy(), "plan_id": plan["plan_id"].to_numpy(), "region": plan["region"].to_numpy(),
        "indicator_id": plan["indicator_id"].to_numpy(), "target_type": plan["target_type"].to_numpy(),
        "status": status, "qualifiers": qualifiers,
        "progress_ratio": np.where(live, ratio, np.nan),
        "time_share": num("time_share"), "completion": num("completion"),
        "schedule_gap_pp": 100 * (num("completion") - num("expected_share")),
        "latest_period": _none_if_blank(res["latest_period"]),
        "latest_period_type": _none_if_blank(res["latest_ptype"]),
        "latest_value": num("latest_value"),
        "base_period": [None if np.isnan(v) else str(int(v)) for v in num("base_year")],
        "base_value": num("base_val"),
        "target_period": plan["target_period"].to_numpy(dtype=object),
        "target_value": plan["target_num"].to_numpy(dtype=float),
        "comparator": plan["comparator"].to_numpy(dtype=object),
        "unit": plan["unit"].to_numpy(dtype=object),
        "required_rate": num("required_rate"), "observed_rate": num("observed_rate"),
        "remaining_required_rate": num("remaining_required_rate"), "level_implied_rate": num("level_implied_rate"),
        "path_value": num("path_value"), "deviation_from_path": num("deviation"), "projection": num("projection"),
        "gap_to_target": num("gap_to_target"),
        "reason_zh": "", "reason_en": "", "sentence_zh": "", "sentence_en": "",
        "observation_keys": observation_keys,
        "type_code": plan["type_code"].to_numpy(), "yardstick": plan["yardstick"].to_numpy(dtype=bool),
        "target_name_zh": plan["name_zh"].to_numpy(dtype=object), "target_name_en": plan["name_en"].to_numpy(dtype=object),
        "region_name_zh": plan["region_zh"].to_numpy(dtype=object),
        "region_name_en": plan["region_en"].to_numpy(dtype=object),
        "indicator_unit": plan["ind_unit"].to_numpy(dtype=object),
        "plan_base_period": plan["base_period"].to_numpy(dtype=object),
        "base_year": num("base_year"), "latest_year": num("latest_year"), "latest_month": num("latest_month"),
        "latest_yoy": num("latest_yoy"), "effective_value": num("level_estimate"), "target_level": num("target_level"),
        "expected_share": num("expected_share"), "year_time_share": num("year_time_share"),
        "rate_gap_pp": num("rate_gap_pp"), "required_per_year": num("required_per_year"),
        "observed_per_year": num("observed_per_year"), "remaining_per_year": num("remaining_per_year"),
        "two_year_average_rate": num("two_year"),
        "score": np.where(live, progress_score(np.nan_to_num(ratio, nan=0.0), met), np.nan),
    }, index=res.index)
    # numbers that describe progress are blank when the row is not assessable
    for col in ("time_share", "completion", "schedule_gap_pp", "expected_share", "year_time_share", "score"):
        out.loc[~live, col] = np.nan
    out.loc[np.isnan(ratio) & live & met, "score"] = 5.0
    # an annual level published only as a growth rate: latest_value is the app's estimate (previous year ×
    # (1 + rate)), never a published figure; pages show the published rate and this estimate apart
    out["latest_is_nowcast"] = ((plan["type_code"].to_numpy() == "A") & (out["latest_period_type"] == "annual")
                                & np.array(["estimate" in q for q in qualifiers], dtype=bool)
                                & out["latest_yoy"].notna() & res["nowcast"].fillna(False).astype(bool)).to_numpy()
    return out


def _none_if_blank(s: pd.Series) -> np.ndarray:
    arr = s.to_numpy(dtype=object)
    return np.asarray(np.where(pd.isna(arr) | (arr == ""), None, arr), dtype=object)
