"""The synthetic demo dataset: marked synthetic, deterministic, consistent, and true to the official figures."""

from __future__ import annotations

import hashlib
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from monitor import demo, export, store
from monitor.cli import main
from monitor.db import Reader
from monitor.importer import import_file

YEARS = (2018, 2025)  # every province-level official figure falls inside
SEED = int(os.environ.get("DEMO_TEST_SEED", 7))  # the properties hold for any seed; try others with this


@pytest.fixture(scope="module")
def counties_db(template_db, tmp_path_factory):
    """A database with the official data and the demo at county scale, 2018–2025."""
    path = tmp_path_factory.mktemp("demo") / "monitor.duckdb"
    shutil.copyfile(template_db, path)
    report = demo.run_demo(path, "counties", YEARS, seed=SEED)
    assert report.rows > 0
    return path


@pytest.fixture(scope="module")
def rows(counties_db) -> pd.DataFrame:
    with Reader(counties_db) as reader:
        return reader.query_df(
            "SELECT o.*, r.level, r.parent_code, i.kind, i.frequency, i.unit AS indicator_unit "
            "FROM observations o JOIN regions r ON r.code = o.region_code JOIN indicators i ON i.id = o.indicator_id "
            "WHERE o.dataset = 'demo'")


def export_digest(path, dataset: str) -> str:
    with Reader(path) as reader:
        frame = store.export_frame(reader, dataset)
    return hashlib.sha256(export.to_csv_bytes(frame)).hexdigest()


# --------------------------------------------------------------------------- marking and provenance

def test_demo_is_registered_as_synthetic_and_every_row_says_so(counties_db, rows):
    with Reader(counties_db) as reader:
        ds = reader.query_df("SELECT * FROM datasets WHERE id = 'demo'")
        frame = store.export_frame(reader, "demo")
    assert ds.is_synthetic.tolist() == [True]
    assert ds.name_zh.tolist() == ["演示数据（合成）"] and ds.name_en.tolist() == ["Demo data (synthetic)"]
    assert (rows.source == f"合成演示数据 SYNTHETIC DEMO (python -m monitor demo --seed {SEED})").all()
    assert rows.note.str.contains("synthetic").all() and rows.note.str.contains("合成").all()
    assert rows.quote.isna().all()
    assert len(frame) == len(rows) and frame.synthetic.all()


def test_xlsx_export_of_the_demo_carries_the_warning(tmp_path, db_path):
    import openpyxl

    assert main(["demo", "--db", str(db_path), "--scale", "province", "--years", "2020-2021"]) == 0
    out = tmp_path / "demo.xlsx"
    assert main(["export", "--db", str(db_path), "--dataset", "demo", "--format", "xlsx", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert "README" in book.sheetnames
    assert "演示数据，非官方统计" in str(book["README"]["A2"].value)
    header = [c.value for c in book["demo"][1]]
    assert "synthetic" in header


def test_official_rows_are_untouched(template_db, counties_db):
    assert export_digest(template_db, "official") == export_digest(counties_db, "official")


# --------------------------------------------------------------------------- determinism and replacement

def test_same_seed_and_arguments_give_identical_rows(template_db, tmp_path):
    digests = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        path = tmp_path / f"{name}.duckdb"
        shutil.copyfile(template_db, path)
        demo.run_demo(path, "prefectures", (2019, 2021), seed=seed)
        digests.append(export_digest(path, "demo"))
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]


def test_generate_frame_is_deterministic_and_importable(template_db, tmp_path, db_path):
    inputs = demo.bundled_inputs()
    one = demo.generate_frame("province", (2020, 2021), seed=5, inputs=inputs)
    two = demo.generate_frame("province", (2020, 2021), seed=5, db_path=template_db)
    key = ["indicator", "region", "period"]

    def digest(f):
        return hashlib.sha256(f.sort_values(key).astype(str).to_csv(index=False).encode()).hexdigest()

    assert digest(one) == digest(two)
    assert list(one.columns[:9]) == ["indicator", "region", "period", "value", "unit", "yoy_pct", "source",
                                     "source_url", "note"]
    csv = tmp_path / "demo.csv"
    one.to_csv(csv, index=False)
    result = import_file(db_path, csv.read_bytes(), csv.name, dataset="bench", new_dataset=True)
    assert result.plan.added == len(one)


def test_running_demo_twice_replaces_rather_than_duplicates(db_path):
    first = demo.run_demo(db_path, "prefectures", (2020, 2021), seed=1)
    second = demo.run_demo(db_path, "province", (2020, 2021), seed=2)
    assert second.replaced == first.rows
    with Reader(db_path) as reader:
        n, keys = reader.query_rows(
            "SELECT count(*), count(DISTINCT (indicator_id, region_code, period, period_type)) "
            "FROM observations WHERE dataset = 'demo'")[0]
        seeds = reader.query_rows("SELECT DISTINCT source FROM observations WHERE dataset = 'demo'")
    assert n == keys == second.rows
    assert seeds == [(demo.source_text(2),)]


# --------------------------------------------------------------------------- coverage

def test_every_non_derived_indicator_is_present_for_every_region_and_year(counties_db, rows):
    with Reader(counties_db) as reader:
        indicators = store.indicators(reader)
    plain = indicators[indicators.components.isna()]
    derived = indicators[indicators.components.notna()]
    annual = rows[rows.period_type == "annual"]
    n_regions = 1 + 14 + 122
    counts = annual.groupby("indicator_id").size()
    assert set(counts.index) == set(plain.id)
    assert (counts == n_regions * (YEARS[1] - YEARS[0] + 1)).all()
    assert not set(rows.indicator_id) & set(derived.id)
    ytd = rows[rows.period_type == "ytd"]
    assert set(ytd.indicator_id) == set(plain[plain.frequency == "monthly_ytd"].id)
    assert ytd.groupby("indicator_id").size().eq(n_regions * 8 * 10).all()  # Feb … Nov


def test_counties_scale_has_hunans_122_real_counties(rows):
    counties = rows[rows.level == "county"].region_code.unique()
    assert len(counties) == 122
    assert "430102" in counties  # 芙蓉区
    assert len(rows[rows.level == "prefecture"].region_code.unique()) == 14


def test_no_january_year_to_date_rows(rows):
    ytd = rows[rows.period_type == "ytd"]
    assert ytd.month.min() == 2 and ytd.month.max() == 11
    assert not ytd.period.str.endswith("-01").any()
    money = ytd[ytd.indicator_unit == "亿元"]
    # growth over the same months a year before (for the first year, of a hidden year before it);
    # none only where that was 0 at the stored precision (tiny county series)
    assert money.yoy_pct.notna().mean() > 0.99 and (money.yoy_pct.notna() | (money.value < 0.5)).all()


def test_derived_indicator_is_computed_by_the_store_from_the_generated_components(counties_db):
    parts = ["new_above_quota_wholesale_retail", "new_above_quota_accommodation_catering"]
    with Reader(counties_db) as reader:
        obs = store.observations(reader, "demo", indicator_ids=parts + ["new_above_quota_enterprises"],
                                 region_codes=["430000", "430100"])
    derived = obs[obs.indicator_id == "new_above_quota_enterprises"]
    assert len(derived) == 2 * 8 * 11 and derived.is_derived.all()
    sums = obs[obs.indicator_id.isin(parts)].groupby(["region_code", "period", "period_type"]).value.sum()
    got = derived.set_index(["region_code", "period", "period_type"]).value
    assert (got - sums.loc[got.index]).abs().max() == 0


# --------------------------------------------------------------------------- consistency

def test_children_of_flows_and_count_stocks_sum_exactly_to_the_parent(rows):
    additive = rows[rows.kind != "ratio"]
    children = additive[additive.parent_code.isin(additive.region_code.unique())]
    sums = children.groupby(["indicator_id", "parent_code", "period", "period_type"]).value.sum()
    parents = additive.set_index(["indicator_id", "region_code", "period", "period_type"]).value
    parents.index.names = sums.index.names
    joined = pd.concat([sums.rename("children"), parents.rename("parent")], axis=1, join="inner")
    assert len(joined) == len(sums)  # every group of children has its parent row
    flows = joined[joined.index.get_level_values(0).isin(rows[rows.kind == "flow"].indicator_id.unique())]
    assert len(flows) > 1000
    assert np.allclose(joined.children, joined.parent, rtol=0, atol=1e-6)


def test_prefecture_shares_are_plausible_and_rankings_move(rows):
    retail = rows[(rows.indicator_id == "retail_sales") & (rows.period_type == "annual")]
    province = retail[retail.region_code == "430000"].set_index("year").value
    prefs = retail[retail.level == "prefecture"].pivot(index="year", columns="region_code", values="value")
    shares = prefs.div(province, axis=0)
    assert shares["430100"].between(0.25, 0.36).all()          # 长沙 about 30 %
    assert (shares["430800"] < 0.03).all()                     # 张家界 small
    # each region has its own growth, so rankings change over the years (in most indicators)
    flows = rows[(rows.kind == "flow") & (rows.level == "prefecture") & (rows.period_type == "annual")]
    moved = {ind: (g.pivot(index="year", columns="region_code", values="value").rank(axis=1).nunique() > 1).any()
             for ind, g in flows.groupby("indicator_id")}
    assert sum(moved.values()) > len(moved) / 2


def test_ratios_are_each_regions_own_level(rows):
    ratio = rows[(rows.indicator_id == "logistics_cost_gdp_ratio") & (rows.period_type == "annual")]
    assert ratio.value.between(3, 40).all()
    hunan = ratio[ratio.region_code == "430000"].set_index("year").value
    assert hunan.loc[2018] > hunan.loc[2024]                   # drifting down
    assert ratio[ratio.year == 2023].value.nunique() > 10
    assert ratio.yoy_pct.isna().all() or ratio[ratio.region_code != "430000"].yoy_pct.isna().all()


# --------------------------------------------------------------------------- the official figures

def test_every_official_province_figure_is_reproduced_exactly(counties_db, rows):
    with Reader(counties_db) as reader:
        official = reader.query_df(
            "SELECT indicator_id, period, period_type, value, yoy_pct FROM observations_latest "
            "WHERE dataset = 'official' AND region_code = '430000' AND year BETWEEN ? AND ?", list(YEARS))
    assert len(official) >= 30
    hunan = rows[rows.region_code == "430000"].set_index(["indicator_id", "period", "period_type"])
    for row in official.itertuples():
        got = hunan.loc[(row.indicator_id, row.period, row.period_type)]
        where = f"{row.indicator_id} {row.period}"
        if pd.notna(row.value):
            assert round(got.value, 9) == round(row.value, 9), where
        if pd.notna(row.yoy_pct):
            assert got.yoy_pct == row.yoy_pct, where


def test_growth_rates_follow_from_the_levels(rows):
    """yoy_pct is the growth over the same period a year before (official growth rates aside)."""
    prefs = rows[(rows.level == "prefecture") & (rows.kind == "flow")]
    key = ["indicator_id", "region_code", "period_type", "month"]
    prev = prefs.assign(year=prefs.year + 1).set_index(key + ["year"]).value
    cur = prefs.set_index(key + ["year"])
    both = cur.join(prev.rename("prev"), how="inner")
    expected = ((both.value / both.prev - 1) * 100).round(1)
    assert len(both) > 1000
    assert (expected - both.yoy_pct).abs().max() < 0.1001  # the same rate, rounded from unrounded levels


# --------------------------------------------------------------------------- shape of the series

def test_seasonality_peaks_in_the_fourth_quarter(rows):
    money = rows[(rows.frequency == "monthly_ytd") & (rows.indicator_unit == "亿元") & (rows.level != "county")]
    by_figure = ["indicator_id", "region_code", "year"]
    annual = money[money.period_type == "annual"].set_index(by_figure).value
    sept = money[(money.period_type == "ytd") & (money.month == 9)].set_index(by_figure).value
    q4_share = (annual - sept.loc[annual.index]) / annual
    assert (q4_share > 0.25).all()
    feb = money[(money.period_type == "ytd") & (money.month == 2)].set_index(by_figure).value
    assert (feb / annual.loc[feb.index] < 2 / 12).mean() > 0.9   # the Spring Festival low


def test_covid_dip_in_2020(rows):
    hunan = rows[rows.region_code == "430000"]
    retail = hunan[hunan.indicator_id == "retail_sales"]
    annual = retail[retail.period_type == "annual"].set_index("year").yoy_pct
    assert annual.loc[2020] < 0 < annual.loc[2019] < annual.loc[2021]
    ytd = retail[retail.period_type == "ytd"].set_index("period").yoy_pct
    assert ytd.idxmin() == "2020-02" and ytd.min() < -10
    flows = hunan[(hunan.kind == "flow") & (hunan.period_type == "annual")].pivot(
        index="indicator_id", columns="year", values="yoy_pct")
    assert ((flows[2020] < flows[2019]) & (flows[2020] < flows[2021])).mean() > 0.6
    prefs = rows[(rows.indicator_id == "retail_sales") & (rows.level == "prefecture") & (rows.period_type == "annual")]
    assert (prefs[prefs.year == 2020].yoy_pct < 0).mean() > 0.5  # most prefectures fall too


def test_counts_are_integers_and_count_stocks_never_fall(rows):
    counts = rows[rows.indicator_unit.isin(["家", "个"])]
    assert len(counts) and (counts.value == counts.value.round()).all()
    stocks = counts[(counts.kind == "stock") & (counts.period_type == "annual")].sort_values("year")
    steps = stocks.groupby(["indicator_id", "region_code"]).value.diff().dropna()
    assert (steps >= 0).all()
    brands = stocks[(stocks.indicator_id == "time_honoured_brands") & (stocks.region_code == "430000")]
    assert (brands.value.diff().dropna() == 0).any()  # rises in batches, not every year


def test_money_values_are_rounded_to_two_decimals(rows):
    money = rows[rows.indicator_unit == "亿元"]
    assert ((money.value * 100).round(6) % 1 == 0).all()
    assert rows.yoy_pct.dropna().eq(rows.yoy_pct.dropna().round(1)).all()


# --------------------------------------------------------------------------- national scale

def test_tiny_national_scale_marks_generated_regions_and_switching_back_removes_them(db_path):
    report = demo.run_demo(db_path, "national", (2020, 2021), seed=1, national_counties=200)
    assert report.synthetic_regions > 0
    with Reader(db_path) as reader:
        regions = store.regions(reader)
        synthetic = regions[regions.is_synthetic]
        used = reader.query_df("SELECT DISTINCT region_code FROM observations WHERE dataset = 'demo'")
        sums = reader.query_df(
            "SELECT o.period, o.period_type, any_value(n.value) AS national, sum(o.value) AS provinces "
            "FROM observations o JOIN regions r ON r.code = o.region_code AND r.level = 'province' "
            "JOIN observations n ON n.dataset = 'demo' AND n.region_code = '000000' "
            "AND n.indicator_id = o.indicator_id "
            "AND n.period = o.period AND n.period_type = o.period_type "
            "WHERE o.dataset = 'demo' AND o.indicator_id = 'retail_sales' GROUP BY ALL")
    assert len(synthetic) == report.synthetic_regions
    assert synthetic.name_zh.str.startswith("合成").all() and synthetic.name_en.str.startswith("Synthetic").all()
    assert set(synthetic.level) == {"prefecture", "county"}
    # generated codes use prefecture digits 50–89, which GB/T 2260 never assigns
    assert synthetic.code.str[2:4].astype(int).between(50, 89).all()
    n_counties = regions[regions.level == "county"].code.isin(used.region_code).sum()
    assert 180 <= n_counties <= 230 and len(used) == len(regions[regions.code.isin(used.region_code)])
    assert np.allclose(sums.national, sums.provinces, rtol=0, atol=1e-6)

    again = demo.run_demo(db_path, "prefectures", (2020, 2021), seed=1)
    assert again.synthetic_removed == report.synthetic_regions
    with Reader(db_path) as reader:
        assert not store.regions(reader).is_synthetic.any()


def test_province_figures_do_not_depend_on_the_scale():
    inputs = demo.bundled_inputs()
    frames = {scale: demo.to_long_frame(demo.generate(inputs, scale, (2020, 2021), seed=2, national_counties=200))
              for scale in ("province", "counties", "national")}

    def pick(frame, region):
        return frame[frame.region == region].astype(str).sort_values(["indicator", "period"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(pick(frames["province"], "430000"), pick(frames["national"], "430000"))
    pd.testing.assert_frame_equal(pick(frames["counties"], "430100"), pick(frames["national"], "430100"))
    pd.testing.assert_frame_equal(pick(frames["counties"], "430102"), pick(frames["national"], "430102"))


def test_single_month_rows_add_up_to_the_year_and_leave_every_other_row_as_it_was(db_path):
    inputs = demo.bundled_inputs()
    plain = demo.to_long_frame(demo.generate(inputs, "prefectures", (2020, 2022), seed=3))
    both = demo.to_long_frame(demo.generate(inputs, "prefectures", (2020, 2022), seed=3, single_months=True))
    months = both[both.period_type == "month"]
    rest = both[both.period_type != "month"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest.astype(str), plain.astype(str))
    monthly = set(inputs.indicators[(inputs.indicators.kind == "flow")
                                    & (inputs.indicators.frequency == "monthly_ytd")].id)
    assert set(months.indicator.astype(str)) == monthly
    assert sorted(months.period.astype(str).str[5:].astype(int).unique()) == list(range(3, 13))
    # February year to date + March … December = the year (to the stored rounding)
    def key(f):
        return f.assign(year=f.period.astype(str).str[:4]).set_index(["indicator", "region", "year"])

    summed = key(months).groupby(level=[0, 1, 2], observed=True).value.sum()
    feb = key(both[(both.period_type == "ytd") & (both.period.astype(str).str[5:] == "02")]).value
    annual = key(both[(both.period_type == "annual") & both.indicator.isin(monthly)]).value
    total = (summed + feb.reindex(summed.index)).round(6)
    assert np.allclose(total, annual.reindex(summed.index).round(6), rtol=0, atol=1e-6)

    report = demo.run_demo(db_path, "province", (2021, 2021), seed=3, single_months=True)
    with Reader(db_path) as reader:
        stored = reader.query_df("SELECT period_type, count(*) AS n FROM observations WHERE dataset = 'demo' "
                                 "GROUP BY ALL").set_index("period_type").n
    assert stored["month"] == len(monthly) * 10 and stored.sum() == report.rows


# --------------------------------------------------------------------------- pieces

def test_apportion_splits_integers_exactly_and_deterministically():
    rng = np.random.default_rng(0)
    totals = rng.integers(0, 10_000, (3, 5))
    group = np.repeat(np.arange(3), [4, 1, 6])
    starts = np.array([0, 4, 5])
    weights = rng.random((11, 5)) + 0.01
    out = demo.apportion(totals, weights, group, starts)
    assert (out >= 0).all()
    assert (np.add.reduceat(out, starts, axis=0) == totals).all()
    share = totals[group] * weights / np.add.reduceat(weights, starts, axis=0)[group]
    assert (np.abs(out - share) < 1).all()
    assert (demo.apportion(totals, weights, group, starts) == out).all()


def test_cli_rejects_bad_arguments(db_path, capsys):
    assert main(["demo", "--db", str(db_path), "--years", "2025-2015"]) == 2
    assert main(["demo", "--db", str(db_path), "--years", "2015-2999"]) == 2
    assert "last complete year" in capsys.readouterr().err
    assert main(["demo", "--db", str(db_path), "--seed", "-1"]) == 2


def test_cli_prints_what_it_wrote(db_path, capsys):
    assert main(["demo", "--db", str(db_path), "--scale", "province", "--years", "2020-2021", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    # 67 non-derived indicators: 25 monthly flows × 2 years × (1 annual + 10 year-to-date rows) = 550, and
    # 42 yearly ones (16 flows, 10 ratios, 16 stocks) × 2 = 84 → 634
    assert "634 synthetic rows" in out and "演示数据，非官方统计" in out
