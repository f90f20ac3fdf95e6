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
    # the open-economy plan: the ten targets the app had, unchanged …
    "trade_total_2023": ("level_by_date", "trade_total", 7000, ">"),
    "trade_growth_2021_2023": ("average_growth", "trade_total", 15, ">="),
    "trade_dependency_2023": ("level_by_date", "trade_dependency", 14, ">"),
    "fdi_2023": ("level_by_date", "fdi", 35, ">"),
    "outbound_investment_2021_2023": ("cumulative_flow", "outbound_investment", 60, ">="),
    "foreign_contracting_2021_2023": ("cumulative_flow", "foreign_contracting_revenue", 90, ">="),
    "foreign_trade_enterprises_2023": ("stock_threshold", "foreign_trade_enterprises", 10000, ">"),
    "imports_2023": ("level_by_date", "imports", 2600, ">"),
    "imports_growth_2021_2023": ("average_growth", "imports", 20, ">="),
    "service_trade_2023": ("level_by_date", "service_trade", 500, ">"),
    # … and a sample of the rest, one per reading rule
    "top500_projects_yearly": ("annual_floor", "top500_projects", 100, ">="),                 # 每年…100个以上
    "chain_trade_contribution_2023": ("share_level", "chain_trade_contribution", 60, ">="),   # 贡献度达到60%以上
    "counties_fdi_nonzero_share_2023": ("share_level", "counties_fdi_nonzero_share", 80, ">="),  # 80%以上的县市区
    "ftz_reform_tasks_2023": ("share_level", "ftz_reform_tasks_done_share", 100, ">="),       # 全部完成
    "africa_coop_firms_2023": ("stock_threshold", "africa_coop_firms", 600, ">"),             # 超过600家
    "cargo_air_routes_2023": ("stock_threshold", "intl_cargo_air_routes", 16, ">="),          # 开通…16条
    "domestic_investment_2023": ("level_by_date", "domestic_investment_inflow", 10000, ">"),  # 1万亿元
    "air_cargo_throughput_2023": ("level_by_date", "intl_air_cargo", 12, ">="),               # 达到12万吨
    "chain_fdi_projects_2021_2023": ("cumulative_flow", "chain_major_fdi_projects", 20, ">="),  # 3年累计
    "cbec_market_procurement_growth_2021_2023": ("average_growth", "cbec_and_market_procurement", 20, ">="),
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


def test_at_least_45_quantified_targets_across_the_two_plans(targets):
    numeric = targets[targets.target_type != "no_numeric_target"]
    assert numeric.groupby("plan_id").size().to_dict() == {"consumption_2021_2023": 7, "open_economy_2021_2023": 41}


def test_ambiguous_wording_carries_a_written_decision(targets):
    by_id = targets.set_index("id")
    for target_id in ("fdi_2023", "africa_coop_firms_2023", "cbec_market_procurement_growth_2021_2023",
                      "trade_rcep_2023", "park_trade_share_2023", "china_europe_trains_2023", "cargo_air_routes_2023"):
        assert by_id.loc[target_id, "decision_zh"] and by_id.loc[target_id, "decision_en"], target_id
    assert "超过" in by_id.loc["africa_coop_firms_2023", "decision_zh"]
    assert "流量" in by_id.loc["fdi_2023", "decision_zh"]


def test_the_combined_target_is_one_target_over_a_derived_sum():
    indicators = read_indicators().set_index("id")
    assert indicators.loc["cbec_and_market_procurement", "components"] == [
        "cross_border_ecommerce_trade", "market_procurement_exports"]


def test_new_indicators_say_who_publishes_them_and_what_they_are():
    indicators = read_indicators().set_index("id")
    for ind_id in ("trade_belt_road", "china_europe_trains", "park_fdi_share", "top500_projects", "intl_air_cargo"):
        row = indicators.loc[ind_id]
        assert row.publisher and row.definition_zh and row.definition_en and row.name_en, ind_id
    assert indicators.loc["park_fdi_share", ["unit", "kind"]].tolist() == ["%", "ratio"]
    assert indicators.loc["china_europe_trains", ["unit", "kind"]].tolist() == ["列", "flow"]


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
        assert n_targets == len(read_plans()[1]) == 54
        comp = reader.query_rows("SELECT components FROM indicators WHERE id = 'new_above_quota_enterprises'")[0][0]
        assert comp == ["new_above_quota_wholesale_retail", "new_above_quota_accommodation_catering"]


def test_sum_indicator_is_derived_only_where_all_parts_exist(db_path):
    with Reader(db_path) as reader:
        rows = reader.query_rows(
            "SELECT period, value FROM observations_current "
            "WHERE indicator_id = 'new_above_quota_enterprises' ORDER BY period")
    # 2018-11: 579 + 171; 2022-05: 351 + 101; 2020-07 has only the wholesale-retail part, so no sum.
    assert rows == [("2018-11", 750.0), ("2022-05", 452.0)]
