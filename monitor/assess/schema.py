"""What the engine's output holds: columns, status and qualifier codes with their labels, thresholds, lags.

Statuses and qualifiers are codes; their words come from the locale catalog (``status.*``, ``qualifier.*``).
See docs/method.md §2 (statuses and thresholds) and §9 (qualifiers).
"""

from __future__ import annotations

from ..i18n import t
from ..target_kinds import TYPE_CODES

# Colours are colour-blind safe and always shown with the label text.
STATUS_COLOURS = {
    "achieved": "#00441b", "on_track": "#1b9e4b", "accelerate": "#e6c300", "lagging": "#e66100",
    "reversing": "#b2182b", "missed": "#8c6d6d", "na": "#9e9e9e", "not_scored": "#d9d9d9",
}
STATUS_LABELS: dict[str, dict] = {
    code: {"zh": t(f"status.{code}", "zh"), "en": t(f"status.{code}", "en"), "colour": colour}
    for code, colour in STATUS_COLOURS.items()
}
QUALIFIERS = ("estimate", "stale", "base_substituted", "series_break")
QUALIFIER_LABELS: dict[str, dict] = {
    code: {"zh": t(f"qualifier.{code}", "zh"), "en": t(f"qualifier.{code}", "en"),
           "description_en": t(f"qualifier_help.{code}", "en")}
    for code in QUALIFIERS
}

COLUMNS = [
    "target_id", "plan_id", "region", "indicator_id", "target_type", "status", "qualifiers",
    "progress_ratio", "time_share", "completion", "schedule_gap_pp", "latest_period", "latest_period_type",
    "latest_value", "base_period", "base_value", "target_period", "target_value", "comparator", "unit",
    "required_rate", "observed_rate", "remaining_required_rate", "level_implied_rate", "path_value",
    "deviation_from_path", "projection", "gap_to_target", "reason_zh", "reason_en", "sentence_zh",
    "sentence_en", "observation_keys",
]
EXTRA_COLUMNS = [
    "type_code", "yardstick", "target_name_zh", "target_name_en", "region_name_zh", "region_name_en",
    "indicator_unit", "plan_base_period", "base_year", "latest_year", "latest_month", "latest_yoy",
    "effective_value", "target_level", "expected_share", "year_time_share", "rate_gap_pp",
    "required_per_year", "observed_per_year", "remaining_per_year", "two_year_average_rate", "score",
    "latest_is_nowcast",
]

SERIES_BREAKS: dict[str, int] = {"retail_sales": 2019}  # levels of years < 2019 ≠ years ≥ 2019 (4th census)
ANNUAL_LAG_MONTHS = 15
YTD_LAG_MONTHS = 3
DEFAULT_THRESHOLDS = (0.95, 0.60, 0.0)
COUNT_UNITS = ("家", "个")  # a ">" target on a count needs one more than the target (gap_to_target)

__all__ = ["STATUS_COLOURS", "STATUS_LABELS", "QUALIFIERS", "QUALIFIER_LABELS", "COLUMNS", "EXTRA_COLUMNS",
           "SERIES_BREAKS", "ANNUAL_LAG_MONTHS", "YTD_LAG_MONTHS", "DEFAULT_THRESHOLDS", "COUNT_UNITS", "TYPE_CODES"]
