"""The two kinds added for the whole plan: the annual floor (F) and a share reaching a level (S).

Every expected number is worked by hand in the comment above its assertion (docs/method.md §7 and §8).
"""

from __future__ import annotations

import pandas as pd
import pytest

from monitor.target_kinds import BY_TYPE, TARGET_TYPES, codes_in, kind_of
from tests.assess_helpers import INDICATORS, obs, one, run, target

P = "430000"
CITY = "430100"
KINDS = pd.concat([INDICATORS, pd.DataFrame([
    ("projects", "引进三类500强重大项目", "Major projects of the three top-500 lists", "个", "flow"),
    ("park_share", "园区进出口额占全省比重", "Parks' share of provincial trade", "%", "ratio"),
], columns=["id", "name_zh", "name_en", "unit", "kind"])], ignore_index=True)


def floor_target(**kw):
    return target(id="floor", indicator="projects", type="annual_floor", value=100, comparator=">=", unit="个", **kw)


def share_target(**kw):
    return target(id="share", indicator="park_share", type="share_level", value=75, comparator=">=", unit="%", **kw)


def test_the_kinds_table_knows_every_type_the_registry_accepts_and_dispatches_each_scored_one():
    assert set(TARGET_TYPES) == set(BY_TYPE)
    families = {"levels", "growth", "cumulative", "floor"}
    assert {kind_of(t).family for t in TARGET_TYPES if kind_of(t).scored} == families
    assert codes_in("levels") == ("A", "C", "E", "S")
    assert kind_of("no such type").scored is False


def test_annual_floor_met_in_both_years_so_far_is_on_track():
    # 2021: 120 ≥ 100 ✓, 2022: 104 ≥ 100 ✓ → 2 of 3 years met; τ = 2/3 = 0.667; R = 2 met / 2 decided = 1.00
    # completion = 2/3 = 0.667 → on_track (R ≥ 0.95), not yet achieved (2023 still to come)
    r = one(floor_target(), obs(("projects", P, "2021", 120, None), ("projects", P, "2022", 104, None)),
            indicators=KINDS)
    assert r.status == "on_track"
    assert r.progress_ratio == pytest.approx(1.0)
    assert r.completion == pytest.approx(2 / 3)
    assert r.time_share == pytest.approx(2 / 3)
    assert "计划期3年中已有2年达到底线（每年达到100个）" in r.sentence_zh


def test_annual_floor_one_year_below_is_a_miss_that_later_years_cannot_undo():
    # 2021: 95 < 100 ✗ → missed at once, although 2022 (130) and 2023 (140) are well above the floor
    r = one(floor_target(), obs(("projects", P, "2021", 95, None), ("projects", P, "2022", 130, None),
                                ("projects", P, "2023", 140, None)), indicators=KINDS)
    assert r.status == "missed"
    # 2 of 3 years met: completion 0.667, R = 2/3
    assert r.completion == pytest.approx(2 / 3)
    assert r.progress_ratio == pytest.approx(2 / 3)


def test_annual_floor_met_every_year_of_the_plan_is_achieved():
    r = one(floor_target(), obs(("projects", P, "2021", 100, None), ("projects", P, "2022", 101, None),
                                ("projects", P, "2023", 100, None)), indicators=KINDS)
    # 100 ≥ 100 counts (以上 = ">="); 3 of 3 years → achieved
    assert r.status == "achieved"
    assert r.completion == pytest.approx(1.0)


def test_annual_floor_counts_a_year_early_when_its_year_to_date_figure_passes_the_floor():
    # 2021: 110 ✓; 2022 1–9月: 103 already ≥ 100 → 2022 met; 2 of 2 decided → R = 1, completion 2/3
    r = one(floor_target(), obs(("projects", P, "2021", 110, None), ("projects", P, "2022-09", 103, None)),
            indicators=KINDS)
    assert r.status == "on_track"
    assert r.completion == pytest.approx(2 / 3)


def test_annual_floor_with_a_missing_year_names_it_and_is_not_assessed():
    # 2021 has no figure, 2022 has: whether 2021 reached the floor is unknown → na naming 2021
    r = one(floor_target(), obs(("projects", P, "2022", 130, None)), indicators=KINDS)
    assert r.status == "na"
    assert "2021" in r.reason_zh and "2021" in r.reason_en


def test_share_reaching_a_level_closes_the_gap_in_points():
    # base 2020: 60 %, target 75 % (gap 15 points); 2022: 69 % → 9/15 = 0.60 of the gap closed;
    # τ = 2/3 → R = 0.60 / 0.6667 = 0.90 → accelerate; still 6 points to go
    r = one(share_target(), obs(("park_share", P, "2020", 60, None), ("park_share", P, "2022", 69, None)),
            indicators=KINDS)
    assert r.completion == pytest.approx(0.60)
    assert r.progress_ratio == pytest.approx(0.90)
    assert r.status == "accelerate"
    assert r.gap_to_target == pytest.approx(6.0)
    assert "尚差6.0个百分点" in r.sentence_zh
    assert "6.0 pp to go" in r.sentence_en


def test_a_share_reaching_the_level_is_achieved():
    # 2023: 76 % ≥ 75 % → achieved
    r = one(share_target(), obs(("park_share", P, "2020", 60, None), ("park_share", P, "2023", 76, None)),
            indicators=KINDS)
    assert r.status == "achieved"


def test_a_provincial_share_or_floor_is_never_a_prefectures_status():
    # shares and province-wide floors cannot be scaled to a city: the city gets no row for them at all,
    # while a level target (scalable) still becomes its yardstick
    observations = obs(("park_share", P, "2020", 60, None), ("projects", P, "2021", 120, None),
                       ("level", P, "2020", 100, None), ("level", CITY, "2020", 10, None))
    result = run([share_target(), floor_target(), target(id="lvl", value=150)], observations,
                 regions=[CITY], indicators=KINDS)
    assert result["target_id"].tolist() == ["lvl"]
    assert bool(result["yardstick"].iloc[0])


def test_the_province_still_gets_its_share_and_floor_targets_when_asked_for_with_the_cities():
    observations = obs(("park_share", P, "2020", 60, None), ("park_share", P, "2022", 69, None))
    result = run([share_target(), floor_target()], observations, regions=[P, CITY], indicators=KINDS)
    assert sorted(zip(result["target_id"], result["region"])) == [("floor", P), ("share", P)]
