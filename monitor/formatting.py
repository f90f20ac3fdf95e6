"""The one formatter: numbers, units, periods and percentages, in both languages, for cards, sentences,
tables, the CLI and exports alike.

Chinese: 亿元 with one decimal (18596.9亿元), 万亿元 with two for very large sums, counts without decimals
(3000家), percentages with one decimal, 个百分点. English: billion / trillion yuan with thousands separators.
Every rounding is half up on the decimal the reader sees (18596.85 → 18596.9; 14.25% → 14.3%), as statistical
releases round, never Python's binary round-half-even.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal

from .i18n import normalise_language, t

# Units shown in English; conversion of yuan units to billions is done in fmt_value.
UNIT_EN = {"亿元": "100m yuan", "万元": "10k yuan", "万亿元": "trillion yuan", "元": "yuan", "亿美元": "100m USD",
           "万美元": "10k USD", "美元": "USD", "家": "firms", "个": "", "%": "%", "万人": "10k people",
           "人": "people", "个百分点": "pp", "条": "routes", "列": "train runs", "万吨": "10k tonnes"}


def half_up(value: float, decimals: int) -> float:
    """Round half away from zero on the decimal the reader sees (18596.85 → 18596.9), not on binary floats."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def is_missing(value) -> bool:
    """None, NaN (float or numpy) or pandas' NA: shown as a dash, never as zero."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the only value unequal to itself
    except (TypeError, ValueError):
        # pandas' NA: NA != NA is NA, whose truth is ambiguous (a nullable Int64 column's missing rank)
        return type(value).__name__ == "NAType"


COUNT_UNITS = ("家", "个", "条", "列", "项")


def is_count(unit: str | None) -> bool:
    """Counts (firms, brands, routes, trains) are whole numbers: shown without decimals."""
    return (unit or "") in COUNT_UNITS


def fmt_number(value, decimals: int = 1, lang: str = "zh") -> str:
    """A bare number, half up; thousands separators in English only (Chinese releases write 18596.9)."""
    if is_missing(value):
        return "—"
    text = f"{half_up(abs(float(value)), decimals):,.{decimals}f}"
    if normalise_language(lang) == "zh":
        text = text.replace(",", "")
    return ("-" + text) if float(value) < 0 and half_up(abs(float(value)), decimals) != 0 else text


def fmt_value(value, unit: str | None, lang: str = "zh", decimals: int | None = None) -> str:
    """A value with its unit: 18596.9亿元 / 1.86万亿元 (zh); 1,859.7 billion yuan (en); counts without decimals."""
    if is_missing(value):
        return "—"
    lang = normalise_language(lang)
    unit = unit if isinstance(unit, str) else ""
    value = float(value)
    if decimals is None:
        decimals = 0 if is_count(unit) else 1
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
    return f"{fmt_number(value, decimals, 'en')} {label}".rstrip()


def fmt_target(value, unit: str | None, lang: str = "zh") -> str:
    """A plan's round number as the plan writes it: 2万亿元, 7000亿元, 3000家, 14% (zh); 2 trillion yuan (en)."""
    if is_missing(value):
        return "—"
    unit = unit if isinstance(unit, str) else ""
    value = float(value)
    if value.is_integer() and unit == "亿元" and abs(value) >= 10000 and value % 1000 == 0:
        whole = f"{value / 10000:g}"
        return f"{whole}万亿元" if normalise_language(lang) == "zh" else f"{whole} trillion yuan"
    if value.is_integer() and normalise_language(lang) == "zh":
        return f"{value:.0f}{unit}"
    return fmt_value(value, unit, lang)


def fmt_rate(rate, lang: str = "zh", signed: bool = False, decimals: int = 1) -> str:
    """A fraction as a percentage with one decimal: 0.07149 → 7.1%; never "-0.0%"."""
    if is_missing(rate):
        return "—"
    pct = half_up(rate * 100, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{pct:+.{decimals}f}%" if signed else f"{pct:.{decimals}f}%"


def telling_decimals(a, b, decimals: int = 1, most: int = 3) -> int:
    """The fewest decimals (from `decimals`, at most `most`) at which two different numbers also read differently.

    A sentence that says "grew 7.5% a year, 0.0 points below the 7.5% target" contradicts itself; at two decimals
    it reads "7.47%, 0.03 points below". Numbers equal at `most` decimals keep `decimals`.
    """
    if is_missing(a) or is_missing(b):
        return decimals
    for d in range(decimals, most + 1):
        if half_up(float(a), d) != half_up(float(b), d):
            return d
    return decimals


def fmt_ratio(ratio) -> str:
    if is_missing(ratio):
        return "—"
    return f"{ratio:.2f}"


def unit_label(unit: str | None, lang: str = "zh") -> str:
    if not unit:
        return ""
    return unit if normalise_language(lang) == "zh" else UNIT_EN.get(unit, unit)


def fmt_period(period, period_type: str | None = None, lang: str = "zh") -> str:
    """'2022' → 2022年 / 2022; '2022-06' (year to date) → 2022年1—6月 / January–June 2022; '' when missing."""
    if not isinstance(period, str) or not period:
        return ""
    year = period[:4]
    if (period_type or ("ytd" if len(period) > 4 else "annual")) == "ytd" and len(period) > 4:
        month = int(period[5:7])
        if normalise_language(lang) == "zh":
            return t("period.ytd_one", "zh", year=year) if month == 1 else t("period.ytd", "zh", year=year, month=month)
        name = _dt.date(2000, month, 1).strftime("%B")
        return t("period.ytd_one", "en", year=year) if month == 1 else t("period.ytd", "en", year=year, month=name)
    return t("period.year", lang, year=year)


def fmt_years(years, lang: str = "zh") -> str:
    """A list of years: 2021、2022 (zh) / 2021, 2022 (en)."""
    return t("period.list_sep", lang).join(str(int(y)) for y in years)


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def fmt_as_of(period, lang: str = "zh") -> str:
    """An as-of period (the data up to the end of it): '2022-06' → 2022年6月 / June 2022; '2022' → 2022年 / 2022."""
    if is_missing(period) or not str(period):
        return "—"
    year, _, month = str(period).partition("-")
    zh = normalise_language(lang) == "zh"
    if not month:
        return f"{year}年" if zh else year
    return f"{year}年{int(month)}月" if zh else f"{_MONTHS_EN[int(month) - 1]} {year}"


def fmt_date(day, lang: str = "zh") -> str:
    """A date as in official documents: 2023年4月13日 / 13 April 2023."""
    if normalise_language(lang) == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
