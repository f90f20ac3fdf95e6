"""F annual floor: a number every year of the plan must reach ("每年引进…100个以上"). docs/method.md §7.

A year counts once its full-year figure is published: met when it reaches the floor, a miss when it does not —
and a miss cannot be undone, so the target is then ``missed`` at once. A year-to-date figure already past the
floor counts that year as met early. completion = years met / N; τ = years decided / N; R = years met / years
decided (1 when every year so far reached the floor). A year without a figure before the latest one → na.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .method import meets, safe_div
from .reasons import add_context_notes, add_reason, empty_result, missing_years, year_text


def assess_floor(pairs: pd.DataFrame, years: pd.DataFrame,
                 context: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = empty_result(pairs)
    plan = pairs.set_index("pair")
    rows = years[years["a_value"].notna() | years["y_value"].notna()]
    m = pairs[["pair", "indicator_id", "region", "plan_base_year", "target_year", "target_num", "comparator"]].merge(
        rows, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m = m[(m["year"] > m["plan_base_year"]) & (m["year"] <= m["target_year"])].copy()
    annual = m["a_value"].notna().to_numpy()
    m["decided"] = annual | meets(m["y_value"], m["target_num"], m["comparator"])
    m["year_met"] = np.where(annual, meets(m["a_value"], m["target_num"], m["comparator"]),
                             meets(m["y_value"], m["target_num"], m["comparator"]))
    m["value"] = np.where(annual, m["a_value"], m["y_value"])
    m["key"] = np.where(annual, m["a_key"], m["y_key"])
    m["period"] = np.where(annual, m["a_period"], m["y_period"])
    m["ptype"] = np.where(annual, m["a_ptype"], "ytd")
    m["month"] = np.where(annual, 12, m["y_month"])
    m["est"] = np.where(annual, m["a_prelim"], True)
    decided = m[m["decided"]]
    agg = decided.groupby("pair").agg(n=("year", "size"), met=("year_met", "sum"), last=("year", "max"),
                                      est=("est", "any")).reindex(res.index)
    latest = m.sort_values(["pair", "year"]).drop_duplicates("pair", keep="last").set_index("pair").reindex(res.index)
    span = plan["target_year"].to_numpy() - plan["plan_base_year"].to_numpy()
    n = agg["n"].fillna(0).to_numpy(dtype=float)
    met_years = agg["met"].fillna(0).to_numpy(dtype=float)
    has = n > 0
    res["latest_year"] = latest["year"].to_numpy(dtype=float)
    res["latest_month"] = latest["month"].to_numpy(dtype=float)
    res["latest_period"] = latest["period"].fillna("").to_numpy(dtype=object)
    res["latest_ptype"] = latest["ptype"].fillna("").to_numpy(dtype=object)
    res["latest_is_ytd"] = (latest["ptype"] == "ytd").to_numpy(dtype=bool)
    res["latest_value"] = latest["value"].to_numpy(dtype=float)
    res["level_estimate"] = res["latest_value"]
    res["target_level"] = plan["target_num"].to_numpy()
    res["base_year"] = plan["plan_base_year"].to_numpy()
    res["estimate"] = agg["est"].fillna(False).to_numpy(dtype=bool)
    res["completion"] = np.where(has, safe_div(met_years, span), np.nan)
    res["time_share"] = np.where(has, safe_div(n, span), np.nan)
    res["expected_share"] = res["time_share"]
    res["R"] = np.where(has, safe_div(met_years, n), np.nan)
    missed_a_year = has & (met_years < n)
    res["met"] = has & (met_years >= span)
    res["deadline"] = missed_a_year | (has & (n >= span))
    # a year without a figure, before the latest decided one, leaves the count open
    gaps = missing_years(res, plan, decided, np.where(has, agg["last"].to_numpy(dtype=float)
                                                      - plan["plan_base_year"].to_numpy(), 0))
    has_gap = np.array([g is not None for g in gaps], dtype=bool)
    has_any = context["has_any"].reindex(res.index).to_numpy(dtype=bool)
    indicator = plan["indicator_name"].to_numpy(dtype=object)
    add_reason(res, ~has_any, "no_data", indicator=indicator)
    add_reason(res, has_any & ~has, "no_data_in_period",
               first_year=year_text(plan["plan_base_year"] + 1), target_year=year_text(plan["target_year"]))
    add_reason(res, has_gap & ~missed_a_year, "missing_floor_years", years=gaps, indicator=indicator)
    add_context_notes(res, plan, context, pre_mask=False)
    keys = decided[["pair", "key"]]
    return res, keys
