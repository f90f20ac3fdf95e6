"""The officials' sentence and the reason behind each status, for finished rows only, in both languages.

One function per kind (by its code in ``monitor/target_kinds.py``); every word comes from the locale catalog
(``sentence.*``, ``reason.*``) and every number from ``monitor.formatting``, so a sentence and the card beside it
read the same figure the same way.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..config import PROVINCE_CODE
from ..formatting import (
    fmt_number,
    fmt_period,
    fmt_rate,
    fmt_ratio,
    fmt_target,
    fmt_value,
    half_up,
    is_missing,
    telling_decimals,
)
from ..i18n import LANGUAGES, t
from ..target_kinds import BY_CODE
from .reasons import render_reasons

THRESHOLDS_TEXT = "0.95/0.60/0"
_CMP_KEYS = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}


def write_sentences(out: pd.DataFrame, plan: pd.DataFrame, res: pd.DataFrame) -> None:
    """Fill sentence_zh/en and reason_zh/en of the output frame, one finished row at a time."""
    helper = out.assign(h_na=res["na"].to_numpy(), h_notes=res["note"].to_numpy(),
                        h_ind_zh=plan["ind_zh"].to_numpy(), h_ind_en=plan["ind_en"].to_numpy(),
                        h_T=plan["target_year"].to_numpy(dtype=float),
                        h_met_at_base=res["met_at_base"].to_numpy(dtype=bool))
    # the rows as plain object arrays (iterating Arrow-backed columns element by element was what made this slow)
    row_type: Any = collections.namedtuple("Row", helper.columns)  # type: ignore[misc]
    columns = [helper[c].to_numpy(dtype=object) for c in helper.columns]
    texts: dict[str, list[str]] = {f"{field}_{lang}": [] for field in ("sentence", "reason") for lang in LANGUAGES}
    r: Any
    for r in map(row_type._make, zip(*columns)):
        for lang in LANGUAGES:
            sentence, why = sentence_for(r, lang)
            notes = render_reasons(r.h_notes, lang) if r.h_notes and r.status not in ("na", "not_scored") else ""
            texts[f"sentence_{lang}"].append(sentence)
            texts[f"reason_{lang}"].append(why + (t("reason.sep", lang) + notes if notes else ""))
    for col, values in texts.items():
        out[col] = values


def _lower_first(name: str) -> str:
    """"Retail sales of …" → "retail sales of …" mid-sentence; acronyms keep their case ("GDP", "Logistics … GDP")."""
    words = name.split(" ")
    if words and words[0][:1].isupper() and not words[0][1:2].isupper():
        words[0] = words[0][:1].lower() + words[0][1:]
    return " ".join(words)


class _Words:
    """What every kind's sentence shares, in one language."""

    def __init__(self, r: Any, lang: str):
        self.r, self.lang = r, lang
        self.estimate = t("sentence.estimate", lang) if "estimate" in r.qualifiers else ""
        self.period = fmt_period(r.latest_period, r.latest_period_type, lang)
        self.region = r.region_name_zh if lang == "zh" else r.region_name_en  # registry data, both languages
        self.indicator = r.h_ind_zh if lang == "zh" else _lower_first(str(r.h_ind_en))
        self.unit = r.indicator_unit
        self.comparator = t(f"sentence.cmp.{_CMP_KEYS[r.comparator]}", lang) if r.comparator in _CMP_KEYS else ""
        self.kind = BY_CODE[r.type_code]
        # a provincial target scaled to this region is a reference, never the region's own target (issue 11)
        self.scaled = bool(r.yardstick) and self.kind.yardstick not in ("same_value", "none")
        self.how = t(f"sentence.how.{self.kind.yardstick}", lang) if self.scaled else ""
        self.target_value = fmt_target(r.target_level, self.unit, lang)
        self.target = (t("sentence.scaled", lang, target=self.target_value, how=self.how) if self.scaled
                       else self.target_value)
        self.ratio = fmt_ratio(r.progress_ratio)
        done_words = "yardstick_" if r.yardstick else ""
        self.done = (t(f"sentence.{done_words}{r.status}", lang) if r.status in ("achieved", "missed") else None)

    def w(self, key: str, **params: Any) -> str:
        return t(f"sentence.{key}", self.lang, **params)

    def value(self, v: float, unit: str | None = None) -> str:
        return fmt_value(v, self.unit if unit is None else unit, self.lang)

    def rate(self, v: float) -> str:
        return fmt_rate(v, self.lang)

    def schedule(self) -> str:
        gap = self.r.schedule_gap_pp
        if is_missing(gap):
            return ""
        return self.w("ahead" if gap >= 0 else "behind", gap=fmt_number(abs(gap), 1, self.lang))

    def done_with_target(self, head: str, estimate: str = "") -> str:
        if self.scaled:
            return self.w("done_yardstick", head=head, done=self.done, how=self.how, target=self.target_value,
                          estimate=estimate)
        return self.w("done_with_target", head=head, done=self.done, comparator=self.comparator, target=self.target,
                      estimate=estimate)

    def why(self, key: str) -> str:
        r = self.r
        return self.w(key, completion=self.rate(r.completion), time_share=self.rate(r.time_share), ratio=self.ratio,
                      thresholds=THRESHOLDS_TEXT, observed=self.rate(r.observed_rate), required=self.rate(r.required_rate))


def sentence_for(r: Any, lang: str) -> tuple[str, str]:
    """(sentence, reason) of one finished row."""
    if r.status == "not_scored":
        name = r.target_name_zh if lang == "zh" else r.target_name_en
        return t("sentence.not_scored", lang, name=name), t("sentence.not_scored_why", lang)
    if r.status == "na":
        reasons = render_reasons(r.h_na, lang)
        where = "" if r.region == PROVINCE_CODE else t(
            "sentence.na_where", lang, region=r.region_name_zh if lang == "zh" else r.region_name_en)
        name = r.target_name_zh if lang == "zh" else r.target_name_en
        return t("sentence.na", lang, where=where, name=name, reasons=reasons), reasons
    return _BY_CODE[r.type_code](_Words(r, lang))


def _why_done(words: _Words) -> str:
    r = words.r
    at_base = r.h_met_at_base and is_missing(r.progress_ratio)
    key = "why_done_base" if at_base else "why_done_latest"
    text = words.w(key + ("_yardstick" if words.scaled else ""),
                   value=words.value(r.base_value if at_base else r.latest_value),
                   comparator=words.comparator, target=words.value(r.target_level))
    return text + (words.w("why_done_missed") if r.status == "missed" else "")


def _past_target(r: Any) -> bool:
    """Whether the required growth or amount from now on is negative: the estimate is already past the target."""
    rate, amount = r.remaining_required_rate, r.remaining_per_year
    return (not is_missing(rate) and rate < 0) or (not is_missing(amount) and amount < 0)


def _level_by_date(words: _Words) -> tuple[str, str]:
    r = words.r
    if r.latest_period_type == "ytd":
        head = words.w("a_head_ytd", period=words.period, region=words.region, indicator=words.indicator,
                       value="" if is_missing(r.latest_value) else words.value(r.latest_value)).rstrip()
        head += "" if is_missing(r.latest_yoy) else words.w("a_growth", rate=words.rate(r.latest_yoy))
        completion = "" if is_missing(r.completion) else words.w("a_completion_ytd", rate=words.rate(r.completion))
        full_year = words.w("a_full_year", value=words.value(r.effective_value))
    else:
        nowcast = bool(r.latest_is_nowcast)
        params = dict(period=words.period, region=words.region, indicator=words.indicator,
                      value=words.value(r.latest_value), rate=words.rate(r.latest_yoy))
        head = words.w("a_head_nowcast", **params) if nowcast else words.w("a_head", **params) + words.estimate
        completion = "" if is_missing(r.completion) else words.w("a_completion", rate=words.rate(r.completion))
        full_year = ""
    if words.done:
        return words.done_with_target(head, words.estimate), _why_done(words)
    remaining = ""
    if not is_missing(r.remaining_required_rate):
        remaining = words.w("a_remaining_rate", rate=words.rate(r.remaining_required_rate))
    if not is_missing(r.remaining_per_year):
        remaining = words.w("a_remaining_amount", value=words.value(r.remaining_per_year))
    if full_year and _past_target(r):
        # the year's estimate already passes the target: "后续年均需增长-45.4%" said it in a way nobody quotes
        remaining = words.w("a_estimate_past_target")
    sentence = head + completion + words.schedule() + full_year + remaining + words.w("end")
    return sentence, words.why("a_why_linear" if is_missing(r.required_rate) else "a_why_rate")


def _average_growth(words: _Words) -> tuple[str, str]:
    r = words.r
    first = int(r.base_year) + 1 if not is_missing(r.base_year) else None
    last = int(r.latest_year) if not is_missing(r.latest_year) else None
    one = first == last
    span = words.w("b_span_one" if one else "b_span", first=first, last=last)
    ytd = ""
    if r.latest_period_type == "ytd":
        months = fmt_period(r.latest_period, "ytd", "zh")[5:]
        ytd = words.w("b_ytd", last=last, months=months, period=words.period)
    # as many decimals as it takes for the observed rate and the required one to read as different as they are
    d = telling_decimals(100 * r.observed_rate, 100 * r.required_rate)
    observed = fmt_rate(r.observed_rate, words.lang, decimals=d)
    growth = words.w("b_growth_one" if one else "b_growth", rate=observed)
    head = words.w("b_head", span=span, ytd=ytd, region=words.region, indicator=words.indicator, growth=growth,
                   estimate=words.estimate)
    diff = r.rate_gap_pp
    versus = words.w(("b_above" if diff >= 0 else "b_below") + ("_yardstick" if r.yardstick else ""),
                     required=words.rate(r.required_rate),
                     gap=fmt_number(abs(diff), d, words.lang))
    if words.done:
        why = words.w("b_why_done", first=first, last=last, observed=observed,
                      comparator=words.comparator, required=words.rate(r.required_rate))
        return words.w("done", head=head + versus, done=words.done), why
    left = int(r.h_T - r.latest_year) if not is_missing(r.latest_year) else 0
    remaining = ""
    if not is_missing(r.remaining_required_rate):
        rate = words.rate(r.remaining_required_rate)
        remaining = (words.w("b_remaining_last", year=int(r.h_T), rate=rate) if left == 1
                     else words.w("b_remaining", years=left, rate=rate))
    sentence = head + versus + words.w("b_completion", rate=words.rate(r.completion)) + remaining + words.w("end")
    return sentence, words.why("b_why")


def _signed(value: float, lang: str) -> str:
    return ("+" if value >= 0 else "-") + fmt_number(abs(value), 1, lang)


def _pp_change(words: _Words) -> tuple[str, str]:
    r = words.r
    change = r.latest_value - r.base_value
    d = telling_decimals(change, 0)  # a change of 0.03 points reads "0.03", never "上升0.0个百分点"
    shown = half_up(abs(change), d)
    head = words.w("c_head_level" if shown == 0 else "c_head_down" if change < 0 else "c_head_up",
                   period=words.period, region=words.region,
                   indicator=words.indicator, value=words.value(r.latest_value), estimate=words.estimate,
                   base_year=int(r.base_year), change=fmt_number(abs(change), d, words.lang))
    if words.done:
        why = words.w("c_why_done", change=_signed(change, words.lang), target=_signed(r.target_value, words.lang),
                      comparator=r.comparator)
        return words.w("done", head=head, done=words.done), why
    still = r.gap_to_target
    remaining = "" if is_missing(still) else words.w("c_remaining_down" if still < 0 else "c_remaining_up",
                                                     change=fmt_number(abs(still), 1, words.lang))
    sentence = (head + words.w("c_completion", rate=words.rate(r.completion)) + words.schedule() + remaining
                + words.w("end"))
    return sentence, words.why("c_why")


def _cumulative(words: _Words) -> tuple[str, str]:
    r = words.r
    first, last = int(r.base_year) + 1, int(r.latest_year)
    if r.latest_period_type == "ytd":
        when = words.w("d_when_ytd", year=r.latest_period[:4], month=int(r.latest_month), period=words.period)
    else:
        when = words.w("d_when_one" if first == last else "d_when", year=last, first=first, last=last)
    head = words.w("d_head", when=when, region=words.region, indicator=words.indicator,
                   value=words.value(r.latest_value), estimate=words.estimate)
    if words.done:
        return words.done_with_target(head), _why_done(words)
    remaining = "" if is_missing(r.remaining_per_year) else words.w("d_remaining",
                                                                    value=words.value(r.remaining_per_year))
    sentence = (head + words.w("d_completion", rate=words.rate(r.completion)) + words.schedule() + remaining
                + words.w("end"))
    return sentence, words.why("d_why")


def _gap_closed(words: _Words) -> tuple[str, str]:
    """E stock threshold and S share reaching a level: the share of the gap from the base closed."""
    r = words.r
    head = words.w("e_head", period=words.period, region=words.region, indicator=words.indicator,
                   value=words.value(r.latest_value), estimate=words.estimate)
    if words.done:
        return words.done_with_target(head), _why_done(words)
    gap_unit = "个百分点" if r.type_code == "S" and words.unit == "%" else None
    sentence = (head + words.w("e_progress", comparator=words.comparator, target=words.target,
                               gap=words.value(r.gap_to_target, gap_unit), base_year=int(r.base_year),
                               rate=words.rate(r.completion))
                + words.schedule() + words.w("end"))
    why = words.why("e_why")
    if r.type_code == "E" and r.latest_year < r.h_T:
        why += words.w("e_batches")
    return sentence, why


def _annual_floor(words: _Words) -> tuple[str, str]:
    r = words.r
    head = words.w("e_head", period=words.period, region=words.region, indicator=words.indicator,
                   value=words.value(r.latest_value), estimate=words.estimate)
    years = int(r.h_T - r.base_year)
    met = int(round(r.completion * years)) if not is_missing(r.completion) else 0
    decided = int(round(r.time_share * years)) if not is_missing(r.time_share) else 0
    why = words.w("f_why", met=met, decided=decided, ratio=words.ratio)
    if words.done:
        return words.w("f_done", head=head, done=words.done, comparator=words.comparator, target=words.target), why
    sentence = head + words.w("f_progress", years=years, met=met, comparator=words.comparator,
                              target=words.target) + words.w("end")
    return sentence, why


_BY_CODE: dict[str, Callable[[_Words], tuple[str, str]]] = {
    "A": _level_by_date, "B": _average_growth, "C": _pp_change, "D": _cumulative, "E": _gap_closed,
    "S": _gap_closed, "F": _annual_floor,
}
