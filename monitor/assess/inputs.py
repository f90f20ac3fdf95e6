"""The engine's inputs: targets × regions ("pairs") and the observations reduced to what assessments read.

``make_pairs`` expands targets to the regions asked for (a provincial target becomes a yardstick for each);
``prepare_observations`` keeps annual rows and the latest year-to-date row of each year; ``per_year`` gives one
row per indicator × region × year with the published level, its nowcast from a published rate (docs/method.md
§13) and the year-to-date figure; ``candidates`` lists every point that gives a level for a year. No words here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import PROVINCE_CODE
from ..i18n import t as _t
from ..target_kinds import TYPE_CODES, codes_where
from .reasons import Name
from .schema import DEFAULT_THRESHOLDS


def as_float(s) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _scalable(targets: pd.DataFrame, indicators: pd.DataFrame) -> np.ndarray:
    """Which provincial targets may be a region's yardstick (docs/method.md §10). Not: a kind that cannot be
    scaled (a share, an annual floor), a total of designations counted from zero (D on a stock), or a total on an
    indicator the registry marks ``regional_yardstick = false`` (a province-wide trade total; its growth rate still
    compares). Those are not a region's status at all: they are left out of its assessment rather than shown as
    passed or failed."""
    ind = indicators.set_index("id") if "id" in indicators.columns else indicators
    kind = targets["indicator_id"].map(ind["kind"]) if "kind" in ind.columns else pd.Series("flow", index=targets.index)
    allowed = (targets["indicator_id"].map(ind["regional_yardstick"]).fillna(True).astype(bool)
               if "regional_yardstick" in ind.columns else pd.Series(True, index=targets.index))
    by_kind = ~targets["type_code"].isin(codes_where(yardstick="none"))
    # rates and changes in points compare as they are; only a scaled total needs the indicator's consent
    scaled_total = ~targets["type_code"].isin(codes_where(yardstick="same_value"))
    designations = targets["type_code"].isin(codes_where(yardstick="flow_ratio")) & kind.ne("flow")
    return (by_kind & (allowed | ~scaled_total) & ~designations).to_numpy(dtype=bool)


def make_pairs(targets: pd.DataFrame, regions: list[str] | None, indicators: pd.DataFrame,
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
        pairs = t.assign(region=t["region_code"])
    else:
        wanted = pd.DataFrame({"region": list(dict.fromkeys(regions)), "_rorder": range(len(set(regions)))})
        provincial = numeric & _scalable(t, indicators) & (t["region_code"] == PROVINCE_CODE)
        cross = t[provincial].merge(wanted, how="cross")
        own = t[~provincial & t["region_code"].isin(wanted["region"])]
        own = own.assign(region=own["region_code"]).merge(wanted, on="region", how="left")
        pairs = pd.concat([cross, own], ignore_index=True).sort_values(["_order", "_rorder"], kind="stable")
    pairs = pairs.reset_index(drop=True)
    pairs["pair"] = np.arange(len(pairs))
    pairs["yardstick"] = pairs["region"] != pairs["region_code"]
    pairs["plan_base_year"] = as_float(pairs["base_period"].astype(str).str[:4])
    pairs["target_year"] = as_float(pairs["target_period"].astype(str).str[:4])
    pairs["target_num"] = as_float(pairs["target_value"])
    pairs["base_plan"] = as_float(pairs["base_value"])
    pairs["sign"] = np.where(pairs["direction"].eq("decrease"), -1.0, 1.0)
    ind = indicators.set_index("id") if "id" in indicators.columns else indicators
    pairs["kind"] = pairs["indicator_id"].map(ind["kind"]) if "kind" in ind.columns else "flow"
    pairs["kind"] = pairs["kind"].fillna("flow")
    pairs["ind_zh"] = pairs["indicator_id"].map(ind["name_zh"]) if "name_zh" in ind.columns else None
    pairs["ind_en"] = pairs["indicator_id"].map(ind["name_en"]) if "name_en" in ind.columns else None
    pairs["ind_unit"] = pairs["indicator_id"].map(ind["unit"]) if "unit" in ind.columns else pairs["unit"]
    pairs["ind_zh"] = pairs["ind_zh"].fillna(pairs["name_zh"]).fillna(pairs["indicator_id"]).fillna("")
    pairs["ind_en"] = pairs["ind_en"].fillna(pairs["name_en"]).fillna(pairs["indicator_id"]).fillna("")
    pairs["ind_unit"] = pairs["ind_unit"].fillna(pairs["unit"])
    pairs["indicator_name"] = [Name(zh, en) for zh, en in zip(pairs["ind_zh"], pairs["ind_en"])]
    reg = region_table.set_index("code")
    for lang in ("zh", "en"):
        names = pairs["region"].map(reg[f"name_{lang}"]).fillna(pairs["region"])
        pairs[f"region_{lang}"] = np.where(pairs["region"] == PROVINCE_CODE, _t("engine.province", lang), names)
    return pairs


def prepare_observations(observations: pd.DataFrame, indicator_ids, region_codes,
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
    year = o["year"].to_numpy(dtype=float) if "year" in o.columns else as_float(period.str[:4])
    month = o["month"].to_numpy(dtype=float) if "month" in o.columns else as_float(period.str[5:7])
    month = np.where(is_annual, 12.0, month)
    value = as_float(o["value"]) if "value" in o.columns else np.full(len(o), np.nan)
    yoy = as_float(o["yoy_pct"]) if "yoy_pct" in o.columns else np.full(len(o), np.nan)
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


def observation_key(ind, reg, ptype, period) -> pd.Series:
    """Observation key "indicator|region|period_type|period" (the app looks provenance up by it)."""
    def s(x):
        return x.astype(str) if isinstance(x, pd.Series) else str(x)
    return s(ind) + "|" + s(reg) + "|" + s(ptype) + "|" + s(period)


def per_year(o: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
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
    y["a_key"] = observation_key(y["indicator_id"], y["region_code"], y["a_ptype"], y["a_period"]).where(y["a_period"].notna())
    y["y_key"] = observation_key(y["indicator_id"], y["region_code"], "ytd", y["y_period"]).where(y["y_period"].notna())
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


def level_candidates(y: pd.DataFrame) -> pd.DataFrame:
    """Every point that gives a level for the year: published annual, annual nowcast, YTD nowcast/level."""
    a = y[y["a_value"].notna() | y["a_now"].notna()]
    nowcast = a["a_value"].isna()
    ann = pd.DataFrame({
        "indicator_id": a["indicator_id"], "region_code": a["region_code"], "year": a["year"], "month": 12.0,
        "level_estimate": a["a_value"].fillna(a["a_now"]), "pub": a["a_value"], "yoy": a["a_yoy"],
        "actual": ~nowcast, "est": a["a_prelim"] | nowcast, "ptype": a["a_ptype"].where(~nowcast, "annual"),
        "period": a["a_period"], "key1": a["a_key"], "key2": a["prev_key"].where(nowcast),
        "nowcast": nowcast, "prev_year": np.where(nowcast, a["year"] - 1, np.nan), "is_ytd": False,
    })
    b = y[y["y_month"].notna() & y["y_eff"].notna()]
    ytd_nowcast = b["kind"].eq("flow")
    ytd = pd.DataFrame({
        "indicator_id": b["indicator_id"], "region_code": b["region_code"], "year": b["year"], "month": b["y_month"],
        "level_estimate": b["y_eff"], "pub": b["y_value"], "yoy": b["y_yoy"], "actual": False, "est": True,
        "ptype": "ytd", "period": b["y_period"], "key1": b["y_key"], "key2": b["prev_key"].where(ytd_nowcast),
        "nowcast": ytd_nowcast, "prev_year": np.where(ytd_nowcast, b["year"] - 1, np.nan), "is_ytd": True,
    })
    c = pd.concat([ann, ytd], ignore_index=True)
    c["ord"] = c["year"] * 12 + c["month"]
    return c


def first_per_pair(frame: pd.DataFrame, sort: list[str], last: bool = False) -> pd.DataFrame:
    frame = frame.sort_values(["pair"] + sort, kind="stable")
    return frame.drop_duplicates("pair", keep="last" if last else "first").set_index("pair")


def resolve_base(pairs: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """Base per pair: the plan's base value, else the published annual level at t0, else the nearest later
    year up to T (``base_substituted``). Returns base_year, base_val, base_key, base_sub, base_from_plan."""
    out = pd.DataFrame(index=pairs["pair"])
    plan = pairs.set_index("pair")
    use_plan = plan["base_plan"].notna() & ~plan["yardstick"]
    levels = y.loc[y["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    m = pairs[["pair", "indicator_id", "region", "plan_base_year", "target_year"]].merge(
        levels, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m = m[(m["year"] >= m["plan_base_year"]) & (m["year"] <= m["target_year"])]
    first = first_per_pair(m, ["year"])
    out["base_year"] = np.where(use_plan, plan["plan_base_year"], as_float(first["year"].reindex(out.index)))
    out["base_val"] = np.where(use_plan, plan["base_plan"], as_float(first["a_value"].reindex(out.index)))
    out["base_key"] = pd.Series(first["a_key"].reindex(out.index)).where(~use_plan)
    out["base_sub"] = out["base_val"].notna() & (out["base_year"] > plan["plan_base_year"])
    out["base_from_plan"] = use_plan
    return out


def latest_point(pairs: pd.DataFrame, candidates: pd.DataFrame, after: pd.Series) -> pd.DataFrame:
    """Latest level point per pair with after < year ≤ T (after = base year)."""
    m = pairs[["pair", "indicator_id", "region", "target_year"]].merge(
        candidates, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m["after"] = m["pair"].map(after)
    m = m[(m["year"] > m["after"]) & (m["year"] <= m["target_year"])]
    return first_per_pair(m, ["ord"], last=True).reindex(pairs["pair"])


def data_context(pairs: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """What data exist outside the window (for na reasons): the last year before t0, the first after T."""
    lv = y.loc[y["a_value"].notna() | y["y_value"].notna(), ["indicator_id", "region_code", "year", "a_value",
                                                              "y_value", "a_period", "y_period"]]
    lv = lv.assign(v=lv["a_value"].fillna(lv["y_value"]), per=lv["a_period"].fillna(lv["y_period"]))
    m = pairs[["pair", "indicator_id", "region", "plan_base_year", "target_year"]].merge(
        lv, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    out = pd.DataFrame(index=pairs["pair"])
    before = first_per_pair(m[m["year"] < m["plan_base_year"]], ["year"], last=True)
    later = first_per_pair(m[m["year"] > m["target_year"]], ["year"])
    out["pre_period"], out["pre_value"] = before["per"].reindex(out.index), before["v"].reindex(out.index)
    out["post_period"], out["post_value"] = later["per"].reindex(out.index), later["v"].reindex(out.index)
    any_rows = y[["indicator_id", "region_code"]].drop_duplicates().assign(has_any=True)
    has = pairs[["pair", "indicator_id", "region"]].merge(
        any_rows, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"], how="left")
    out["has_any"] = has.set_index("pair")["has_any"].reindex(out.index).fillna(False).astype(bool)
    return out


def home_flow(pairs: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """Base-year annual flow of the region and of the target's own region (D yardsticks)."""
    lv = y.loc[y["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    out = pd.DataFrame(index=pairs["pair"])
    for who, col in (("region", "region"), ("home", "region_code")):
        m = pairs[["pair", "indicator_id", col, "plan_base_year"]].merge(
            lv, left_on=["indicator_id", col, "plan_base_year"], right_on=["indicator_id", "region_code", "year"],
            suffixes=("", "_obs"))
        m = m.drop_duplicates("pair").set_index("pair")
        out[f"{who}_f0"] = m["a_value"].reindex(out.index)
        out[f"{who}_key"] = m["a_key"].reindex(out.index)
    return out

