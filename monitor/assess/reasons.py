"""Why a row is not assessable (``na``) and what else the reader must know (``note``), as codes.

The computation never writes words: it appends ``(key, params)`` to a row's list, and ``wording`` renders
them in each language through the locale catalog (``reason.<key>``). Parameters are plain values or the
small typed values below, which format themselves through ``monitor.formatting`` (one formatter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..formatting import fmt_period, fmt_rate, fmt_value, fmt_years
from ..i18n import t

NUMBER_COLUMNS = (
    "R", "completion", "time_share", "expected_share", "year_time_share", "required_rate", "observed_rate",
    "remaining_required_rate", "level_implied_rate", "path_value", "deviation", "projection", "gap_to_target",
    "target_level", "required_per_year", "observed_per_year", "remaining_per_year", "two_year", "latest_value",
    "latest_yoy", "level_estimate", "latest_year", "latest_month", "base_year", "base_val", "rate_gap_pp",
)
FLAG_COLUMNS = ("met", "met_at_base", "deadline", "estimate", "base_sub", "series_break", "latest_is_ytd", "nowcast")
TEXT_COLUMNS = ("latest_period", "latest_ptype")
REASON_COLUMNS = ("na", "note")


@dataclass(frozen=True)
class Value:
    """A figure with its unit, e.g. 2019's 16000亿元."""
    value: float
    unit: str

    def render(self, lang: str) -> str:
        return fmt_value(self.value, self.unit, lang)


@dataclass(frozen=True)
class Period:
    """A period as stored ('2022', '2022-06') with its type."""
    period: str
    period_type: str

    def render(self, lang: str) -> str:
        return fmt_period(self.period, self.period_type, lang)


@dataclass(frozen=True)
class Rate:
    """A fraction shown as a percentage (0.075 → 7.5%)."""
    rate: float

    def render(self, lang: str) -> str:
        return fmt_rate(self.rate, lang)


@dataclass(frozen=True)
class Years:
    """A list of years: 2021、2022 / 2021, 2022."""
    years: tuple[int, ...]

    def render(self, lang: str) -> str:
        return fmt_years(self.years, lang)


@dataclass(frozen=True)
class Name:
    """A bilingual name from the registry (an indicator's, a region's)."""
    zh: str
    en: str

    def render(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


def render_param(value: Any, lang: str) -> str:
    return value.render(lang) if hasattr(value, "render") else str(value)


def render_reasons(items: list, lang: str) -> str:
    """The reasons of one row in one language, joined as the language punctuates (；/ ; )."""
    return t("reason.sep", lang).join(
        t(f"reason.{key}", lang, **{k: render_param(v, lang) for k, v in params.items()}) for key, params in items)


def empty_result(pairs: pd.DataFrame) -> pd.DataFrame:
    """The result frame a family fills in: one row per pair, numbers NaN, flags False, no reasons."""
    index = pd.Index(pairs["pair"].to_numpy(), name="pair")
    n = len(index)
    columns: dict[str, Any] = {c: np.full(n, np.nan) for c in NUMBER_COLUMNS}
    columns.update({c: np.zeros(n, dtype=bool) for c in FLAG_COLUMNS})
    columns.update({c: np.full(n, "", dtype=object) for c in TEXT_COLUMNS})
    for c in REASON_COLUMNS:
        holder = np.empty(n, dtype=object)
        holder[:] = [[] for _ in range(n)]
        columns[c] = holder
    return pd.DataFrame(columns, index=index)


def year_text(values) -> np.ndarray:
    """Years as whole numbers for messages ('2020'), '' where missing."""
    a = np.asarray(values, dtype=float)
    out = np.full(len(a), "", dtype=object)
    ok = ~np.isnan(a)
    out[ok] = a[ok].astype(np.int64).astype(str).astype(object)
    return out


def _at(param: Any, i: int) -> Any:
    if isinstance(param, pd.Series):
        return param.iat[i]
    if isinstance(param, np.ndarray):
        return param[i]
    return param


def add_reason(result: pd.DataFrame, mask, key: str, col: str = "na", **params: Any) -> None:
    """Append reason ``key`` to the rows under ``mask``; a parameter is a scalar or an array aligned to the rows."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    holders = result[col].to_numpy()
    for i in rows.tolist():
        holders[i].append((key, {name: _at(value, i) for name, value in params.items()}))


def has_reason(result: pd.DataFrame, col: str = "na") -> np.ndarray:
    return np.fromiter((len(x) > 0 for x in result[col].to_numpy()), dtype=bool, count=len(result))


def clear_reasons(result: pd.DataFrame, mask, col: str = "na") -> None:
    holders = result[col].to_numpy()
    for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
        holders[i].clear()


def add_context_notes(result: pd.DataFrame, plan: pd.DataFrame, context: pd.DataFrame, pre_mask=True) -> None:
    """For a row that is not assessable, name the data that exist outside the window and why they are not used."""
    na = has_reason(result)
    c = context.reindex(result.index)
    units = plan["ind_unit"].to_numpy(dtype=object)

    def figures(period_col: str, value_col: str) -> tuple[np.ndarray, np.ndarray]:
        periods = c[period_col].to_numpy(dtype=object)
        values = c[value_col].to_numpy(dtype=object)
        per = np.empty(len(periods), dtype=object)
        val = np.empty(len(periods), dtype=object)
        for i, (p, v, u) in enumerate(zip(periods, values, units)):
            if isinstance(p, str):
                per[i] = Period(p, "ytd" if len(p) > 4 else "annual")
                val[i] = Value(v, u)
        return per, val

    pre = na & c["pre_period"].notna().to_numpy() & np.asarray(pre_mask, dtype=bool)
    if pre.any():
        per, val = figures("pre_period", "pre_value")
        add_reason(result, pre, "before_base", period=per, value=val)
    post = na & c["post_period"].notna().to_numpy()
    if post.any():
        per, val = figures("post_period", "post_value")
        add_reason(result, post, "after_target", period=per, value=val, target_year=year_text(plan["target_year"]))


def missing_years(res: pd.DataFrame, plan: pd.DataFrame, present: pd.DataFrame, counts: np.ndarray) -> np.ndarray:
    """Per pair, the elapsed years without a figure (a Years value), or None when none is missing."""
    out = np.full(len(res), None, dtype=object)
    expected = pd.DataFrame({"pair": np.repeat(res.index.to_numpy(), counts.astype(int))})
    if not len(expected):
        return out
    first = pd.Series(plan["plan_base_year"].to_numpy(), index=res.index)
    expected["year"] = expected["pair"].map(first) + expected.groupby("pair").cumcount() + 1
    expected = expected.merge(present[["pair", "year"]].drop_duplicates().assign(ok=True), on=["pair", "year"],
                              how="left")
    missing = expected[expected["ok"].isna()]
    position = pd.Series(np.arange(len(res)), index=res.index)
    for pair, group in missing.groupby("pair"):
        out[position[pair]] = Years(tuple(int(y) for y in group["year"]))
    return out
