"""store.find_observations / observation_facets: the data page's filtered, capped read of the stored figures."""

from monitor import store
from monitor.db import Reader


def test_facets_describe_the_stored_figures(template_db):
    with Reader(template_db) as reader:
        facets = store.observation_facets(reader, "official")
        assert facets["rows"] == 144 and "retail_sales" in facets["indicator_ids"]
        assert "430100" in facets["region_codes"] and facets["first_year"] <= 2020 <= facets["last_year"]
        assert store.observation_facets(reader, "no_such_dataset") == {
            "indicator_ids": [], "region_codes": [], "first_year": None, "last_year": None, "rows": 0}


def test_find_observations_filters_in_sql(template_db):
    with Reader(template_db) as reader:
        everything, total = store.find_observations(reader, "official", limit=10)
        assert len(everything) == 10 and total == 144
        changsha, n = store.find_observations(reader, "official", region_codes=["430100"])
        assert n == len(changsha) > 0 and set(changsha.region_code) == {"430100"}
        years, _ = store.find_observations(reader, "official", year_from=2021, year_to=2022)
        assert set(years.period.str[:4]) <= {"2021", "2022"}
        found, _ = store.find_observations(reader, "official", search="CHANGSHA")  # case-insensitive, names too
        assert set(found.region_code) == {"430100"}
        retail, _ = store.find_observations(reader, "official", indicator_ids=["retail_sales"], search="湖南省")
        assert set(retail.indicator_id) == {"retail_sales"} and "430000" in set(retail.region_code)
        none, zero = store.find_observations(reader, "official", search="no such text at all")
        assert none.empty and zero == 0


def test_observation_regions_lists_regions_with_figures_derived_sums_included(template_db):
    with Reader(template_db) as reader:
        everything = store.observations(reader, "official")
        for indicator in ("retail_sales", "new_above_quota_enterprises", "gdp"):
            expected = sorted(everything[everything.indicator_id == indicator].region_code.unique())
            assert store.observation_regions(reader, "official", indicator) == expected
        assert store.observation_regions(reader, "official", "no_such_indicator") == []


def test_target_periods_are_the_periods_of_targeted_figures_derived_sums_included(template_db):
    """The as-of choices: every period with a current figure of an indicator a target uses, newest first —
    read from the stored rows (a derived sum's periods are its components'), the same as the computing view."""
    with Reader(template_db) as reader:
        targeted = set(store.targets(reader).indicator_id.dropna())
        current = store.observations(reader, "official")
        current = current[current.indicator_id.isin(targeted)]
        expected = (current.drop_duplicates("period").sort_values(["year", "month", "period"], ascending=False)
                    .period.tolist())
        assert "new_above_quota_enterprises" in targeted  # a derived indicator is among them
        assert store.target_periods(reader, "official") == expected
        assert store.target_periods(reader, "no_such_dataset") == []
