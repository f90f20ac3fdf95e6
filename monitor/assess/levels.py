"""Targets read as levels: A level by a date, C change in points, E stock threshold, S share reaching a level.

One vectorised pass over every pair of these kinds. Formulas and worked examples: docs/method.md §3 (A),
§5 (C), §6 (E), §8 (S); the yardstick for regions §10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import latest_point, resolve_base
from .method import meets, months_elapsed, safe_div, safe_pow
from .reasons import add_context_notes, add_reason, clear_reasons, empty_result, year_text
from .schema import COUNT_UNITS, SERIES_BREAKS


def assess_levels(pairs: pd.DataFrame, years: pd.DataFrame, candidates: pd.DataFrame, home_base: pd.DataFrame,
                  context: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = empty_result(pairs)
    plan = pairs.set_index("pair")
    base = resolve_base(pairs, years)
    res["base_year"], res["base_val"], res["base_sub"] = base["base_year"], base["base_val"], base["base_sub"]
    # the latest point must be later than the base (any point from t0 on when there is no base, for display)
    latest = latest_point(pairs, candidates,
                          base["base_year"].where(base["base_val"].notna(), plan["plan_base_year"] - 1))
    _take_latest(res, plan, latest)
    _target_and_met(res, plan, latest, home_base)
    _level_by_date(res, plan, home_base)
    _linear_kinds(res, plan)
    _series_break(res, plan, latest)
    _reasons(res, plan, context, home_base)
    keys = pd.concat([
        pd.DataFrame({"pair": res.index, "key": base["base_key"].reindex(res.index).to_numpy()}),
        pd.DataFrame({"pair": res.index, "key": latest["key1"].to_numpy()}),
        pd.DataFrame({"pair": res.index, "key": latest["key2"].to_numpy()}),
        pd.DataFrame({"pair": res.index, "key": np.where(plan["yardstick"].to_numpy(dtype=bool),
                                                         home_base["base_key"].reindex(res.index), None)}),
    ])
    return res, keys


def _take_latest(res: pd.DataFrame, plan: pd.DataFrame, latest: pd.DataFrame) -> None:
    has_latest = latest["level_estimate"].notna().to_numpy()
    year = latest["year"].to_numpy(dtype=float)
    is_ytd = latest["is_ytd"].fillna(False).to_numpy(dtype=bool)
    level = latest["level_estimate"].to_numpy(dtype=float)
    res["latest_year"], res["latest_month"] = year, latest["month"].to_numpy(dtype=float)
    res["latest_period"] = latest["period"].fillna("").to_numpy()
    res["latest_ptype"] = np.where(is_ytd, "ytd", np.where(has_latest, "annual", ""))
    res["latest_is_ytd"] = is_ytd
    res["latest_yoy"] = latest["yoy"].to_numpy(dtype=float) / 100
    res["level_estimate"] = level
    res["published"] = latest["pub"].to_numpy(dtype=float)
    # latest_value: the published figure; for an annual period published as a rate only, its nowcast
    res["latest_value"] = np.where(is_ytd, res["published"], level)
    res["estimate"] = latest["est"].fillna(False).to_numpy(dtype=bool)
    res["deadline"] = has_latest & ~is_ytd & (year == plan["target_year"].to_numpy())
    res["has_latest"] = has_latest
    res["nowcast"] = latest["nowcast"].fillna(False).to_numpy(dtype=bool)


def _target_and_met(res: pd.DataFrame, plan: pd.DataFrame, latest: pd.DataFrame, home_base: pd.DataFrame) -> None:
    """The target level for this region (a yardstick scales the province's) and whether it is met."""
    code = plan["type_code"].to_numpy()
    target, target_year = plan["target_num"].to_numpy(), plan["target_year"].to_numpy()
    plan_base_year = plan["plan_base_year"].to_numpy()
    base_val, base_year = res["base_val"].to_numpy(), res["base_year"].to_numpy()
    home_val = home_base["base_val"].reindex(res.index).to_numpy()
    home_year = home_base["base_year"].reindex(res.index).to_numpy()
    yard = plan["yardstick"].to_numpy(dtype=bool)
    res["home_required_rate"] = safe_pow(safe_div(target, home_val), safe_div(1, target_year - home_year)) - 1
    res["home_base_val"] = home_val
    # C: the change pro-rated to the years from a substituted base (keeps the required change per year)
    res["required_change"] = target * safe_div(target_year - base_year, target_year - plan_base_year)
    is_a, is_c, is_e = code == "A", code == "C", (code == "E") | (code == "S")
    res["target_level"] = np.select(
        [is_a & yard, is_a, is_c, is_e & yard, is_e],
        [base_val * safe_pow(1 + res["home_required_rate"].to_numpy(), target_year - base_year), target,
         base_val + res["required_change"].to_numpy(), base_val * safe_div(target, home_val), target],
        default=np.nan)
    level, cmp = res["target_level"].to_numpy(), plan["comparator"].to_numpy(dtype=object)
    met_at_base = np.where(is_c, False, meets(base_val, level, cmp)) & ~np.isnan(base_val)
    # for a flow, a YTD cumulative already past the target is enough; a year nowcast from a YTD rate is not:
    # official FDI 2022 1—3月 18.0亿美元 at +165.8 % nowcast the year at 24.1 × 2.658 = 64 > 35 and read
    # "18.0亿美元…已完成目标（突破35亿美元）" (docs/method.md §13). An annual nowcast (the year's official rate on
    # last year's level) still counts, marked 预估.
    latest_level = res["level_estimate"].to_numpy()
    is_ytd = res["latest_is_ytd"].to_numpy(dtype=bool)
    ytd_flow = is_ytd & (plan["kind"].to_numpy() == "flow")
    ytd_nowcast = is_ytd & res["nowcast"].to_numpy(dtype=bool)
    met_latest = np.where(is_c, meets(latest_level - base_val, res["required_change"].to_numpy(), cmp),
                          (meets(latest_level, level, cmp) & ~ytd_nowcast)
                          | (ytd_flow & meets(res["published"].to_numpy(), level, cmp)))
    res["met"] = np.where(res["has_latest"].to_numpy(dtype=bool), met_latest, met_at_base)
    res["met_at_base"] = met_at_base
    # time share from the base actually used
    months = months_elapsed(res["latest_year"], res["latest_month"], base_year)
    res["tau"] = safe_div(months, 12 * (target_year - base_year))
    res["time_share"] = np.where(res["has_latest"], res["tau"], np.nan)
    res["year_time_share"] = np.where(res["latest_is_ytd"], res["latest_month"] / 12, np.nan)


def _level_by_date(res: pd.DataFrame, plan: pd.DataFrame, home_base: pd.DataFrame) -> None:
    """A: required vs observed compound growth along the geometric path (linear when counted from zero)."""
    is_a = (plan["type_code"] == "A").to_numpy()
    yard = plan["yardstick"].to_numpy(dtype=bool)
    sign, target_year = plan["sign"].to_numpy(), plan["target_year"].to_numpy()
    x0, b = res["base_val"].to_numpy(), res["base_year"].to_numpy()
    xt, t = res["level_estimate"].to_numpy(), res["latest_year"].to_numpy()
    level, tau = res["target_level"].to_numpy(), res["tau"].to_numpy()
    is_ytd, month = res["latest_is_ytd"].to_numpy(dtype=bool), res["latest_month"].to_numpy()
    span, rem_years = t - b, target_year - t
    linear = is_a & (x0 == 0) & ~yard
    res["linear_a"] = linear
    r_req = np.where(is_a & yard, res["home_required_rate"], safe_pow(safe_div(level, x0), safe_div(1, target_year - b)) - 1)
    r_req = np.where(is_a & ~linear, r_req, np.nan)
    r_obs = np.where(is_a & ~linear, safe_pow(safe_div(xt, x0), safe_div(1, span)) - 1, np.nan)
    with np.errstate(all="ignore"):
        ratio = sign * r_obs / np.abs(r_req)
        ratio = np.where(np.abs(r_req) < 1e-12, np.sign(sign * r_obs) * np.inf, ratio)
    path = np.where(linear, x0 + (level - x0) * safe_div(t - b, target_year - b), x0 * safe_pow(1 + r_req, t - b))
    share_linear = safe_div(xt - x0, level - x0)
    res["required_rate"], res["observed_rate"], res["level_implied_rate"] = r_req, r_obs, r_obs
    res["rate_gap_pp"] = 100 * (r_obs - r_req)
    res["path_value"] = np.where(is_a, path, np.nan)
    res["deviation"] = np.where(is_a, safe_div(xt, path) - 1, np.nan)
    res["remaining_required_rate"] = np.where(is_a & ~linear & (rem_years > 0),
                                              safe_pow(safe_div(level, xt), safe_div(1, rem_years)) - 1, np.nan)
    res["projection_a"] = np.where(linear, xt + safe_div(xt - x0, span) * rem_years, xt * safe_pow(1 + r_obs, rem_years))
    # completion: annual → x_t / x*; year to date → YTD_m / the path value of that year, against m/12
    completion = np.where(is_ytd, safe_div(res["published"], path), safe_div(xt, level))
    expected = np.where(is_ytd, month / 12, safe_div(path, level))
    res["completion_a"] = np.where(linear & ~is_ytd, share_linear, completion)
    res["expected_a"] = np.where(linear & ~is_ytd, tau, expected)
    res["ratio_a"] = np.where(linear, safe_div(share_linear, tau), ratio)


def _linear_kinds(res: pd.DataFrame, plan: pd.DataFrame) -> None:
    """C (points along a line), E and S (share of the gap from the base closed); then R and completion for all."""
    code = plan["type_code"].to_numpy()
    is_a, is_c, is_e = code == "A", code == "C", (code == "E") | (code == "S")
    linear = res["linear_a"].to_numpy(dtype=bool)
    target, target_year = plan["target_num"].to_numpy(), plan["target_year"].to_numpy()
    plan_base_year = plan["plan_base_year"].to_numpy()
    x0, b = res["base_val"].to_numpy(), res["base_year"].to_numpy()
    xt, t = res["level_estimate"].to_numpy(), res["latest_year"].to_numpy()
    level, tau = res["target_level"].to_numpy(), res["tau"].to_numpy()
    has_latest = res["has_latest"].to_numpy(dtype=bool)
    span, rem_years = t - b, target_year - t
    per_year = safe_div(xt - x0, span)
    gap_share = safe_div(xt - x0, level - x0)
    res["observed_per_year"] = np.where(is_c | is_e | linear, per_year, np.nan)
    res["required_per_year"] = np.select([is_c, is_e | linear],
                                         [safe_div(target, target_year - plan_base_year), safe_div(level - x0, target_year - b)],
                                         default=np.nan)
    res["remaining_per_year"] = np.where((is_c | is_e | linear) & (rem_years > 0), safe_div(level - xt, rem_years), np.nan)
    share = np.select([is_a, is_c, is_e],
                      [res["completion_a"], safe_div(xt - x0, res["required_change"]), gap_share], default=np.nan)
    ratio = np.where(is_a, res["ratio_a"], safe_div(share, tau))
    res["R"] = np.where(has_latest, ratio, np.nan)
    res["completion"] = np.where(has_latest, share, np.nan)
    res["expected_share"] = np.where(has_latest, np.where(is_a, res["expected_a"], tau), np.nan)
    projection = np.where(is_a, res["projection_a"], xt + per_year * rem_years)
    res["projection"] = np.where(has_latest, projection, np.nan)
    cmp = plan["comparator"].to_numpy(dtype=object)
    count_gt = np.isin(plan["ind_unit"].to_numpy(dtype=object), COUNT_UNITS) & (cmp == ">")
    res["gap_to_target"] = np.where(has_latest, level - xt + np.where(count_gt, 1, 0), np.nan)


def _series_break(res: pd.DataFrame, plan: pd.DataFrame, latest: pd.DataFrame) -> None:
    """Levels whose years straddle a known break (retail sales before/after the fourth economic census)."""
    brk = plan["indicator_id"].map(SERIES_BREAKS).to_numpy(dtype=float)
    t = res["latest_year"].to_numpy()
    lo = np.fmin(res["base_year"].to_numpy(), np.where(res["nowcast"].to_numpy(dtype=bool), t - 1, t))
    res["series_break"] = res["has_latest"].to_numpy(dtype=bool) & ~np.isnan(brk) & (lo < brk) & (t >= brk)


def _reasons(res: pd.DataFrame, plan: pd.DataFrame, context: pd.DataFrame, home_base: pd.DataFrame) -> None:
    code = plan["type_code"].to_numpy()
    yard = plan["yardstick"].to_numpy(dtype=bool)
    x0, xt = res["base_val"].to_numpy(), res["level_estimate"].to_numpy()
    has_latest = res["has_latest"].to_numpy(dtype=bool)
    met_at_base = res["met_at_base"].to_numpy(dtype=bool)
    linear = res["linear_a"].to_numpy(dtype=bool)
    t0s, target_years = year_text(plan["plan_base_year"]), year_text(plan["target_year"])
    base_years = year_text(res["base_year"])
    indicator = plan["indicator_name"].to_numpy(dtype=object)
    no_base = np.isnan(x0)
    has_any = context["has_any"].reindex(res.index).to_numpy(dtype=bool)
    add_reason(res, ~has_any, "no_data", indicator=indicator)
    add_reason(res, has_any & no_base, "no_base", base_year=t0s, target_year=target_years)
    home_missing = np.isnan(home_base["base_val"].reindex(res.index).to_numpy())
    add_reason(res, yard & np.isin(code, ("A", "E")) & home_missing, "no_home_base")
    only_one = has_any & ~no_base & ~has_latest & ~met_at_base
    substituted = res["base_sub"].to_numpy(dtype=bool)
    add_reason(res, only_one & ~substituted, "only_base", base_year=base_years)
    add_reason(res, only_one & substituted, "only_substitute_base", plan_base_year=t0s, base_year=base_years,
               target_year=target_years)
    bad_cagr = (code == "A") & ~linear & has_latest & ~no_base & ((x0 <= 0) | (xt <= 0))
    add_reason(res, bad_cagr, "non_positive")
    undefined = has_latest & ~no_base & np.isnan(res["R"].to_numpy()) & ~bad_cagr & ~res["met"].to_numpy(dtype=bool)
    add_reason(res, undefined, "target_equals_base")
    add_reason(res, substituted, "base_substituted", col="note", plan_base_year=t0s, base_year=base_years)
    add_context_notes(res, plan, context, pre_mask=no_base)
    clear_reasons(res, met_at_base & ~has_latest)
    # already met at the base and still met: achieved, R not used. (Met at the base but no longer met
    # keeps its R: moving away from a target once reached is 逆向变化.)
    res.loc[met_at_base & res["met"].to_numpy(dtype=bool), "R"] = np.nan
