"""NBS fetch → store, against the loopback fake server: rows land with provenance, a re-fetch adds nothing."""

import hashlib
import json
import shutil
from datetime import date

from monitor import nbs
from monitor.cli import main
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


NBS_ROWS = ("SELECT indicator_id, region_code, period_type, period, value, yoy_pct, unit, source, source_url, vintage "
            "FROM observations WHERE source LIKE '国家统计局 数据发布库%' ORDER BY ALL")


def test_cli_archive_writes_each_raw_response_and_a_replay_into_a_fresh_database_gives_the_same_rows(
        db_path, template_db, tmp_path, nbs_server, monkeypatch):
    monkeypatch.setenv("NBS_BASE_URL", nbs_server.base_url)
    waits = []
    monkeypatch.setattr(nbs.time, "sleep", waits.append)       # the default pacing never really waits
    archive = tmp_path / "archive"
    assert main(["fetch", "nbs", "--db", str(db_path), "--since", "2021", "--archive", str(archive)]) == 0
    assert waits and min(waits) > 0                             # paced (1.5 s + jitter), through the sleeper
    metas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(archive.glob("[0-9]*.json"))]
    api_calls = [r for r in nbs_server.log if r.path != "/dg/website/page.html"]
    assert len(metas) == len(api_calls) > 0                      # every API answer, one file each
    for meta in metas:                                           # raw bytes + request + hash
        raw = (archive / meta["body_file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == meta["sha256"]
    es = [m for m in metas if m["path"].endswith("/stream/esData")]
    assert len(es) == 5 and all(m["method"] == "POST" and m["request_body"]["dts"] for m in es)

    fresh = tmp_path / "fresh.duckdb"
    shutil.copyfile(template_db, fresh)
    before = len(nbs_server.log)
    assert main(["fetch", "nbs", "--db", str(fresh), "--replay", str(archive)]) == 0
    assert len(nbs_server.log) == before                         # no network at all
    with Reader(db_path) as a, Reader(fresh) as b:
        fetched, replayed = a.query_df(NBS_ROWS), b.query_df(NBS_ROWS)
    assert len(fetched) > 300 and fetched.equals(replayed)


def test_a_tampered_archive_is_refused(db_path, tmp_path, nbs_server):
    archive = tmp_path / "archive"
    fetch_and_store(db_path, 2021, client=client_for(nbs_server), today=TODAY, series=["changsha_retail_annual"],
                    archive_dir=archive)
    body = next(archive.glob("*_esData.body"))
    body.write_bytes(body.read_bytes().replace(b"9", b"8"))
    res = nbs.fetch_nbs(2021, client=nbs.replay_client(archive), series=["changsha_retail_annual"], today=TODAY)
    assert res.failures and "哈希" in res.failures[0][2] and "hash" in res.failures[0][2]
