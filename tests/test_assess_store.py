"""The engine on the store: bundled official data, the CLI, vintages, regions and input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime

import pandas as pd
import pytest

from monitor import assess as A
from monitor import bootstrap
from monitor.cli import main
from monitor.db import Reader
from monitor.importer import import_file
from tests.conftest import PROJECT_ROOT

REQUIRED_KEYS = {
    "target_id", "region", "status", "qualifiers", "progress_ratio", "time_share", "latest_period", "latest_value",
    "base_value", "target_value", "required_rate", "observed_rate", "remaining_required_rate", "completion",
    "sentence_zh", "sentence_en", "observation_keys", "reason_zh", "reason_en",
}
TODAY = date(2026, 11, 28)


def test_cli_assess_json_on_the_bundled_official_data(db_path):
    proc = subprocess.run([sys.executable, "-m", "monitor", "assess", "--db", str(db_path), "--json"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list) and len(rows) == 22
    for row in rows:
        assert REQUIRED_KEYS <= set(row), row["target_id"]
        assert list(row)[:len(A.COLUMNS)] == A.COLUMNS
    by_id = {r["target_id"]: r for r in rows}
    status = {k: v["status"] for k, v in by_id.items()}

    # retail sales level: base 2020 = 16258.1; 2022 = 18596.85 × 1.024 (the preliminary +2.4 %) = 19043.2, estimate
    # r_obs = (19043.17/16258.1)^(1/2) − 1 = 8.23 %, r_req = 7.15 % → R = 1.15 → on_track
    r = by_id["retail_sales_2023"]
    assert r["status"] == "on_track" and "estimate" in r["qualifiers"]
    assert r["progress_ratio"] == pytest.approx(1.1508, abs=1e-4)
    assert r["required_rate"] == pytest.approx(0.071487, abs=1e-6)
    # retail growth: official 14.4 % (2021) and 2.4 % (2022, preliminary) → 8.23 %/yr, R = 1.10; 2023 needs 6.05 %
    r = by_id["retail_growth_2021_2023"]
    assert r["status"] == "on_track" and "estimate" in r["qualifiers"]
    assert r["remaining_required_rate"] == pytest.approx(0.060473, abs=1e-6)
    # trade: 4874.5 → 5988.5 = +22.85 % against 12.82 % required → R = 1.78; official +22.6 % vs 15 % → R = 1.51
    assert status["trade_total_2023"] == "on_track"
    assert by_id["trade_total_2023"]["progress_ratio"] == pytest.approx(1.782, abs=1e-3)
    assert status["trade_growth_2021_2023"] == "on_track"
    assert by_id["trade_growth_2021_2023"]["progress_ratio"] == pytest.approx(22.6 / 15)

    # not enough data, each with its reason:
    # * new firms: only 2022 1–5月 (452) — 2021's full-year count is missing and is not imputed
    assert status["new_above_quota_firms_2021_2023"] == "na"
    assert "缺少2021年全年" in by_id["new_above_quota_firms_2021_2023"]["reason_zh"]
    # * county brands / smart districts: no figures at all
    for tid in ("county_online_brands_2023", "smart_business_districts_2023"):
        assert status[tid] == "na" and "没有" in by_id[tid]["reason_zh"]
    # * logistics cost/GDP: the 2020 Hunan base is missing; the nearest later year (2023) becomes the
    #   substitute base, but then there is no later point up to the target year (2024 is after T), and the
    #   national ratio is never borrowed → na
    r = by_id["logistics_cost_ratio_2023"]
    assert r["status"] == "na"
    assert "缺少2020年基期值" in r["reason_zh"] and "2024年数据（14.0%）在目标期2023年之后" in r["reason_zh"]
    assert not any("|000000|" in k for k in r["observation_keys"])
    # * 老字号: 2018 is before the base, 2024 after the deadline → na (see test_assess for the reasoning)
    assert status["time_honoured_brands_2023"] == "na"
    # * no figures for the other open-economy targets
    for tid in ("trade_dependency_2023", "fdi_2023", "outbound_investment_2021_2023", "foreign_contracting_2021_2023",
                "foreign_trade_enterprises_2023", "imports_2023", "imports_growth_2021_2023", "service_trade_2023"):
        assert status[tid] == "na", tid
    for row in rows:
        if row["status"] == "na":
            assert row["reason_zh"] and row["reason_en"] and "数据不足" in row["sentence_zh"]
    # aims without a number are listed, never scored
    assert sorted(k for k, v in status.items() if v == "not_scored") == sorted([
        "xiang_tea_fruit_fungi_industries", "xiang_cuisine_industry", "mobile_coverage_2023",
        "convenience_living_circles", "open_economy_system"])
    # provenance: every key names a stored observation
    assert by_id["retail_sales_2023"]["observation_keys"] == [
        "retail_sales|430000|annual|2020", "retail_sales|430000|annual|2021", "retail_sales|430000|annual|2022"]


def test_cli_table_and_as_of(db_path, capsys):
    assert main(["assess", "--db", str(db_path), "--as-of", "2021-09"]) == 0
    out = capsys.readouterr().out
    assert "符合进度 on_track" in out and "2021-09" in out
    assert "2021年1—9月，全省社会消费品零售总额13322.7亿元，增长19.1%" in out


def test_cli_rejects_a_bad_as_of_and_an_unknown_region(db_path, capsys):
    assert main(["assess", "--db", str(db_path), "--as-of", "2021-13"]) == 2
    assert "as_of" in capsys.readouterr().err
    assert main(["assess", "--db", str(db_path), "--region", "火星市"]) == 2
    assert "unknown region" in capsys.readouterr().err


def test_assess_store_region_shortcut_and_names(db_path):
    with Reader(db_path) as reader:
        by_code = A.assess_store(reader, region="430100", today=TODAY)
        by_name = A.assess_store(reader, region="长沙市", today=TODAY)
        with pytest.raises(ValueError, match="as_of"):
            A.assess_store(reader, as_of="2023-6-31")
    assert set(by_code.region) == {"430100"}
    assert by_code[["target_id", "status"]].equals(by_name[["target_id", "status"]])
    got = dict(zip(by_code.target_id, by_code.status))
    # issue 11: the province's 7000亿元 trade total is not scaled to Changsha (the registry marks trade_total
    # regional_yardstick = false), so Changsha gets no formal 未完成 on a target it never had
    assert "trade_total_2023" not in got
    # official rates 18.2 %, 21.1 %, −14.9 %: (1.182·1.211·0.851)^(1/3) − 1 = 6.8 % < 15 % → missed
    assert got["trade_growth_2021_2023"] == "missed"
    assert "not_scored" not in got.values()  # the province's aims are not repeated for a prefecture


def _fresh_db(tmp_path):
    path = tmp_path / "v.duckdb"
    bootstrap.initialise(path, with_data=False)
    return path


def _csv(*rows):
    head = "indicator,region,period,value,unit,yoy_pct,source,source_url,note,release_date\n"
    return (head + "".join(r + "\n" for r in rows)).encode("utf-8")


def test_vintage_as_of_reproduces_an_earlier_status(tmp_path):
    db = _fresh_db(tmp_path)
    # January 2022 release: 4874.5 → 5988.5, R = 1.78 → on_track
    import_file(db, _csv("trade_total,湖南省,2020,4874.5,亿元,12.3,海关,,,2021-01-20",
                         "trade_total,湖南省,2021,5988.5,亿元,22.6,海关,,,2022-01-20"), "jan.csv", today=TODAY)
    # hypothetical revision in June 2022: 2021 = 5200 → r_obs = 5200/4874.5 − 1 = 6.68 %, R = 0.52 → lagging
    import_file(db, _csv("trade_total,湖南省,2021,5200,亿元,6.7,海关,,,2022-06-30"), "jun.csv", today=TODAY)
    with Reader(db) as reader:
        now = A.assess_store(reader, today=date(2022, 7, 1)).set_index("target_id")
        then = A.assess_store(reader, known_at=datetime(2022, 3, 1), today=date(2022, 3, 1)).set_index("target_id")
        then_str = A.assess_store(reader, known_at="2022-03-01", today=date(2022, 3, 1)).set_index("target_id")
        before = A.assess_store(reader, known_at=date(2021, 6, 1), today=date(2021, 6, 1)).set_index("target_id")
    assert now.loc["trade_total_2023", "status"] == "lagging"
    assert now.loc["trade_total_2023", "latest_value"] == 5200
    assert then.loc["trade_total_2023", "status"] == "on_track"
    assert then.loc["trade_total_2023", "latest_value"] == 5988.5
    assert then_str.loc["trade_total_2023", "status"] == "on_track"
    assert before.loc["trade_total_2023", "status"] == "na"  # only the 2020 base was known in mid-2021
    # the CLI passes --known-at through
    assert main(["assess", "--db", str(db), "--known-at", "2022-03-01", "--json"]) == 0


def test_cli_known_at_must_be_a_date(tmp_path, capsys):
    db = _fresh_db(tmp_path)
    assert main(["assess", "--db", str(db), "--known-at", "last spring"]) == 2
    assert "known_at" in capsys.readouterr().err


# --------------------------------------------------------------------------- the reduction in SQL

@pytest.fixture(scope="module")
def gappy_demo(template_db, tmp_path_factory):
    """The demo at prefecture scale, 2012–2025, with holes: a missing base, no data before or after the
    plan years, a figure with a growth rate only, a region with nothing at all for one indicator."""
    import shutil

    from monitor import demo
    from monitor.db import writer

    path = tmp_path_factory.mktemp("gappy") / "monitor.duckdb"
    shutil.copyfile(template_db, path)
    demo.run_demo(path, "prefectures", (2012, 2025), seed=4)
    with writer(path) as con:
        holes = [
            ("retail_sales", "430100", "year BETWEEN 2017 AND 2020"),           # base and the years before it
            ("time_honoured_brands", "430200", "year <= 2019 OR year >= 2024"),  # nothing outside the window
            ("fdi", "430300", "year >= 2022"),                                   # nothing after 2021
            ("trade_total", "430400", "TRUE"),                                   # no data at all
            ("foreign_trade_enterprises", "430500", "year IN (2018, 2024)"),    # the window's edges
            ("imports", "430600", "year = 2024 AND period_type = 'annual'"),     # a year-to-date figure stands in
            # data only before the plan (a yardstick row that is na and names them): since issue 11 the
            # open-economy totals above are no longer a city's yardstick, so retail sales carries this case
            ("retail_sales", "430200", "year BETWEEN 2020 AND 2023"),
        ]
        for indicator, region, where in holes:
            con.execute(f"DELETE FROM observations WHERE dataset = 'demo' AND indicator_id = ? AND region_code = ?"
                        f" AND ({where})", [indicator, region])
        con.execute("UPDATE observations SET value = NULL WHERE dataset = 'demo' AND indicator_id = 'gdp'"
                    " AND region_code = '430700' AND year = 2018")
        con.execute("UPDATE observations SET value = NULL WHERE dataset = 'demo' AND indicator_id = 'retail_sales'"
                    " AND region_code = '430800' AND year IN (2017, 2018) AND period_type = 'annual'")
    return path


@pytest.mark.parametrize("dataset", ["demo", "official"])
@pytest.mark.parametrize("as_of", [None, "2024", "2022-06", "2021"])
def test_assess_store_reduces_rows_in_sql_without_changing_any_result(gappy_demo, dataset, as_of):
    """assess_store reads per-year rows of the years assessments use (store.assessment_observations);
    the engine on every observation must give exactly the same frame."""
    from monitor import store

    with Reader(gappy_demo) as reader:
        regions = sorted(store.regions(reader).query("code == '430000' or parent_code == '430000'").code)
        targets, indicators = store.targets(reader), store.indicators(reader)
        ids = sorted(targets[targets.target_type != "no_numeric_target"].indicator_id.dropna().unique())
        for chosen in (regions, None):
            reduced = A.assess_store(reader, dataset, as_of=as_of, regions=chosen, today=TODAY)
            codes = sorted(set(targets.region_code) | set(chosen or []))
            everything = store.observations(reader, dataset, indicator_ids=ids, region_codes=codes)
            full = A.assess(targets, everything, as_of=as_of, regions=chosen, today=TODAY, indicators=indicators,
                            region_table=store.regions(reader))
            pd.testing.assert_frame_equal(reduced, full)
            assert len(reduced) and (reduced.status != "na").any()
            if dataset == "demo" and chosen and as_of is None:  # the context of 'na' rows is there
                reasons = " ".join(reduced.reason_en)
                assert "predates the base" in reasons or "is after the target year" in reasons


def test_assessment_observations_are_a_fraction_of_the_rows(gappy_demo):
    from monitor import store

    with Reader(gappy_demo) as reader:
        regions = sorted(store.regions(reader).query("code == '430000' or parent_code == '430000'").code)
        reduced = store.assessment_observations(reader, "demo", ["retail_sales", "gdp"], regions,
                                                windows={"retail_sales": (2020, 2023), "gdp": (2020, 2023)})
        everything = store.observations(reader, "demo", indicator_ids=["retail_sales", "gdp"], region_codes=regions)
    assert 0 < len(reduced) < len(everything) / 5
    assert not reduced.duplicated(["indicator_id", "region_code", "year"]).any()
    assert set(reduced.year) - set(range(2018, 2025))  # the context years of the holes are kept


def test_assess_store_reduction_also_holds_for_what_was_known_at_a_date(gappy_demo):
    from monitor import store

    known = datetime(2023, 5, 1)
    with Reader(gappy_demo) as reader:
        regions = sorted(store.regions(reader).query("code == '430000' or parent_code == '430000'").code)
        targets = store.targets(reader)
        ids = sorted(targets[targets.target_type != "no_numeric_target"].indicator_id.dropna().unique())
        reduced = A.assess_store(reader, "demo", regions=regions, known_at=known, today=TODAY)
        everything = store.observations(reader, "demo", indicator_ids=ids, region_codes=regions, known_at=known)
        full = A.assess(targets, everything, regions=regions, today=TODAY, indicators=store.indicators(reader),
                        region_table=store.regions(reader))
    pd.testing.assert_frame_equal(reduced, full)
    assert (reduced.latest_period.dropna() <= "2023-04").all()
