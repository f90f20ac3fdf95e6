"""Assessment engine: is each target on track, by how much, and what it now takes.

Implements ``notes/assessment-method.md`` (Eurostat / Statistics Canada progress ratio with one set of
thresholds 0.95 / 0.60 / 0, plus the Chinese 时序进度 reading). Pure functions over pandas frames; no
Streamlit. Every target × region is assessed in one vectorised pass: the only Python loops are over
the five target TYPES and over finished result rows when formatting sentences.

Public API
----------
``assess(targets, observations, *, as_of=None, regions=None, today=None)`` → one row per target × region
(columns ``COLUMNS`` then ``EXTRA_COLUMNS``); ``assess_store(reader, …)`` reads the store and calls it;
``to_records`` / ``to_table`` for JSON and the CLI; ``target_path(row)`` for the indicator chart;
``STATUS_LABELS`` / ``QUALIFIER_LABELS``. Rates are fractions (0.075 = 7.5 %).

Target types and what they compute (t0 base year, T target year, t latest, d = ±1 wanted direction)
------------------------------------------------------------------------------------------------------
A ``level_by_date`` (社零突破2万亿元) — geometric path.
    r_req = (x*/x0)^(1/(T−t0)) − 1, r_obs = (xt/x0)^(1/(t−t0)) − 1, R = d·r_obs/|r_req|;
    path_t = x0(1+r_req)^(t−t0), deviation = xt/path_t − 1, r_rem = (x*/xt)^(1/(T−t)) − 1,
    projection = xt(1+r_obs)^(T−t).
    completion = xt/x* (annual) and the 时序进度 benchmark is the path's share path_t/x*, so
    schedule_gap_pp = 100·(xt − path_t)/x* — "完成目标的93.0%，高于时序进度5.9个百分点".
    With year-to-date data: completion = YTD_m / path value of that year against m/12
    (时间过半、任务过半), and the status uses the nowcast x̂_y = x_{y−1}·(1 + 累计同比) (``estimate``).
    Base = 0 (a count from zero): linear share instead of a CAGR (R = share/τ), no error.
B ``average_growth`` (年均增长7.5%以上) — official comparable-basis YoY only, never level ratios.
    g_bar = [Π(1+g_i)]^(1/k) − 1 over the k elapsed years 2021..latest (one official rate per year;
    a year with only a YTD rate uses its latest 累计同比, marked ``estimate``), R = d·g_bar/|g_req|,
    completion = g_bar/g_req, g_rem = [(1+g_req)^N/Π(1+g_i)]^(1/(N−k)) − 1. The level-implied CAGR
    (from published levels of the same series, never across a series break) is shown beside it, and
    the NBS two-year average √((1+g_y)(1+g_{y−1})) − 1 for the latest year.
C ``pp_change`` (物流费用占GDP比重降低1.5个百分点) — linear in points, never a CAGR of a ratio.
    share = (xt − x0)/Δ*, τ = (t − t0)/(T − t0), R = share/τ, completion = share,
    schedule_gap_pp = 100·(share − τ), gap_to_target = (x0 + Δ*) − xt.
D ``cumulative_flow`` (新增限上企业3000家) — C_t over 2021..t, share = C_t/K, τ = months/36 (YTD) or
    years/3, R = share/τ, completion = share, schedule_gap_pp = 100·(share − τ).
    The indicator's ``kind`` decides C_t: **flow** → sum of the annual values (complete years from the
    annual figure, the current year from its latest YTD cumulative; a missing year → ``na`` naming it);
    **stock** (designations such as county_online_brands, smart_business_districts, §12) → the latest
    value is already the cumulative number designated by then, minus the plan's base (0).
E ``stock_threshold`` (老字号突破240家) — share of the gap closed since the base:
    share = (S_t − S0)/(K − S0), R = share/τ, completion = share (S_t/K is in the sentence).
    R < 0 — and so ``reversing`` — happens only when the stock actually fell.

Statuses: ``achieved`` when the latest value meets the comparator (">" strict, ">=" inclusive; for C the
change against −1.5 with "<="), including a target already met at the base (R then not used);
once an annual figure for T exists, ``achieved`` or ``missed`` (with ``estimate`` if that figure is
preliminary or a nowcast); otherwise by R against the target row's thresholds (0.95/0.60/0):
``on_track`` / ``accelerate`` / ``lagging`` / ``reversing``; ``na`` with a reason when the minimum data
are missing; ``not_scored`` for aims without a number.

Decisions where the note left a choice (documented here and in README)
---------------------------------------------------------------------
* Window. Only observations up to ``as_of`` AND up to the end of the target year are used: the question
  is "by 2023", so a 2024 figure never decides a 2023 target (it is named in the ``na`` reason).
* Base. The plan's ``base_value`` when the registry fixes one, else the official annual level at the base
  year; if missing, the nearest LATER year up to T (flag ``base_substituted``), never an earlier year and
  never another region's value. With a substituted base b the computation uses the true span: A uses
  r_req from x_b over T − b (StatCan); C pro-rates the change, Δ*_b = Δ*·(T − b)/(T − t0), which keeps the
  required −0.5 pp a year; E uses share of (K − S_b) over τ_b = (t − b)/(T − b). ``time_share`` is the τ
  actually used (the plan's τ when the base is not substituted).
* Nowcasts. An annual row published as a growth rate only (e.g. 2022 社零 +2.4 % preliminary) is nowcast
  like a YTD row: previous year's published level × (1 + rate), marked ``estimate``; one step only (the
  previous level must be published), never for ratio indicators. A YTD row for month 12 without an annual
  row stands in for the annual figure (preliminary). Single-month rows (period_type "month") are not used.
* ``estimate`` marks any status resting on YTD data, a nowcast or a preliminary figure.
* ``stale``: the latest period used ends more than 15 whole months (annual data) or 3 months (YTD data)
  before the reference date = min(today, end of ``as_of``), and is earlier than the target period.
* ``series_break``: a level computation whose years straddle a known break (retail_sales levels before
  2019 vs after the fourth economic census, ``SERIES_BREAKS``). Type B's level-implied rate is simply not
  computed across a break (the official rate is unaffected), so B is never flagged.
* Regions as yardsticks (``regions=[…]``): a provincial target is applied to every listed region.
  B and C use the same target value (7.5 %/yr, −1.5 pp). A uses the province's required rate
  r_req = (x*/x0_province)^(1/(T−t0)) − 1, so R is the region's own r_obs/r_req and its implied level
  target is x0_region·(1 + r_req)^(T−t0). E scales the target by the province's ratio K/S0_province.
  D flow scales by the province's ratio of the target to its base-year annual flow (K/F0_province);
  D stock targets counted from zero (designations) cannot be apportioned and give ``na``. Targets set
  for a region other than the province apply to that region only; aims without a number are listed
  only for their own region.
* Statuses use the official linear τ; the seasonal share of §6 is not used.
"""

from __future__ import annotations

import collections
import datetime as _dt
import functools
import math
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from .config import PROVINCE_CODE
from .i18n import t

# --------------------------------------------------------------------------- labels

# Labels come from the one message catalog (monitor/locales); colours are colour-blind safe and
# always shown with the label text.
_STATUS_COLOURS = {
    "achieved": "#00441b", "on_track": "#1b9e4b", "accelerate": "#e6c300", "lagging": "#e66100",
    "reversing": "#b2182b", "missed": "#8c6d6d", "na": "#9e9e9e", "not_scored": "#d9d9d9",
}
STATUS_LABELS: dict[str, dict] = {
    code: {"zh": t(f"status.{code}", "zh"), "en": t(f"status.{code}", "en"), "colour": colour}
    for code, colour in _STATUS_COLOURS.items()
}
QUALIFIER_LABELS: dict[str, dict] = {
    code: {"zh": t(f"qualifier.{code}", "zh"), "en": t(f"qualifier.{code}", "en"),
           "description_en": t(f"qualifier_help.{code}", "en")}
    for code in ("estimate", "stale", "base_substituted", "series_break")
}

TYPE_CODES = {"level_by_date": "A", "average_growth": "B", "pp_change": "C",
              "cumulative_flow": "D", "stock_threshold": "E", "no_numeric_target": "N"}

COLUMNS = [
    "target_id", "plan_id", "region", "indicator_id", "target_type", "status", "qualifiers",
    "progress_ratio", "time_share", "completion", "schedule_gap_pp", "latest_period", "latest_period_type",
    "latest_value", "base_period", "base_value", "target_period", "target_value", "comparator", "unit",
    "required_rate", "observed_rate", "remaining_required_rate", "level_implied_rate", "path_value",
    "deviation_from_path", "projection", "gap_to_target", "reason_zh", "reason_en", "sentence_zh",
    "sentence_en", "observation_keys",
]
EXTRA_COLUMNS = [
    "type_code", "yardstick", "target_name_zh", "target_name_en", "region_name_zh", "region_name_en",
    "indicator_unit", "plan_base_period", "base_year", "latest_year", "latest_month", "latest_yoy",
    "effective_value", "target_level", "expected_share", "year_time_share", "rate_gap_pp",
    "required_per_year", "observed_per_year", "remaining_per_year", "two_year_average_rate", "score",
]

SERIES_BREAKS: dict[str, int] = {"retail_sales": 2019}  # levels of years < 2019 ≠ years ≥ 2019 (4th census)
ANNUAL_LAG_MONTHS = 15
YTD_LAG_MONTHS = 3
DEFAULT_THRESHOLDS = (0.95, 0.60, 0.0)
COUNT_UNITS = ("家", "个")

_AS_OF = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")
_NUM_COLS = [
    "progress_ratio", "time_share", "completion", "schedule_gap_pp", "latest_value", "base_value",
    "required_rate", "observed_rate", "remaining_required_rate", "level_implied_rate", "path_value",
    "deviation_from_path", "projection", "gap_to_target", "latest_yoy", "effective_value", "target_level",
    "expected_share", "year_time_share", "rate_gap_pp", "required_per_year", "observed_per_year",
    "remaining_per_year", "two_year_average_rate", "score",
]


# --------------------------------------------------------------------------- scalar helpers (tests, docs)

def cagr(x0: float, xt: float, years: float) -> float:
    """Compound annual growth rate (x0 → xt over `years`); NaN where undefined (non-positive values)."""
    if years <= 0 or not x0 > 0 or not xt > 0:
        return math.nan
    return (xt / x0) ** (1.0 / years) - 1.0


def time_share(elapsed: float, total: float) -> float:
    """Official time share (时序进度): elapsed/total, e.g. 2 of 12 months → 0.1667, 18 of 36 → 0.5."""
    return elapsed / total


def two_year_average(growth_over_two_years: float) -> float:
    """NBS 两年平均增速: geometric, √(1 + g₂) − 1, e.g. +6.4 % over two years → 3.15 %/yr."""
    return math.sqrt(1.0 + growth_over_two_years) - 1.0


def progress_score(ratio, achieved=False):
    """StatCan / Open SDG piecewise-linear score in [−5, 5] for a progress ratio R (target set).

    R = −0.6, 0, 0.6, 0.95, 1.3 → −5, −2.5, 0, 2.5, 5. Achieved → 5. Works on scalars and arrays.
    """
    r = np.asarray(ratio, dtype=float)
    score = np.where(r >= 0.6, np.minimum(2.5 / 0.35 * (r - 0.6), 5.0), np.maximum(2.5 / 0.6 * r - 2.5, -5.0))
    score = np.where(np.asarray(achieved, dtype=bool), 5.0, score)
    return float(score) if score.ndim == 0 else score


def progress_score_no_target(rate, coefficient: float = 1.0):
    """StatCan score without a numeric target: observed CAGR v against 0 / 0.5 % / 1.5 % (× C).

    v = −2 %, 0.5 %, 1.5 %, 2 % → −5, 0, 2.5, 5 (C = 1). Not used for this plan's targets (§12).
    """
    v = np.asarray(rate, dtype=float)
    c = float(coefficient)
    score = np.select(
        [v < 0, v >= 0.015 * c, v >= 0.005 * c],
        [np.maximum(125 * v - 2.5, -5.0), np.minimum(500 * v / c - 5, 5.0), 250 * v / c - 1.25],
        default=500 * v / c - 2.5)
    return float(score) if score.ndim == 0 else score


def parse_as_of(text: str | None) -> int | None:
    """'YYYY' → ordinal of December of that year; 'YYYY-MM' → that month; None → None. ValueError else."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    match = _AS_OF.match(str(text).strip())
    if not match:
        raise ValueError(f"as_of must be a period 'YYYY' or 'YYYY-MM', got {text!r}")
    month = int(match.group(2)) if match.group(2) else 12
    if not 1 <= month <= 12:
        raise ValueError(f"as_of month must be 01–12, got {text!r}")
    return int(match.group(1)) * 12 + month


# --------------------------------------------------------------------------- registry defaults

@functools.lru_cache(maxsize=1)
def _default_indicators() -> pd.DataFrame:
    from .registry import read_indicators
    return read_indicators()


@functools.lru_cache(maxsize=1)
def _default_regions() -> pd.DataFrame:
    from .registry import read_regions
    return read_regions()


# --------------------------------------------------------------------------- preparing inputs

def _num(s) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _pairs(targets: pd.DataFrame, regions: list[str] | None, indicators: pd.DataFrame,
           region_table: pd.DataFrame) -> pd.DataFrame:
    t = targets.reset_index(drop=True).copy()
    for col, default in (("plan_id", None), ("indicator_id", None), ("base_period", None), ("base_value", np.nan),
                         ("target_value", np.nan), ("comparator", None), ("unit", None), ("direction", None),
                         ("region_code", PROVINCE_CODE), ("thresholds", None), ("name_zh", None),
                         ("name_en", None), ("sort_order", 0)):
        if col not in t.columns:
            t[col] = default
    t["region_code"] = t["region_code"].fillna(PROVINCE_CODE).astype(str)
    t["type_code"] = t["target_type"].map(TYPE_CODES).fillna("N")
    t["_order"] = np.arange(len(t))
    thr = [tuple(float(x) for x in v) if isinstance(v, (list, tuple, np.ndarray)) and len(v) == 3
           else DEFAULT_THRESHOLDS for v in t["thresholds"]]
    t["thr_hi"], t["thr_med"], t["thr_low"] = (np.array([x[i] for x in thr], dtype=float) for i in range(3))
    numeric = t["type_code"] != "N"
    if regions is None:
        p = t.assign(region=t["region_code"])
    else:
        wanted = pd.DataFrame({"region": list(dict.fromkeys(regions)), "_rorder": range(len(set(regions)))})
        provincial = numeric & (t["region_code"] == PROVINCE_CODE)
        cross = t[provincial].merge(wanted, how="cross")
        own = t[~provincial & t["region_code"].isin(wanted["region"])]
        own = own.assign(region=own["region_code"]).merge(wanted, on="region", how="left")
        p = pd.concat([cross, own], ignore_index=True).sort_values(["_order", "_rorder"], kind="stable")
    p = p.reset_index(drop=True)
    p["pair"] = np.arange(len(p))
    p["yardstick"] = p["region"] != p["region_code"]
    p["t0"] = _num(p["base_period"].astype(str).str[:4])
    p["T"] = _num(p["target_period"].astype(str).str[:4])
    p["K"] = _num(p["target_value"])
    p["base_plan"] = _num(p["base_value"])
    p["d"] = np.where(p["direction"].eq("decrease"), -1.0, 1.0)
    ind = indicators.set_index("id") if "id" in indicators.columns else indicators
    p["kind"] = p["indicator_id"].map(ind["kind"]) if "kind" in ind.columns else "flow"
    p["kind"] = p["kind"].fillna("flow")
    p["ind_zh"] = p["indicator_id"].map(ind["name_zh"]) if "name_zh" in ind.columns else None
    p["ind_en"] = p["indicator_id"].map(ind["name_en"]) if "name_en" in ind.columns else None
    p["ind_unit"] = p["indicator_id"].map(ind["unit"]) if "unit" in ind.columns else p["unit"]
    p["ind_zh"] = p["ind_zh"].fillna(p["name_zh"]).fillna(p["indicator_id"]).fillna("")
    p["ind_en"] = p["ind_en"].fillna(p["name_en"]).fillna(p["indicator_id"]).fillna("")
    p["ind_unit"] = p["ind_unit"].fillna(p["unit"])
    reg = region_table.set_index("code")
    p["region_zh"] = np.where(p["region"] == PROVINCE_CODE, "全省", p["region"].map(reg["name_zh"]).fillna(p["region"]))
    p["region_en"] = np.where(p["region"] == PROVINCE_CODE, "Hunan",
                              p["region"].map(reg["name_en"]).fillna(p["region"]))
    return p


def _prepare_observations(observations: pd.DataFrame, indicator_ids, region_codes,
                          as_of_ord: int | None) -> pd.DataFrame:
    """The rows the engine can use, reduced early: annual rows plus the latest YTD row of each year.

    Works on integer codes and numpy masks so that ten million rows are never converted to Python
    strings; only the (much smaller) reduced frame is materialised.
    """
    columns = ["indicator_id", "region_code", "period", "period_type", "year", "month", "value", "yoy_pct", "prelim"]
    o = observations
    if len(o) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("year", "month", "value", "yoy_pct") else object)
                             for c in columns})
    period = o["period"].astype(str)
    if "period_type" in o.columns:
        ptype = o["period_type"]
        is_annual = ptype.eq("annual").fillna(False).to_numpy(dtype=bool)
        is_ytd = ptype.eq("ytd").fillna(False).to_numpy(dtype=bool)
        missing = ptype.isna().to_numpy(dtype=bool)
    else:
        is_annual = is_ytd = np.zeros(len(o), dtype=bool)
        missing = np.ones(len(o), dtype=bool)
    if missing.any():
        long = (period.str.len() > 4).to_numpy(dtype=bool)
        is_annual |= missing & ~long
        is_ytd |= missing & long
    year = o["year"].to_numpy(dtype=float) if "year" in o.columns else _num(period.str[:4])
    month = o["month"].to_numpy(dtype=float) if "month" in o.columns else _num(period.str[5:7])
    month = np.where(is_annual, 12.0, month)
    value = _num(o["value"]) if "value" in o.columns else np.full(len(o), np.nan)
    yoy = _num(o["yoy_pct"]) if "yoy_pct" in o.columns else np.full(len(o), np.nan)
    keep = ((is_annual | is_ytd) & (~np.isnan(value) | ~np.isnan(yoy))
            & o["indicator_id"].isin(list(indicator_ids)).to_numpy(dtype=bool)
            & o["region_code"].isin(list(region_codes)).to_numpy(dtype=bool))
    if as_of_ord is not None:
        keep &= year * 12 + month <= as_of_ord
    ann_idx = np.flatnonzero(keep & is_annual)
    ytd_idx = np.flatnonzero(keep & is_ytd)
    if len(ytd_idx):
        # latest month of each indicator × region × year, by integer sort
        ic = pd.factorize(o["indicator_id"].take(ytd_idx))[0].astype(np.int64)
        rc = pd.factorize(o["region_code"].take(ytd_idx))[0].astype(np.int64)
        yr = year[ytd_idx].astype(np.int64)
        y_lo = int(yr.min())
        n_years = int(yr.max()) - y_lo + 1
        grp = (ic * (int(rc.max()) + 1) + rc) * n_years + (yr - y_lo)
        mon = month[ytd_idx]
        size = (int(ic.max()) + 1) * (int(rc.max()) + 1) * n_years
        if size <= 50_000_000:  # dense group ids: one O(n) pass, no sort
            latest = np.full(size, -1.0)
            np.maximum.at(latest, grp, mon)
            ytd_idx = ytd_idx[mon == latest[grp]]
        else:
            order = np.lexsort((mon, grp))
            g_sorted = grp[order]
            ytd_idx = ytd_idx[order[np.r_[g_sorted[1:] != g_sorted[:-1], True]]]
    idx = np.concatenate([ann_idx, ytd_idx])
    sub = o[[c for c in ("indicator_id", "region_code", "status") if c in o.columns]].take(idx)
    status = sub["status"].eq("preliminary").fillna(False).to_numpy(dtype=bool) if "status" in o.columns else False
    out = pd.DataFrame({
        "indicator_id": sub["indicator_id"].reset_index(drop=True),
        "region_code": sub["region_code"].reset_index(drop=True),
        "period": period.take(idx).reset_index(drop=True),
        "period_type": np.where(is_annual[idx], "annual", "ytd"),
        "year": year[idx], "month": month[idx], "value": value[idx], "yoy_pct": yoy[idx], "prelim": status,
    })
    return out


def _key(ind, reg, ptype, period) -> pd.Series:
    """Observation key "indicator|region|period_type|period" (the app looks provenance up by it)."""
    def s(x):
        return x.astype(str) if isinstance(x, pd.Series) else str(x)
    return s(ind) + "|" + s(reg) + "|" + s(ptype) + "|" + s(period)


def _per_year(o: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """One row per indicator × region × year: the annual figure and the latest YTD figure of that year."""
    k = ["indicator_id", "region_code", "year"]
    ann = o[o["period_type"] == "annual"].drop_duplicates(k, keep="last")
    ann = pd.DataFrame({"indicator_id": ann["indicator_id"], "region_code": ann["region_code"], "year": ann["year"],
                        "a_value": ann["value"], "a_yoy": ann["yoy_pct"], "a_prelim": ann["prelim"],
                        "a_period": ann["period"], "a_ptype": "annual"})
    ytd = o[o["period_type"] == "ytd"].sort_values(k + ["month"], kind="stable").drop_duplicates(k, keep="last")
    ytd = pd.DataFrame({"indicator_id": ytd["indicator_id"], "region_code": ytd["region_code"], "year": ytd["year"],
                        "y_month": ytd["month"], "y_value": ytd["value"], "y_yoy": ytd["yoy_pct"],
                        "y_prelim": ytd["prelim"], "y_period": ytd["period"]})
    y = ann.merge(ytd, on=k, how="outer")
    y["a_prelim"] = y["a_prelim"].fillna(False).astype(bool)
    # A 1–12月 cumulative without an annual row stands in for the (preliminary) annual figure.
    stand = y["a_period"].isna() & (y["y_month"] == 12)
    y.loc[stand, "a_value"] = y.loc[stand, "y_value"]
    y.loc[stand, "a_yoy"] = y.loc[stand, "y_yoy"]
    y.loc[stand, "a_prelim"] = True
    y.loc[stand, "a_period"] = y.loc[stand, "y_period"]
    y.loc[stand, "a_ptype"] = "ytd"
    # Once the annual figure exists it replaces the year-to-date one.
    done = y["a_period"].notna()
    for col in ("y_month", "y_value", "y_yoy"):
        y.loc[done, col] = np.nan
    y.loc[done, "y_period"] = None
    y["a_key"] = _key(y["indicator_id"], y["region_code"], y["a_ptype"], y["a_period"]).where(y["a_period"].notna())
    y["y_key"] = _key(y["indicator_id"], y["region_code"], "ytd", y["y_period"]).where(y["y_period"].notna())
    prev = y.loc[y["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    prev = prev.assign(year=prev["year"] + 1).rename(columns={"a_value": "prev_value", "a_key": "prev_key"})
    y = y.merge(prev, on=k, how="left")
    kind = y["indicator_id"].map(kinds).fillna("flow")
    ratio = kind.eq("ratio")
    y["a_now"] = np.where(y["a_value"].isna() & ~ratio, y["prev_value"] * (1 + y["a_yoy"] / 100), np.nan)
    # YTD rows: flows are nowcast to the year (previous year × (1 + 累计同比)); stocks/ratios are levels already.
    y["y_eff"] = np.where(kind.eq("flow"), y["prev_value"] * (1 + y["y_yoy"] / 100), y["y_value"])
    y["y_eff"] = np.where(y["y_month"].notna(), y["y_eff"], np.nan)
    y["kind"] = kind.to_numpy()
    return y


def _candidates(y: pd.DataFrame) -> pd.DataFrame:
    """Every point that gives a level for the year: published annual, annual nowcast, YTD nowcast/level."""
    a = y[y["a_value"].notna() | y["a_now"].notna()]
    nowcast = a["a_value"].isna()
    ann = pd.DataFrame({
        "indicator_id": a["indicator_id"], "region_code": a["region_code"], "year": a["year"], "month": 12.0,
        "eff": a["a_value"].fillna(a["a_now"]), "pub": a["a_value"], "yoy": a["a_yoy"],
        "actual": ~nowcast, "est": a["a_prelim"] | nowcast, "ptype": a["a_ptype"].where(~nowcast, "annual"),
        "period": a["a_period"], "key1": a["a_key"], "key2": a["prev_key"].where(nowcast),
        "nowcast": nowcast, "prev_year": np.where(nowcast, a["year"] - 1, np.nan), "is_ytd": False,
    })
    b = y[y["y_month"].notna() & y["y_eff"].notna()]
    ytd_nowcast = b["kind"].eq("flow")
    ytd = pd.DataFrame({
        "indicator_id": b["indicator_id"], "region_code": b["region_code"], "year": b["year"], "month": b["y_month"],
        "eff": b["y_eff"], "pub": b["y_value"], "yoy": b["y_yoy"], "actual": False, "est": True,
        "ptype": "ytd", "period": b["y_period"], "key1": b["y_key"], "key2": b["prev_key"].where(ytd_nowcast),
        "nowcast": ytd_nowcast, "prev_year": np.where(ytd_nowcast, b["year"] - 1, np.nan), "is_ytd": True,
    })
    c = pd.concat([ann, ytd], ignore_index=True)
    c["ord"] = c["year"] * 12 + c["month"]
    return c


def _first_per_pair(frame: pd.DataFrame, sort: list[str], last: bool = False) -> pd.DataFrame:
    frame = frame.sort_values(["pair"] + sort, kind="stable")
    return frame.drop_duplicates("pair", keep="last" if last else "first").set_index("pair")


def _resolve_base(p: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """Base per pair: the plan's base value, else the published annual level at t0, else the nearest later
    year up to T (``base_substituted``). Returns base_year, base_val, base_key, base_sub, base_from_plan."""
    out = pd.DataFrame(index=p["pair"])
    plan = p.set_index("pair")
    use_plan = plan["base_plan"].notna() & ~plan["yardstick"]
    levels = y.loc[y["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    m = p[["pair", "indicator_id", "region", "t0", "T"]].merge(
        levels, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m = m[(m["year"] >= m["t0"]) & (m["year"] <= m["T"])]
    first = _first_per_pair(m, ["year"])
    out["base_year"] = np.where(use_plan, plan["t0"], _num(first["year"].reindex(out.index)))
    out["base_val"] = np.where(use_plan, plan["base_plan"], _num(first["a_value"].reindex(out.index)))
    out["base_key"] = pd.Series(first["a_key"].reindex(out.index)).where(~use_plan)
    out["base_sub"] = out["base_val"].notna() & (out["base_year"] > plan["t0"])
    out["base_from_plan"] = use_plan
    return out


def _latest(p: pd.DataFrame, cand: pd.DataFrame, after: pd.Series) -> pd.DataFrame:
    """Latest level point per pair with after < year ≤ T (after = base year)."""
    m = p[["pair", "indicator_id", "region", "T"]].merge(
        cand, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m["after"] = m["pair"].map(after)
    m = m[(m["year"] > m["after"]) & (m["year"] <= m["T"])]
    return _first_per_pair(m, ["ord"], last=True).reindex(p["pair"])


def _context(p: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """What data exist outside the window (for na reasons): the last year before t0, the first after T."""
    lv = y.loc[y["a_value"].notna() | y["y_value"].notna(), ["indicator_id", "region_code", "year", "a_value",
                                                              "y_value", "a_period", "y_period"]]
    lv = lv.assign(v=lv["a_value"].fillna(lv["y_value"]), per=lv["a_period"].fillna(lv["y_period"]))
    m = p[["pair", "indicator_id", "region", "t0", "T"]].merge(
        lv, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    out = pd.DataFrame(index=p["pair"])
    before = _first_per_pair(m[m["year"] < m["t0"]], ["year"], last=True)
    later = _first_per_pair(m[m["year"] > m["T"]], ["year"])
    out["pre_period"], out["pre_value"] = before["per"].reindex(out.index), before["v"].reindex(out.index)
    out["post_period"], out["post_value"] = later["per"].reindex(out.index), later["v"].reindex(out.index)
    any_rows = y[["indicator_id", "region_code"]].drop_duplicates().assign(has_any=True)
    has = p[["pair", "indicator_id", "region"]].merge(
        any_rows, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"], how="left")
    out["has_any"] = has.set_index("pair")["has_any"].reindex(out.index).fillna(False).astype(bool)
    return out


# --------------------------------------------------------------------------- comparisons

def _meets(value, target, comparator) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    k = np.asarray(target, dtype=float)
    c = np.asarray(comparator, dtype=object)
    with np.errstate(invalid="ignore"):
        res = np.select([c == ">", c == ">=", c == "<", c == "<="], [v > k, v >= k, v < k, v <= k], default=False)
    return res & ~np.isnan(v) & ~np.isnan(k)


def _pow(base, exp) -> np.ndarray:
    base = np.asarray(base, dtype=float)
    exp = np.asarray(exp, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(base > 0, np.power(np.where(base > 0, base, 1.0), exp), np.nan)


def _div(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


def _months(year, month, base_year) -> np.ndarray:
    """Months elapsed from the end of base_year to the end of (year, month)."""
    return 12 * (np.asarray(year, float) - np.asarray(base_year, float) - 1) + np.asarray(month, float)


def _empty_result_frame(p: pd.DataFrame) -> pd.DataFrame:
    f = pd.DataFrame(index=p["pair"].to_numpy())
    f.index.name = "pair"
    for col in ("R", "completion", "time_share", "expected_share", "year_time_share", "required_rate",
                "observed_rate", "remaining_required_rate", "level_implied_rate", "path_value", "deviation",
                "projection", "gap_to_target", "target_level", "required_per_year", "observed_per_year",
                "remaining_per_year", "two_year", "latest_value", "latest_yoy", "eff", "latest_year",
                "latest_month", "base_year", "base_val", "rate_gap_pp"):
        f[col] = np.nan
    for col in ("met", "met_at_base", "deadline", "estimate", "base_sub", "series_break", "latest_is_ytd"):
        f[col] = False
    for col in ("latest_period", "latest_ptype", "na_zh", "na_en", "note_zh", "note_en"):
        f[col] = ""
    return f


def _year_text(values, index) -> pd.Series:
    """Years as text ('2020'), '' where missing: str(int(v)) for a whole column at once."""
    a = np.asarray(values, dtype=float)
    out = np.full(len(a), "", dtype=object)
    ok = ~np.isnan(a)
    out[ok] = a[ok].astype(np.int64).astype(str).astype(object)
    return pd.Series(out, index=index)


def _add_reason(f: pd.DataFrame, mask, zh, en, col: str = "na") -> None:
    """Append a reason (scalar or per-row strings) where mask holds, separated by '；' / '; '."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    zh = pd.Series(zh, index=f.index) if not isinstance(zh, pd.Series) else zh.set_axis(f.index)
    en = pd.Series(en, index=f.index) if not isinstance(en, pd.Series) else en.set_axis(f.index)
    for c, text, sep in ((f"{col}_zh", zh, "；"), (f"{col}_en", en, "; ")):
        cur = f[c].astype(object)
        joined = np.where(cur == "", text.astype(str), cur.astype(str) + sep + text.astype(str))
        f[c] = np.where(mask, joined, cur)


# --------------------------------------------------------------------------- formatting (per finished row)

def _fx(v: float, decimals: int = 1) -> str:
    """Round half up on the digits as written (18596.85 → 18596.9), as statistical releases do.

    The relative nudge (1e-12) absorbs binary representation error: 18596.85 is stored as 18596.8499999….
    """
    scaled = abs(float(v)) * 10 ** decimals
    rounded = math.floor(scaled * (1 + 1e-12) + 0.5) / 10 ** decimals
    text = f"{rounded:.{decimals}f}"
    return "-" + text if v < 0 and rounded != 0 else text


def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def fmt_value_zh(v, unit) -> str:
    """Chinese-style figures: 18596.9亿元, 2.00万亿元 when ≥ 10万亿, 3000家, 14.2%."""
    if _isnan(v):
        return "—"
    unit = unit if isinstance(unit, str) else ""
    if unit == "亿元" and abs(v) >= 100000:
        return f"{_fx(v / 10000, 2)}万亿元"
    if unit in COUNT_UNITS:
        return f"{_fx(v, 0)}{unit}"
    return f"{_fx(v, 1)}{unit}"


def fmt_target_zh(v, unit) -> str:
    """A plan's round number as written: 2万亿元, 3000家, 7000亿元, 14%."""
    if _isnan(v):
        return "—"
    if float(v).is_integer():
        unit = unit if isinstance(unit, str) else ""
        if unit == "亿元" and abs(v) >= 10000 and v % 1000 == 0:
            return f"{v / 10000:g}万亿元"
        return f"{v:.0f}{unit}"
    return fmt_value_zh(v, unit)


def fmt_target_en(v, unit) -> str:
    if _isnan(v):
        return "—"
    if unit == "亿元" and abs(v) >= 10000 and float(v).is_integer() and v % 1000 == 0:
        return f"{v / 10000:g} trillion yuan"
    return fmt_value_en(v, unit)


def fmt_value_en(v, unit) -> str:
    if _isnan(v):
        return "—"
    unit = unit if isinstance(unit, str) else ""
    if unit == "亿元":
        return f"{v / 10:,.1f} billion yuan"
    if unit == "亿美元":
        return f"{v / 10:,.2f} billion US dollars"
    if unit in COUNT_UNITS:
        return f"{v:,.0f}"
    if unit == "%":
        return f"{v:.1f}%"
    if unit == "个百分点":
        return f"{v:.1f} points"
    return f"{v:,.1f} {unit}".strip()


def _pct(v) -> str:
    return "—" if _isnan(v) else f"{_fx(100 * v, 1)}%"


def _period_zh(period: str, ptype: str) -> str:
    if not isinstance(period, str) or not period:
        return ""
    if ptype == "ytd" and len(period) > 4:
        m = int(period[5:7])
        return f"{period[:4]}年1—{m}月" if m > 1 else f"{period[:4]}年1月"
    return f"{period[:4]}年"


def _period_en(period: str, ptype: str) -> str:
    if not isinstance(period, str) or not period:
        return ""
    if ptype == "ytd" and len(period) > 4:
        m = int(period[5:7])
        return f"January–{_dt.date(2000, m, 1):%B} {period[:4]}" if m > 1 else f"January {period[:4]}"
    return period[:4]


_CMP_ZH = {">": "突破", ">=": "达到", "<": "低于", "<=": "不高于"}
_CMP_EN = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}


def _above_below_zh(gap) -> str:
    return "高于" if gap >= 0 else "低于"


def _above_below_en(gap) -> str:
    return "ahead of" if gap >= 0 else "behind"


# --------------------------------------------------------------------------- type A, C, E (levels)

def _assess_levels(p: pd.DataFrame, y: pd.DataFrame, cand: pd.DataFrame, home_base: pd.DataFrame,
                   ctx: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = _empty_result_frame(p)
    P = p.set_index("pair")
    base = _resolve_base(p, y)
    f["base_year"], f["base_val"], f["base_sub"] = base["base_year"], base["base_val"], base["base_sub"]
    # the latest point must be later than the base (any point from t0 on when there is no base, for display)
    lat = _latest(p, cand, base["base_year"].where(base["base_val"].notna(), P["t0"] - 1))
    code = P["type_code"]
    K = P["K"].to_numpy()
    T, t0, d = P["T"].to_numpy(), P["t0"].to_numpy(), P["d"].to_numpy()
    cmp = P["comparator"].to_numpy(dtype=object)
    x0, b = f["base_val"].to_numpy(), f["base_year"].to_numpy()
    has_latest = lat["eff"].notna().to_numpy()
    xt = lat["eff"].to_numpy(dtype=float)
    t = lat["year"].to_numpy(dtype=float)
    month = lat["month"].to_numpy(dtype=float)
    is_ytd = lat["is_ytd"].fillna(False).to_numpy(dtype=bool)
    f["latest_year"], f["latest_month"] = t, month
    f["latest_period"] = lat["period"].fillna("").to_numpy()
    f["latest_ptype"] = np.where(is_ytd, "ytd", np.where(has_latest, "annual", ""))
    f["latest_is_ytd"] = is_ytd
    f["latest_yoy"] = lat["yoy"].to_numpy(dtype=float) / 100
    f["eff"] = xt
    # latest_value: the published figure; for an annual period published as a rate only, its nowcast.
    f["latest_value"] = np.where(is_ytd, lat["pub"].to_numpy(dtype=float), xt)
    f["estimate"] = lat["est"].fillna(False).to_numpy(dtype=bool)
    f["deadline"] = has_latest & ~is_ytd & (t == T)

    # ---- target level for this region (yardsticks scale the province's target) -------------------
    hb_val = home_base["base_val"].reindex(f.index).to_numpy()
    hb_year = home_base["base_year"].reindex(f.index).to_numpy()
    yard = P["yardstick"].to_numpy(dtype=bool)
    r_req_home = _pow(_div(K, hb_val), _div(1, T - hb_year)) - 1
    is_a, is_c, is_e = (code == "A").to_numpy(), (code == "C").to_numpy(), (code == "E").to_numpy()
    # C: Δ* pro-rated to the years from a substituted base (keeps the required change per year)
    delta_b = K * _div(T - b, T - t0)
    target_level = np.select(
        [is_a & yard, is_a, is_c, is_e & yard, is_e],
        [x0 * _pow(1 + r_req_home, T - b), K, x0 + delta_b, x0 * _div(K, hb_val), K], default=np.nan)
    f["target_level"] = target_level

    # ---- achieved / missed ----------------------------------------------------------------------
    met_at_base = np.where(is_c, False, _meets(x0, target_level, cmp)) & ~np.isnan(x0)
    # for a flow, a YTD cumulative already past the target is enough
    pub = lat["pub"].to_numpy(dtype=float)
    met_latest = np.where(is_c, _meets(xt - x0, delta_b, cmp), _meets(xt, target_level, cmp) |
                          (is_ytd & (P["kind"].to_numpy() == "flow") & _meets(pub, target_level, cmp)))
    f["met"] = np.where(has_latest, met_latest, met_at_base)
    f["met_at_base"] = met_at_base

    # ---- time share (τ used: from the base actually used) ----------------------------------------
    months_el = _months(t, month, b)
    tau = _div(months_el, 12 * (T - b))
    f["time_share"] = np.where(has_latest, tau, np.nan)
    f["year_time_share"] = np.where(is_ytd, month / 12, np.nan)
    span = t - b
    rem_years = T - t

    # ---- type A --------------------------------------------------------------------------------
    linear_a = is_a & (x0 == 0) & ~yard
    r_req = np.where(is_a & yard, r_req_home, _pow(_div(target_level, x0), _div(1, T - b)) - 1)
    r_req = np.where(is_a & ~linear_a, r_req, np.nan)
    r_obs = np.where(is_a & ~linear_a, _pow(_div(xt, x0), _div(1, span)) - 1, np.nan)
    with np.errstate(all="ignore"):
        R_a = d * r_obs / np.abs(r_req)
        R_a = np.where(np.abs(r_req) < 1e-12, np.sign(d * r_obs) * np.inf, R_a)
    path_a = np.where(linear_a, x0 + (target_level - x0) * _div(t - b, T - b), x0 * _pow(1 + r_req, t - b))
    share_lin = _div(xt - x0, target_level - x0)
    R_lin = _div(share_lin, tau)
    f["required_rate"] = r_req
    f["observed_rate"] = r_obs
    f["level_implied_rate"] = r_obs
    f["rate_gap_pp"] = 100 * (r_obs - r_req)
    f["path_value"] = np.where(is_a, path_a, np.nan)
    f["deviation"] = np.where(is_a, _div(xt, path_a) - 1, np.nan)
    f["remaining_required_rate"] = np.where(is_a & ~linear_a & (rem_years > 0),
                                            _pow(_div(target_level, xt), _div(1, rem_years)) - 1, np.nan)
    proj_a = np.where(linear_a, xt + _div(xt - x0, span) * rem_years, xt * _pow(1 + r_obs, rem_years))
    # completion (A): annual → xt/x*; YTD → YTD_m / path value of that year, against m/12
    completion_a = np.where(is_ytd, _div(pub, path_a), _div(xt, target_level))
    expected_a = np.where(is_ytd, month / 12, _div(path_a, target_level))
    expected_a = np.where(linear_a & ~is_ytd, tau, expected_a)
    completion_a = np.where(linear_a & ~is_ytd, share_lin, completion_a)

    # ---- type C (linear points) and E (share of the gap) ---------------------------------------
    share_c = _div(xt - x0, delta_b)
    share_e = _div(xt - x0, target_level - x0)
    opy = _div(xt - x0, span)
    f["observed_per_year"] = np.where(is_c | is_e | linear_a, opy, np.nan)
    f["required_per_year"] = np.select([is_c, is_e | linear_a], [_div(K, T - t0), _div(target_level - x0, T - b)],
                                       default=np.nan)
    f["remaining_per_year"] = np.where((is_c | is_e | linear_a) & (rem_years > 0),
                                       _div(target_level - xt, rem_years), np.nan)

    share = np.select([is_a, is_c, is_e], [completion_a, share_c, share_e], default=np.nan)
    R = np.select([is_a & ~linear_a, linear_a, is_c | is_e], [R_a, R_lin, _div(share, tau)], default=np.nan)
    f["R"] = np.where(has_latest, R, np.nan)
    f["completion"] = np.where(has_latest, share, np.nan)
    f["expected_share"] = np.where(has_latest, np.where(is_a, expected_a, tau), np.nan)
    f["projection"] = np.select([is_a, is_c | is_e], [proj_a, xt + opy * rem_years], default=np.nan)
    f["projection"] = np.where(has_latest, f["projection"], np.nan)
    gap = target_level - xt
    count_gt = np.isin(P["ind_unit"].to_numpy(dtype=object), COUNT_UNITS) & (cmp == ">")
    f["gap_to_target"] = np.where(has_latest, gap + np.where(count_gt, 1, 0), np.nan)

    # ---- series break (levels straddling a break year) ------------------------------------------
    brk = P["indicator_id"].map(SERIES_BREAKS).to_numpy(dtype=float)
    lo = np.fmin(b, np.where(lat["nowcast"].fillna(False).to_numpy(dtype=bool), t - 1, t))
    f["series_break"] = has_latest & ~np.isnan(brk) & (lo < brk) & (t >= brk)

    # ---- not assessable --------------------------------------------------------------------------
    t0s = _year_text(t0, f.index)
    Ts = _year_text(T, f.index)
    no_base = np.isnan(x0)
    has_any = ctx["has_any"].reindex(f.index).to_numpy(dtype=bool)
    _add_reason(f, ~has_any, "没有" + P["ind_zh"] + "数据", "no data for " + P["ind_en"])
    _add_reason(f, has_any & no_base, "缺少" + t0s + "年基期值，且" + t0s + "—" + Ts + "年间没有可替代的后续年份数据",
                "the " + t0s + " base value is missing and no later year up to " + Ts + " can replace it")
    yard_no_home = yard & (is_a | is_e) & np.isnan(hb_val)
    _add_reason(f, yard_no_home, "省级基期值缺失，无法换算本地区的目标",
                "the province's base value is missing, so no target can be derived for this region")
    only_one = has_any & ~no_base & ~has_latest & ~met_at_base
    sub = f["base_sub"].to_numpy(dtype=bool)
    bys = _year_text(b, f.index)
    _add_reason(f, only_one & ~sub, "只有基期（" + bys + "年）一个时点，至少需要基期值和一个后续时点",
                "only the base (" + bys + ") is available; the base and at least one later point are needed")
    _add_reason(f, only_one & sub, "缺少" + t0s + "年基期值；以最近的后续年份" + bys + "年替代基期后，至" + Ts
                + "年没有更晚的数据点，无法计算进度",
                "the " + t0s + " base value is missing; with " + bys + " as the substitute base there is no later "
                "point up to " + Ts)
    bad_cagr = is_a & ~linear_a & has_latest & ~no_base & ((x0 <= 0) | (xt <= 0))
    _add_reason(f, bad_cagr, "数值为零或负数，无法计算年均增速", "zero or negative values: no compound growth rate")
    undefined = has_latest & ~no_base & np.isnan(f["R"].to_numpy()) & ~bad_cagr & ~f["met"].to_numpy(dtype=bool)
    _add_reason(f, undefined, "目标值等于基期值，无法计算进度比",
                "the target equals the base value, so no progress ratio can be computed")
    # ---- notes --------------------------------------------------------------------------------------
    _add_reason(f, sub, "缺少" + t0s + "年基期值，以" + bys + "年替代（基期替代）",
                "the " + t0s + " base is missing; " + bys + " is used instead", col="note")
    _add_context_notes(f, P, ctx, pre_mask=no_base)
    f.loc[met_at_base & ~has_latest, ["na_zh", "na_en"]] = ""
    # already met at the base and still met: achieved, R not used. (Met at the base but no longer met
    # keeps its R: moving away from a target once reached is 逆向变化.)
    f.loc[met_at_base & f["met"].to_numpy(dtype=bool), "R"] = np.nan

    keys = pd.concat([
        pd.DataFrame({"pair": f.index, "key": base["base_key"].reindex(f.index).to_numpy()}),
        pd.DataFrame({"pair": f.index, "key": lat["key1"].to_numpy()}),
        pd.DataFrame({"pair": f.index, "key": lat["key2"].to_numpy()}),
        pd.DataFrame({"pair": f.index, "key": np.where(yard, home_base["base_key"].reindex(f.index), None)}),
    ])
    return f, keys


def _add_context_notes(f: pd.DataFrame, P: pd.DataFrame, ctx: pd.DataFrame, pre_mask=True) -> None:
    """For an na row, name the data that exist outside the window and why they are not used."""
    na = (f["na_zh"] != "").to_numpy()
    c = ctx.reindex(f.index)
    unit = P["ind_unit"]

    def describe(period_col, value_col, mask):
        """Texts for the rows under `mask` (the others are not used: blank)."""
        per = c[period_col].to_numpy(dtype=object)[mask]
        values = c[value_col].to_numpy(dtype=object)[mask]
        units = unit.to_numpy(dtype=object)[mask]
        ptype = ["ytd" if isinstance(a, str) and len(a) > 4 else "annual" for a in per]
        out = []
        for texts in ([_period_zh(a, b) if isinstance(a, str) else "" for a, b in zip(per, ptype)],
                      [_period_en(a, b) if isinstance(a, str) else "" for a, b in zip(per, ptype)],
                      [fmt_value_zh(v, u) for v, u in zip(values, units)],
                      [fmt_value_en(v, u) for v, u in zip(values, units)]):
            full = pd.Series("", index=f.index, dtype=object)
            full[mask] = texts
            out.append(full)
        return out

    pre = na & c["pre_period"].notna().to_numpy() & np.asarray(pre_mask, dtype=bool)
    if pre.any():
        zh, en, v_zh, v_en = describe("pre_period", "pre_value", pre)
        _add_reason(f, pre, zh + "数据（" + v_zh + "）早于基期，不作基期替代（只用最近的后续年份）",
                    "the " + en + " figure (" + v_en + ") predates the base and is not used as a substitute "
                    "(only a later year may be)")
    post = na & c["post_period"].notna().to_numpy()
    if post.any():
        zh, en, v_zh, v_en = describe("post_period", "post_value", post)
        Ts = _year_text(P["T"], f.index)
        _add_reason(f, post, zh + "数据（" + v_zh + "）在目标期" + Ts + "年之后，不用于评估",
                    "the " + en + " figure (" + v_en + ") is after the target year " + Ts + " and not used")


# --------------------------------------------------------------------------- type B (official growth)

def _assess_growth(p: pd.DataFrame, y: pd.DataFrame, ctx: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = _empty_result_frame(p)
    P = p.set_index("pair")
    g = y[y["a_yoy"].notna() | y["y_yoy"].notna()]
    from_annual = g["a_yoy"].notna()
    g = pd.DataFrame({
        "indicator_id": g["indicator_id"], "region_code": g["region_code"], "year": g["year"],
        "g": np.where(from_annual, g["a_yoy"], g["y_yoy"]) / 100,
        "g_month": np.where(from_annual, 12, g["y_month"]),
        "g_est": np.where(from_annual, g["a_prelim"] | g["a_ptype"].eq("ytd"), True),
        "g_key": np.where(from_annual, g["a_key"], g["y_key"]),
        "g_period": np.where(from_annual, g["a_period"], g["y_period"]),
        "g_ptype": np.where(from_annual, g["a_ptype"], "ytd"),
        "g_pub": np.where(from_annual, g["a_value"], g["y_value"]),
    })
    m = p[["pair", "indicator_id", "region", "t0", "T"]].merge(
        g, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    inwin = m[(m["year"] > m["t0"]) & (m["year"] <= m["T"])].copy()
    inwin["log1p"] = np.log1p(np.where(inwin["g"] > -1, inwin["g"], np.nan))
    inwin["bad"] = inwin["log1p"].isna()
    agg = inwin.groupby("pair").agg(n=("g", "size"), last_year=("year", "max"), slog=("log1p", "sum"),
                                    bad=("bad", "any"), est=("g_est", "any"))
    agg = agg.reindex(f.index)
    last = _first_per_pair(inwin, ["year"], last=True).reindex(f.index)
    t0, T, d = P["t0"].to_numpy(), P["T"].to_numpy(), P["d"].to_numpy()
    N = T - t0
    Y = agg["last_year"].to_numpy(dtype=float)
    k = Y - t0
    n = agg["n"].fillna(0).to_numpy(dtype=float)
    prod = np.exp(agg["slog"].to_numpy(dtype=float))
    g_req = P["K"].to_numpy() / 100
    have = n > 0
    complete = have & (n == k)
    g_bar = np.where(complete, _pow(prod, _div(1, k)) - 1, np.nan)
    with np.errstate(all="ignore"):
        R = np.where(np.abs(g_req) > 0, d * g_bar / np.abs(g_req), np.sign(d * g_bar) * np.inf)
    month = last["g_month"].to_numpy(dtype=float)
    last_ytd = (month < 12)
    f["R"] = R
    f["completion"] = _div(g_bar, g_req)
    f["observed_rate"] = g_bar
    f["required_rate"] = g_req
    f["rate_gap_pp"] = 100 * (g_bar - g_req)
    f["remaining_required_rate"] = np.where(complete & (k < N), _pow(_div(_pow(1 + g_req, N), prod), _div(1, N - k)) - 1,
                                            np.nan)
    f["time_share"] = np.where(have, _div(12 * (k - 1) + month, 12 * N), np.nan)
    f["expected_share"] = np.nan  # growth targets are read against the rate (rate_gap_pp), not 时序进度
    f["year_time_share"] = np.where(have & last_ytd, month / 12, np.nan)
    f["latest_year"], f["latest_month"] = Y, month
    f["latest_period"] = last["g_period"].fillna("").to_numpy()
    f["latest_ptype"] = last["g_ptype"].fillna("").to_numpy()
    f["latest_is_ytd"] = have & last_ytd
    f["latest_yoy"] = last["g"].to_numpy(dtype=float)
    f["latest_value"] = last["g_pub"].to_numpy(dtype=float)
    f["estimate"] = agg["est"].fillna(False).to_numpy(dtype=bool)
    f["met"] = complete & (k == N) & _meets(np.round(g_bar * 100, 10), P["K"].to_numpy(), P["comparator"].to_numpy())
    f["deadline"] = complete & (k == N) & ~last_ytd
    # level-implied rate from published levels of the same series (never across a series break)
    lv = y.loc[y["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    ml = p[["pair", "indicator_id", "region", "t0", "T"]].merge(
        lv, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    base_l = _first_per_pair(ml[ml["year"] == ml["t0"]], ["year"]).reindex(f.index)
    ml = ml.assign(Y=ml["pair"].map(pd.Series(Y, index=f.index)))
    top = _first_per_pair(ml[(ml["year"] > ml["t0"]) & (ml["year"] <= ml["Y"])], ["year"], last=True).reindex(f.index)
    brk = P["indicator_id"].map(SERIES_BREAKS).to_numpy(dtype=float)
    crosses = ~np.isnan(brk) & (t0 < brk) & (top["year"].to_numpy(dtype=float) >= brk)
    x0 = base_l["a_value"].to_numpy(dtype=float)
    f["base_val"], f["base_year"] = x0, t0
    lvl = _pow(_div(top["a_value"].to_numpy(dtype=float), x0), _div(1, top["year"].to_numpy(dtype=float) - t0)) - 1
    same_span = top["year"].to_numpy(dtype=float) == Y
    f["level_implied_rate"] = np.where(crosses | ~same_span, np.nan, lvl)
    f["eff"] = x0 * prod  # level implied by the official rates, for the chart's projection
    f["target_level"] = x0 * _pow(1 + g_req, N)
    # two-year average for the latest year (NBS, base-effect years)
    gy = g.set_index(["indicator_id", "region_code", "year"])["g"]
    gy = gy[~gy.index.duplicated()]
    prev_idx = pd.MultiIndex.from_arrays([P["indicator_id"], P["region"], Y - 1])
    g_prev = gy.reindex(prev_idx).to_numpy(dtype=float)
    f["two_year"] = np.where(have, np.sqrt((1 + last["g"].to_numpy(dtype=float)) * (1 + g_prev)) - 1, np.nan)
    # reasons
    expected = pd.DataFrame({"pair": np.repeat(f.index.to_numpy(), np.where(have, k, 0).astype(int))})
    if len(expected):
        expected["year"] = expected["pair"].map(pd.Series(t0, index=f.index)) + expected.groupby("pair").cumcount() + 1
        present = inwin[["pair", "year"]].assign(present=True)
        expected = expected.merge(present, on=["pair", "year"], how="left")
        missing = expected[expected["present"].isna()].assign(y=lambda x: x["year"].astype(int).astype(str))
        miss = missing.groupby("pair")["y"].agg("、".join).reindex(f.index)
        miss_en = missing.groupby("pair")["y"].agg(", ".join).reindex(f.index)
    else:
        miss = miss_en = pd.Series(np.nan, index=f.index, dtype=object)
    has_any = ctx["has_any"].reindex(f.index).to_numpy(dtype=bool)
    t0s = _year_text(t0, f.index)
    Ts = _year_text(T, f.index)
    _add_reason(f, ~has_any, "没有" + P["ind_zh"] + "数据", "no data for " + P["ind_en"])
    _add_reason(f, has_any & ~have, t0s + "年之后至" + Ts + "年没有官方增速",
                "no official growth rate after " + t0s + " up to " + Ts)
    _add_reason(f, miss.notna(), "缺少" + miss.fillna("") + "年的官方增速（每个已过年份都需要一个）",
                "the official growth rate for " + miss_en.fillna("") + " is missing (one per elapsed year)")
    _add_reason(f, agg["bad"].fillna(False).to_numpy(dtype=bool) & (miss.isna().to_numpy()),
                "增速不低于−100%才能计算几何平均", "a rate of −100% or below has no geometric mean")
    _add_context_notes(f, P, ctx, pre_mask=False)
    # official vs level-implied
    diff = np.abs(f["level_implied_rate"].to_numpy() - g_bar)
    show = same_span & (diff > 0.003)
    _add_reason(f, show, "按总量计算的年均增速为" + f["level_implied_rate"].map(_pct) + "，与可比口径增速不同（统计范围调整和数据修订）",
                "the level-implied rate is " + f["level_implied_rate"].map(_pct)
                + ", unlike the comparable-basis rate (changes of the unit set and revisions)", col="note")
    f["series_break"] = False
    keys = pd.concat([
        inwin[["pair", "g_key"]].rename(columns={"g_key": "key"}),
        pd.DataFrame({"pair": f.index, "key": base_l["a_key"].to_numpy()}),
        pd.DataFrame({"pair": f.index, "key": np.where(crosses | ~same_span, None, top["a_key"])}),
    ])
    prev_key = g.set_index(["indicator_id", "region_code", "year"])["g_key"]
    prev_key = prev_key[~prev_key.index.duplicated()].reindex(prev_idx).to_numpy()
    keys = pd.concat([keys, pd.DataFrame({"pair": f.index, "key": np.where(have, prev_key, None)})])
    return f, keys


# --------------------------------------------------------------------------- type D (cumulative)

def _assess_cumulative(p: pd.DataFrame, y: pd.DataFrame, cand: pd.DataFrame, ctx: pd.DataFrame,
                       home_flow: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = _empty_result_frame(p)
    P = p.set_index("pair")
    t0, T = P["t0"].to_numpy(), P["T"].to_numpy()
    N = T - t0
    K = P["K"].to_numpy()
    S0 = np.nan_to_num(P["base_plan"].to_numpy(), nan=0.0)
    is_stock = (P["kind"] != "flow").to_numpy()
    yard = P["yardstick"].to_numpy(dtype=bool)

    # flows: annual values for complete years, the latest YTD cumulative for the current year
    rows = y[y["a_value"].notna() | y["y_value"].notna()]
    m = p[["pair", "indicator_id", "region", "t0", "T"]].merge(
        rows, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m = m[(m["year"] > m["t0"]) & (m["year"] <= m["T"])].copy()
    last_year = m.groupby("pair")["year"].max()
    m["last"] = m["pair"].map(last_year)
    m["use_annual"] = m["a_value"].notna()
    m["use_ytd"] = ~m["use_annual"] & (m["year"] == m["last"])
    used = m[m["use_annual"] | m["use_ytd"]].copy()
    used["v"] = np.where(used["use_annual"], used["a_value"], used["y_value"])
    used["mon"] = np.where(used["use_annual"], 12, used["y_month"])
    used["key"] = np.where(used["use_annual"], used["a_key"], used["y_key"])
    used["est"] = np.where(used["use_annual"], used["a_prelim"], True)
    used["per"] = np.where(used["use_annual"], used["a_period"], used["y_period"])
    used["ptype"] = np.where(used["use_annual"], used["a_ptype"], "ytd")
    flow_agg = used.groupby("pair").agg(C=("v", "sum"), n=("v", "size"), est=("est", "any")).reindex(f.index)
    flow_last = _first_per_pair(used, ["year"], last=True).reindex(f.index)
    Yl = last_year.reindex(f.index).to_numpy(dtype=float)
    n_needed = Yl - t0
    flow_complete = flow_agg["n"].to_numpy(dtype=float) == n_needed

    # stocks (designations): the latest level is the cumulative count
    lat = _latest(p, cand[cand["actual"] | (cand["is_ytd"] & ~cand["nowcast"])], P["t0"])

    C_t = np.where(is_stock, lat["eff"].to_numpy(dtype=float) - S0, flow_agg["C"].to_numpy(dtype=float))
    year = np.where(is_stock, lat["year"].to_numpy(dtype=float), flow_last["year"].to_numpy(dtype=float))
    mon = np.where(is_stock, lat["month"].to_numpy(dtype=float), flow_last["mon"].to_numpy(dtype=float))
    has = ~np.isnan(C_t) & np.where(is_stock, True, flow_complete)
    period = np.where(is_stock, lat["period"].fillna("").to_numpy(dtype=object),
                      flow_last["per"].fillna("").to_numpy(dtype=object))
    ptype = np.where(is_stock, np.where(lat["is_ytd"].fillna(False), "ytd", "annual"),
                     flow_last["ptype"].fillna("").to_numpy(dtype=object))
    is_ytd = has & (mon < 12)
    est = np.where(is_stock, lat["est"].fillna(False).to_numpy(dtype=bool),
                   flow_agg["est"].fillna(False).to_numpy(dtype=bool)) | is_ytd

    # yardstick: the province's target ÷ its base-year annual flow, times the region's base-year flow
    region_f0 = home_flow["region_f0"].reindex(f.index).to_numpy(dtype=float)
    home_f0 = home_flow["home_f0"].reindex(f.index).to_numpy(dtype=float)
    K_eff = np.where(yard, region_f0 * _div(K, home_f0), K)
    months = _months(year, mon, t0)
    tau = _div(months, 12 * N)
    share = _div(C_t, K_eff)
    f["target_level"] = K_eff
    f["base_val"], f["base_year"] = S0, t0
    f["latest_year"], f["latest_month"] = year, mon
    f["latest_period"] = np.where(has, period, "")
    f["latest_ptype"] = np.where(has, ptype, "")
    f["latest_is_ytd"] = is_ytd
    f["latest_value"] = np.where(has, C_t, np.nan)
    f["eff"] = np.where(has, C_t, np.nan)
    f["estimate"] = has & est
    f["time_share"] = np.where(has, tau, np.nan)
    f["expected_share"] = f["time_share"]
    f["year_time_share"] = np.where(is_ytd, mon / 12, np.nan)
    f["completion"] = np.where(has, share, np.nan)
    f["R"] = np.where(has, _div(share, tau), np.nan)
    f["met"] = has & _meets(C_t, K_eff, P["comparator"].to_numpy())
    f["deadline"] = has & ~is_ytd & (year == T)
    rem_months = 12 * N - months
    f["required_per_year"] = _div(K_eff, N)
    f["observed_per_year"] = np.where(has, _div(C_t, months / 12), np.nan)
    f["remaining_per_year"] = np.where(has & (rem_months > 0), _div(K_eff - C_t, rem_months / 12), np.nan)
    f["projection"] = np.where(has, _div(C_t, months) * 12 * N, np.nan)
    count_gt = np.isin(P["ind_unit"].to_numpy(dtype=object), COUNT_UNITS) & (P["comparator"].to_numpy() == ">")
    f["gap_to_target"] = np.where(has, K_eff - C_t + np.where(count_gt, 1, 0), np.nan)

    # reasons
    has_any = ctx["has_any"].reindex(f.index).to_numpy(dtype=bool)
    t0s = _year_text(t0, f.index)
    Ts = _year_text(T, f.index)
    _add_reason(f, ~has_any, "没有" + P["ind_zh"] + "数据", "no data for " + P["ind_en"])
    nothing = has_any & np.isnan(C_t)
    y1s = _year_text(t0 + 1, f.index)
    _add_reason(f, nothing, y1s + "—" + Ts + "年计划期内没有数据", "no data within the plan period " + y1s + "–" + Ts)
    # missing complete years for flows, named
    expected = pd.DataFrame({"pair": np.repeat(f.index.to_numpy(),
                                               np.where(~is_stock & ~np.isnan(Yl), np.nan_to_num(n_needed), 0)
                                               .astype(int))})
    if len(expected):
        expected["year"] = expected["pair"].map(pd.Series(t0, index=f.index)) + expected.groupby("pair").cumcount() + 1
        expected = expected.merge(used[["pair", "year"]].assign(ok=True), on=["pair", "year"], how="left")
        missing = expected[expected["ok"].isna()].assign(y=lambda x: x["year"].astype(int).astype(str))
        miss = missing.groupby("pair")["y"].agg("、".join).reindex(f.index)
        miss_en = missing.groupby("pair")["y"].agg(", ".join).reindex(f.index)
    else:
        miss = miss_en = pd.Series(np.nan, index=f.index, dtype=object)
    _add_reason(f, miss.notna().to_numpy() & ~nothing,
                "缺少" + miss.fillna("") + "年全年" + P["ind_zh"] + "数，无法累计（不插补）",
                "the full-year figure for " + miss_en.fillna("") + " is missing, so no cumulative count (no imputation)")
    stock_yard = yard & is_stock
    _add_reason(f, stock_yard, "全省目标为计划期内累计认定数（从0起算），无法按比例分解到本地区",
                "the provincial target counts designations from zero and cannot be apportioned to a region")
    flow_yard_missing = yard & ~is_stock & np.isnan(K_eff)
    _add_reason(f, flow_yard_missing, "缺少全省或本地区" + t0s + "年的全年数，无法按比例换算本地区目标",
                "the " + t0s + " annual figure of the province or the region is missing; no regional target")
    f.loc[(f["na_zh"] != "").to_numpy(), ["R", "completion", "time_share", "expected_share"]] = np.nan
    _add_context_notes(f, P, ctx, pre_mask=False)
    keys = pd.concat([
        used.loc[used["pair"].isin(f.index[~is_stock]), ["pair", "key"]],
        pd.DataFrame({"pair": f.index, "key": np.where(is_stock, lat["key1"], None)}),
        pd.DataFrame({"pair": f.index, "key": np.where(yard & ~is_stock, home_flow["home_key"].reindex(f.index), None)}),
        pd.DataFrame({"pair": f.index, "key": np.where(yard & ~is_stock, home_flow["region_key"].reindex(f.index), None)}),
    ])
    return f, keys


def _home_flow(p: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """Base-year annual flow of the region and of the target's own region (D yardsticks)."""
    lv = y.loc[y["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    out = pd.DataFrame(index=p["pair"])
    for who, col in (("region", "region"), ("home", "region_code")):
        m = p[["pair", "indicator_id", col, "t0"]].merge(
            lv, left_on=["indicator_id", col, "t0"], right_on=["indicator_id", "region_code", "year"],
            suffixes=("", "_obs"))
        m = m.drop_duplicates("pair").set_index("pair")
        out[f"{who}_f0"] = m["a_value"].reindex(out.index)
        out[f"{who}_key"] = m["a_key"].reindex(out.index)
    return out


# --------------------------------------------------------------------------- sentences

def _sentences(res: pd.DataFrame) -> tuple[list[str], list[str], list[str], list[str]]:
    """Officials' sentences and the reasons behind each status, one finished row at a time."""
    zh_s, en_s, zh_r, en_r = [], [], [], []
    # the rows as itertuples gives them, from plain object arrays (iterating Arrow-backed columns
    # element by element is what made this slow)
    row = collections.namedtuple("Row", res.columns)
    columns = [res[c].to_numpy(dtype=object) for c in res.columns]
    for r in map(row._make, zip(*columns)):
        s_zh, s_en, why_zh, why_en = _sentence_row(r)
        zh_s.append(s_zh)
        en_s.append(s_en)
        zh_r.append(why_zh)
        en_r.append(why_en)
    return zh_s, en_s, zh_r, en_r


def _sentence_row(r) -> tuple[str, str, str, str]:
    status = r.status
    label_zh = STATUS_LABELS[status]["zh"]
    label_en = STATUS_LABELS[status]["en"]
    if status == "not_scored":
        return (f"{r.target_name_zh}：无量化目标，列示不评分。",
                f"{r.target_name_en}: no numeric target; listed, not scored.",
                "规划未给出量化目标", "the plan sets no number for this aim")
    if status == "na":
        where_zh = "" if r.region == PROVINCE_CODE else f"{r.region_name_zh}："
        where_en = "" if r.region == PROVINCE_CODE else f"{r.region_name_en}, "
        return (f"{where_zh}“{r.target_name_zh}”：数据不足，无法评估——{r.h_na_zh}。",
                f"{where_en}{r.target_name_en}: not assessable — {r.h_na_en}.",
                r.h_na_zh, r.h_na_en)
    est_zh = "（预估）" if "estimate" in r.qualifiers else ""
    est_en = " (estimate)" if "estimate" in r.qualifiers else ""
    per_zh = _period_zh(r.latest_period, r.latest_period_type)
    per_en = _period_en(r.latest_period, r.latest_period_type)
    reg_zh, reg_en = r.region_name_zh, r.region_name_en
    ind_zh, ind_en = r.h_ind_zh, r.h_ind_en
    unit = r.indicator_unit
    code = r.type_code
    cmp_zh = _CMP_ZH.get(r.comparator, "")
    cmp_en = _CMP_EN.get(r.comparator, "")
    tgt_zh = fmt_target_zh(r.target_level, unit)
    tgt_en = fmt_target_en(r.target_level, unit)
    if r.yardstick and code in ("A", "D", "E"):
        tgt_zh = f"{tgt_zh}，按全省目标折算"
        tgt_en = f"{tgt_en}, scaled from the provincial target"
    R_txt = "—" if _isnan(r.progress_ratio) else f"{r.progress_ratio:.2f}"
    thr = "0.95/0.60/0"
    gap = r.schedule_gap_pp
    sched_zh = "" if _isnan(gap) else f"，{_above_below_zh(gap)}时序进度{abs(gap):.1f}个百分点"
    sched_en = "" if _isnan(gap) else f", {abs(gap):.1f} points {_above_below_en(gap)} the time schedule"
    done_zh = {"achieved": "已完成目标", "missed": "未完成目标"}.get(status)
    done_en = {"achieved": "target achieved", "missed": "target not achieved"}.get(status)

    if code == "A":
        val_zh = fmt_value_zh(r.latest_value if not r.latest_period_type == "ytd" else r.latest_value, unit)
        val_en = fmt_value_en(r.latest_value, unit)
        if r.latest_period_type == "ytd":
            grow_zh = "" if _isnan(r.latest_yoy) else f"，增长{_pct(r.latest_yoy)}"
            grow_en = "" if _isnan(r.latest_yoy) else f", up {_pct(r.latest_yoy)}"
            head_zh = f"{per_zh}，{reg_zh}{ind_zh}" + (f"{val_zh}" if not _isnan(r.latest_value) else "") + grow_zh
            head_en = f"{per_en}: {reg_en} {ind_en.lower()}" + (f" {val_en}" if not _isnan(r.latest_value) else "") + grow_en
            comp_zh = "" if _isnan(r.completion) else f"，完成当年目标路径值的{_pct(r.completion)}"
            comp_en = "" if _isnan(r.completion) else f", {_pct(r.completion)} of this year's path value"
            now_zh = f"；全年预估{fmt_value_zh(r.effective_value, unit)}"
            now_en = f"; full year estimated at {fmt_value_en(r.effective_value, unit)}"
        else:
            nowcast = "estimate" in r.qualifiers and not _isnan(r.latest_yoy) and r.h_nowcast
            head_zh = f"{per_zh}，{reg_zh}{ind_zh}" + ("约" if nowcast else "") + val_zh
            head_en = f"{per_en}: {reg_en} {ind_en.lower()} " + ("about " if nowcast else "") + val_en
            if nowcast:
                head_zh += f"（预估，按上年总量×(1+{_pct(r.latest_yoy)})推算）"
                head_en += f" (estimate: previous year × (1 + {_pct(r.latest_yoy)}))"
            else:
                head_zh += est_zh
                head_en += est_en
            comp_zh = "" if _isnan(r.completion) else f"，完成目标的{_pct(r.completion)}"
            comp_en = "" if _isnan(r.completion) else f", {_pct(r.completion)} of the target"
            now_zh = now_en = ""
        if done_zh:
            return (head_zh + f"，{done_zh}（{cmp_zh}{tgt_zh}）{est_zh}。",
                    head_en + f"; {done_en} ({cmp_en} {tgt_en}){est_en}.",
                    _why_done(r, "zh"), _why_done(r, "en"))
        rem_zh = "" if _isnan(r.remaining_required_rate) else f"，后续年均需增长{_pct(r.remaining_required_rate)}"
        rem_en = ("" if _isnan(r.remaining_required_rate)
                  else f"; {_pct(r.remaining_required_rate)} a year is needed from now on")
        if not _isnan(r.remaining_per_year):
            rem_zh = f"，后续每年需增加{fmt_value_zh(r.remaining_per_year, unit)}"
            rem_en = f"; {fmt_value_en(r.remaining_per_year, unit)} a year is needed from now on"
        s_zh = head_zh + comp_zh + sched_zh + now_zh + (("；" + rem_zh[1:]) if rem_zh else "") + "。"
        s_en = head_en + comp_en + sched_en + now_en + rem_en + "."
        if _isnan(r.required_rate):
            why_zh = f"按线性路径：完成份额{_pct(r.completion)}，时间进度{_pct(r.time_share)}，进度比R={R_txt}（阈值{thr}）"
            why_en = f"linear path: share {_pct(r.completion)} against time {_pct(r.time_share)}, R = {R_txt} ({thr})"
        else:
            why_zh = (f"实际年均增长{_pct(r.observed_rate)}，按期完成需年均增长{_pct(r.required_rate)}，"
                      f"进度比R={R_txt}（阈值{thr}）")
            why_en = (f"observed {_pct(r.observed_rate)} a year against {_pct(r.required_rate)} required, "
                      f"R = {R_txt} (thresholds {thr})")
        return s_zh, s_en, why_zh, why_en

    if code == "B":
        y0 = int(r.base_year) + 1 if not _isnan(r.base_year) else None
        y1 = int(r.latest_year) if not _isnan(r.latest_year) else None
        span_zh = f"{y0}年" if y0 == y1 else f"{y0}—{y1}年"
        span_en = f"{y0}" if y0 == y1 else f"{y0}–{y1}"
        ytd_zh = f"（{y1}年为{_period_zh(r.latest_period, 'ytd')[5:]}累计增速）" if r.latest_period_type == "ytd" else ""
        ytd_en = f" ({y1} from the {per_en} rate)" if r.latest_period_type == "ytd" else ""
        g_zh = f"年均增长{_pct(r.observed_rate)}" if y0 != y1 else f"增长{_pct(r.observed_rate)}"
        g_en = f"grew {_pct(r.observed_rate)} a year" if y0 != y1 else f"grew {_pct(r.observed_rate)}"
        head_zh = f"{span_zh}{ytd_zh}，{reg_zh}{ind_zh}{g_zh}{est_zh}"
        head_en = f"{span_en}{ytd_en}: {reg_en} {ind_en.lower()} {g_en}{est_en}"
        diff = r.rate_gap_pp
        vs_zh = f"，{'高出' if diff >= 0 else '低于'}目标（{_pct(r.required_rate)}）{abs(diff):.1f}个百分点"
        vs_en = f", {abs(diff):.1f} points {'above' if diff >= 0 else 'below'} the {_pct(r.required_rate)} target"
        if done_zh:
            return (head_zh + vs_zh + f"，{done_zh}。", head_en + vs_en + f"; {done_en}.",
                    _why_done(r, "zh"), _why_done(r, "en"))
        left = int(r.h_T - r.latest_year) if not _isnan(r.latest_year) else 0
        if _isnan(r.remaining_required_rate):
            rem_zh = rem_en = ""
        elif left == 1:
            rem_zh = f"；{int(r.h_T)}年需增长{_pct(r.remaining_required_rate)}"
            rem_en = f"; {int(r.h_T)} needs {_pct(r.remaining_required_rate)}"
        else:
            rem_zh = f"；后续{left}年年均需增长{_pct(r.remaining_required_rate)}"
            rem_en = f"; the remaining {left} years need {_pct(r.remaining_required_rate)} a year"
        s_zh = head_zh + vs_zh + f"，为目标增速的{_pct(r.completion)}" + rem_zh + "。"
        s_en = head_en + vs_en + f", {_pct(r.completion)} of the target rate" + rem_en + "."
        why_zh = (f"官方可比口径增速几何平均{_pct(r.observed_rate)}，目标{_pct(r.required_rate)}，"
                  f"进度比R={R_txt}（阈值{thr}）")
        why_en = (f"geometric mean of the official comparable-basis rates {_pct(r.observed_rate)} against "
                  f"{_pct(r.required_rate)}, R = {R_txt} (thresholds {thr})")
        return s_zh, s_en, why_zh, why_en

    if code == "C":
        chg = r.latest_value - r.base_value
        dir_zh = "下降" if chg < 0 else "上升"
        dir_en = "down" if chg < 0 else "up"
        head_zh = (f"{per_zh}，{reg_zh}{ind_zh}为{fmt_value_zh(r.latest_value, unit)}{est_zh}，"
                   f"较{int(r.base_year)}年{dir_zh}{abs(chg):.1f}个百分点")
        head_en = (f"{per_en}: {reg_en} {ind_en.lower()} {fmt_value_en(r.latest_value, unit)}{est_en}, "
                   f"{dir_en} {abs(chg):.1f} points on {int(r.base_year)}")
        if done_zh:
            return (head_zh + f"，{done_zh}。", head_en + f"; {done_en}.", _why_done(r, "zh"), _why_done(r, "en"))
        still = r.gap_to_target
        rem_zh = "" if _isnan(still) else f"；尚需{'下降' if still < 0 else '上升'}{abs(still):.1f}个百分点"
        rem_en = "" if _isnan(still) else f"; {abs(still):.1f} points still to go"
        s_zh = head_zh + f"，完成目标变化的{_pct(r.completion)}" + sched_zh + rem_zh + "。"
        s_en = head_en + f", {_pct(r.completion)} of the targeted change" + sched_en + rem_en + "."
        why_zh = f"完成目标变化的{_pct(r.completion)}，时间进度{_pct(r.time_share)}，进度比R={R_txt}（阈值{thr}）"
        why_en = f"{_pct(r.completion)} of the change against time {_pct(r.time_share)}, R = {R_txt} ({thr})"
        return s_zh, s_en, why_zh, why_en

    if code == "D":
        when_zh = f"截至{_period_zh(r.latest_period, r.latest_period_type).replace('1—', '')}" \
            if r.latest_period_type == "ytd" else f"{int(r.base_year) + 1}—{int(r.latest_year)}年"
        if r.latest_period_type == "ytd":
            when_zh = f"截至{r.latest_period[:4]}年{int(r.latest_month)}月"
        elif int(r.base_year) + 1 == int(r.latest_year):
            when_zh = f"{int(r.latest_year)}年"
        when_en = f"By {per_en}" if r.latest_period_type == "ytd" else f"{int(r.base_year) + 1}–{int(r.latest_year)}"
        head_zh = f"{when_zh}，{reg_zh}{ind_zh}累计{fmt_value_zh(r.latest_value, unit)}{est_zh}"
        head_en = f"{when_en}: {reg_en} {ind_en.lower()}, cumulative {fmt_value_en(r.latest_value, unit)}{est_en}"
        if done_zh:
            return (head_zh + f"，{done_zh}（{cmp_zh}{tgt_zh}）。", head_en + f"; {done_en} ({cmp_en} {tgt_en}).",
                    _why_done(r, "zh"), _why_done(r, "en"))
        rem_zh = "" if _isnan(r.remaining_per_year) else f"；后续年均需{fmt_value_zh(r.remaining_per_year, unit)}"
        rem_en = "" if _isnan(r.remaining_per_year) else f"; {fmt_value_en(r.remaining_per_year, unit)} a year needed"
        s_zh = head_zh + f"，完成目标的{_pct(r.completion)}" + sched_zh + rem_zh + "。"
        s_en = head_en + f", {_pct(r.completion)} of the target" + sched_en + rem_en + "."
        why_zh = f"累计完成目标的{_pct(r.completion)}，时间进度{_pct(r.time_share)}，进度比R={R_txt}（阈值{thr}）"
        why_en = f"{_pct(r.completion)} of the total against time {_pct(r.time_share)}, R = {R_txt} ({thr})"
        return s_zh, s_en, why_zh, why_en

    # E
    head_zh = f"{per_zh}，{reg_zh}{ind_zh}{fmt_value_zh(r.latest_value, unit)}{est_zh}"
    head_en = f"{per_en}: {reg_en} {ind_en.lower()} {fmt_value_en(r.latest_value, unit)}{est_en}"
    if done_zh:
        return (head_zh + f"，{done_zh}（{cmp_zh}{tgt_zh}）。", head_en + f"; {done_en} ({cmp_en} {tgt_en}).",
                _why_done(r, "zh"), _why_done(r, "en"))
    s_zh = (head_zh + f"，目标{cmp_zh}{tgt_zh}，尚差{fmt_value_zh(r.gap_to_target, unit)}；较{int(r.base_year)}年"
            f"完成目标增量的{_pct(r.completion)}" + sched_zh + "。")
    s_en = (head_en + f" against a target {cmp_en} {tgt_en}, {fmt_value_en(r.gap_to_target, unit)} to go; "
            f"{_pct(r.completion)} of the gap since {int(r.base_year)} closed" + sched_en + ".")
    why_zh = f"完成基期以来目标增量的{_pct(r.completion)}，时间进度{_pct(r.time_share)}，进度比R={R_txt}（阈值{thr}）"
    why_en = f"{_pct(r.completion)} of the gap closed against time {_pct(r.time_share)}, R = {R_txt} ({thr})"
    if r.latest_year < r.h_T:
        why_zh += "；认定按批次进行，目标年前仍可能有新批次（待批次认定）"
        why_en += "; designations come in batches and another may follow before the target year"
    return s_zh, s_en, why_zh, why_en


def _why_done(r, lang: str) -> str:
    unit = r.indicator_unit
    if r.type_code == "B":
        if lang == "zh":
            return f"{int(r.base_year) + 1}—{int(r.latest_year)}年官方增速几何平均{_pct(r.observed_rate)}，目标{_CMP_ZH.get(r.comparator, '')}{_pct(r.required_rate)}"
        return f"geometric mean of the official rates {_pct(r.observed_rate)}, target {_CMP_EN.get(r.comparator, '')} {_pct(r.required_rate)}"
    if r.type_code == "C":
        chg = r.latest_value - r.base_value
        if lang == "zh":
            return f"较基期变化{chg:+.1f}个百分点，目标{r.target_value:+.1f}个百分点（{r.comparator}）"
        return f"change {chg:+.1f} points against a target of {r.target_value:+.1f} ({r.comparator})"
    at_base = r.h_met_at_base and (_isnan(r.progress_ratio))
    if lang == "zh":
        txt = f"{'基期已' if at_base else '最新值'}{fmt_value_zh(r.latest_value if not at_base else r.base_value, unit)}，目标{_CMP_ZH.get(r.comparator, '')}{fmt_value_zh(r.target_level, unit)}"
        return txt + ("（目标期已过，按目标年数据判断）" if r.status == "missed" else "")
    txt = (f"{'already at the base: ' if at_base else 'latest '}{fmt_value_en(r.latest_value if not at_base else r.base_value, unit)}"
           f", target {_CMP_EN.get(r.comparator, '')} {fmt_value_en(r.target_level, unit)}")
    return txt + ("; the target year's figure decides" if r.status == "missed" else "")


# --------------------------------------------------------------------------- main

def assess(targets: pd.DataFrame, observations: pd.DataFrame, *, as_of: str | None = None,
           regions: list[str] | None = None, today: _dt.date | None = None,
           indicators: pd.DataFrame | None = None, region_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Assess every target (× region) against the observations; one row each, columns COLUMNS + EXTRA_COLUMNS.

    ``targets`` as from ``store.targets``; ``observations`` as from ``store.observations`` (latest vintage per
    period). ``as_of`` 'YYYY' or 'YYYY-MM' caps the data used. ``regions``: None → each target for its own
    region; a list → provincial numeric targets as a yardstick for every listed region (see module doc).
    ``indicators`` / ``region_table`` default to the registry files (kind, names).
    """
    as_of_ord = parse_as_of(as_of)
    today = today or _dt.date.today()
    indicators = _default_indicators() if indicators is None else indicators
    region_table = _default_regions() if region_table is None else region_table
    p = _pairs(targets, regions, indicators, region_table)
    if len(p) == 0:
        return pd.DataFrame(columns=COLUMNS + EXTRA_COLUMNS)
    kinds = dict(zip(indicators["id"], indicators["kind"])) if "kind" in indicators.columns else {}
    scored = p[p["type_code"] != "N"]
    region_codes = set(scored["region"]) | set(scored["region_code"])
    o = _prepare_observations(observations, set(scored["indicator_id"].dropna()), region_codes, as_of_ord)
    y = _per_year(o, kinds)
    cand = _candidates(y)
    ctx = _context(scored, y) if len(scored) else pd.DataFrame()

    # the province's (target's own region's) base, for yardsticks
    home = scored.assign(region=scored["region_code"], yardstick=False)
    home_base = _resolve_base(home, y) if len(home) else pd.DataFrame()

    parts, keys = [], []
    lv = scored[scored["type_code"].isin(["A", "C", "E"])]
    if len(lv):
        f, k = _assess_levels(lv, y, cand, home_base, ctx)
        parts.append(f)
        keys.append(k)
    gr = scored[scored["type_code"] == "B"]
    if len(gr):
        f, k = _assess_growth(gr, y, ctx)
        parts.append(f)
        keys.append(k)
    cu = scored[scored["type_code"] == "D"]
    if len(cu):
        f, k = _assess_cumulative(cu, y, cand, ctx, _home_flow(cu, y))
        parts.append(f)
        keys.append(k)
    ns = p[p["type_code"] == "N"]
    if len(ns):
        parts.append(_empty_result_frame(ns))
    f = pd.concat(parts).sort_index()
    P = p.set_index("pair").loc[f.index]
    return _finish(P, f, pd.concat(keys) if keys else pd.DataFrame(columns=["pair", "key"]), as_of_ord, today)


def _finish(P: pd.DataFrame, f: pd.DataFrame, keys: pd.DataFrame, as_of_ord: int | None,
            today: _dt.date) -> pd.DataFrame:
    code = P["type_code"].to_numpy()
    scored = code != "N"
    # rounded for the comparison only, so that 0.2/(1/3) counts as 0.60 and not 0.5999999…
    R = f["R"].to_numpy(dtype=float)
    R_cmp = np.round(R, 9)
    hi, med, low = P["thr_hi"].to_numpy(), P["thr_med"].to_numpy(), P["thr_low"].to_numpy()
    no_reason = (f["na_zh"] == "").to_numpy()
    met = f["met"].to_numpy(dtype=bool)
    deadline = f["deadline"].to_numpy(dtype=bool)
    # R missing without a stated reason (should not happen) → na, said so
    unexplained = scored & no_reason & ~met & ~deadline & np.isnan(R)
    _add_reason(f, unexplained, "无法计算进度比", "no progress ratio could be computed")
    na = scored & (f["na_zh"] != "").to_numpy()
    with np.errstate(invalid="ignore"):
        status = np.select(
            [~scored, na, met, deadline, R_cmp >= hi, R_cmp >= med, R_cmp >= low, R_cmp < low],
            ["not_scored", "na", "achieved", "missed", "on_track", "accelerate", "lagging", "reversing"],
            default="na")
    live = scored & ~na

    # qualifiers
    ref = today.year * 12 + today.month
    if as_of_ord is not None:
        ref = min(ref, as_of_ord)
    latest_ord = f["latest_year"].to_numpy(dtype=float) * 12 + f["latest_month"].to_numpy(dtype=float)
    lag = np.where(f["latest_is_ytd"].to_numpy(dtype=bool), YTD_LAG_MONTHS, ANNUAL_LAG_MONTHS)
    before_end = latest_ord < P["T"].to_numpy(dtype=float) * 12 + 12
    stale = live & before_end & (ref - latest_ord > lag)
    flags = {
        "estimate": live & f["estimate"].to_numpy(dtype=bool),
        "stale": stale,
        "base_substituted": live & f["base_sub"].to_numpy(dtype=bool),
        "series_break": live & f["series_break"].to_numpy(dtype=bool),
    }
    names = list(flags)
    qualifiers = [[q for q, on in zip(names, row) if on] for row in zip(*(flags[q].tolist() for q in names))]
    per_zh = pd.Series("", index=f.index, dtype=object)
    per_en = pd.Series("", index=f.index, dtype=object)
    if stale.any():  # the periods are named only in the notes of stale rows
        periods = f["latest_period"].to_numpy(dtype=object)[stale]
        ptypes = f["latest_ptype"].to_numpy(dtype=object)[stale]
        per_zh[stale] = [_period_zh(a, b) for a, b in zip(periods, ptypes)]
        per_en[stale] = [_period_en(a, b) for a, b in zip(periods, ptypes)]
    _add_reason(f, stale, "最新数据为" + per_zh + "，按发布时滞应已有更新数据（数据滞后）",
                "the latest figure is for " + per_en + "; newer data should be out by now", col="note")

    # observation keys
    k = keys.dropna()
    k = k[k["key"].astype(str) != ""].drop_duplicates().sort_values(["pair", "key"])
    # one list per pair, in key order: slices of the sorted keys (a groupby into lists, without a Python call per pair)
    k_pair = k["pair"].to_numpy()
    k_key = k["key"].to_numpy(dtype=object)
    wanted = f.index.to_numpy()
    starts, ends = np.searchsorted(k_pair, wanted, "left"), np.searchsorted(k_pair, wanted, "right")
    obs_keys = [k_key[a:b].tolist() for a, b in zip(starts.tolist(), ends.tolist())]

    out = pd.DataFrame({
        "target_id": P["id"].to_numpy(), "plan_id": P["plan_id"].to_numpy(), "region": P["region"].to_numpy(),
        "indicator_id": P["indicator_id"].to_numpy(), "target_type": P["target_type"].to_numpy(),
        "status": status, "qualifiers": qualifiers,
        "progress_ratio": np.where(live, R, np.nan),
        "time_share": f["time_share"].to_numpy(dtype=float),
        "completion": f["completion"].to_numpy(dtype=float),
        "schedule_gap_pp": 100 * (f["completion"].to_numpy(dtype=float) - f["expected_share"].to_numpy(dtype=float)),
        "latest_period": _none_if_blank(f["latest_period"]),
        "latest_period_type": _none_if_blank(f["latest_ptype"]),
        "latest_value": f["latest_value"].to_numpy(dtype=float),
        "base_period": [None if _isnan(v) else str(int(v)) for v in f["base_year"]],
        "base_value": f["base_val"].to_numpy(dtype=float),
        "target_period": P["target_period"].to_numpy(dtype=object),
        "target_value": P["K"].to_numpy(dtype=float),
        "comparator": P["comparator"].to_numpy(dtype=object),
        "unit": P["unit"].to_numpy(dtype=object),
        "required_rate": f["required_rate"].to_numpy(dtype=float),
        "observed_rate": f["observed_rate"].to_numpy(dtype=float),
        "remaining_required_rate": f["remaining_required_rate"].to_numpy(dtype=float),
        "level_implied_rate": f["level_implied_rate"].to_numpy(dtype=float),
        "path_value": f["path_value"].to_numpy(dtype=float),
        "deviation_from_path": f["deviation"].to_numpy(dtype=float),
        "projection": f["projection"].to_numpy(dtype=float),
        "gap_to_target": f["gap_to_target"].to_numpy(dtype=float),
        "reason_zh": "", "reason_en": "", "sentence_zh": "", "sentence_en": "",
        "observation_keys": obs_keys,
        "type_code": code, "yardstick": P["yardstick"].to_numpy(dtype=bool),
        "target_name_zh": P["name_zh"].to_numpy(dtype=object), "target_name_en": P["name_en"].to_numpy(dtype=object),
        "region_name_zh": P["region_zh"].to_numpy(dtype=object), "region_name_en": P["region_en"].to_numpy(dtype=object),
        "indicator_unit": P["ind_unit"].to_numpy(dtype=object),
        "plan_base_period": P["base_period"].to_numpy(dtype=object),
        "base_year": f["base_year"].to_numpy(dtype=float),
        "latest_year": f["latest_year"].to_numpy(dtype=float),
        "latest_month": f["latest_month"].to_numpy(dtype=float),
        "latest_yoy": f["latest_yoy"].to_numpy(dtype=float),
        "effective_value": f["eff"].to_numpy(dtype=float),
        "target_level": f["target_level"].to_numpy(dtype=float),
        "expected_share": f["expected_share"].to_numpy(dtype=float),
        "year_time_share": f["year_time_share"].to_numpy(dtype=float),
        "rate_gap_pp": f["rate_gap_pp"].to_numpy(dtype=float),
        "required_per_year": f["required_per_year"].to_numpy(dtype=float),
        "observed_per_year": f["observed_per_year"].to_numpy(dtype=float),
        "remaining_per_year": f["remaining_per_year"].to_numpy(dtype=float),
        "two_year_average_rate": f["two_year"].to_numpy(dtype=float),
        "score": np.where(live, progress_score(np.nan_to_num(R, nan=0.0), met), np.nan),
    })
    # numbers that describe progress are blank when the row is not assessable
    blank = ~live
    for col in ("time_share", "completion", "schedule_gap_pp", "expected_share", "year_time_share", "score"):
        out.loc[blank, col] = np.nan
    out.loc[np.isnan(R) & live & met, "score"] = 5.0
    # sentences
    helper = out.assign(h_na_zh=f["na_zh"].to_numpy(), h_na_en=f["na_en"].to_numpy(),
                        h_ind_zh=P["ind_zh"].to_numpy(), h_ind_en=P["ind_en"].to_numpy(),
                        h_T=P["T"].to_numpy(dtype=float), h_met_at_base=f["met_at_base"].to_numpy(dtype=bool),
                        h_nowcast=_nowcast_flags(out))
    s_zh, s_en, r_zh, r_en = _sentences(helper)
    notes_zh, notes_en = f["note_zh"].to_numpy(), f["note_en"].to_numpy()
    out["sentence_zh"], out["sentence_en"] = s_zh, s_en
    out["reason_zh"] = [r + ("；" + n if n and s not in ("na", "not_scored") else "") for r, n, s in
                        zip(r_zh, notes_zh, status)]
    out["reason_en"] = [r + ("; " + n if n and s not in ("na", "not_scored") else "") for r, n, s in
                        zip(r_en, notes_en, status)]
    return out[COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


def _none_if_blank(s: pd.Series) -> np.ndarray:
    arr = s.to_numpy(dtype=object)
    return np.where(pd.isna(arr) | (arr == ""), None, arr)


def _nowcast_flags(out: pd.DataFrame) -> np.ndarray:
    """Annual type-A rows whose value is a nowcast from the published rate (no published level)."""
    return ((out["type_code"] == "A") & (out["latest_period_type"] == "annual")
            & out["qualifiers"].map(lambda q: "estimate" in q) & out["latest_yoy"].notna()).to_numpy()


# --------------------------------------------------------------------------- store wrapper

def _resolve_region(code: str, regions_df: pd.DataFrame, codes: set[str] | None = None) -> str:
    text = str(code).strip()
    if text in (codes if codes is not None else set(regions_df["code"])):
        return text
    for col in ("name_zh", "short_name_zh", "name_en"):
        if col in regions_df.columns:
            hit = regions_df.loc[regions_df[col].astype(str).str.casefold() == text.casefold(), "code"]
            if len(hit):
                return str(hit.iloc[0])
    raise ValueError(f"unknown region {code!r}: give a GB/T 2260 code such as 430100 (长沙市)")


def _year_windows(numeric: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per indicator, (first base year, last target year) over its numeric targets — the years
    assessments read (see store.assessment_observations); none for an indicator with a target
    lacking either."""
    t0 = _num(numeric["base_period"].astype(str).str[:4])
    T = _num(numeric["target_period"].astype(str).str[:4])
    frame = pd.DataFrame({"ind": numeric["indicator_id"].to_numpy(), "t0": t0, "T": T}).dropna(subset=["ind"])
    out = {}
    for ind, g in frame.groupby("ind"):
        if g["t0"].notna().all() and g["T"].notna().all():
            out[str(ind)] = (int(g["t0"].min()), int(g["T"].max()))
    return out


def assess_store(reader, dataset: str = "official", as_of: str | None = None, region: str | None = None,
                 regions: list[str] | None = None, known_at=None, today: _dt.date | None = None) -> pd.DataFrame:
    """Read targets and the observations they need from the store and assess them.

    ``region`` is a shortcut for ``regions=[region]``; ``known_at`` (datetime, date or ISO string) reproduces
    what the store knew then (as-of-vintage view). ValueError for a malformed ``as_of`` or unknown region.
    """
    from . import store

    parse_as_of(as_of)
    if region is not None:
        regions = [region]
    regions_df = store.regions(reader)
    if regions is not None:
        codes = set(regions_df["code"])
        regions = [_resolve_region(r, regions_df, codes) for r in regions]
    if known_at is not None and not isinstance(known_at, _dt.datetime):
        if isinstance(known_at, _dt.date):
            known_at = _dt.datetime.combine(known_at, _dt.time.max)
        else:
            try:
                text = str(known_at).strip()
                known_at = (_dt.datetime.combine(_dt.date.fromisoformat(text), _dt.time.max) if len(text) == 10
                            else _dt.datetime.fromisoformat(text))
            except ValueError as exc:
                raise ValueError(f"known_at must be a date or datetime (YYYY-MM-DD), got {known_at!r}") from exc
    targets = store.targets(reader)
    indicators = store.indicators(reader)
    numeric = targets[targets["target_type"] != "no_numeric_target"]
    indicator_ids = sorted(numeric["indicator_id"].dropna().unique())
    region_codes = set(targets["region_code"]) | set(regions or [])
    # the row reduction of _prepare_observations, and the years no assessment reads, in SQL
    obs = store.assessment_observations(reader, dataset, indicator_ids, sorted(region_codes), known_at=known_at,
                                        as_of_ordinal=parse_as_of(as_of), windows=_year_windows(numeric))
    return assess(targets, obs, as_of=as_of, regions=regions, today=today, indicators=indicators,
                  region_table=regions_df)


# --------------------------------------------------------------------------- output

def _jsonable(v: Any) -> Any:
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_jsonable(x) for x in v]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        return v.isoformat()
    return v


def to_records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe records: NaN → None, numpy scalars → Python, lists kept."""
    cols = list(df.columns)
    return [{c: _jsonable(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _table_latest(r) -> str:
    if getattr(r, "type_code", "") == "B":
        return "" if _isnan(r.latest_yoy) else f"{_fx(100 * r.latest_yoy, 1)}%"
    return "" if _isnan(r.latest_value) else fmt_value_zh(r.latest_value, getattr(r, "indicator_unit", r.unit))


def _table_target(r) -> str:
    if _isnan(r.target_value):
        return ""
    if getattr(r, "yardstick", False) and r.type_code in ("A", "D", "E"):
        return "" if _isnan(r.target_level) else f"{r.comparator}{fmt_value_zh(r.target_level, r.indicator_unit)}（折算）"
    return f"{r.comparator}{fmt_target_zh(r.target_value, r.unit)}"


def to_table(df: pd.DataFrame) -> str:
    """A fixed-width table for the terminal (CJK characters count double), then one sentence per row."""
    if len(df) == 0:
        return "(no targets)"
    headers = ["目标 target", "地区", "状态 status", "限定", "R", "τ", "完成度", "时序差", "最新期", "最新值", "目标值"]
    rows = []
    for r in df.itertuples(index=False):
        q = "、".join(QUALIFIER_LABELS[x]["zh"] for x in r.qualifiers)
        rows.append([
            r.target_id, str(r.region_name_zh if hasattr(r, "region_name_zh") else r.region),
            f"{STATUS_LABELS[r.status]['zh']} {r.status}", q,
            "" if _isnan(r.progress_ratio) else f"{r.progress_ratio:.2f}",
            "" if _isnan(r.time_share) else _pct(r.time_share),
            "" if _isnan(r.completion) else _pct(r.completion),
            "" if _isnan(r.schedule_gap_pp) else f"{r.schedule_gap_pp:+.1f}",
            "" if _isnan(r.latest_period) else str(r.latest_period),
            _table_latest(r),
            _table_target(r),
        ])
    numeric_cols = {4, 5, 6, 7, 9, 10}
    widths = [max(_width(h), *(_width(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w, i in numeric_cols) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    lines.append("")
    for r in df.itertuples(index=False):
        lines.append(f"[{r.target_id} {r.region}] {r.sentence_zh}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- chart helper

def target_path(row) -> pd.DataFrame:
    """The target path from the base to the target year and the projection at the observed pace.

    Columns period ('YYYY'), year (int), value (float), series ('path' | 'projection'). Geometric for A
    (and for B in level terms when the base level is known), linear for C, D, E. Empty when the row has
    no base or target level.
    """
    get = row.get if isinstance(row, dict) else (lambda k, default=None: row[k] if k in row.index else default)
    empty = pd.DataFrame({"period": pd.Series(dtype=str), "year": pd.Series(dtype=int),
                          "value": pd.Series(dtype=float), "series": pd.Series(dtype=str)})
    code = get("type_code") or TYPE_CODES.get(get("target_type"), "N")
    b, T = get("base_year"), get("target_period")
    x0, K = get("base_value"), get("target_level")
    if code == "N" or _isnan(b) or T is None or _isnan(x0) or _isnan(K):
        return empty
    b, T = int(b), int(str(T)[:4])
    if T <= b:
        return empty
    years = np.arange(b, T + 1)
    r_req = get("required_rate")
    if code == "A" and not _isnan(r_req):
        path = x0 * (1 + r_req) ** (years - b)
    elif code == "B":
        path = x0 * (1 + r_req) ** (years - b)
    else:
        path = x0 + (K - x0) * (years - b) / (T - b)
    frames = [pd.DataFrame({"year": years, "value": path, "series": "path"})]
    t, xt = get("latest_year"), get("effective_value")
    if not _isnan(t) and not _isnan(xt) and int(t) < T:
        t = int(t)
        pyears = np.arange(t, T + 1)
        r_obs, opy = get("observed_rate"), get("observed_per_year")
        month = get("latest_month")
        if code == "D":
            months = 12 * (t - b - 1) + (12 if _isnan(month) else month)
            pace = xt / months if months else np.nan
            vals = np.concatenate([[xt], pace * (12 * (pyears[1:] - b))]) if len(pyears) > 1 else np.array([xt])
        elif code in ("A", "B") and not _isnan(r_obs):
            vals = xt * (1 + r_obs) ** (pyears - t)
        elif not _isnan(opy):
            vals = xt + opy * (pyears - t)
        else:
            vals = None
        if vals is not None:
            frames.append(pd.DataFrame({"year": pyears, "value": vals, "series": "projection"}))
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    out.insert(0, "period", out["year"].astype(str))
    return out[["period", "year", "value", "series"]]
