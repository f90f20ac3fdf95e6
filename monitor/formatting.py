"""Numbers the way the reader expects them: 亿元 with one decimal, 万亿元 for very large sums,
percentages with one decimal, 个百分点; English uses billion yuan and thousands separators."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from .i18n import normalise_language

# Units shown in English; conversion of yuan units to billions is done in fmt_value.
UNIT_EN = {"亿元": "100m yuan", "万元": "10k yuan", "万亿元": "trillion yuan", "元": "yuan", "亿美元": "100m USD",
           "万美元": "10k USD", "美元": "USD", "家": "firms", "个": "", "%": "%", "万人": "10k people",
           "人": "people", "个百分点": "pp"}


def half_up(value: float, decimals: int) -> float:
    """Round half away from zero on the decimal the reader sees (18596.85 → 18596.9), not on binary floats."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value, decimals: int = 1) -> str:
    if is_missing(value):
        return "—"
    return f"{half_up(value, decimals):,.{decimals}f}"


def fmt_value(value, unit: str | None, lang: str = "zh", decimals: int = 1) -> str:
    """A value with its unit: 18596.9亿元 / 1.86万亿元 (zh); 1,859.7 billion yuan (en)."""
    if is_missing(value):
        return "—"
    lang = normalise_language(lang)
    unit = unit or ""
    value = float(value)
    if lang == "zh":
        if unit == "亿元" and abs(value) >= 100000:
            return f"{half_up(value / 10000, 2):.2f}万亿元"
        if unit in ("%", "个百分点"):
            return f"{half_up(value, decimals):.{decimals}f}{'%' if unit == '%' else '个百分点'}"
        return f"{half_up(value, decimals):.{decimals}f}{unit}"
    if unit == "亿元":
        billions = value / 10
        if abs(billions) >= 1000:
            return f"{half_up(billions / 1000, 2):,.2f} trillion yuan"
        return f"{half_up(billions, 1):,.1f} billion yuan"
    if unit == "亿美元":
        return f"{half_up(value / 10, 2):,.2f} billion USD"
    if unit == "%":
        return f"{half_up(value, decimals):.{decimals}f}%"
    if unit == "个百分点":
        return f"{half_up(value, decimals):.{decimals}f} pp"
    label = UNIT_EN.get(unit, unit)
    return f"{half_up(value, decimals):,.{decimals}f} {label}".rstrip()


def fmt_rate(rate, lang: str = "zh", signed: bool = False) -> str:
    """A fraction as a percentage with one decimal: 0.07149 → 7.1%."""
    if is_missing(rate):
        return "—"
    pct = half_up(rate * 100, 1)
    return f"{pct:+.1f}%" if signed else f"{pct:.1f}%"


def fmt_pp(points, lang: str = "zh") -> str:
    """Percentage points: 高于/低于 are worded by the caller; this prints the magnitude."""
    if is_missing(points):
        return "—"
    points = half_up(points, 1)
    return f"{points:.1f}个百分点" if normalise_language(lang) == "zh" else f"{points:.1f} pp"


def fmt_ratio(ratio) -> str:
    if is_missing(ratio):
        return "—"
    return f"{ratio:.2f}"


def unit_label(unit: str | None, lang: str = "zh") -> str:
    if not unit:
        return ""
    return unit if normalise_language(lang) == "zh" else UNIT_EN.get(unit, unit)


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def fmt_period(period, lang: str = "zh") -> str:
    """A stored period as a reader writes it: '2022-06' → 2022年6月 / June 2022; '2022' → 2022年 / 2022."""
    if is_missing(period) or not str(period):
        return "—"
    text = str(period)
    year, _, month = text.partition("-")
    zh = normalise_language(lang) == "zh"
    if not month:
        return f"{year}年" if zh else year
    return f"{year}年{int(month)}月" if zh else f"{_MONTHS_EN[int(month) - 1]} {year}"


def fmt_date(day, lang: str = "zh") -> str:
    """A date as in official documents: 2023年4月13日 / 13 April 2023."""
    if normalise_language(lang) == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
