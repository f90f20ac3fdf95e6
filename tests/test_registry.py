"""The plan's targets as data: quotes verbatim, references valid, the ids the issue asks for."""

import tomllib

import pytest

from monitor.config import DATA_DIR, PLANS_DIR
from monitor.db import Reader
from monitor.registry import read_indicators, read_plans, read_regions

PREFECTURES = {"430100", "430200", "430300", "430400", "430500", "430600", "430700", "430800", "430900",
               "431000", "431100", "431200", "431300", "433100"}
REQUIRED_TARGETS = {
    "retail_sales_2023": ("level_by_date", "retail_sales", 20000, ">"),
    "retail_growth_2021_2023": ("average_growth", "retail_sales", 7.5, ">="),
    "new_above_quota_firms_2021_2023": ("cumulative_flow", "new_above_quota_enterprises", 3000, ">="),
    "county_online_brands_2023": ("cumulative_flow", "county_online_brands", 30, ">="),
    "logistics_cost_ratio_2023": ("pp_change", "logistics_cost_gdp_ratio", -1.5, "<="),
    "time_honoured_brands_2023": ("stock_threshold", "time_honoured_brands", 240, ">"),
    "smart_business_districts_2023": ("cumulative_flow", "smart_business_districts", 20, ">="),
}


@pytest.fixture(scope="module")
def targets():
    return read_plans()[1]


def plan_text(source_file: str) -> str:
    return (PLANS_DIR / source_file).read_text(encoding="utf-8")


def test_every_quote_appears_verbatim_in_the_plan_text():
    for path in sorted(PLANS_DIR.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        text = plan_text(raw["plan"]["source_file"])
        for target in raw["targets"]:
            assert target["quote_zh"] in text, f"{path.name} {target['id']}: quote not found verbatim"


def test_the_quote_check_can_fail():
    text = plan_text("source/xiangzhengbanfa_2021_66.txt")
    assert "社会消费品零售总额突破3万亿元" not in text  # a mistyped number would be caught
    assert "社会消费品零售总额突破2万亿元" in text


def test_required_targets_are_encoded(targets):
    by_id = targets.set_index("id")
    for target_id, (ttype, indicator, value, comparator) in REQUIRED_TARGETS.items():
        row = by_id.loc[target_id]
        assert ((row.target_type, row.indicator_id, row.target_value, row.comparator)
                == (ttype, indicator, value, comparator))
        assert row.region_code == "430000" and row.base_period == "2020" and row.target_period == "2023"


def test_aims_without_a_number_are_listed(targets):
    no_number = targets[targets.target_type == "no_numeric_target"]
    assert {"xiang_tea_fruit_fungi_industries", "mobile_coverage_2023"} <= set(no_number.id)
    assert no_number.target_value.isna().all()


def test_every_target_indicator_exists(targets):
    indicators = set(read_indicators().id)
    numeric = targets[targets.target_type != "no_numeric_target"]
    assert set(numeric.indicator_id) <= indicators


def test_regions_have_the_province_and_14_prefectures():
    regions = read_regions()
    prefectures = regions[regions.level == "prefecture"]
    assert set(prefectures.code) == PREFECTURES
    assert (prefectures.parent_code == "430000").all()
    assert regions.set_index("code").loc["433100", "name_zh"] == "湘西土家族苗族自治州"
    assert regions.set_index("code").loc["430000", "name_en"] == "Hunan Province"


def test_bundled_indicators_are_all_registered():
    import pandas as pd
    bundled = pd.read_csv(DATA_DIR / "official" / "hunan_official.csv", dtype=str)
    assert set(bundled.indicator) <= set(read_indicators().id)


def test_registry_loaded_into_duckdb(db_path):
    with Reader(db_path) as reader:
        n_targets = reader.query_rows("SELECT count(*) FROM targets")[0][0]
        assert n_targets == len(read_plans()[1])
        comp = reader.query_rows("SELECT components FROM indicators WHERE id = 'new_above_quota_enterprises'")[0][0]
        assert comp == ["new_above_quota_wholesale_retail", "new_above_quota_accommodation_catering"]


def test_sum_indicator_is_derived_only_where_all_parts_exist(db_path):
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT period, value FROM observations_current "
            "WHERE indicator_id = 'new_above_quota_enterprises' ORDER BY period")
    # 2018-11: 579 + 171; 2022-05: 351 + 101; 2020-07 has only the wholesale-retail part, so no sum.
    assert rows == [("2018-11", 750.0), ("2022-05", 452.0)]
