import pandas as pd

from monitor.formatting import fmt_number, fmt_rate, fmt_value, is_missing, telling_decimals


def test_chinese_style_numbers():
    assert fmt_value(18596.85, "亿元", "zh") == "18596.9亿元"
    assert fmt_value(471495, "亿元", "zh") == "47.15万亿元"
    assert fmt_value(14.2, "%", "zh") == "14.2%"
    assert fmt_value(275, "家", "zh", decimals=0) == "275家"
    assert fmt_rate(0.071487) == "7.1%"
    assert fmt_rate(0.0123, signed=True) == "+1.2%"


def test_english_numbers():
    assert fmt_value(18596.85, "亿元", "en") == "1.86 trillion yuan"
    assert fmt_value(4874.5, "亿元", "en") == "487.5 billion yuan"
    assert fmt_value(471495, "亿元", "en") == "47.15 trillion yuan"
    assert fmt_value(275, "家", "en", decimals=0) == "275 firms"


def test_missing_is_a_dash_never_zero():
    assert fmt_value(None, "亿元") == "—"
    assert fmt_value(float("nan"), "亿元") == "—"
    assert fmt_rate(None) == "—"
    # a nullable integer column's missing rank is pandas' NA, whose truth value raises
    assert is_missing(pd.NA) and fmt_number(pd.NA) == "—"
    assert not is_missing(0) and not is_missing("")


def test_a_rate_that_rounds_to_zero_never_reads_minus_zero():
    assert fmt_rate(-0.0001) == "0.0%"
    assert fmt_rate(-0.0001, signed=True) == "+0.0%"
    assert fmt_rate(0.07466, decimals=2) == "7.47%"


def test_two_different_numbers_get_the_decimals_that_tell_them_apart():
    # 7.466 % against a 7.5 % target: both read 7.5 at one decimal, 7.47 and 7.50 at two
    assert telling_decimals(7.466, 7.5) == 2
    assert telling_decimals(8.04, 7.5) == 1
    # 13.07 against 13.0731: 13.07 and 13.07 at two decimals, 13.070 and 13.073 at three
    assert telling_decimals(13.07, 13.0731) == 3
    # equal beyond three decimals: nothing to tell apart, the usual one decimal
    assert telling_decimals(12.9, 12.90001) == 1
    assert telling_decimals(None, 1.0) == 1
