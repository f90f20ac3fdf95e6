"""D cumulative totals over the plan period (新增限上企业3000家, 3年累计…). docs/method.md §11.

The indicator's kind decides the cumulative C_t: a **flow** sums the annual values (complete years from the
annual figure, the current year from its latest year-to-date cumulative; a missing year → na naming it); a
**stock** of designations takes the latest value as the number designated by then, minus the plan's base.
share = C_t / K, τ = months / (12·N), R = share / τ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import first_per_pair, latest_point
from .method import meets, months_elapsed, safe_div
from .reasons import add_context_notes, add_reason, empty_result, has_reason, missing_years, year_text
from .schema import COUNT_UNITS


def _flow_rows(pairs: pd.DataFrame, years: pd.DataFrame) -> pd.DataFrame:
    """The figures a flow's total is made of: every annual figure in the window, the latest year's YTD if no annual."""
    rows = years[years["a_value"].notna() | years["y_value"].notna()]
    m = pairs[["pair", "indicator_id", "region", "plan_base_year", "target_year"]].merge(
        rows, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    m = m[(m["year"] > m["plan_base_year"]) & (m["year"] <= m["target_year"])].copy()
    m["last"] = m["pair"].map(m.groupby("pair")["year"].max())
    m["use_annual"] = m["a_value"].notna()
    m["use_ytd"] = ~m["use_annual"] & (m["year"] == m["last"])
    used = m[m["use_annual"] | m["use_ytd"]].copy()
    annual = used["use_annual"]
    used["v"] = np.where(annual, used["a_value"], used["y_value"])
    used["mon"] = np.where(annual, 12, used["y_month"])
    used["key"] = np.where(annual, used["a_key"], used["y_key"])
    used["est"] = np.where(annual, used["a_prelim"], True)
    used["per"] = np.where(annual, used["a_period"], used["y_period"])
    used["ptype"] = np.where(annual, used["a_ptype"], "ytd")
    return used


def assess_cumulative(pairs: pd.DataFrame, years: pd.DataFrame, candidates: pd.DataFrame, context: pd.DataFrame,
                      home_flow: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = empty_result(pairs)
    plan = pairs.set_index("pair")
    is_stock = (plan["kind"] != "flow").to_numpy()
    used = _flow_rows(pairs, years)
    flow_total = used.groupby("pair").agg(C=("v", "sum"), n=("v", "size"), est=("est", "any")).reindex(res.index)
    flow_last = first_per_pair(used, ["year"], last=True).reindex(res.index)
    last_year = used.groupby("pair")["year"].max().reindex(res.index).to_numpy(dtype=float)
    n_needed = last_year - plan["plan_base_year"].to_numpy()
    flow_complete = flow_total["n"].to_numpy(dtype=float) == n_needed
    # stocks (designations): the latest level is the cumulative count
    stock_points = candidates[candidates["actual"] | (candidates["is_ytd"] & ~candidates["nowcast"])]
    latest = latest_point(pairs, stock_points, plan["plan_base_year"])
    base_count = np.nan_to_num(plan["base_plan"].to_numpy(), nan=0.0)

    total = np.where(is_stock, latest["level_estimate"].to_numpy(dtype=float) - base_count,
                     flow_total["C"].to_numpy(dtype=float))
    year = np.where(is_stock, latest["year"].to_numpy(dtype=float), flow_last["year"].to_numpy(dtype=float))
    month = np.where(is_stock, latest["month"].to_numpy(dtype=float), flow_last["mon"].to_numpy(dtype=float))
    has = ~np.isnan(total) & np.where(is_stock, True, flow_complete)
    period = np.where(is_stock, latest["period"].fillna("").to_numpy(dtype=object),
                      flow_last["per"].fillna("").to_numpy(dtype=object))
    ptype = np.where(is_stock, np.where(latest["is_ytd"].fillna(False), "ytd", "annual"),
                     flow_last["ptype"].fillna("").to_numpy(dtype=object))
    is_ytd = has & (month < 12)
    est = np.where(is_stock, latest["est"].fillna(False).to_numpy(dtype=bool),
                   flow_total["est"].fillna(False).to_numpy(dtype=bool)) | is_ytd
    res["base_val"], res["base_year"] = base_count, plan["plan_base_year"].to_numpy()
    res["latest_year"], res["latest_month"] = year, month
    res["latest_period"] = np.where(has, period, "")
    res["latest_ptype"] = np.where(has, ptype, "")
    res["latest_is_ytd"] = is_ytd
    res["latest_value"] = np.where(has, total, np.nan)
    res["level_estimate"] = np.where(has, total, np.nan)
    res["estimate"] = has & est
    _progress(res, plan, home_flow, has)
    _reasons(res, plan, context, is_stock, total, used, np.where(~is_stock & ~np.isnan(last_year), np.nan_to_num(n_needed), 0))
    yard = plan["yardstick"].to_numpy(dtype=bool)
    keys = pd.concat([
        used.loc[used["pair"].isin(res.index[~is_stock]), ["pair", "key"]],
        pd.DataFrame({"pair": res.index, "key": np.where(is_stock, latest["key1"], None)}),
        pd.DataFrame({"pair": res.index, "key": np.where(yard & ~is_stock, home_flow["home_key"].reindex(res.index), None)}),
        pd.DataFrame({"pair": res.index,
                      "key": np.where(yard & ~is_stock, home_flow["region_key"].reindex(res.index), None)}),
    ])
    return res, keys


def _progress(res: pd.DataFrame, plan: pd.DataFrame, home_flow: pd.DataFrame, has: np.ndarray) -> None:
    """Share of the total against the share of time; a yardstick scales the province's total by the base flows."""
    t0, target_year = plan["plan_base_year"].to_numpy(), plan["target_year"].to_numpy()
    span = target_year - t0
    total = res["level_estimate"].to_numpy()
    yard = plan["yardstick"].to_numpy(dtype=bool)
    region_f0 = home_flow["region_f0"].reindex(res.index).to_numpy(dtype=float)
    home_f0 = home_flow["home_f0"].reindex(res.index).to_numpy(dtype=float)
    target = np.where(yard, region_f0 * safe_div(plan["target_num"].to_numpy(), home_f0), plan["target_num"].to_numpy())
    months = months_elapsed(res["latest_year"], res["latest_month"], t0)
    tau = safe_div(months, 12 * span)
    share = safe_div(total, target)
    res["target_level"] = target
    res["time_share"] = np.where(has, tau, np.nan)
    res["expected_share"] = res["time_share"]
    res["year_time_share"] = np.where(res["latest_is_ytd"], res["latest_month"] / 12, np.nan)
    res["completion"] = np.where(has, share, np.nan)
    res["R"] = np.where(has, safe_div(share, tau), np.nan)
    cmp = plan["comparator"].to_numpy()
    res["met"] = has & meets(total, target, cmp)
    res["deadline"] = has & ~res["latest_is_ytd"].to_numpy(dtype=bool) & (res["latest_year"].to_numpy() == target_year)
    remaining_months = 12 * span - months
    res["required_per_year"] = safe_div(target, span)
    res["observed_per_year"] = np.where(has, safe_div(total, months / 12), np.nan)
    res["remaining_per_year"] = np.where(has & (remaining_months > 0),
                                         safe_div(target - total, remaining_months / 12), np.nan)
    res["projection"] = np.where(has, safe_div(total, months) * 12 * span, np.nan)
    count_gt = np.isin(plan["ind_unit"].to_numpy(dtype=object), COUNT_UNITS) & (cmp == ">")
    res["gap_to_target"] = np.where(has, target - total + np.where(count_gt, 1, 0), np.nan)


def _reasons(res: pd.DataFrame, plan: pd.DataFrame, context: pd.DataFrame, is_stock: np.ndarray, total: np.ndarray,
             used: pd.DataFrame, counts: np.ndarray) -> None:
    has_any = context["has_any"].reindex(res.index).to_numpy(dtype=bool)
    t0 = plan["plan_base_year"].to_numpy()
    indicator = plan["indicator_name"].to_numpy(dtype=object)
    target_years = year_text(plan["target_year"])
    yard = plan["yardstick"].to_numpy(dtype=bool)
    add_reason(res, ~has_any, "no_data", indicator=indicator)
    nothing = has_any & np.isnan(total)
    add_reason(res, nothing, "no_data_in_period", first_year=year_text(t0 + 1), target_year=target_years)
    missing = missing_years(res, plan, used, counts)
    has_missing = np.array([m is not None for m in missing], dtype=bool)
    add_reason(res, has_missing & ~nothing, "missing_full_years", years=missing, indicator=indicator)
    add_reason(res, yard & ~is_stock & np.isnan(res["target_level"].to_numpy()), "no_flow_yardstick",
               base_year=year_text(t0))
    blank = has_reason(res)
    res.loc[blank, ["R", "completion", "time_share", "expected_share"]] = np.nan
    add_context_notes(res, plan, context, pre_mask=False)
