"""The prefecture page's rules, in monitor/compare.py: indicators and measures offered, sort direction,
default period, the yardstick of a measure and which provincial target gives a region's status."""

import numpy as np
import pandas as pd

from monitor import compare
from monitor.target_kinds import KINDS

INDICATORS = pd.DataFrame([
    ("gdp", "flow", None),
    ("new_firms", "flow", np.array(["firms_a", "firms_b"])),  # a sum of components, as DuckDB returns a list
    ("listed_sum", "flow", ["firms_a", "firms_b"]),
    ("brands", "stock", None),
    ("cost_ratio", "ratio", None),
    ("retail_sales", "flow", None),
    ("plan_count", "count", None),
], columns=["id", "kind", "components"])


def targets(*rows):
    """Targets frame rows: (id, indicator, target_type, target_value, region)."""
    return pd.DataFrame(rows, columns=["id", "indicator_id", "target_type", "target_value", "region_code"])


RETAIL_TARGETS = targets(
    ("retail_level", "retail_sales", "level_by_date", 20000.0, "430000"),
    ("retail_growth", "retail_sales", "average_growth", 7.5, "430000"),
    ("city_growth", "retail_sales", "average_growth", 6.0, "430100"),
    ("brands_floor", "brands", "annual_floor", 100.0, "430000"),
    ("brands_share", "brands", "share_level", 75.0, "430000"),
    ("brands_stock", "brands", "stock_threshold", 240.0, "430000"),
    ("aim", "gdp", "no_numeric_target", None, "430000"),
)


def test_comparable_indicators_put_the_preferred_first_and_leave_out_sums_and_counts():
    # retail_sales and gdp are preferred (in that order); the two sums of components and a count are left out.
    assert compare.comparable_indicators(INDICATORS) == ["retail_sales", "gdp", "brands", "cost_ratio"]


def test_a_ratio_offers_only_level_and_growth():
    assert compare.measures_for("ratio") == ["level", "growth"]
    assert compare.measures_for("flow") == list(compare.MEASURES)


def test_the_page_opens_on_growth_where_offered():
    assert compare.default_measure(["level", "growth"]) == "growth"
    assert compare.default_measure(["level"]) == "level"


def test_the_level_is_in_the_indicators_unit_and_the_other_measures_in_their_own():
    assert compare.measure_unit("level", "亿元") == "亿元"
    assert compare.measure_unit("growth", "亿元") == "%"
    assert compare.measure_unit("per_capita", "亿元") == "元/人"
    assert compare.measure_unit("contribution", "亿元") == "个百分点"


def test_lower_is_better_ranks_the_smallest_first_on_amounts_only():
    assert compare.ranks_ascending("decrease", "level")
    assert compare.ranks_ascending("decrease", "share")
    assert compare.ranks_ascending("decrease", "per_capita")
    assert not compare.ranks_ascending("decrease", "growth")
    assert not compare.ranks_ascending("decrease", "contribution")
    assert not compare.ranks_ascending("increase", "level")
    assert not compare.ranks_ascending(None, "level")


def test_the_default_period_is_the_newest_with_the_most_regions():
    # 2025 has data for 3 prefectures, 2024 and 2023 for 14: 2024 (listed first, newest first) wins.
    periods = pd.DataFrame({"period": ["2025", "2024", "2023"], "regions": [3, 14, 14]})
    assert compare.default_period(periods) == "2024"


def test_the_growth_yardstick_is_the_provinces_growth_target():
    stick = compare.yardstick("growth", "retail_sales", RETAIL_TARGETS, {"yoy_pct": 4.2})
    assert stick == compare.Yardstick(7.5, "target")  # the plan's 7.5 %, not the province's 4.2 % nor 长沙's 6 %
    assert stick.label("zh") == "全省目标 7.5%"
    assert stick.label("en") == "Provincial target 7.5%"


def test_without_a_growth_target_the_yardstick_is_the_provinces_growth_to_one_decimal():
    stick = compare.yardstick("growth", "gdp", RETAIL_TARGETS, {"yoy_pct": 4.25})
    assert stick == compare.Yardstick(4.25, "province")
    assert stick.label("zh") == "全省增速 4.2%"  # Python's format: 4.25 is 4.2499… in binary


def test_no_yardstick_without_either_or_for_other_measures():
    assert compare.yardstick("growth", "gdp", RETAIL_TARGETS, None) is None
    assert compare.yardstick("growth", "gdp", RETAIL_TARGETS, {"yoy_pct": float("nan")}) is None
    assert compare.yardstick("level", "retail_sales", RETAIL_TARGETS, {"yoy_pct": 4.2}) is None
    assert compare.yardstick("share", "retail_sales", RETAIL_TARGETS, {"yoy_pct": 4.2}) is None


def test_the_status_follows_the_growth_target_for_growth_and_the_level_target_otherwise():
    assert compare.status_target("retail_sales", "growth", RETAIL_TARGETS) == "retail_growth"
    assert compare.status_target("retail_sales", "level", RETAIL_TARGETS) == "retail_level"
    assert compare.status_target("retail_sales", "share", RETAIL_TARGETS) == "retail_level"


def test_a_status_never_comes_from_a_kind_that_cannot_be_scaled_to_a_region():
    # The floor and the share of the province come first in the frame but are not yardsticks for a region.
    assert compare.status_target("brands", "level", RETAIL_TARGETS) == "brands_stock"
    only_floor = RETAIL_TARGETS[RETAIL_TARGETS.id.isin(["brands_floor", "brands_share", "aim"])]
    assert compare.status_target("brands", "level", only_floor) is None
    assert compare.status_target("gdp", "growth", RETAIL_TARGETS) is None  # an aim without a number


def test_only_the_provinces_targets_give_the_status():
    city_only = RETAIL_TARGETS[RETAIL_TARGETS.id == "city_growth"]
    assert compare.status_target("retail_sales", "growth", city_only) is None


def test_every_kind_that_can_be_a_yardstick_can_give_a_status():
    for kind in KINDS:
        frame = targets(("x", "ind", kind.target_type, 1.0, "430000"))
        expected = "x" if kind.scored and kind.yardstick != "none" else None
        assert compare.status_target("ind", "level", frame) == expected, kind.target_type
