"""Ranking logic and share/contribution arithmetic, with hand-worked numbers."""

import math

import pandas as pd
import pytest

from monitor.compare import measure_table, rank, rank_history, ranking


def obs(rows):
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "period", "period_type", "value", "yoy_pct"])
    frame["year"] = frame.period.str[:4].astype(int)
    frame["month"] = [int(p[5:]) if len(p) > 4 else 12 for p in frame.period]
    return frame


# Province P = 1000 (growth 10%); A = 600 (+20%), B = 400 (−2%), C has no data.
DATA = obs([
    ("retail_sales", "430000", "2024", "annual", 1000.0, 10.0),
    ("retail_sales", "A", "2024", "annual", 600.0, 20.0),
    ("retail_sales", "B", "2024", "annual", 400.0, -2.0),
    ("retail_sales", "430000", "2023", "annual", 909.0, 5.0),
    ("retail_sales", "A", "2023", "annual", 500.0, 1.0),
    ("retail_sales", "B", "2023", "annual", 409.0, 9.0),
    ("population", "A", "2024", "annual", 1000.0, None),   # 万人
    ("population", "B", "2024", "annual", 500.0, None),
])
REGIONS = ["A", "B", "C"]


def measure_values(data, indicator, period, period_type, regions, parent, measure):
    table = measure_table(data, indicator, period_type, regions, parent, measure, [period])
    return table.drop(columns="period")


def test_share_of_the_province():
    frame = measure_values(DATA, "retail_sales", "2024", "annual", REGIONS, "430000", "share").set_index("region_code")
    assert frame.measure["A"] == pytest.approx(60.0)  # 600 / 1000
    assert frame.measure["B"] == pytest.approx(40.0)
    assert math.isnan(frame.measure["C"])  # missing stays missing, never 0


def test_contribution_to_provincial_growth():
    frame = measure_values(DATA, "retail_sales", "2024", "annual", REGIONS, "430000",
                           "contribution").set_index("region_code")
    # Province a year earlier on the comparable basis: 1000 / 1.10 = 909.09.
    # A: 600 − 600/1.20 = 100 → 100 / 909.09 × 100 = 11.0 points
    # B: 400 − 400/0.98 = −8.16 → −8.16 / 909.09 × 100 = −0.90 points
    assert frame.measure["A"] == pytest.approx(11.0, abs=0.01)
    assert frame.measure["B"] == pytest.approx(-0.898, abs=0.01)
    # Together ≈ the province's 10% (A and B make up the whole province here).
    assert frame.measure["A"] + frame.measure["B"] == pytest.approx(10.1, abs=0.05)


def test_per_capita_in_yuan():
    frame = measure_values(DATA, "retail_sales", "2024", "annual", REGIONS, "430000",
                           "per_capita").set_index("region_code")
    # 600 亿元 / 1000 万人 = 6e10 / 1e7 = 6000 元 per person
    assert frame.measure["A"] == pytest.approx(6000.0)
    assert frame.measure["B"] == pytest.approx(8000.0)


def test_ties_share_the_best_rank_and_missing_gets_none():
    values = pd.Series([5.0, 7.0, 7.0, None, 1.0])
    assert rank(values).tolist() == [3, 1, 1, pd.NA, 4]
    assert rank(values, ascending=True).tolist() == [2, 3, 3, pd.NA, 1]


def test_rank_history_ranks_within_each_period():
    table = rank_history(measure_table(DATA, "retail_sales", "annual", REGIONS, "430000", "growth"))
    ranks = table.set_index(["period", "region_code"])["rank"]
    assert (ranks["2023", "A"], ranks["2023", "B"]) == (2, 1)
    assert (ranks["2024", "A"], ranks["2024", "B"]) == (1, 2)
    assert pd.isna(ranks["2024", "C"])


def test_ranking_table_with_rank_change_and_yardstick():
    table = ranking(DATA, "retail_sales", "2024", "annual", REGIONS, "430000", "growth", yardstick=7.5)
    assert table.region_code.tolist() == ["A", "B", "C"]  # missing C last
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    # 2023 growth: A 1.0, B 9.0 → ranks 2, 1; in 2024 A rose one place, B fell one.
    assert table.previous_rank.tolist()[:2] == [2, 1]
    assert table.rank_change.tolist()[:2] == [1, -1]
    assert table.gap_to_yardstick.tolist()[:2] == pytest.approx([12.5, -9.5])
    assert table.missing.tolist() == [False, False, True]
    assert table.previous_period.iloc[0] == "2023"


def test_unknown_measure_is_rejected():
    with pytest.raises(ValueError):
        measure_values(DATA, "retail_sales", "2024", "annual", REGIONS, "430000", "median")
