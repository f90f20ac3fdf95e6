"""NBS fetch → store, against the loopback fake server: rows land with provenance, a re-fetch adds nothing."""

from datetime import date

from monitor.db import Reader
from monitor.fetch import fetch_and_store
from monitor.nbs import NbsClient, NbsConfig

TODAY = date(2026, 11, 28)


def client_for(server):
    return NbsClient(NbsConfig(base_url=server.base_url, pace_s=0, timeout=(2, 5)), sleep=lambda s: None,
                     rng=lambda: 0.0)


def test_fetch_stores_rows_with_provenance_and_vintage(db_path, nbs_server):
    first = fetch_and_store(db_path, 2021, client=client_for(nbs_server), today=TODAY)
    assert not first.fetch.failures
    plan = first.result.plan
    # The fake serves synthetic values, so the few national/Hunan periods also in the bundled data come
    # back as revisions (new vintages); everything else is new.
    assert plan.added + plan.revised == len(first.fetch.rows) > 0
    with Reader(db_path) as reader:
        rows = reader.query_df(
            "SELECT indicator_id, region_code, period_type, value, yoy_pct, source, source_url, vintage "
            "FROM observations WHERE source LIKE '国家统计局 数据发布库%'")
    assert len(rows) == plan.added + plan.revised
    assert rows.source_url.str.contains("/dg/website/publicrelease/web/external/").all()
    assert {"000000", "430000", "430100"} <= set(rows.region_code)
    second = fetch_and_store(db_path, 2021, client=client_for(nbs_server), today=TODAY)
    assert second.result.outcome == "no_op"
    assert (second.result.plan.added, second.result.plan.revised) == (0, 0)


def test_missing_values_stay_missing(db_path, nbs_server):
    outcome = fetch_and_store(db_path, 2021, client=client_for(nbs_server), today=TODAY)
    fetched_missing = int(outcome.fetch.rows.value.isna().sum())
    assert fetched_missing > 0  # the fake serves "无" / "" cells
    with Reader(db_path) as reader:
        stored_null, stored_zero = reader.query_rows(
            "SELECT count(*) FILTER (value IS NULL), count(*) FILTER (value = 0) FROM observations "
            "WHERE source LIKE '国家统计局 数据发布库%'")[0]
    assert (stored_null, stored_zero) == (fetched_missing, 0)
