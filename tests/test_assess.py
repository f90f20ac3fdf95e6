"""The assessment engine against the method (docs/method.md), its §16 worked examples first.

Every expected number is worked by hand in the comment above its assertion.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from monitor import assess as A
from tests.assess_helpers import INDICATORS, obs, one, run, target

P = "430000"  # Hunan


# =========================================================================== test vectors (docs/method.md §16)

def test_vector_cagr_and_ratio_100_to_150_in_5_years_observed_115_in_2():
    # required: (150/100)^(1/5) − 1 = 1.5^0.2 − 1 = 0.084472  (8.447 %)
    # observed: (115/100)^(1/2) − 1 = 1.072381 − 1 = 0.072381 (7.238 %)
    # R = 0.072381 / 0.084472 = 0.8569 → 0.60 ≤ R < 0.95 → accelerate
    assert A.cagr(100, 150, 5) == pytest.approx(0.084472, abs=1e-6)
    assert A.cagr(100, 115, 2) == pytest.approx(0.072381, abs=1e-6)
    r = one(target(value=150, target_period="2025"),
            obs(("level", P, "2020", 100, None), ("level", P, "2022", 115, None)))
    assert r.required_rate == pytest.approx(0.084472, abs=1e-6)
    assert r.observed_rate == pytest.approx(0.072381, abs=1e-6)
    assert r.progress_ratio == pytest.approx(0.857, abs=1e-3)
    assert r.status == "accelerate"


@pytest.mark.parametrize("ratio, score", [(-0.6, -5), (0, -2.5), (0.6, 0), (0.95, 2.5), (1.3, 5)])
def test_vector_statcan_score_with_target(ratio, score):
    # ≥ 0.6: 7.1429·R − 4.2857 (capped at 5); < 0.6: 4.1667·R − 2.5 (floored at −5)
    assert A.progress_score(ratio) == pytest.approx(score, abs=1e-3)


@pytest.mark.parametrize("rate, score", [(-0.02, -5), (0.005, 0), (0.015, 2.5), (0.02, 5)])
def test_vector_statcan_score_without_target(rate, score):
    # < 0: 125v − 2.5; 0.5–1.5 %: 250v − 1.25; ≥ 1.5 %: 500v − 5 (C = 1)
    assert A.progress_score_no_target(rate, coefficient=1) == pytest.approx(score, abs=1e-9)


def test_vector_required_rate_for_retail_sales_and_the_7_5_percent_path():
    # (20000/16258.1)^(1/3) − 1 = 1.230156^(1/3) − 1 = 0.071487
    assert A.cagr(16258.1, 20000, 3) == pytest.approx(0.071487, abs=1e-6)
    # 7.5 % path: 16258.1·1.075 = 17477.5; ·1.075² = 18788.3; ·1.075³ = 20197.4 (> 20000: 7.5 % binds)
    r = one(target(type="average_growth", indicator="retail_sales", value=7.5, unit="%"),
            obs(("retail_sales", P, "2020", 16258.1, -2.6), ("retail_sales", P, "2021", 18596.85, 14.4)))
    path = A.target_path(r)
    on_path = path[path.series == "path"].set_index("year")["value"]
    assert list(on_path.index) == [2020, 2021, 2022, 2023]
    assert on_path.round(1).tolist() == [16258.1, 17477.5, 18788.3, 20197.4]


def test_vector_type_b_growth_14_4_and_2_4():
    # g_bar = √(1.144 × 1.024) − 1 = √1.171456 − 1 = 0.082338 (8.234 %)
    # g_rem (2023) = 1.075³ / 1.171456 − 1 = 1.242297 / 1.171456 − 1 = 0.060473 (6.047 %)
    # R = 0.082338 / 0.075 = 1.0978 → on_track; 2022 is preliminary → estimate
    r = one(target(type="average_growth", indicator="retail_sales", value=7.5, unit="%"),
            obs(("retail_sales", P, "2021", None, 14.4), ("retail_sales", P, "2022", None, 2.4, "preliminary")))
    assert r.observed_rate == pytest.approx(0.082338, abs=1e-6)
    assert r.remaining_required_rate == pytest.approx(0.060473, abs=1e-6)
    assert r.progress_ratio == pytest.approx(1.0978, abs=1e-4)
    assert r.status == "on_track"
    assert "estimate" in r.qualifiers
    assert r.time_share == pytest.approx(2 / 3)
    assert "2023年需增长6.0%" in r.sentence_zh


def test_vector_type_d_1300_entries_at_month_18_of_36():
    # C_t = 900 (2021, annual) + 400 (2022 1–6月) = 1300; share = 1300/3000 = 0.4333
    # τ = (12 + 6)/36 = 0.5; R = 0.4333/0.5 = 0.8667 → accelerate
    # dev = 100·(0.4333 − 0.5) = −6.7 pp → "低于时序进度6.7个百分点"
    r = one(target(type="cumulative_flow", indicator="new_firms", value=3000, unit="家", base_value=0),
            obs(("new_firms", P, "2021", 900, None), ("new_firms", P, "2022-06", 400, None)))
    assert r.latest_value == 1300
    assert r.completion == pytest.approx(0.4333, abs=1e-4)
    assert r.time_share == pytest.approx(0.5)
    assert r.progress_ratio == pytest.approx(0.8667, abs=1e-4)
    assert r.status == "accelerate"
    assert r.schedule_gap_pp == pytest.approx(-6.67, abs=0.01)
    assert "低于时序进度6.7个百分点" in r.sentence_zh
    # 1700 still to go over the 18 remaining months = 1133.3 a year
    assert r.remaining_per_year == pytest.approx(1700 / 1.5)
    assert r.observation_keys == ["new_firms|430000|annual|2021", "new_firms|430000|ytd|2022-06"]


def test_vector_time_share_2_and_5_months():
    # 2/12 = 16.7 %, 5/12 = 41.7 %; Zigong 19 % − 16.7 = +2.3 pp, Ziyang 44 % − 41.7 = +2.3 pp
    assert round(100 * A.time_share(2, 12), 1) == 16.7
    assert round(100 * A.time_share(5, 12), 1) == 41.7
    assert round(19 - 100 * A.time_share(2, 12), 1) == 2.3
    assert round(44 - 100 * A.time_share(5, 12), 1) == 2.3
    assert A.time_share(18, 36) == 0.5


def test_vector_two_year_average():
    # √1.064 − 1 = 0.031504 → 3.15 %
    assert round(100 * A.two_year_average(0.064), 2) == 3.15


def test_vector_decrease_target_already_met_at_base_is_achieved_and_r_unused():
    # d = −1, target ≤ 10, base 8 already meets it (and so does 2021) → achieved, R not used
    t = target(value=10, comparator="<=", direction="decrease")
    r = one(t, obs(("level", P, "2020", 8, None), ("level", P, "2021", 9, None)))
    assert r.status == "achieved"
    assert math.isnan(r.progress_ratio)
    # with the base alone it is still achieved (not "one observation → na")
    assert one(t, obs(("level", P, "2020", 8, None))).status == "achieved"
    # met at the base but no longer: r_req = (10/8)^(1/3) − 1 = +7.7 %, r_obs = 12/8 − 1 = +50 %
    # R = d·r_obs/|r_req| = −0.5/0.077 = −6.5 → reversing (moving away from a target once reached)
    assert one(t, obs(("level", P, "2020", 8, None), ("level", P, "2021", 12, None))).status == "reversing"


def test_vector_base_zero_count_target_uses_a_linear_share_without_error():
    # base 0 → no CAGR; linear share 20/30 = 0.667 against τ = 2/3 → R = 1.0 → on_track
    r = one(target(indicator="widgets", value=30, unit="个"),
            obs(("widgets", P, "2020", 0, None), ("widgets", P, "2022", 20, None)))
    assert r.status == "on_track"
    assert math.isnan(r.required_rate) and math.isnan(r.observed_rate)
    assert r.completion == pytest.approx(2 / 3)
    assert r.progress_ratio == pytest.approx(1.0)
    # also for a type E stock counted from 0
    e = one(target(indicator="widgets", type="stock_threshold", value=30, unit="个", base_value=0),
            obs(("widgets", P, "2022", 20, None)))
    assert e.status == "on_track" and e.completion == pytest.approx(2 / 3)


# =========================================================================== type A

def test_type_a_annual_sentence_in_officials_words():
    # 2021: 18596.85/20000 = 93.0 % of the target; path 16258.1·1.071487 = 17420.3 → 87.1 % of the target,
    # so 93.0 − 87.1 = +5.9 pp ahead; 后续年均需增长 (20000/18596.85)^(1/2) − 1 = 1.075451^0.5 − 1 = 3.704 %
    r = one(target(indicator="retail_sales", value=20000, comparator=">"),
            obs(("retail_sales", P, "2020", 16258.1, -2.6), ("retail_sales", P, "2021", 18596.85, 14.4)))
    assert r.status == "on_track"
    assert r.completion == pytest.approx(0.92984, abs=1e-5)
    assert r.path_value == pytest.approx(17420.33, abs=0.01)
    assert r.schedule_gap_pp == pytest.approx(5.88, abs=0.01)
    assert r.remaining_required_rate == pytest.approx(0.037040, abs=1e-6)
    assert r.sentence_zh == ("2021年，全省社会消费品零售总额18596.9亿元，完成目标的93.0%，高于时序进度5.9个百分点；"
                             "后续年均需增长3.7%。")
    assert "ahead of the time schedule" in r.sentence_en
    # deviation from path 18596.85/17420.33 − 1 = +6.75 %; projection 18596.85·1.143851² = 24333
    assert r.deviation_from_path == pytest.approx(0.06754, abs=1e-4)
    assert r.projection == pytest.approx(18596.85 * 1.143851 ** 2, rel=1e-5)


def test_type_a_ytd_nowcast_then_replaced_by_the_annual_figure():
    t = target(indicator="retail_sales", value=20000, comparator=">")
    data = obs(("retail_sales", P, "2020", 16258.1, -2.6), ("retail_sales", P, "2021-09", 13322.66, 19.1),
               ("retail_sales", P, "2021", 18596.85, 14.4))
    # as of 2021-09: nowcast 16258.1 × 1.191 = 19363.4 (estimate); r_obs = 19.1 % → R = 0.191/0.071487 = 2.67
    # YTD completion 13322.66 / path 17420.33 = 76.5 % vs 9/12 = 75 % → +1.5 pp; plan τ = 9/36 = 0.25
    r = one(t, data, as_of="2021-09")
    assert r.latest_period == "2021-09" and r.latest_period_type == "ytd"
    assert r.effective_value == pytest.approx(19363.40, abs=0.01)
    assert "estimate" in r.qualifiers
    assert r.progress_ratio == pytest.approx(0.191 / 0.071487, abs=1e-3)
    assert r.completion == pytest.approx(0.76478, abs=1e-5)
    assert r.year_time_share == 0.75 and r.time_share == 0.25
    assert r.schedule_gap_pp == pytest.approx(1.48, abs=0.01)
    assert "2021年1—9月" in r.sentence_zh and "全年预估19363.4亿元" in r.sentence_zh
    assert r.observation_keys == ["retail_sales|430000|annual|2020", "retail_sales|430000|ytd|2021-09"]
    # once the annual figure exists it replaces the nowcast: no estimate, r_obs = 14.39 %
    r = one(t, data, as_of="2021")
    assert r.latest_period == "2021" and r.qualifiers == []
    assert r.observed_rate == pytest.approx(0.143851, abs=1e-6)


def test_a_year_nowcast_from_a_year_to_date_rate_never_makes_a_level_target_achieved():
    # official FDI: 2021 = 24.1亿美元; 2022 1—3月 = 18.0 at +165.8 %: the year nowcast 24.1 × 2.658 = 64.06 passes
    # 35, but one quarter's rate says nothing certain about the year — the status comes from R, not 已完成
    t = target(indicator="retail_sales", value=35, comparator=">")
    data = obs(("retail_sales", P, "2020", 20.0, None), ("retail_sales", P, "2021", 24.1, 20.5),
               ("retail_sales", P, "2022-03", 18.0, 165.8))
    r = one(t, data, as_of="2022-03")
    assert r.effective_value == pytest.approx(64.06, abs=0.01)
    assert r.status == "on_track" and "已完成" not in r.sentence_zh
    assert "按全年预估已超过目标" in r.sentence_zh and "-" not in r.sentence_zh.split("全年预估")[1]
    # a year-to-date total already past the target is a published fact: achieved (a flow only grows in a year)
    data = obs(("retail_sales", P, "2020", 20.0, None), ("retail_sales", P, "2021", 24.1, 20.5),
               ("retail_sales", P, "2022-09", 36.0, 80.0))
    assert one(t, data, as_of="2022-09").status == "achieved"


def test_type_a_growth_only_annual_row_is_nowcast_from_the_previous_level():
    # 2022 published as +2.4 % only: 18596.85 × 1.024 = 19043.17 (estimate)
    r = one(target(indicator="retail_sales", value=20000, comparator=">"),
            obs(("retail_sales", P, "2020", 16258.1, None), ("retail_sales", P, "2021", 18596.85, 14.4),
                ("retail_sales", P, "2022", None, 2.4, "preliminary")))
    assert r.latest_value == pytest.approx(19043.17, abs=0.01)
    assert "estimate" in r.qualifiers
    assert "约19043.2亿元（预估" in r.sentence_zh


def test_type_a_missing_base_uses_the_nearest_later_year_and_says_so():
    # 2020 missing → base 2021 = 110; r_req = (150/110)^(1/2) − 1 = 0.167748; r_obs 121/110 − 1 = 0.10
    # R = 0.10/0.167748 = 0.596 → lagging; flagged base_substituted
    r = one(target(value=150), obs(("level", P, "2021", 110, None), ("level", P, "2022", 121, None)))
    assert r.base_period == "2021" and r.base_value == 110
    assert "base_substituted" in r.qualifiers
    assert r.required_rate == pytest.approx(0.167748, abs=1e-6)
    assert r.progress_ratio == pytest.approx(0.5961, abs=1e-4)
    assert r.status == "lagging"
    assert "以2021年替代" in r.reason_zh


def test_type_a_one_observation_is_na():
    r = one(target(value=150), obs(("level", P, "2020", 100, None)))
    assert r.status == "na"
    assert "只有基期（2020年）一个时点" in r.reason_zh
    assert r.sentence_zh.startswith("“目标t”：数据不足")


def test_type_a_zero_or_negative_values_are_na_not_an_error():
    r = one(target(value=150), obs(("level", P, "2020", 100, None), ("level", P, "2022", -5, None)))
    assert r.status == "na" and "零或负数" in r.reason_zh
    r = one(target(value=150), obs(("level", P, "2020", -10, None), ("level", P, "2022", 5, None)))
    assert r.status == "na" and "零或负数" in r.reason_zh
    # a region at 0 measured against a provincial growth path has no CAGR either (no error)
    r = one(target(value=150), obs(("level", P, "2020", 100, None), ("level", "430100", "2020", 0, None),
                                   ("level", "430100", "2022", 5, None)), regions=["430100"])
    assert r.status == "na" and "零或负数" in r.reason_zh


def test_type_a_decrease_target():
    # ≤ 80 by 2023 from 100: r_req = 0.8^(1/3) − 1 = −0.071682; 2021 = 90: r_obs = −0.10
    # R = d·r_obs/|r_req| = (−1)(−0.10)/0.071682 = 1.395 → on_track
    r = one(target(value=80, comparator="<=", direction="decrease"),
            obs(("level", P, "2020", 100, None), ("level", P, "2021", 90, None)))
    assert r.progress_ratio == pytest.approx(1.395, abs=1e-3)
    assert r.status == "on_track"
    # 2021 = 105 moves away: r_obs = +5 % → R = −0.70 → reversing
    r = one(target(value=80, comparator="<=", direction="decrease"),
            obs(("level", P, "2020", 100, None), ("level", P, "2021", 105, None)))
    assert r.status == "reversing"


@pytest.mark.parametrize("value, status, prelim, quals", [
    (20100, "achieved", None, []),          # 20100 > 20000
    (19500, "missed", None, []),            # final 2023 figure below target, deadline passed
    (19500, "missed", "preliminary", ["estimate"]),  # preliminary: still missed, marked 预估
    (20000, "missed", None, []),            # "突破" is strict: exactly 20000 is not above 20000
])
def test_type_a_past_the_deadline_achieved_or_missed(value, status, prelim, quals):
    r = one(target(indicator="retail_sales", value=20000, comparator=">"),
            obs(("retail_sales", P, "2020", 16258.1, None), ("retail_sales", P, "2023", value, None, prelim),
                ("retail_sales", P, "2024", 21000, None)))
    assert r.status == status
    assert r.qualifiers == quals
    assert r.latest_period == "2023"  # the 2024 figure never decides a 2023 target


def test_type_a_comparator_ge_is_inclusive():
    r = one(target(value=150, comparator=">="), obs(("level", P, "2020", 100, None), ("level", P, "2023", 150, None)))
    assert r.status == "achieved"


def test_series_break_only_when_levels_straddle_the_census_break():
    # retail_sales levels before 2019 are not comparable with 2019+: a 2018 base mixes them
    t = target(indicator="retail_sales", value=20000, base_period="2018")
    r = one(t, obs(("retail_sales", P, "2018", 15000, None), ("retail_sales", P, "2021", 18596.85, None)))
    assert "series_break" in r.qualifiers
    r = one(target(indicator="retail_sales", value=20000),
            obs(("retail_sales", P, "2020", 16258.1, None), ("retail_sales", P, "2021", 18596.85, None)))
    assert "series_break" not in r.qualifiers


# =========================================================================== type B

def test_type_b_missing_elapsed_year_is_na_naming_the_year():
    r = one(target(type="average_growth", indicator="retail_sales", value=7.5, unit="%"),
            obs(("retail_sales", P, "2022", None, 2.4)))
    assert r.status == "na"
    assert "缺少2021年的官方增速" in r.reason_zh and "2021" in r.reason_en


def test_type_b_ytd_rate_is_a_nowcast_of_the_current_year():
    # 2021 annual 14.4 %, 2022 1–6月 累计同比 5.0 % → g_bar = √(1.144·1.05) − 1 = 0.095993 (estimate)
    # τ = (12 + 6)/36 = 0.5
    r = one(target(type="average_growth", indicator="retail_sales", value=7.5, unit="%"),
            obs(("retail_sales", P, "2021", None, 14.4), ("retail_sales", P, "2022-06", 7000, 5.0)))
    assert r.observed_rate == pytest.approx(0.095993, abs=1e-6)
    assert r.time_share == 0.5
    assert "estimate" in r.qualifiers
    assert r.status == "on_track"


def test_type_b_uses_official_rates_not_level_ratios_and_shows_the_level_implied_rate():
    # official 14.4 %; levels 16258.1 → 18596.85 imply 14.385 %; gap 0.015 pp < 0.3 pp → no note
    r = one(target(type="average_growth", indicator="retail_sales", value=7.5, unit="%"),
            obs(("retail_sales", P, "2020", 16258.1, -2.6), ("retail_sales", P, "2021", 18596.85, 14.4)))
    assert r.observed_rate == pytest.approx(0.144)
    assert r.level_implied_rate == pytest.approx(0.143851, abs=1e-6)
    # two-year average for 2021 over 2019: √(1.144 × 0.974) − 1 = 0.05559
    assert r.two_year_average_rate == pytest.approx(0.05559, abs=1e-5)


def test_type_b_after_the_target_year_achieved_or_missed():
    t = target(type="average_growth", indicator="retail_sales", value=7.5, unit="%")
    # (1.144·1.024·1.05)^(1/3) − 1 = 1.230029^(1/3) − 1 = 0.07146 < 7.5 % → missed
    r = one(t, obs(("retail_sales", P, "2021", None, 14.4), ("retail_sales", P, "2022", None, 2.4),
                   ("retail_sales", P, "2023", None, 5.0)))
    assert r.status == "missed"
    # with 2023 at +6.1 %: (1.144·1.024·1.061)^(1/3) − 1 = 0.07515 ≥ 7.5 % → achieved
    r = one(t, obs(("retail_sales", P, "2021", None, 14.4), ("retail_sales", P, "2022", None, 2.4),
                   ("retail_sales", P, "2023", None, 6.1)))
    assert r.status == "achieved"


# =========================================================================== type C

def test_type_c_hypothetical_vector():
    # x0 = 14.6, x2021 = 14.3: share = (14.3 − 14.6)/(−1.5) = 0.20; τ = 1/3; R = 0.60 → accelerate (borderline)
    # gap_pp = (14.6 − 1.5) − 14.3 = −1.2 (1.2 points still to cut)
    t = target(type="pp_change", indicator="logistics_cost_gdp_ratio", value=-1.5, comparator="<=",
               unit="个百分点", direction="decrease")
    r = one(t, obs(("logistics_cost_gdp_ratio", P, "2020", 14.6, None),
                   ("logistics_cost_gdp_ratio", P, "2021", 14.3, None)))
    assert r.completion == pytest.approx(0.2)
    assert r.progress_ratio == pytest.approx(0.6)
    assert r.status == "accelerate"
    assert r.gap_to_target == pytest.approx(-1.2)
    assert "较2020年下降0.3个百分点" in r.sentence_zh and "尚需下降1.2个百分点" in r.sentence_zh
    # 2023 = 13.0: change −1.6 ≤ −1.5 → achieved
    r = one(t, obs(("logistics_cost_gdp_ratio", P, "2020", 14.6, None),
                   ("logistics_cost_gdp_ratio", P, "2023", 13.0, None)))
    assert r.status == "achieved"
    # 2023 = 13.2: change −1.4 → missed (deadline passed with an annual figure)
    r = one(t, obs(("logistics_cost_gdp_ratio", P, "2020", 14.6, None),
                   ("logistics_cost_gdp_ratio", P, "2023", 13.2, None)))
    assert r.status == "missed"


def test_type_c_substituted_base_pro_rates_the_change():
    # 2020 missing → base 2021 = 14.6; required change over 2021→2023 = −1.5 × 2/3 = −1.0
    # 2022 = 14.1: share = −0.5/−1.0 = 0.5; τ = 1/2; R = 1.0 → on_track, base_substituted
    t = target(type="pp_change", indicator="logistics_cost_gdp_ratio", value=-1.5, comparator="<=",
               unit="个百分点", direction="decrease")
    r = one(t, obs(("logistics_cost_gdp_ratio", P, "2021", 14.6, None),
                   ("logistics_cost_gdp_ratio", P, "2022", 14.1, None)))
    assert r.progress_ratio == pytest.approx(1.0)
    assert r.status == "on_track"
    assert "base_substituted" in r.qualifiers
    assert r.target_level == pytest.approx(13.6)


def test_type_c_never_copies_the_base_from_another_region():
    # the national 2021 ratio must not stand in for Hunan's missing 2020 base
    t = target(type="pp_change", indicator="logistics_cost_gdp_ratio", value=-1.5, comparator="<=",
               unit="个百分点", direction="decrease")
    r = one(t, obs(("logistics_cost_gdp_ratio", "000000", "2020", 14.7, None),
                   ("logistics_cost_gdp_ratio", P, "2023", 14.2, None)))
    assert r.status == "na"
    assert not any("|000000|" in k for k in r.observation_keys)


# =========================================================================== type D

def test_type_d_stock_vs_flow_indicator_kind():
    # brands (kind stock): the 2022 value 18 is the cumulative number designated by end-2022, so C_t = 18
    # share 18/30 = 0.6, τ = 2/3, R = 0.9 → accelerate. Summing 8 + 18 = 26 would be double counting.
    t = target(type="cumulative_flow", indicator="brands", value=30, unit="个", base_value=0)
    r = one(t, obs(("brands", P, "2021", 8, None), ("brands", P, "2022", 18, None)))
    assert r.latest_value == 18 and r.progress_ratio == pytest.approx(0.9)
    assert r.status == "accelerate"
    assert r.observation_keys == ["brands|430000|annual|2022"]
    # the same numbers for a flow (new firms per year) are summed: 26/30 = 0.867 over τ 2/3 → R = 1.3
    t = target(type="cumulative_flow", indicator="new_firms", value=30, unit="家", base_value=0)
    r = one(t, obs(("new_firms", P, "2021", 8, None), ("new_firms", P, "2022", 18, None)))
    assert r.latest_value == 26 and r.progress_ratio == pytest.approx(1.3)
    assert r.status == "on_track"


def test_type_d_missing_year_is_na_naming_it():
    r = one(target(type="cumulative_flow", indicator="new_firms", value=3000, unit="家", base_value=0),
            obs(("new_firms", P, "2022-05", 452, None), ("new_firms", P, "2018-11", 750, None)))
    assert r.status == "na"
    assert "缺少2021年全年" in r.reason_zh
    assert "2018" not in r.reason_zh  # pre-plan data are irrelevant to a count from zero


def test_type_d_achieved_and_missed():
    t = target(type="cumulative_flow", indicator="new_firms", value=3000, unit="家", base_value=0)

    def three(last):
        return obs(("new_firms", P, "2021", 1000, None), ("new_firms", P, "2022", 1100, None),
                   ("new_firms", P, "2023", last, None))

    assert one(t, three(900)).status == "achieved"   # 3000 ≥ 3000
    assert one(t, three(800)).status == "missed"     # 2900 at the deadline
    # met early from YTD data: achieved (provisional)
    r = one(t, obs(("new_firms", P, "2021", 1500, None), ("new_firms", P, "2022", 1200, None),
                   ("new_firms", P, "2023-04", 400, None)))
    assert r.status == "achieved" and "estimate" in r.qualifiers


# =========================================================================== type E

def test_type_e_share_of_gap_and_never_reversing_unless_the_stock_fell():
    t = target(type="stock_threshold", indicator="old_brands", value=240, comparator=">", unit="家")
    # S0 = 150 (2020), 2022 = 190: share = 40/90 = 0.444; τ = 2/3; R = 0.667 → accelerate
    # "突破240家" on a count needs 241: gap_to_target = 240 − 190 + 1 = 51
    r = one(t, obs(("old_brands", P, "2020", 150, None), ("old_brands", P, "2022", 190, None)))
    assert r.progress_ratio == pytest.approx(2 / 3)
    assert r.status == "accelerate"
    assert r.gap_to_target == 51
    assert "待批次认定" in r.reason_zh
    # no new designation yet: R = 0 → lagging, not reversing
    r = one(t, obs(("old_brands", P, "2020", 150, None), ("old_brands", P, "2022", 150, None)))
    assert r.status == "lagging"
    # a designation revoked: the stock fell → reversing
    r = one(t, obs(("old_brands", P, "2020", 150, None), ("old_brands", P, "2022", 148, None)))
    assert r.status == "reversing"


def test_type_e_time_honoured_brands_with_the_bundled_2018_and_2024_totals():
    # What the rules give for 老字号 (116 at end-2018, 275 at end-2024, target > 240 by 2023):
    # * the 2020 base is missing; the substitute must be the nearest LATER year within the plan window
    #   (2020–2023) — there is none: 2018 is earlier (never used, docs/method.md §15) and 2024 is after T;
    # * the 2024 figure is after the deadline, so it cannot say whether the stock was > 240 at end-2023
    #   (the window stops at T; 275 at end-2024 could include the 2024 batch).
    # → na, naming both figures and why neither is used.
    t = target(type="stock_threshold", indicator="old_brands", value=240, comparator=">", unit="家")
    r = one(t, obs(("old_brands", P, "2018", 116, None), ("old_brands", P, "2024", 275, None)))
    assert r.status == "na"
    assert "缺少2020年基期值" in r.reason_zh
    assert "2018年数据（116家）早于基期" in r.reason_zh
    assert "2024年数据（275家）在目标期2023年之后" in r.reason_zh


# =========================================================================== time, staleness, as_of

@pytest.mark.parametrize("today, stale", [(date(2023, 3, 15), False), (date(2023, 4, 1), True)])
def test_stale_annual_data_after_15_months(today, stale):
    # latest = 2021 (ends Dec 2021); Mar 2023 is 15 months later (not stale), Apr 2023 is 16 (stale)
    r = one(target(value=150), obs(("level", P, "2020", 100, None), ("level", P, "2021", 110, None)), today=today)
    assert ("stale" in r.qualifiers) is stale


@pytest.mark.parametrize("today, stale", [(date(2022, 12, 20), False), (date(2023, 1, 5), True)])
def test_stale_ytd_data_after_3_months(today, stale):
    t = target(type="cumulative_flow", indicator="new_firms", value=3000, unit="家", base_value=0)
    r = one(t, obs(("new_firms", P, "2021", 900, None), ("new_firms", P, "2022-09", 700, None)), today=today)
    assert ("stale" in r.qualifiers) is stale


def test_not_stale_once_the_target_year_is_in_and_as_of_caps_the_reference_date():
    r = one(target(value=150), obs(("level", P, "2020", 100, None), ("level", P, "2023", 151, None)))
    assert r.qualifiers == []  # the final figure for T: nothing newer is expected for this target
    # as of 2022-06 the 2021 figure was current, even though today is 2026
    r = one(target(value=150), obs(("level", P, "2020", 100, None), ("level", P, "2021", 110, None)), as_of="2022-06")
    assert "stale" not in r.qualifiers


@pytest.mark.parametrize("bad", ["2023-13", "23", "2023/06", "June 2023", "2023-6-1"])
def test_malformed_as_of_raises_value_error(bad):
    with pytest.raises(ValueError, match="as_of"):
        run(target(value=150), obs(("level", P, "2020", 100, None)), as_of=bad)


# =========================================================================== regions as yardsticks

def test_prefectures_against_provincial_targets_in_one_call():
    targets = [
        target(id="level", indicator="retail_sales", value=20000, comparator=">"),
        target(id="growth", indicator="retail_sales", type="average_growth", value=7.5, unit="%"),
        target(id="own", indicator="retail_sales", value=6000, comparator=">", region="430100"),
    ]
    data = obs(
        ("retail_sales", P, "2020", 16258.1, -2.6), ("retail_sales", P, "2021", 18596.85, 14.4),
        ("retail_sales", "430100", "2020", 4500, None), ("retail_sales", "430100", "2021", 5200, 15.0),
        ("retail_sales", "430600", "2020", 1574.01, -2.3), ("retail_sales", "430600", "2021", 1700, 8.0),
    )
    res = run(targets, data, regions=["430100", "430600", "430400"])
    got = {(r.target_id, r.region): r for r in res.itertuples()}
    # the province's own target applies to the regions listed; 430100's own target to 430100 only
    assert sorted(got) == sorted([("level", "430100"), ("level", "430600"), ("level", "430400"),
                                  ("growth", "430100"), ("growth", "430600"), ("growth", "430400"),
                                  ("own", "430100")])
    # A: required rate from the province, 7.1487 %/yr; Changsha r_obs = 5200/4500 − 1 = 15.56 % → R = 2.18;
    # its implied 2023 level = 4500 × 1.071487³ = 5535.7
    cs = got[("level", "430100")]
    assert cs.yardstick and cs.required_rate == pytest.approx(0.071487, abs=1e-6)
    assert cs.progress_ratio == pytest.approx(0.155556 / 0.071487, abs=1e-3)
    assert cs.target_level == pytest.approx(5535.70, abs=0.01)
    # Yueyang: 1700/1574.01 − 1 = 8.00 % → R = 1.12 → on_track
    assert got[("level", "430600")].progress_ratio == pytest.approx(0.080044 / 0.071487, abs=1e-3)
    # B: the same 7.5 %: Changsha 15 % → R 2.0; Yueyang 8 % → R 1.067
    assert got[("growth", "430100")].progress_ratio == pytest.approx(2.0)
    assert got[("growth", "430600")].progress_ratio == pytest.approx(8 / 7.5)
    # Hengyang has no data
    assert got[("level", "430400")].status == "na" and got[("growth", "430400")].status == "na"
    assert got[("level", "430400")].sentence_zh.startswith("衡阳市：")
    # Changsha's own target is assessed against its own base: (6000/4500)^(1/3) − 1 = 10.06 %
    assert not got[("own", "430100")].yardstick
    assert got[("own", "430100")].required_rate == pytest.approx((6000 / 4500) ** (1 / 3) - 1)
    # the province's base is named among the observations a yardstick rests on
    assert "retail_sales|430000|annual|2020" in cs.observation_keys


def test_a_count_of_designations_from_zero_is_not_a_regions_yardstick_at_all():
    # issue 11: a provincial total of designations cannot be apportioned to a city, so it is not shown as the
    # city's status (it was an na row saying so, which pages then showed under the city's name)
    t = target(type="cumulative_flow", indicator="brands", value=30, unit="个", base_value=0)
    result = run(t, obs(("brands", "430100", "2022", 3, None)), regions=["430100"])
    assert len(result) == 0


def test_an_indicator_marked_not_regional_gives_no_scaled_total_but_its_rate_still_compares():
    indicators = INDICATORS.assign(regional_yardstick=INDICATORS["id"].ne("trade_total"))
    level = target(id="level", indicator="trade_total", value=7000, comparator=">")
    growth = target(id="growth", indicator="trade_total", type="average_growth", value=15, unit="%")
    data = obs(("trade_total", P, "2020", 4875, None), ("trade_total", "430100", "2020", 2500, None))
    result = run([level, growth], data, regions=[P, "430100"], indicators=indicators)
    assert sorted(zip(result["target_id"], result["region"])) == [("growth", P), ("growth", "430100"), ("level", P)]


def test_yardstick_for_a_flow_scales_by_the_base_year_flow():
    # province: 3000 over 2021–23 against 1000 in 2020 → ratio 3; Changsha 2020 = 300 → its yardstick 900
    # Changsha 2021 + 2022 = 350 + 250 = 600 → share 0.667, τ 2/3 → R = 1.0
    t = target(type="cumulative_flow", indicator="new_firms", value=3000, unit="家", base_value=0)
    data = obs(("new_firms", P, "2020", 1000, None), ("new_firms", "430100", "2020", 300, None),
               ("new_firms", "430100", "2021", 350, None), ("new_firms", "430100", "2022", 250, None))
    r = one(t, data, regions=["430100"])
    assert r.target_level == 900 and r.progress_ratio == pytest.approx(1.0)


def test_many_regions_in_one_pass():
    # 300 synthetic prefectures at once: one row per target × region, nothing dropped
    regions = [f"9{i:05d}" for i in range(300)]
    rows = [("retail_sales", P, "2020", 16258.1, None), ("retail_sales", P, "2021", 18596.85, 14.4)]
    for i, code in enumerate(regions):
        rows += [("retail_sales", code, "2020", 100 + i, None),
                 ("retail_sales", code, "2021", 100 + 1.1 * i, 5 + i % 10)]
    res = run([target(id="level", indicator="retail_sales", value=20000, comparator=">"),
               target(id="growth", indicator="retail_sales", type="average_growth", value=7.5, unit="%")],
              obs(*rows), regions=regions)
    assert len(res) == 600
    assert set(res.region) == set(regions)
    assert (res[res.target_id == "growth"].observed_rate.round(4)
            == pd.Series([(5 + i % 10) / 100 for i in range(300)]).round(4).to_numpy()).all()


# =========================================================================== output

def test_not_scored_aims_are_listed_not_scored():
    t = {**target(id="aim", type="no_numeric_target"), "indicator_id": None, "target_value": None}
    r = one(t, obs())
    assert r.status == "not_scored" and r.qualifiers == [] and math.isnan(r.progress_ratio)
    assert "无量化目标" in r.sentence_zh


def test_columns_in_the_agreed_order():
    res = run(target(value=150), obs(("level", P, "2020", 100, None)))
    assert list(res.columns[:len(A.COLUMNS)]) == A.COLUMNS


def test_to_records_is_json_safe():
    import json
    res = run([target(value=150), target(id="u", value=150)],
              obs(("level", P, "2020", 100, None), ("level", P, "2022", 115, None)))
    recs = A.to_records(res)
    assert recs[0]["qualifiers"] == ["stale"]  # 2022 data, today 2026
    res = run([target(value=150), target(id="u", value=150)],
              obs(("level", P, "2020", 100, None), ("level", P, "2022", 115, None)), today=date(2023, 1, 1))
    recs = A.to_records(res)
    text = json.dumps(recs, ensure_ascii=False, allow_nan=False)
    back = json.loads(text)
    assert back[0]["qualifiers"] == [] and isinstance(back[0]["observation_keys"], list)
    assert back[0]["yardstick"] is False and isinstance(back[0]["progress_ratio"], float)
    assert back[0]["path_value"] is not None and back[0]["two_year_average_rate"] is None


def test_to_table_aligns_chinese_columns():
    res = run([target(value=150), target(id="long_target_name", value=150)],
              obs(("level", P, "2020", 100, None), ("level", P, "2022", 115, None)))
    text = A.to_table(res)
    lines = text.splitlines()
    widths = {A._width(line) for line in lines[:4]}
    # r_req = 1.5^(1/3) − 1 = 14.47 %, r_obs = 7.24 % → R = 0.50 → lagging
    assert "进度明显滞后 lagging" in text
    assert len(widths) <= 2  # header and rows line up (trailing blanks stripped on rows)
    assert lines[2].index("全省") == lines[3].index("全省")


def test_status_and_qualifier_labels():
    assert set(A.STATUS_LABELS) == {"achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na",
                                    "not_scored"}
    assert A.STATUS_LABELS["accelerate"]["zh"] == "需加快进度"
    assert all(v["colour"].startswith("#") and len(v["colour"]) == 7 for v in A.STATUS_LABELS.values())
    assert {k: v["zh"] for k, v in A.QUALIFIER_LABELS.items()} == {
        "estimate": "预估", "stale": "数据滞后", "base_substituted": "基期替代", "series_break": "口径调整"}


def test_target_path_shapes():
    # A: geometric from 100 (2020) to 150 (2025), projection from 2022 at 7.238 %/yr
    r = one(target(value=150, target_period="2025"),
            obs(("level", P, "2020", 100, None), ("level", P, "2022", 115, None)))
    path = A.target_path(r)
    assert list(path.columns) == ["period", "year", "value", "series"]
    p = path[path.series == "path"]
    assert p.period.tolist() == ["2020", "2021", "2022", "2023", "2024", "2025"]
    assert p.value.iloc[-1] == pytest.approx(150)
    proj = path[path.series == "projection"]
    assert proj.year.tolist() == [2022, 2023, 2024, 2025]
    assert proj.value.iloc[-1] == pytest.approx(115 * 1.072381 ** 3, rel=1e-5)
    # D: linear 0 → 3000; projection at the observed pace 1300 per 18 months → 2166.7 by end-2023
    d = one(target(type="cumulative_flow", indicator="new_firms", value=3000, unit="家", base_value=0),
            obs(("new_firms", P, "2021", 900, None), ("new_firms", P, "2022-06", 400, None)))
    dp = A.target_path(d.to_dict())
    assert dp[dp.series == "path"].value.tolist() == [0, 1000, 2000, 3000]
    assert dp[dp.series == "projection"].value.iloc[-1] == pytest.approx(1300 / 18 * 36)
    # na: empty
    assert A.target_path(one(target(value=150), obs())).empty


def test_a_december_ytd_row_stands_in_for_the_annual_figure_as_preliminary():
    # 1–12月 2023 = 20100 (no annual row yet): treated as the preliminary annual figure → achieved (预估)
    r = one(target(indicator="retail_sales", value=20000, comparator=">"),
            obs(("retail_sales", P, "2020", 16258.1, None), ("retail_sales", P, "2023-12", 20100, 5.0)))
    assert r.status == "achieved" and r.qualifiers == ["estimate"]
    # … and 19900 is missed (预估): the year is over, only the final figure could still change it
    r = one(target(indicator="retail_sales", value=20000, comparator=">"),
            obs(("retail_sales", P, "2020", 16258.1, None), ("retail_sales", P, "2023-12", 19900, 5.0)))
    assert r.status == "missed" and r.qualifiers == ["estimate"]


def test_single_month_rows_are_not_used():
    data = obs(("level", P, "2020", 100, None), ("level", P, "2022-06", 60, None))
    data.loc[1, "period_type"] = "month"  # a single month, not a year-to-date total
    assert one(target(value=150), data).status == "na"


def test_stock_threshold_with_a_year_to_date_count():
    # a designation count at mid-2022 is already a level (no nowcast): S = 200, S0 = 150 → share 50/90 = 0.556
    # τ = 18/36 = 0.5 → R = 1.11 → on_track, estimate (year-to-date)
    t = target(type="stock_threshold", indicator="old_brands", value=240, comparator=">", unit="家")
    r = one(t, obs(("old_brands", P, "2020", 150, None), ("old_brands", P, "2022-06", 200, None)))
    assert r.progress_ratio == pytest.approx((50 / 90) / 0.5)
    assert r.status == "on_track" and "estimate" in r.qualifiers
