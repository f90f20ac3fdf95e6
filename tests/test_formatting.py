from monitor.formatting import fmt_rate, fmt_value


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
