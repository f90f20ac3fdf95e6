"""Synthetic demo data: `python -m monitor demo`.

One concern (issue 10 allows a long module for one concern): generating the synthetic demo dataset.

The demo fills every page with plausible data the thin official dataset cannot provide. It is
written as dataset `demo`, registered in `datasets` with `is_synthetic = true`, and every row says
it is synthetic (source, note); exports carry `synthetic = true`. Official rows are never touched.

What is generated
-----------------
For every indicator of the registry that is not derived (derived ones are sums the store computes
from their components), for every region of the scale and every year:

* an annual row (`YYYY`), and for `monthly_ytd` indicators year-to-date rows `YYYY-02` … `YYYY-11`
  (1–m月累计; January and February are published together, so there is no January row; the full
  year is the annual row), with `yoy_pct` = growth over the same period of the previous year,
  computed from the generated levels and rounded to 0.1 (none for ratios);
* optionally (`single_months=True`, `--single-months`), single-month rows (当月, period_type `month`)
  `YYYY-03` … `YYYY-12` for the same indicators — January and February have none, as they are
  published together — with growth over the same month a year before. They add up with the
  February year-to-date row to the annual row. Off by default; the benchmark uses them to reach
  about a million rows at county scale;
* flows: a trend with a yearly growth wiggle, a seasonal profile with a Q4 peak, and a Covid shock
  in 2020 (deepest in February); counts of firms are integers;
* stocks counted in 家/个 (brands, districts, firms): non-decreasing integers that rise in steps
  (designation batches); other stocks (population) a slow trend;
* ratios: `100 × numerator / denominator` of each region's own generated series where the
  indicator is such a ratio (logistics cost/GDP, trade/GDP), else a drifting level per region.

Regions and shares
------------------
Flows and additive stocks are split top-down: every child's monthly flow is its parent's × a
weight, rounded by largest remainders so children add up *exactly* to the parent (to the stored
rounding: 0.01 for 亿元/亿美元/万人, 1 for counts) in every month, hence every year-to-date and
annual value. A child's weight is its base weight ** alpha (alpha: how concentrated the indicator
is, e.g. trade 1.6, population 0.45) × a fixed per-indicator deviation × its own trend and a yearly random walk (so
rankings change over time) × a small monthly wiggle. Base weights: Hunan's prefectures by their
GDP in the bundled official data (the latest year with all 14, else the fixed 2022 table below);
counties by type (区 > 市 > 县 > 自治县) × a random factor; provinces (national scale) by the
approximate 2021 GDP table below. Count stocks split their first level and every increase, so
each child is non-decreasing too.

Scales
------
* `province`: Hunan (430000) only;
* `prefectures` (default): Hunan and its 14 prefectures;
* `counties`: plus Hunan's 122 real county-level divisions (data/regions_counties.csv);
* `national`: the whole country, ~2,843 county-level regions: national (000000) = Hunan + the
  other 30 real provinces; Hunan keeps its real prefectures and counties, the other provinces
  get *generated* prefectures and counties, inserted into `regions` with `is_synthetic = true` and
  names such as 合成地区001 / 合成县0001. Their codes use prefecture digits 50–89 (e.g. 115001),
  which GB/T 2260 never assigns, so they cannot collide with real codes. The other provinces'
  series are an uncalibrated "rest of China" series split by province weights. Switching to a
  smaller scale deletes the synthetic regions no demo row needs any more.

Calibration to the official figures
-----------------------------------
Where the official dataset holds a Hunan (430000) figure for a period the demo generates (annual,
or year-to-date for monthly indicators), the demo reproduces it exactly — the value where one is
given, the growth rate where one is given:

1. levels: official values fix a year (or year-to-date month); official growth rates link a year
   to the previous one, so the chain fixes the neighbour (growth-only rows take the previous
   year × (1 + g)); a year-to-date value fixes its year's annual level through the model's
   seasonal share when the year has no annual figure;
2. the model path is scaled by a correction factor that passes through every fixed year and is
   interpolated log-linearly between them (constant beyond), so the series stays smooth;
3. within a year the cumulative seasonal curve is reshaped piecewise to pass through each fixed
   year-to-date value;
4. where an official growth rate cannot follow from official levels (GDP growth is at constant
   prices; trade growth is on a comparable basis) the official rate is stored on that row.

Children are then split from the calibrated province, so the sums hold too.

The same seed and arguments always give the same rows (every random stream is keyed by the seed
and a stable name, and the model runs over a fixed span of years).
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import db as dbmod
from .config import NATIONAL_CODE, PROVINCE_CODE
from .importer import now_beijing
from .units import UNITS

DATASET = "demo"
DATASET_NAME_ZH = "演示数据（合成）"
DATASET_NAME_EN = "Demo data (synthetic)"
DATASET_DESCRIPTION = ("Synthetic demo data generated by `python -m monitor demo`; not official statistics. "
                       "Province-level values equal the official figures where those exist.")
NOTE = "合成演示数据，非官方统计 / synthetic demo data, not official statistics"
SCALES = ("province", "prefectures", "counties", "national")
DEFAULT_SCALE = "prefectures"
DEFAULT_YEARS = (2015, 2025)
DEFAULT_SEED = 1
EARLIEST_YEAR = 1951

# The model runs over this span whatever years are asked for, so a year's model value does not
# depend on the range requested (only calibration to anchors inside the range does).
MODEL_SPAN = (1990, 2050)
BASE_YEAR = 2021


def source_text(seed: int) -> str:
    return f"合成演示数据 SYNTHETIC DEMO (python -m monitor demo --seed {seed})"


class DemoError(RuntimeError):
    """The demo could not be generated as asked (bad arguments, or official figures that contradict each other)."""


# --------------------------------------------------------------------------- model parameters

@dataclass(frozen=True)
class Profile:
    level: float                    # Hunan in BASE_YEAR, in the indicator's unit (a year's total for flows)
    growth: float = 0.06            # trend growth a year (flows, non-count stocks)
    covid: float = 0.5              # depth of the 2020 shock: 0 none, 1 like retail sales
    season: str = "retail"          # monthly profile of flows
    alpha: float = 1.0              # concentration: weight ∝ base weight ** alpha
    noise: float = 0.015            # σ of the yearly growth wiggle
    increment: float = 0.0          # count stocks: mean increase a year
    step_prob: float = 1.0          # count stocks: chance that a year has an increase (batches)
    start_year: int | None = None   # count stocks counted "since" this year: 0 before it
    ratio_of: tuple[str, str] | None = None  # ratios: 100 × numerator / denominator, per region
    drift: float = 0.0              # ratios without ratio_of: percentage points a year


P = Profile
PROFILES: dict[str, Profile] = {
    "retail_sales": P(18600, 0.075, covid=1.0, season="retail", alpha=1.05),
    "online_retail": P(2300, 0.13, covid=0.2, season="online", alpha=1.3),
    "physical_online_retail": P(1900, 0.12, covid=0.2, season="online", alpha=1.3),
    "online_goods_services_retail": P(2700, 0.11, covid=0.2, season="online", alpha=1.3),
    "online_goods_retail": P(2050, 0.11, covid=0.2, season="online", alpha=1.3),
    "above_quota_online_retail": P(700, 0.18, covid=0.2, season="online", alpha=1.4),
    "logistics_cost": P(6750, 0.065, covid=0.6, season="trade", alpha=0.9),
    "logistics_cost_gdp_ratio": P(14.6, ratio_of=("logistics_cost", "gdp")),
    "gdp": P(46000, 0.065, covid=0.5, season="trade", alpha=1.0),
    "population": P(6620, -0.003, covid=0.0, alpha=0.45, noise=0.001),
    "trade_total": P(6000, 0.10, covid=0.5, season="trade", alpha=1.6),
    "imports": P(1700, 0.10, covid=0.5, season="trade", alpha=1.7),
    "service_trade": P(480, 0.08, covid=1.0, season="trade", alpha=1.5),
    "trade_dependency": P(13.0, ratio_of=("trade_total", "gdp")),
    "fdi": P(24, 0.10, covid=0.5, alpha=1.4, noise=0.04),
    "outbound_investment": P(17, 0.05, covid=0.8, alpha=1.5, noise=0.06),
    "foreign_contracting_revenue": P(28, 0.03, covid=1.5, alpha=1.5, noise=0.05),
    "foreign_trade_enterprises": P(7200, increment=550, step_prob=1.0, alpha=1.3),
    "cross_border_ecommerce_exports": P(200, 0.35, covid=0.0, alpha=1.5, noise=0.05),
    "time_honoured_brands": P(180, increment=15, step_prob=0.5, alpha=0.8),
    "china_time_honoured_brands": P(20, increment=2, step_prob=0.25, alpha=0.9),
    "hunan_time_honoured_brands": P(160, increment=14, step_prob=0.5, alpha=0.8),
    "time_honoured_brands_city": P(250, increment=20, step_prob=0.6, alpha=0.9),
    "new_above_quota_wholesale_retail": P(900, 0.05, covid=0.6, season="firms", alpha=0.9, noise=0.05),
    "new_above_quota_accommodation_catering": P(260, 0.05, covid=1.0, season="firms", alpha=0.8, noise=0.05),
    "county_online_brands": P(12, increment=12, step_prob=1.0, start_year=2021, alpha=0.3),
    "smart_business_districts": P(6, increment=7, step_prob=0.8, start_year=2021, alpha=1.0),
}
del P


def default_profile(kind: str, is_count: bool) -> Profile:
    """Parameters for an indicator added to the registry after this table was written."""
    if kind == "ratio":
        return Profile(50.0)
    if kind == "stock":
        return Profile(100, increment=8, step_prob=0.6) if is_count else Profile(1000, 0.01, covid=0.0)
    return Profile(100, 0.06)


# Monthly shares of a year (January … December), each summing to 100: a Spring Festival low in
# February and a peak at the end of the year (Double 11 for online sales, year-end registration
# of new above-quota firms).
SEASONS = {
    "retail": [8.6, 7.2, 7.6, 7.4, 8.0, 8.4, 7.7, 7.9, 8.3, 8.9, 9.4, 10.6],
    "online": [7.2, 6.0, 7.4, 7.3, 7.8, 8.8, 7.5, 7.6, 8.0, 8.6, 12.0, 11.8],
    "trade": [7.8, 6.2, 8.2, 8.2, 8.3, 8.4, 8.5, 8.6, 8.6, 8.4, 9.2, 9.6],
    "firms": [3.0, 4.0, 6.0, 6.0, 7.0, 8.0, 7.0, 7.0, 9.0, 10.0, 13.0, 20.0],
}
# 2020: the month's level relative to trend for a shock of depth 1 (retail sales); depth d scales
# the shortfall. About −7.6 % over the year, −40 % in February.
COVID_YEAR = 2020
COVID_SHAPE = np.array([0.80, 0.60, 0.80, 0.90, 0.95, 0.98, 1.00, 1.00, 1.00, 1.01, 1.01, 1.01])

# Fallback base weights of Hunan's prefectures: 2022 GDP (亿元) as in data/official/hunan_official.csv.
PREFECTURE_GDP_2022 = {
    "430100": 13966.11, "430200": 3616.81, "430300": 2697.54, "430400": 4089.69, "430500": 2599.18,
    "430600": 4710.67, "430700": 4274.52, "430800": 592.39, "430900": 2108.02, "431000": 2980.49,
    "431100": 2410.28, "431200": 1877.64, "431300": 1929.50, "433100": 817.53,
}
# National scale only: approximate 2021 GDP (亿元) of the 31 provinces, used as their weights, and the
# approximate number of prefecture- and county-level divisions of each (the synthetic hierarchy).
PROVINCES = {  # code: (GDP 2021, prefectures, counties)
    "110000": (40270, 1, 16), "120000": (15695, 1, 16), "130000": (40391, 11, 167),
    "140000": (22590, 11, 117), "150000": (20514, 12, 103), "210000": (27584, 14, 100),
    "220000": (13236, 9, 60), "230000": (14879, 13, 121), "310000": (43215, 1, 16),
    "320000": (116364, 13, 95), "330000": (73516, 11, 90), "340000": (42959, 16, 104),
    "350000": (48810, 9, 84), "360000": (29620, 11, 100), "370000": (83096, 16, 136),
    "410000": (58887, 17, 157), "420000": (50013, 13, 103), "430000": (46063, 14, 122),
    "440000": (124370, 21, 122), "450000": (24741, 14, 111), "460000": (6475, 4, 25),
    "500000": (27894, 1, 38), "510000": (53851, 21, 183), "520000": (19586, 9, 88),
    "530000": (27147, 16, 129), "540000": (2080, 7, 74), "610000": (29801, 10, 107),
    "620000": (10243, 14, 86), "630000": (3347, 8, 44), "640000": (4522, 5, 22),
    "650000": (15984, 14, 107),
}
NATIONAL_COUNTIES = sum(v[2] for v in PROVINCES.values())  # 2843
SYNTHETIC_PREFECTURE_DIGITS = range(50, 90)  # never used for prefectures in GB/T 2260
COUNTY_TYPE_WEIGHT = (("自治县", 0.6), ("区", 1.6), ("市", 1.3), ("县", 1.0))

# A child's share, by level: σ of its fixed per-indicator deviation, of its own trend (a year), and of
# the yearly random walk around that trend. The trends make rankings change over the years without
# making one year's growth rates scatter much.
SHARE_DRIFT = {"province": 0.005, "prefecture": 0.008, "county": 0.01}
SHARE_WALK = {"province": 0.01, "prefecture": 0.01, "county": 0.025}
SHARE_DEVIATION = {"province": 0.05, "prefecture": 0.06, "county": 0.12}
MONTHLY_WIGGLE = 0.03


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A random stream keyed by the seed and stable names (never Python's salted hash)."""
    return np.random.default_rng(np.random.SeedSequence([seed, *(zlib.crc32(k.encode()) for k in keys)]))


# --------------------------------------------------------------------------- inputs

@dataclass
class Inputs:
    indicators: pd.DataFrame          # id, unit, kind, frequency, decimals (non-derived only), sorted by id
    regions: pd.DataFrame             # the registry's real regions: code, name_zh, level, parent_code
    official: pd.DataFrame            # Hunan's official rows: indicator_id, period_type, year, month, value, yoy_pct
    prefecture_weights: dict[str, float]
    weights_source: str


def load_inputs(con: duckdb.DuckDBPyConnection) -> Inputs:
    """Read the registry and Hunan's official figures from a connection (a writer's or a reader's cursor)."""
    indicators = con.execute(
        "SELECT id, unit, kind, frequency, decimals FROM indicators WHERE components IS NULL ORDER BY id").df()
    regions = con.execute(
        "SELECT code, name_zh, level, parent_code FROM regions WHERE NOT is_synthetic ORDER BY code").df()
    official = con.execute(
        "SELECT indicator_id, period_type, year, month, value, yoy_pct FROM observations_latest "
        "WHERE dataset = 'official' AND region_code = ? AND period_type IN ('annual', 'ytd') "
        "ORDER BY indicator_id, year, month, period_type", [PROVINCE_CODE]).df()
    prefectures = regions[(regions.level == "prefecture") & (regions.parent_code == PROVINCE_CODE)].code.tolist()
    gdp = con.execute(
        "SELECT region_code, year, value FROM observations_latest WHERE dataset = 'official' "
        "AND indicator_id = 'gdp' AND period_type = 'annual' AND value IS NOT NULL AND list_contains(?, region_code)",
        [prefectures]).df()
    weights, source = dict(PREFECTURE_GDP_2022), "fixed table of 2022 prefecture GDP"
    if len(gdp):
        complete = gdp.groupby("year").region_code.nunique()
        complete = complete[complete == len(prefectures)]
        if len(complete):
            year = int(complete.index.max())
            rows = gdp[gdp.year == year]
            weights = dict(zip(rows.region_code, rows.value.astype(float)))
            source = f"official prefecture GDP {year}"
    return Inputs(indicators, regions, official, weights, source)


def bundled_inputs() -> Inputs:
    """Inputs from the bundled registry and official files, through an in-memory database (no file)."""
    from .bootstrap import official_files
    from .importer import ImportRejected, import_in_transaction
    from .registry import load_registry

    con = duckdb.connect(":memory:", config=dbmod.DUCKDB_CONFIG)
    try:
        dbmod.migrate(con)
        load_registry(con)
        for csv_path in official_files():
            try:
                import_in_transaction(con, csv_path.read_bytes(), csv_path.name, user="demo inputs")
            except ImportRejected as exc:
                raise DemoError(f"bundled data failed validation: {exc.plan.errors[:3]}") from exc
        return load_inputs(con)
    finally:
        con.close()


# --------------------------------------------------------------------------- regions

@dataclass
class Tree:
    """Regions of a scale, parents before children; children of a parent are contiguous."""

    codes: np.ndarray                 # region codes (str), index = region number
    level: np.ndarray                 # 'country' | 'province' | 'prefecture' | 'county'
    parent: np.ndarray                # region number of the parent, -1 for the root
    base_weight: np.ndarray
    in_hunan: np.ndarray              # in Hunan's subtree (Hunan included)
    steps: list[tuple[str, np.ndarray]]  # top-down: (children's level, children's numbers)
    hunan: int
    synthetic: pd.DataFrame           # generated regions to insert (national scale)


def _county_type_weight(name: str) -> float:
    for suffix, weight in COUNTY_TYPE_WEIGHT:
        if name.endswith(suffix):
            return weight
    return 1.0


def build_tree(inputs: Inputs, scale: str, seed: int, national_counties: int | None = None) -> Tree:
    if scale not in SCALES:
        raise DemoError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    regions = inputs.regions
    prefectures = regions[(regions.level == "prefecture") & (regions.parent_code == PROVINCE_CODE)].sort_values("code")
    missing = set(prefectures.code) - set(inputs.prefecture_weights)
    pref_weights = dict(inputs.prefecture_weights) if not missing else dict(PREFECTURE_GDP_2022)
    counties = regions[(regions.level == "county") & regions.parent_code.isin(prefectures.code)]
    counties = counties.sort_values(["parent_code", "code"])

    rows: list[tuple[str, str, str | None, float, bool]] = []  # code, level, parent code, base weight, in Hunan
    if scale == "national":
        rows.append((NATIONAL_CODE, "country", None, 1.0, False))
        for code in sorted(PROVINCES):
            rows.append((code, "province", NATIONAL_CODE, PROVINCES[code][0], code == PROVINCE_CODE))
    else:
        rows.append((PROVINCE_CODE, "province", None, 1.0, True))
    synthetic = pd.DataFrame(columns=["code", "name_zh", "short_name_zh", "name_en", "level", "parent_code"])
    if scale != "province":
        hunan_prefs = [(c, "prefecture", PROVINCE_CODE, pref_weights.get(c, 1.0), True) for c in prefectures.code]
        hunan_counties = []
        if scale in ("counties", "national"):
            rng = _rng(seed, "base", "hunan-counties")
            factor = rng.lognormal(0.0, 0.35, len(counties))
            county_rows = counties[["code", "name_zh", "parent_code"]].itertuples(index=False)
            for (code, name, parent), f in zip(county_rows, factor):
                hunan_counties.append((code, "county", parent, _county_type_weight(name) * f, True))
        if scale == "national":
            syn_prefs, syn_counties, synthetic = _synthetic_hierarchy(seed, national_counties or NATIONAL_COUNTIES)
            prefs = sorted(hunan_prefs + syn_prefs, key=lambda r: (r[2], r[0]))
            cnty = sorted(hunan_counties + syn_counties, key=lambda r: (r[2], r[0]))
        else:
            prefs, cnty = hunan_prefs, hunan_counties
        rows += prefs + cnty
    codes = np.array([r[0] for r in rows], dtype=object)
    index = {c: i for i, c in enumerate(codes)}
    parent = np.array([index[r[2]] if r[2] else -1 for r in rows])
    level = np.array([r[1] for r in rows], dtype=object)
    steps = []
    for lev in ("province", "prefecture", "county"):
        members = np.flatnonzero((level == lev) & (parent >= 0))
        if len(members):
            steps.append((lev, members))
    return Tree(codes, level, parent, np.array([r[3] for r in rows], dtype=float),
                np.array([r[4] for r in rows]), steps, index[PROVINCE_CODE], synthetic)


def _synthetic_hierarchy(seed: int, national_counties: int):
    """Generated prefectures and counties for the 30 provinces other than Hunan."""
    if national_counties < 122 + 30:
        raise DemoError(f"national scale needs at least {122 + 30} county-level regions, got {national_counties}")
    factor = (national_counties - 122) / (NATIONAL_COUNTIES - 122)
    rng = _rng(seed, "base", "synthetic")
    prefs, counties, table = [], [], []
    n_pref = n_county = 0
    for prov in sorted(PROVINCES):
        if prov == PROVINCE_CODE:
            continue
        _gdp, real_prefs, real_counties = PROVINCES[prov]
        k = max(1, round(real_counties * factor))
        p = max(1, min(real_prefs, round(real_prefs * factor), k, len(SYNTHETIC_PREFECTURE_DIGITS)))
        pref_w = rng.lognormal(0.0, 0.5, p)
        pref_w[0] *= 2.5  # the capital
        for j, group in enumerate(np.array_split(np.arange(k), p)):
            n_pref += 1
            pcode = f"{prov[:2]}{SYNTHETIC_PREFECTURE_DIGITS[j]:02d}00"
            prefs.append((pcode, "prefecture", prov, float(pref_w[j]), False))
            table.append((pcode, f"合成地区{n_pref:03d}", f"合成地区{n_pref:03d}",
                          f"Synthetic prefecture {n_pref:03d}", "prefecture", prov))
            if len(group) > 99:
                raise DemoError("too many synthetic counties for one prefecture; lower national_counties")
            for m, w in enumerate(rng.lognormal(0.0, 0.6, len(group)), start=1):
                n_county += 1
                ccode = f"{pcode[:4]}{m:02d}"
                counties.append((ccode, "county", pcode, float(w), False))
                table.append((ccode, f"合成县{n_county:04d}", f"合成县{n_county:04d}",
                              f"Synthetic county {n_county:04d}", "county", pcode))
    frame = pd.DataFrame(table, columns=["code", "name_zh", "short_name_zh", "name_en", "level", "parent_code"])
    return prefs, counties, frame


def _groups(tree: Tree, children: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(parents, group number of each child, first child of each group) for contiguous children."""
    par = tree.parent[children]
    starts = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
    parents = par[starts]
    if len(np.unique(parents)) != len(parents):
        raise AssertionError("children of a parent must be contiguous")
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(children)]))
    return parents, group, starts


# --------------------------------------------------------------------------- integer splitting

def apportion(totals: np.ndarray, weights: np.ndarray, group: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Split integer totals (groups × T) among children (children × T) in proportion to weights, exactly.

    Children of group g are rows starts[g] … starts[g+1]-1. Largest remainders: each child gets the
    floor of its share, and the children with the largest remainders one more, until the group's
    total is reached. Ties go to the earlier child, so the result is deterministic.
    """
    totals = np.asarray(totals, dtype=np.int64)
    if (totals < 0).any():
        raise DemoError("cannot split a negative total")
    wsum = np.add.reduceat(weights, starts, axis=0)
    share = totals[group] * (weights / wsum[group])
    floor = np.floor(share)
    frac = share - floor
    out = floor.astype(np.int64)
    deficit = totals - np.add.reduceat(out, starts, axis=0)
    if (deficit < 0).any() or (deficit > np.diff(np.r_[starts, len(group)])[:, None]).any():
        raise AssertionError("apportion: rounding out of bounds")
    key = group[:, None] + (1.0 - frac) * 0.5  # by group, then largest remainder first
    order = np.argsort(key, axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(len(group))[:, None], order.shape), axis=0)
    out += (rank - starts[group][:, None]) < deficit[group]
    return out


def _split1(total: int, weights: np.ndarray) -> np.ndarray:
    return apportion(np.array([[total]]), weights[:, None], np.zeros(len(weights), dtype=int), np.array([0]))[:, 0]


# --------------------------------------------------------------------------- province series

def _span(years: np.ndarray) -> np.ndarray:
    return np.arange(min(MODEL_SPAN[0], int(years[0])), max(MODEL_SPAN[1], int(years[-1])) + 1)


def _model_monthly(prof: Profile, span: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Model monthly flows (span × 12): trend, yearly wiggle, season, 2020 shock, monthly noise."""
    g = np.log1p(prof.growth)
    wiggle = rng.normal(0.0, prof.noise, len(span))
    if prof.covid > 0:  # the wiggle never hides the shock: down in 2020, up in the rebound
        wiggle[span == COVID_YEAR] = -np.abs(wiggle[span == COVID_YEAR])
        wiggle[span == COVID_YEAR + 1] = np.abs(wiggle[span == COVID_YEAR + 1])
    walk = np.cumsum(wiggle)
    walk -= walk[np.searchsorted(span, BASE_YEAR)]
    log_level = np.log(prof.level) + (span - BASE_YEAR) * g + walk
    season = np.asarray(SEASONS.get(prof.season, SEASONS["retail"]), dtype=float)
    season = season / season.sum()
    intra = np.exp(g * (np.arange(12) - 5.5) / 12)
    monthly = np.exp(log_level)[:, None] * (season * intra / (season * intra).sum())[None, :]
    covid = span == COVID_YEAR
    monthly[covid] *= 1.0 - prof.covid * (1.0 - COVID_SHAPE)
    monthly *= np.exp(rng.normal(0.0, 0.01, monthly.shape))
    return monthly


def _model_count(prof: Profile, span: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Model count stock (span,) and its yearly increments: rises in batches, never falls."""
    p = max(min(prof.step_prob, 1.0), 0.05)
    inc = np.where(rng.random(len(span)) < p, rng.poisson(max(prof.increment, 0.0) / p, len(span)), 0)
    cum = np.cumsum(inc)
    stock = prof.level + cum - cum[np.searchsorted(span, BASE_YEAR)]
    stock = np.maximum(np.round(stock), 0)
    if prof.start_year is not None:
        stock[span < prof.start_year] = 0
    inc = np.diff(np.r_[stock[0], stock])
    return stock.astype(np.int64), np.maximum(inc, 0).astype(np.int64)


def _components(years: list[int], ratios: dict[int, float]) -> list[list[int]]:
    """Runs of consecutive years linked by a year-on-year rate."""
    comps: list[list[int]] = []
    for y in years:
        if comps and y in ratios and comps[-1][-1] == y - 1:
            comps[-1].append(y)
        else:
            comps.append([y])
    return comps


def _propagate(comp: list[int], values: dict[int, float], ratios: dict[int, float]) -> dict[int, float] | None:
    level = {y: values[y] for y in comp if y in values}
    if not level:
        return None
    for y in comp[1:]:
        if y not in level and (y - 1) in level:
            level[y] = level[y - 1] * ratios[y]
    for y in reversed(comp[1:]):
        if (y - 1) not in level and y in level:
            level[y - 1] = level[y] / ratios[y]
    return level


def _fit(comp: list[int], ratios: dict[int, float], target: dict[int, float]) -> dict[int, float]:
    """Levels of a linked run with no value: the run's shape, placed closest (in logs) to the target."""
    rel = np.cumprod([1.0] + [ratios[y] for y in comp[1:]])
    base = np.exp(np.mean([np.log(target[y]) - np.log(r) for y, r in zip(comp, rel)]))
    return {y: base * r for y, r in zip(comp, rel)}


def _anchors(official: pd.DataFrame, period_type: str, month: int | None, years: set[int]):
    rows = official[official.period_type == period_type]
    if month is not None:
        rows = rows[rows.month == month]
    values = {int(r.year): float(r.value) for r in rows.itertuples() if pd.notna(r.value) and r.year in years}
    ratios = {int(r.year): 1.0 + float(r.yoy_pct) / 100.0 for r in rows.itertuples()
              if pd.notna(r.yoy_pct) and r.year in years and r.year - 1 in years}
    return values, ratios


def calibrate_levels(model: np.ndarray, years: np.ndarray, official: pd.DataFrame, monthly: bool) -> np.ndarray:
    """Pass a model through Hunan's official figures (see the module docstring).

    model: monthly flows (years × 12) when `monthly`, else yearly levels (years,). Returns the
    calibrated year-to-date levels (years × 12) or yearly levels (years,).
    """
    ylist = [int(y) for y in years]
    yset, yi = set(ylist), {y: i for i, y in enumerate(ylist)}
    if monthly:
        cum = np.cumsum(model, axis=1)
        a_model = cum[:, 11]
        f_model = cum / a_model[:, None]
    else:
        a_model = np.asarray(model, dtype=float)
    a_values, a_ratios = _anchors(official, "annual", None, yset)
    fixed: dict[int, float] = {}
    pending: list[list[int]] = []
    for comp in _components(ylist, a_ratios):
        level = _propagate(comp, a_values, a_ratios)
        if level:
            fixed.update(level)
        else:
            pending.append(comp)

    ytd: dict[tuple[int, int], float] = {}
    ytd_pending: list[tuple[int, list[int], dict[int, float]]] = []
    if monthly:
        for month in range(2, 12):  # no January rows; the year's total is the annual row
            values, ratios = _anchors(official, "ytd", month, yset)
            if not values and not ratios:
                continue
            for comp in _components(ylist, ratios):
                if not any(y in values or y in ratios for y in comp):
                    continue
                level = _propagate(comp, values, ratios)
                if level:
                    ytd.update({(y, month): v for y, v in level.items()})
                else:
                    ytd_pending.append((month, comp, ratios))
        # A year with no annual figure takes its level from its latest fixed year-to-date value.
        for comp in list(pending):
            for y in comp:
                months = [m for (yy, m) in ytd if yy == y]
                if months:
                    m = max(months)
                    level = _propagate(comp, {y: ytd[(y, m)] / f_model[yi[y], m - 1]}, a_ratios)
                    assert level is not None, "y is in comp, so the component has a level"
                    fixed.update(level)
                    pending.remove(comp)
                    break

    def correction() -> np.ndarray:
        if not fixed:
            return np.ones(len(ylist))
        known = sorted(fixed)
        logc = [np.log(fixed[y] / a_model[yi[y]]) for y in known]
        return np.exp(np.interp(years, known, logc))

    c = correction()
    for comp in pending:
        if len(comp) > 1:
            fixed.update(_fit(comp, a_ratios, {y: a_model[yi[y]] * c[yi[y]] for y in comp}))
    annual = a_model * correction()
    for y, v in fixed.items():
        annual[yi[y]] = v
    if not monthly:
        return annual

    for month, comp, ratios in ytd_pending:
        target = {y: annual[yi[y]] * f_model[yi[y], month - 1] for y in comp}
        ytd.update({(y, month): v for y, v in _fit(comp, ratios, target).items()})
    shares = f_model.copy()
    for y in {y for (y, _m) in ytd}:
        i = yi[y]
        knots = [(0, 0.0)] + sorted((m, ytd[(y, m)] / annual[i]) for (yy, m) in ytd if yy == y) + [(12, 1.0)]
        fs = [f for _m, f in knots]
        if any(b <= a for a, b in zip(fs, fs[1:])):
            raise DemoError(f"official year-to-date figures for {y} do not fit inside the year: {knots}")
        f0 = np.r_[0.0, f_model[i]]
        new = f0.copy()
        for (m0, s0), (m1, s1) in zip(knots, knots[1:]):
            span = f0[m1] - f0[m0]
            new[m0:m1 + 1] = s0 + (f0[m0:m1 + 1] - f0[m0]) / span * (s1 - s0)
        shares[i] = new[1:]
    return annual[:, None] * shares


def _count_path(model: np.ndarray, inc: np.ndarray, years: np.ndarray, official: pd.DataFrame,
                prof: Profile) -> np.ndarray:
    """Count stock through the official values: between two, the model's batches rescaled to the gap."""
    ylist = [int(y) for y in years]
    values, ratios = _anchors(official, "annual", None, set(ylist))
    fixed: dict[int, float] = {}
    for comp in _components(ylist, ratios):
        fixed.update(_propagate(comp, values, ratios) or {})
    if not fixed:
        return model.copy()
    idx = {y: i for i, y in enumerate(ylist)}
    known = sorted(fixed)
    stock = np.zeros(len(ylist), dtype=np.int64)
    for y in known:
        stock[idx[y]] = int(round(fixed[y]))
    for a, b in zip(known, known[1:]):
        ia, ib = idx[a], idx[b]
        gap = int(stock[ib] - stock[ia])
        if ib - ia > 1 or gap:
            steps = np.zeros(ib - ia, dtype=np.int64)
            if gap > 0:
                w = inc[ia + 1:ib + 1].astype(float)
                if w.sum() > 0:
                    steps = _split1(gap, w)
                else:
                    steps[(ib - ia - 1) // 2] = gap
            elif gap < 0:  # official figures that fall: keep them, in one step
                steps[-1] = gap
            stock[ia + 1:ib + 1] = stock[ia] + np.cumsum(steps)
    first, last = idx[known[0]], idx[known[-1]]
    # Beyond the official figures, the model's batches scaled to the official level.
    after = np.round(inc * (stock[last] / model[last] if model[last] > 0 else 1.0)).astype(np.int64)
    before = np.round(inc * (stock[first] / model[first] if model[first] > 0 else 1.0)).astype(np.int64)
    for i in range(last + 1, len(ylist)):
        stock[i] = stock[i - 1] + after[i]
    for i in range(first - 1, -1, -1):
        stock[i] = max(stock[i + 1] - before[i + 1], 0)
        if prof.start_year is not None and ylist[i] < prof.start_year and known[0] >= prof.start_year:
            stock[i] = 0
    return stock


def _ratio_path(prof: Profile, span: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    walk = np.cumsum(rng.normal(0.0, 0.3, len(span)))
    walk -= walk[np.searchsorted(span, BASE_YEAR)]
    return np.maximum(prof.level + prof.drift * (span - BASE_YEAR) + walk, 0.0)


def _calibrate_ratio(path: np.ndarray, years: np.ndarray, official: pd.DataFrame) -> np.ndarray:
    values, _ = _anchors(official, "annual", None, {int(y) for y in years})
    if not values:
        return path
    known = sorted(values)
    idx = {int(y): i for i, y in enumerate(years)}
    shift = np.interp(years, known, [values[y] - path[idx[y]] for y in known])
    out = np.maximum(path + shift, 0.0)
    for y in known:
        out[idx[y]] = values[y]
    return out


# --------------------------------------------------------------------------- generation

@dataclass
class DemoData:
    """The generated rows, as numbers; `frame()` for the database, `generate_frame()` for people."""

    scale: str
    years: tuple[int, int]
    seed: int
    indicator_ids: list[str]
    indicator_units: list[str]
    region_codes: list[str]
    synthetic_regions: pd.DataFrame
    ind: np.ndarray
    reg: np.ndarray
    year: np.ndarray
    month: np.ndarray
    annual: np.ndarray
    value: np.ndarray
    yoy: np.ndarray
    seconds: float = 0.0
    weights_source: str = ""
    single: np.ndarray | None = None  # single-month rows (period_type 'month'); None: there are none

    def __len__(self) -> int:
        return len(self.value)

    def frame(self) -> pd.DataFrame:
        single = self.single if self.single is not None else np.zeros(len(self.value), dtype=bool)
        return pd.DataFrame({"ind": self.ind, "reg": self.reg, "year": self.year, "month": self.month,
                             "annual": self.annual, "single": single, "value": self.value, "yoy": self.yoy},
                            copy=False)


def _decimals(unit: str, kind: str, decimals: int) -> int:
    family = UNITS.get(unit, ("", 1.0))[0]
    if family == "count":
        return 0
    if kind == "ratio" or family == "percent":
        return int(decimals)
    return max(2, int(decimals))


def _yoy(cur: np.ndarray, prev: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(prev > 0, (cur / prev - 1.0) * 100.0, np.nan)
    return np.round(out, 1)


def parse_years(text: str) -> tuple[int, int]:
    """'2015-2025' or '2020' → (first, last)."""
    parts = str(text).strip().replace("–", "-").split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (None, None)
    except ValueError:
        first = last = None
    if first is None or last is None or not EARLIEST_YEAR <= first <= last:
        raise DemoError(f"years must look like 2015-2025 (from {EARLIEST_YEAR}), got {text!r}")
    return first, last


def generate(inputs: Inputs, scale: str = DEFAULT_SCALE, years: tuple[int, int] = DEFAULT_YEARS,
             seed: int = DEFAULT_SEED, national_counties: int | None = None, single_months: bool = False) -> DemoData:
    """Generate the demo rows in memory (vectorised per indicator; no loop per row).

    `single_months` adds single-month rows (period_type 'month', March to December) for the
    monthly indicators; they come from the same monthly flows, so every other row is unchanged.
    """
    started = time.perf_counter()
    first, last = int(years[0]), int(years[1])
    if first > last or first < EARLIEST_YEAR:
        raise DemoError(f"bad year range {years!r}")
    if seed < 0:
        raise DemoError("the seed must be a non-negative integer")
    tree = build_tree(inputs, scale, seed, national_counties)
    n = len(tree.codes)
    yrs = np.arange(first - 1, last + 1)  # one hidden year before the first, for its growth rates
    span = _span(yrs)
    sl = slice(int(np.searchsorted(span, yrs[0])), int(np.searchsorted(span, yrs[-1])) + 1)
    ny = len(yrs)
    national = scale == "national"
    hunan = tree.hunan
    province_weight = np.array([PROVINCES.get(c, (1.0,))[0] for c in tree.codes], dtype=float)

    ind_ids = inputs.indicators.id.tolist()
    specs = {r.id: r for r in inputs.indicators.itertuples()}
    annual_levels: dict[str, np.ndarray] = {}   # region × years, in units (for ratios of flows)
    pieces: list[tuple] = []

    def weights(ind_id: str, prof: Profile, lev: str, children: np.ndarray, monthly: bool) -> np.ndarray:
        base = tree.base_weight[children] ** prof.alpha
        t_len = ny * 12 if monthly else ny
        out = np.empty((len(children), t_len))
        for block, mask in (("hunan", tree.in_hunan[children]), ("other", ~tree.in_hunan[children])):
            k = int(mask.sum())
            if not k:
                continue
            rng = _rng(seed, "weights", ind_id, lev, block)
            dev = rng.normal(0.0, SHARE_DEVIATION[lev], k)
            drift = rng.normal(0.0, SHARE_DRIFT[lev], k)
            walk = np.cumsum(rng.normal(0.0, SHARE_WALK[lev], (k, len(span))), axis=1)
            walk -= walk[:, [int(np.searchsorted(span, BASE_YEAR))]]
            walk += drift[:, None] * (span - BASE_YEAR)[None, :]
            w = base[mask][:, None] * np.exp(dev[:, None] + walk[:, sl])
            if monthly:
                wiggle = rng.normal(0.0, MONTHLY_WIGGLE, (k, len(span) * 12))[:, sl.start * 12:sl.stop * 12]
                w = np.repeat(w, 12, axis=1) * np.exp(wiggle)
            out[mask] = w
        return out

    provinces = np.flatnonzero(tree.level == "province")

    def split_down(ind_id: str, prof: Profile, q: np.ndarray, monthly: bool, rest: np.ndarray | None) -> None:
        """Fill q (regions × T, integer quanta) below the top by exact splitting, level by level.

        National scale: Hunan's row is set; `rest` (the other provinces' total) is split among them,
        and the national row is their sum.
        """
        for lev, children in tree.steps:
            if national and lev == "province":
                assert rest is not None, "the national scale always passes the other provinces' total"
                others = children[children != hunan]
                w = weights(ind_id, prof, lev, others, monthly)
                q[others] = apportion(rest[None, :], w, np.zeros(len(others), dtype=int), np.array([0]))
                q[0] = q[provinces].sum(axis=0)
                continue
            parents, group, starts = _groups(tree, children)
            w = weights(ind_id, prof, lev, children, monthly)
            q[children] = apportion(q[parents], w, group, starts)

    def rest_ratio(prof: Profile) -> float:
        w = province_weight[provinces] ** prof.alpha
        s = PROVINCES[PROVINCE_CODE][0] ** prof.alpha / w.sum()
        return (1.0 - s) / s

    # Ratios last: they may be computed from other indicators' levels.
    order = sorted(ind_ids, key=lambda i: (specs[i].kind == "ratio", i))
    for ind_id in order:
        spec = specs[ind_id]
        unit_family = UNITS.get(spec.unit, ("", 1.0))[0]
        is_count = unit_family == "count"
        prof = PROFILES.get(ind_id) or default_profile(spec.kind, is_count)
        dec = _decimals(spec.unit, spec.kind, spec.decimals)
        scale_q = 10 ** dec
        official = inputs.official[inputs.official.indicator_id == ind_id]
        monthly = spec.kind == "flow" and spec.frequency == "monthly_ytd"
        rng = _rng(seed, "model", ind_id)

        if spec.kind == "ratio":
            values = _ratio_values(ind_id, prof, spec, official, annual_levels, span, sl, yrs, tree, seed, dec, rng)
            pieces.append(_emit_annual(ind_ids.index(ind_id), values, scale_q, official, yrs, hunan, ratio=True))
            continue

        if spec.kind == "flow":
            model = _model_monthly(prof, span, rng)[sl]
            if monthly:
                ytd = calibrate_levels(model, yrs, official, monthly=True)
                hunan_q = np.diff(np.round(ytd * scale_q).astype(np.int64), axis=1, prepend=0).reshape(-1)
            else:
                level = calibrate_levels(model.sum(axis=1), yrs, official, monthly=False)
                hunan_q = np.round(level * scale_q).astype(np.int64)
            if (hunan_q < 0).any():
                raise DemoError(f"{ind_id}: negative flow after calibration")
            q = np.zeros((n, len(hunan_q)), dtype=np.int64)
            q[hunan] = hunan_q
            rest_q = None
            if national:
                rest_prof = Profile(**{**prof.__dict__, "level": prof.level * rest_ratio(prof)})
                rest_model = _model_monthly(rest_prof, span, _rng(seed, "rest", ind_id))[sl]
                rest_flow = rest_model.reshape(-1) if monthly else rest_model.sum(axis=1)
                rest_q = np.round(rest_flow * scale_q).astype(np.int64)
            split_down(ind_id, prof, q, monthly, rest_q)
            if monthly:
                ytd_q = np.cumsum(q.reshape(n, ny, 12), axis=2)
                annual_levels[ind_id] = ytd_q[:, :, 11] / scale_q
                pieces.append(_emit_monthly(ind_ids.index(ind_id), ytd_q, scale_q, official, yrs, hunan))
                if single_months:
                    pieces.append(_emit_single(ind_ids.index(ind_id), q.reshape(n, ny, 12), scale_q, yrs))
            else:
                annual_levels[ind_id] = q / scale_q
                pieces.append(_emit_annual(ind_ids.index(ind_id), q, scale_q, official, yrs, hunan))
            continue

        # stocks
        if is_count:
            model, inc = _model_count(prof, span, rng)
            stock = _count_path(model[sl], inc[sl], yrs, official, prof)
        else:
            model = _model_monthly(Profile(**{**prof.__dict__, "covid": 0.0}), span, rng).sum(axis=1)
            stock = np.round(calibrate_levels(model[sl], yrs, official, monthly=False) * scale_q).astype(np.int64)
        q = np.zeros((n, ny), dtype=np.int64)
        q[hunan] = stock
        by_increments = is_count and (np.diff(stock) >= 0).all()
        rest = None
        if national:
            if is_count:
                r = rest_ratio(prof)
                rest_prof = Profile(**{**prof.__dict__, "level": prof.level * r, "increment": prof.increment * r})
                rest = _model_count(rest_prof, span, _rng(seed, "rest", ind_id))[0][sl]
            else:
                rest_prof = Profile(**{**prof.__dict__, "level": prof.level * rest_ratio(prof), "covid": 0.0})
                rest = np.round(_model_monthly(rest_prof, span, _rng(seed, "rest", ind_id)).sum(axis=1)[sl]
                                * scale_q).astype(np.int64)
        if by_increments:
            inc_q = np.diff(q, axis=1, prepend=0)
            split_down(ind_id, prof, inc_q, False, None if rest is None else np.diff(rest, prepend=0))
            q = np.cumsum(inc_q, axis=1)
        else:
            split_down(ind_id, prof, q, False, rest)
        annual_levels[ind_id] = q / scale_q
        pieces.append(_emit_annual(ind_ids.index(ind_id), q, scale_q, official, yrs, hunan))

    cols = [np.concatenate([p[k] for p in pieces]) for k in range(7)]
    single = np.concatenate([p[7] if len(p) > 7 else np.zeros(len(p[0]), dtype=bool) for p in pieces])
    return DemoData(scale, (first, last), seed, ind_ids, inputs.indicators.unit.tolist(), list(tree.codes),
                    tree.synthetic, cols[0].astype(np.int16), cols[1].astype(np.int32), cols[2].astype(np.int16),
                    cols[3].astype(np.int8), cols[4], cols[5], cols[6],
                    seconds=time.perf_counter() - started, weights_source=inputs.weights_source,
                    single=single if single.any() else None)


def _ratio_values(ind_id, prof, spec, official, annual_levels, span, sl, yrs, tree, seed, dec, rng) -> np.ndarray:
    """Ratio levels (regions × years), rounded; Hunan's pass through the official figures."""
    num_den = prof.ratio_of
    if num_den and all(k in annual_levels for k in num_den):
        num, den = annual_levels[num_den[0]], annual_levels[num_den[1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(den > 0, 100.0 * num / den, np.nan)
    else:
        path = _calibrate_ratio(_ratio_path(prof, span, rng)[sl], yrs, official)
        # one stream per region code, so a region's series does not depend on the scale (which regions exist)
        draws = [_rng(seed, "weights", ind_id, "ratio", str(code)).normal(0.0, [0.12] + [0.02] * len(span))
                 for code in tree.codes]
        offset = np.array([d[0] for d in draws])
        walk = np.cumsum(np.array([d[1:] for d in draws]), axis=1)[:, sl]
        values = path[None, :] * np.exp(offset[:, None] + walk)
        values[tree.hunan] = path
    values = np.round(values, dec)
    known, _ = _anchors(official, "annual", None, {int(y) for y in yrs})
    idx = {int(y): i for i, y in enumerate(yrs)}
    for y, v in known.items():
        values[tree.hunan, idx[y]] = v
    return values


def _pins(official: pd.DataFrame, yrs: np.ndarray, period_type: str):
    """Official Hunan rows inside the generated years (the hidden first year excluded)."""
    rows = official[(official.period_type == period_type) & (official.year >= yrs[1]) & (official.year <= yrs[-1])]
    return [(int(r.year) - int(yrs[0]), int(r.month), r.value, r.yoy_pct) for r in rows.itertuples()]


def _emit_annual(ind_idx, levels, scale_q, official, yrs, hunan, ratio=False):
    """Rows for yearly series (regions × years incl. the hidden first year)."""
    n, ny = levels.shape
    if ratio:
        value = levels[:, 1:]
        yoy = np.full(value.shape, np.nan)
    else:
        value = levels[:, 1:] / scale_q
        yoy = _yoy(levels[:, 1:].astype(float), levels[:, :-1].astype(float))
    for i, _m, v, g in _pins(official, yrs, "annual"):
        if pd.notna(v) and not ratio and int(levels[hunan, i]) != int(round(float(v) * scale_q)):
            raise DemoError(f"indicator #{ind_idx}: official value {v} for {yrs[i]} not reproduced "
                            f"({levels[hunan, i] / scale_q}); the official figures contradict each other")
        if pd.notna(g):
            yoy[hunan, i - 1] = float(g)
    k = ny - 1
    return (np.full(n * k, ind_idx), np.repeat(np.arange(n), k), np.tile(yrs[1:], n), np.full(n * k, 12),
            np.ones(n * k, dtype=bool), value.reshape(-1), yoy.reshape(-1))


def _emit_monthly(ind_idx, ytd_q, scale_q, official, yrs, hunan):
    """Rows for year-to-date flows (regions × years × 12 months): months 2–11 as ytd, December as the annual row."""
    n, ny, _ = ytd_q.shape
    cur = ytd_q[:, 1:, 1:].astype(float)   # months 2..12 of the generated years
    prev = ytd_q[:, :-1, 1:].astype(float)
    yoy = _yoy(cur, prev)
    for period_type in ("annual", "ytd"):
        for i, m, v, g in _pins(official, yrs, period_type):
            if period_type == "ytd" and not 2 <= m <= 11:
                continue
            if pd.notna(v) and int(ytd_q[hunan, i, m - 1]) != int(round(float(v) * scale_q)):
                raise DemoError(f"indicator #{ind_idx}: official value {v} for {yrs[i]}-{m:02d} not reproduced "
                                f"({ytd_q[hunan, i, m - 1] / scale_q}); the official figures contradict each other")
            if pd.notna(g):
                yoy[hunan, i - 1, m - 2] = float(g)
    k = (ny - 1) * 11
    months = np.tile(np.arange(2, 13), n * (ny - 1))
    return (np.full(n * k, ind_idx), np.repeat(np.arange(n), k), np.tile(np.repeat(yrs[1:], 11), n), months,
            months == 12, (cur / scale_q).reshape(-1), yoy.reshape(-1))


def _emit_single(ind_idx, month_q, scale_q, yrs):
    """Single-month rows (当月, period_type 'month') for months 3–12 (regions × years × 12 monthly quanta).

    January and February are published together (the February year-to-date row), so they have no
    single-month row; growth is over the same month of the previous year, rounded to 0.1.
    """
    n, ny, _ = month_q.shape
    cur = month_q[:, 1:, 2:].astype(float)   # months 3..12 of the generated years
    prev = month_q[:, :-1, 2:].astype(float)
    yoy = _yoy(cur, prev)
    k = (ny - 1) * 10
    months = np.tile(np.arange(3, 13), n * (ny - 1))
    return (np.full(n * k, ind_idx), np.repeat(np.arange(n), k), np.tile(np.repeat(yrs[1:], 10), n), months,
            np.zeros(n * k, dtype=bool), (cur / scale_q).reshape(-1), yoy.reshape(-1), np.ones(n * k, dtype=bool))


# --------------------------------------------------------------------------- outputs

def generate_frame(scale: str = DEFAULT_SCALE, years: tuple[int, int] = DEFAULT_YEARS, seed: int = DEFAULT_SEED,
                   *, db_path: str | Path | None = None, national_counties: int | None = None,
                   inputs: Inputs | None = None, single_months: bool = False) -> pd.DataFrame:
    """The demo as a long frame in the import format (no database written).

    Columns: indicator, region (code), period, value, unit, yoy_pct, source, source_url, note, quote,
    status, period_type, synthetic — so `frame.to_csv(...)` can be imported with
    `python -m monitor import` once the regions exist (national scale: run `demo` first, which inserts
    the synthetic regions). Repeated text columns are categoricals, to keep millions of rows small.
    Inputs come from `db_path` if given, else from the bundled files.
    """
    if inputs is None:
        if db_path is not None:
            with dbmod.Reader(db_path) as reader, reader.cursor() as cur:
                inputs = load_inputs(cur)
        else:
            inputs = bundled_inputs()
    return to_long_frame(generate(inputs, scale, years, seed, national_counties, single_months))


def _period_codes(data: DemoData) -> tuple[np.ndarray, list[str]]:
    first, last = data.years
    ny = last - first + 1
    labels = [f"{y:04d}" for y in range(first, last + 1)]
    labels += [f"{y:04d}-{m:02d}" for y in range(first, last + 1) for m in range(1, 13)]
    year_i = data.year.astype(np.int64) - first
    codes = np.where(data.annual, year_i, ny + year_i * 12 + data.month.astype(np.int64) - 1)
    return codes, labels


def to_long_frame(data: DemoData) -> pd.DataFrame:
    period_codes, period_labels = _period_codes(data)
    units = sorted(set(data.indicator_units))
    unit_of = np.array([units.index(u) for u in data.indicator_units])
    unit = pd.Categorical.from_codes(unit_of[data.ind], categories=units)
    n = len(data)

    def const(text):
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[text])

    return pd.DataFrame({
        "indicator": pd.Categorical.from_codes(data.ind, categories=data.indicator_ids),
        "region": pd.Categorical.from_codes(data.reg, categories=data.region_codes),
        "period": pd.Categorical.from_codes(period_codes, categories=period_labels),
        "value": data.value,
        "unit": unit,
        "yoy_pct": data.yoy,
        "source": const(source_text(data.seed)),
        "source_url": pd.Series(pd.NA, index=range(n), dtype="string"),
        "note": const(NOTE),
        "quote": pd.Series(pd.NA, index=range(n), dtype="string"),
        "status": pd.Series(pd.NA, index=range(n), dtype="string"),
        "period_type": pd.Categorical.from_codes(
            np.where(data.annual, 0, np.where(data.single if data.single is not None else False, 2, 1)).astype(np.int8),
            categories=["annual", "ytd", "month"]),
        "synthetic": np.ones(n, dtype=bool),
    })


@dataclass
class DemoReport:
    path: Path
    scale: str
    years: tuple[int, int]
    seed: int
    rows: int
    replaced: int
    regions: int
    synthetic_regions: int
    synthetic_removed: int
    seconds_generate: float
    seconds_write: float
    seconds_total: float
    weights_source: str = ""

    def lines(self) -> list[str]:
        return [
            f"{self.path}: demo dataset written — {self.rows:,} synthetic rows "
            f"(scale {self.scale}, years {self.years[0]}–{self.years[1]}, seed {self.seed}, "
            f"{self.regions:,} region{'s' if self.regions != 1 else ''}"
            + (f", {self.synthetic_regions:,} of them generated" if self.synthetic_regions else "")
            + ").",
            f"  replaced {self.replaced:,} previous demo rows; official rows untouched"
            + (f"; removed {self.synthetic_removed:,} generated regions no longer needed"
               if self.synthetic_removed else ""),
            f"  generated in {self.seconds_generate:.2f} s, written in {self.seconds_write:.2f} s "
            f"(total {self.seconds_total:.2f} s); prefecture shares from {self.weights_source}.",
            "  演示数据，非官方统计 — SYNTHETIC DEMO DATA, not official statistics (dataset 'demo').",
        ]


INSERT_SQL = """
INSERT INTO observations (dataset, indicator_id, region_code, period, period_type, year, month, value, unit,
    value_published, unit_published, yoy_pct, source, source_url, quote, note, status, vintage, import_id, is_latest)
SELECT 'demo', list_extract($ind_ids, d.ind + 1), list_extract($reg_codes, d.reg + 1),
    CASE WHEN d.annual THEN CAST(d.year AS VARCHAR)
         ELSE CAST(d.year AS VARCHAR) || '-' || lpad(CAST(d.month AS VARCHAR), 2, '0') END,
    CASE WHEN d.annual THEN 'annual' WHEN d.single THEN 'month' ELSE 'ytd' END,
    d.year, d.month, d.value, list_extract($units, d.ind + 1), d.value, list_extract($units, d.ind + 1),
    CASE WHEN isnan(d.yoy) THEN NULL ELSE d.yoy END,
    $source, NULL, NULL, $note, NULL,
    -- a release date in the middle of the following month (January for annual rows)
    make_timestamp(d.year, d.month, 1, 10, 0, 0) + INTERVAL 1 MONTH + INTERVAL 16 DAY,
    $import_id, true
FROM demo_rows d
"""


def write_demo(con: duckdb.DuckDBPyConnection, data: DemoData, user: str = "python -m monitor demo") -> dict:
    """Replace the demo dataset inside the caller's transaction. Returns counts."""
    replaced = dbmod.scalar(con, "SELECT count(*) FROM observations WHERE dataset = ?", [DATASET])
    con.execute("DELETE FROM observations WHERE dataset = ?", [DATASET])
    con.execute(
        "INSERT INTO datasets (id, name_zh, name_en, is_synthetic, description) VALUES (?, ?, ?, true, ?) "
        "ON CONFLICT (id) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, "
        "is_synthetic = true, description = excluded.description",
        [DATASET, DATASET_NAME_ZH, DATASET_NAME_EN, DATASET_DESCRIPTION])
    needed = data.synthetic_regions
    removed = dbmod.scalar(  # DELETE returns the number of rows deleted
        con, "DELETE FROM regions WHERE is_synthetic AND NOT list_contains(?::VARCHAR[], code) "
        "AND code NOT IN (SELECT DISTINCT region_code FROM observations)", [needed.code.tolist()])
    if len(needed):
        con.register("demo_regions_in", needed)
        con.execute(
            "INSERT INTO regions (code, name_zh, short_name_zh, name_en, level, parent_code, aliases, is_synthetic) "
            "SELECT code, name_zh, short_name_zh, name_en, level, parent_code, [], true FROM demo_regions_in "
            "WHERE code NOT IN (SELECT code FROM regions)")
        con.unregister("demo_regions_in")
    single_months = data.single is not None
    params = (f"--scale {data.scale} --years {data.years[0]}-{data.years[1]} --seed {data.seed}"
              + (" --single-months" if single_months else ""))
    import_id = dbmod.scalar(
        con,
        "INSERT INTO import_log (started_at, finished_at, file_name, file_sha256, file_format, dataset, rows_in_file,"
        " rows_added, user_name, outcome, message, message_zh)"
        " VALUES (?, ?, ?, ?, 'demo', ?, ?, ?, ?, 'success', ?, ?) RETURNING id",
        [now_beijing(), now_beijing(),
         f"python -m monitor demo {params}", hashlib.sha256(params.encode()).hexdigest(), DATASET, len(data),
         len(data), user, f"synthetic demo data: {len(data)} rows, replacing {replaced}",
         f"合成演示数据：{len(data)}行，替换原有{replaced}行"])
    con.register("demo_rows", data.frame())
    con.execute(INSERT_SQL, {"ind_ids": data.indicator_ids, "reg_codes": data.region_codes,
                             "units": data.indicator_units, "source": source_text(data.seed), "note": NOTE,
                             "import_id": import_id})
    con.unregister("demo_rows")
    con.execute(
        "INSERT INTO meta VALUES ('demo', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [json.dumps({"scale": data.scale, "years": list(data.years), "seed": data.seed, "rows": len(data),
                     **({"single_months": True} if single_months else {})})])
    return {"replaced": int(replaced), "removed": int(removed)}


def run_demo(db_path: str | Path, scale: str = DEFAULT_SCALE, years: tuple[int, int] = DEFAULT_YEARS,
             seed: int = DEFAULT_SEED, *, national_counties: int | None = None,
             user: str = "python -m monitor demo", single_months: bool = False) -> DemoReport:
    """Create the database if needed and replace its demo dataset, in one write transaction."""
    from . import ledger_demo
    from .bootstrap import ensure_database

    started = time.perf_counter()
    path = Path(db_path)
    ensure_database(path)
    with dbmod.writer(path) as con:
        data = generate(load_inputs(con), scale, years, seed, national_counties, single_months)
        t_write = time.perf_counter()
        counts = write_demo(con, data, user)
        ledger_demo.write(con, seed)
    done = time.perf_counter()
    return DemoReport(path, scale, data.years, seed, len(data), counts["replaced"], len(data.region_codes),
                      len(data.synthetic_regions), counts["removed"], data.seconds, done - t_write, done - started,
                      data.weights_source)


def last_complete_year(today: date | None = None) -> int:
    return (today or date.today()).year - 1
