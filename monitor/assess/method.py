"""The formulas, as pure functions over numbers and numpy arrays: growth rates, time share, progress
score, comparisons. No pandas frames, no words. See docs/method.md §1–§2.
"""

from __future__ import annotations

import math
import re

import numpy as np

_AS_OF = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


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


def meets(value, target, comparator) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    k = np.asarray(target, dtype=float)
    c = np.asarray(comparator, dtype=object)
    with np.errstate(invalid="ignore"):
        res = np.select([c == ">", c == ">=", c == "<", c == "<="], [v > k, v >= k, v < k, v <= k], default=False)
    return res & ~np.isnan(v) & ~np.isnan(k)


def safe_pow(base, exp) -> np.ndarray:
    base = np.asarray(base, dtype=float)
    exp = np.asarray(exp, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(base > 0, np.power(np.where(base > 0, base, 1.0), exp), np.nan)


def safe_div(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


def months_elapsed(year, month, base_year) -> np.ndarray:
    """Months elapsed from the end of base_year to the end of (year, month)."""
    return 12 * (np.asarray(year, float) - np.asarray(base_year, float) - 1) + np.asarray(month, float)

