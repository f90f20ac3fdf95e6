"""B average annual growth: the geometric mean of the official comparable-basis rates, never level ratios.

docs/method.md §4: ḡ = [Π(1+g_i)]^(1/k) − 1 over the k elapsed years; R = sign·ḡ/|g*|; the rate still needed
g_rem = [(1+g*)^N / Π(1+g_i)]^(1/(N−k)) − 1; the level-implied rate beside it (never across a series break) and
the NBS two-year average for the latest year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import first_per_pair
from .method import meets, safe_div, safe_pow
from .reasons import Rate, add_context_notes, add_reason, empty_result, missing_years, year_text
from .schema import SERIES_BREAKS


def official_rates(years: pd.DataFrame) -> pd.DataFrame:
    """One official rate per indicator × region × year: the annual rate, else the latest 累计同比 (an estimate)."""
    g = years[years["a_yoy"].notna() | years["y_yoy"].notna()]
    from_annual = g["a_yoy"].notna()
    return pd.DataFrame({
        "indicator_id": g["indicator_id"], "region_code": g["region_code"], "year": g["year"],
        "g": np.where(from_annual, g["a_yoy"], g["y_yoy"]) / 100,
        "g_month": np.where(from_annual, 12, g["y_month"]),
        "g_est": np.where(from_annual, g["a_prelim"] | g["a_ptype"].eq("ytd"), True),
        "g_key": np.where(from_annual, g["a_key"], g["y_key"]),
        "g_period": np.where(from_annual, g["a_period"], g["y_period"]),
        "g_ptype": np.where(from_annual, g["a_ptype"], "ytd"),
        "g_pub": np.where(from_annual, g["a_value"], g["y_value"]),
    })


def assess_growth(pairs: pd.DataFrame, years: pd.DataFrame,
                  context: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = empty_result(pairs)
    plan = pairs.set_index("pair")
    rates = official_rates(years)
    m = pairs[["pair", "indicator_id", "region", "plan_base_year", "target_year"]].merge(
        rates, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    in_window = m[(m["year"] > m["plan_base_year"]) & (m["year"] <= m["target_year"])].copy()
    in_window["log1p"] = np.log1p(np.where(in_window["g"] > -1, in_window["g"], np.nan))
    in_window["bad"] = in_window["log1p"].isna()
    agg = in_window.groupby("pair").agg(n=("g", "size"), last_year=("year", "max"), slog=("log1p", "sum"),
                                        bad=("bad", "any"), est=("g_est", "any")).reindex(res.index)
    last = first_per_pair(in_window, ["year"], last=True).reindex(res.index)
    _mean_rate(res, plan, agg, last)
    base_keys, top_keys = _level_implied(res, plan, years)
    _two_year_average(res, plan, rates, last)
    _reasons(res, plan, context, agg, in_window)
    prev_idx = pd.MultiIndex.from_arrays([plan["indicator_id"], plan["region"], res["latest_year"] - 1])
    prev_key = rates.set_index(["indicator_id", "region_code", "year"])["g_key"]
    prev_key = prev_key[~prev_key.index.duplicated()].reindex(prev_idx).to_numpy()
    keys = pd.concat([
        in_window[["pair", "g_key"]].rename(columns={"g_key": "key"}),
        pd.DataFrame({"pair": res.index, "key": base_keys}),
        pd.DataFrame({"pair": res.index, "key": top_keys}),
        pd.DataFrame({"pair": res.index, "key": np.where(res["has_rates"], prev_key, None)}),
    ])
    return res, keys


def _mean_rate(res: pd.DataFrame, plan: pd.DataFrame, agg: pd.DataFrame, last: pd.DataFrame) -> None:
    t0, target_year, sign = plan["plan_base_year"].to_numpy(), plan["target_year"].to_numpy(), plan["sign"].to_numpy()
    span = target_year - t0
    last_year = agg["last_year"].to_numpy(dtype=float)
    elapsed = last_year - t0
    n = agg["n"].fillna(0).to_numpy(dtype=float)
    product = np.exp(agg["slog"].to_numpy(dtype=float))
    g_req = plan["target_num"].to_numpy() / 100
    have = n > 0
    complete = have & (n == elapsed)
    g_bar = np.where(complete, safe_pow(product, safe_div(1, elapsed)) - 1, np.nan)
    with np.errstate(all="ignore"):
        ratio = np.where(np.abs(g_req) > 0, sign * g_bar / np.abs(g_req), np.sign(sign * g_bar) * np.inf)
    month = last["g_month"].to_numpy(dtype=float)
    last_ytd = month < 12
    res["R"] = ratio
    res["completion"] = safe_div(g_bar, g_req)
    res["observed_rate"], res["required_rate"] = g_bar, g_req
    res["rate_gap_pp"] = 100 * (g_bar - g_req)
    res["remaining_required_rate"] = np.where(
        complete & (elapsed < span),
        safe_pow(safe_div(safe_pow(1 + g_req, span), product), safe_div(1, span - elapsed)) - 1, np.nan)
    res["time_share"] = np.where(have, safe_div(12 * (elapsed - 1) + month, 12 * span), np.nan)
    res["expected_share"] = np.nan  # growth targets are read against the rate (rate_gap_pp), not 时序进度
    res["year_time_share"] = np.where(have & last_ytd, month / 12, np.nan)
    res["latest_year"], res["latest_month"] = last_year, month
    res["latest_period"] = last["g_period"].fillna("").to_numpy()
    res["latest_ptype"] = last["g_ptype"].fillna("").to_numpy()
    res["latest_is_ytd"] = have & last_ytd
    res["latest_yoy"] = last["g"].to_numpy(dtype=float)
    res["latest_value"] = last["g_pub"].to_numpy(dtype=float)
    res["estimate"] = agg["est"].fillna(False).to_numpy(dtype=bool)
    rounded = np.round(g_bar * 100, 10)
    res["met"] = complete & (elapsed == span) & meets(rounded, plan["target_num"].to_numpy(), plan["comparator"].to_numpy())
    res["deadline"] = complete & (elapsed == span) & ~last_ytd
    res["has_rates"] = have
    res["product"] = product


def _level_implied(res: pd.DataFrame, plan: pd.DataFrame, years: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rate implied by published levels of the same series, shown beside the official one."""
    t0 = plan["plan_base_year"].to_numpy()
    last_year = res["latest_year"].to_numpy()
    levels = years.loc[years["a_value"].notna(), ["indicator_id", "region_code", "year", "a_value", "a_key"]]
    m = plan.reset_index()[["pair", "indicator_id", "region", "plan_base_year", "target_year"]].merge(
        levels, left_on=["indicator_id", "region"], right_on=["indicator_id", "region_code"])
    base_level = first_per_pair(m[m["year"] == m["plan_base_year"]], ["year"]).reindex(res.index)
    m = m.assign(last_rate_year=m["pair"].map(pd.Series(last_year, index=res.index)))
    top = first_per_pair(m[(m["year"] > m["plan_base_year"]) & (m["year"] <= m["last_rate_year"])], ["year"],
                         last=True).reindex(res.index)
    top_year = top["year"].to_numpy(dtype=float)
    brk = plan["indicator_id"].map(SERIES_BREAKS).to_numpy(dtype=float)
    crosses = ~np.isnan(brk) & (t0 < brk) & (top_year >= brk)
    x0 = base_level["a_value"].to_numpy(dtype=float)
    res["base_val"], res["base_year"] = x0, t0
    implied = safe_pow(safe_div(top["a_value"].to_numpy(dtype=float), x0), safe_div(1, top_year - t0)) - 1
    same_span = top_year == last_year
    res["level_implied_rate"] = np.where(crosses | ~same_span, np.nan, implied)
    res["same_span"] = same_span
    res["level_estimate"] = x0 * res["product"].to_numpy()  # level implied by the official rates (chart projection)
    res["target_level"] = x0 * safe_pow(1 + res["required_rate"].to_numpy(),
                                        plan["target_year"].to_numpy() - t0)
    top_keys = np.asarray(np.where(crosses | ~same_span, None, top["a_key"].to_numpy(dtype=object)), dtype=object)
    return base_level["a_key"].to_numpy(), top_keys


def _two_year_average(res: pd.DataFrame, plan: pd.DataFrame, rates: pd.DataFrame, last: pd.DataFrame) -> None:
    """NBS 两年平均增速 for the latest year (base-effect years): √((1+g_y)(1+g_{y−1})) − 1."""
    by_year = rates.set_index(["indicator_id", "region_code", "year"])["g"]
    by_year = by_year[~by_year.index.duplicated()]
    prev_idx = pd.MultiIndex.from_arrays([plan["indicator_id"], plan["region"], res["latest_year"] - 1])
    g_prev = by_year.reindex(prev_idx).to_numpy(dtype=float)
    res["two_year"] = np.where(res["has_rates"], np.sqrt((1 + last["g"].to_numpy(dtype=float)) * (1 + g_prev)) - 1,
                               np.nan)


def _reasons(res: pd.DataFrame, plan: pd.DataFrame, context: pd.DataFrame, agg: pd.DataFrame,
             in_window: pd.DataFrame) -> None:
    have = res["has_rates"].to_numpy(dtype=bool)
    elapsed = res["latest_year"].to_numpy() - plan["plan_base_year"].to_numpy()
    missing = missing_years(res, plan, in_window, np.where(have, elapsed, 0))
    has_missing = np.array([m is not None for m in missing], dtype=bool)
    has_any = context["has_any"].reindex(res.index).to_numpy(dtype=bool)
    t0s, target_years = year_text(plan["plan_base_year"]), year_text(plan["target_year"])
    add_reason(res, ~has_any, "no_data", indicator=plan["indicator_name"].to_numpy(dtype=object))
    add_reason(res, has_any & ~have, "no_rates", base_year=t0s, target_year=target_years)
    add_reason(res, has_missing, "missing_rates", years=missing)
    add_reason(res, agg["bad"].fillna(False).to_numpy(dtype=bool) & ~has_missing, "rate_below_minus_100")
    add_context_notes(res, plan, context, pre_mask=False)
    implied = res["level_implied_rate"].to_numpy()
    differs = res["same_span"].to_numpy(dtype=bool) & (np.abs(implied - res["observed_rate"].to_numpy()) > 0.003)
    add_reason(res, differs, "level_implied_differs", col="note", rate=np.array([Rate(x) for x in implied], dtype=object))
    res["series_break"] = False
