"""Tests for monitor/nbs.py: pure builders/parsers, and fetch_nbs against the loopback fake.

No test reaches the internet: an autouse guard refuses any non-loopback connect(), and every
client points at the fake server. Retries sleep through an injected recorder, so the suite
runs in a few seconds; no assertion depends on wall-clock timing.
"""

from __future__ import annotations

import json
import math
import socket
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import requests

from monitor import nbs
from monitor.nbs import (
    COLUMNS,
    PATH_ESDATA,
    ApiError,
    BadRequest,
    BlockedByWAF,
    EndpointMoved,
    EndpointRetired,
    MalformedResponse,
    NbsClient,
    NbsConfig,
    RateLimited,
    SchemaDrift,
    build_dts,
    build_esdata_request,
    build_index_tree_request,
    build_indicators_request,
    fetch_nbs,
    indicator_label,
    load_registry,
    match_tree_nodes,
    normalize_label,
    parse_esdata,
    parse_period,
    parse_value,
    resolve_fields,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "nbs"
TODAY = date(2026, 11, 28)
CID_RETAIL = "d0cb882c7f27443ab6b3ef9421901961"
ID_CUR, ID_YOY, ID_CUM, ID_CUMG = (
    "1142a3a03e9045959e606a21822641ac", "aaac57d54d2e465d91bc9f3ea1a8618e",
    "260a1794443b43dd93a59928b12f38af", "e3ca151b53d347b78d1e179e5ebf1d33",
)
RETAIL_IDS = [ID_CUR, ID_YOY, ID_CUM, ID_CUMG]
NEW_IDS = ["c7ac997262924badbde80e61623defde", "cc2fa77a5bb64f8da3d63688aa0e2d1b",
           "000aa31f692c4f1796dc4cbcefa6133d", "ad9696b7ff4a49bbb9e0b40374e74ae7"]


def load(name):
    return json.loads((FIX / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    real_connect = socket.socket.connect

    def guarded(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to reach {address!r}; only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.delenv("NBS_BASE_URL", raising=False)
    monkeypatch.delenv("NBS_CA_BUNDLE", raising=False)


@pytest.fixture
def sleeps():
    return []


def make_client(server, sleeps, **cfg):
    cfg.setdefault("pace_s", 0)
    cfg.setdefault("timeout", (2, 5))
    return NbsClient(NbsConfig(base_url=server.base_url, **cfg), sleep=sleeps.append, rng=lambda: 0.0)


@pytest.fixture
def client(nbs_server, sleeps):
    return make_client(nbs_server, sleeps)


def run(client, series=None, since=2021):
    return fetch_nbs(since, client=client, series=series, today=TODAY)


@pytest.fixture
def full(nbs_server, client):
    """A complete fetch of every registry series against the fault-free fake."""
    return run(client)


def rows_of(res, indicator, period_type=None, region=None):
    df = res.rows
    m = df["indicator"] == indicator
    if period_type:
        m &= df["period_type"] == period_type
    if region:
        m &= df["region"] == region
    return df[m].set_index("period")


# --------------------------------------------------------------------------------------
# pure: builders
# --------------------------------------------------------------------------------------


def test_build_dts_list_form_and_tokens():
    assert build_dts("month", (2024, 1), (2026, 8)) == ["202401MM-202608MM"]
    assert build_dts("year", 2021, 2025) == ["2021YY-2025YY"]
    assert build_dts("quarter", (2026, 4)) == ["202604SS"]
    assert build_dts("month", (2026, 7)) == ["202607MM"]
    assert build_dts("year", 2025, 2025) == ["2025YY"]
    assert nbs.period_token("month", 2026, 8) == "202608MM"


@pytest.mark.parametrize("args", [
    ("month", (2024, 13)), ("quarter", (2024, 5)), ("year", (2024, 1)), ("month", 2024),
    ("week", 2024), ("year", 2025, 2021),
])
def test_build_dts_rejects_bad_input(args):
    with pytest.raises(ValueError):
        build_dts(*args)


def test_build_esdata_request_follows_body_rules():
    method, path, params, body = build_esdata_request(
        CID_RETAIL, RETAIL_IDS, [{"text": "全国", "value": "000000"}], ["202401MM-202608MM"],
        "fc982599aa684be7969d7b90b1bd0e84")
    assert (method, path, params) == ("POST", PATH_ESDATA, None)
    assert body == {
        "cid": CID_RETAIL, "indicatorIds": RETAIL_IDS, "daCatalogId": "",
        "das": [{"text": "全国", "value": "000000000000"}], "showType": "1",
        "dts": ["202401MM-202608MM"], "rootId": "fc982599aa684be7969d7b90b1bd0e84",
    }
    _, _, _, body3 = build_esdata_request("c", ["i"], nbs.DAS_PRESETS["provinces"], ["2021YY-2025YY"], "r",
                                          show_type="3")
    assert body3["showType"] == "3" and len(body3["das"]) == 31
    assert {"text": "湖南省", "value": "430000000000"} in body3["das"]


@pytest.mark.parametrize("kwargs, exc", [
    ({"dts": "202401MM-202608MM"}, TypeError),          # string dts is blocked by the WAF
    ({"dts": ["2024-01"]}, ValueError),
    ({"show_type": "2"}, ValueError),                    # latest-period only
    ({"das": [{"text": "x", "value": "4301"}]}, ValueError),
    ({"das": [{"text": "a", "value": "110000"}, {"text": "b", "value": "120000"}]}, ValueError),
    ({"indicator_ids": []}, ValueError),
])
def test_build_esdata_request_rejects_contract_violations(kwargs, exc):
    args = {"cid": "c", "indicator_ids": ["i"], "das": [{"text": "全国", "value": "000000000000"}],
            "dts": ["2021YY"], "root_id": "r"}
    args.update(kwargs)
    show_type = args.pop("show_type", "1")
    with pytest.raises(exc):
        build_esdata_request(args["cid"], args["indicator_ids"], args["das"], args["dts"], args["root_id"],
                             show_type=show_type)


def test_catalogue_request_builders():
    assert build_index_tree_request(6) == ("GET", nbs.PATH_INDEX_TREE, {"pid": "", "code": "6"}, None)
    assert build_indicators_request("abc") == (
        "GET", nbs.PATH_INDICATORS, {"cid": "abc", "dt": "", "name": ""}, None)   # no rootId, as the page
    assert nbs.build_latest_dt_request("c", "r") == ("GET", nbs.PATH_LATEST_DT, {"cid": "c", "rootId": "r"}, None)
    assert nbs.build_das_request("d")[2] == {"daCid": "d"}
    assert nbs.build_da_catalog_request("c")[2] == {"indicatorCid": "c"}
    assert all(p.startswith("/dg/website/publicrelease/web/external/")
               for p in (nbs.PATH_ESDATA, nbs.PATH_ESDATA_ALT, nbs.PATH_INDEX_TREE, nbs.PATH_DAS))


# --------------------------------------------------------------------------------------
# pure: parsers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code, expected", [
    ("202403MM", ("month", 2024, 3)), ("202404SS", ("quarter", 2024, 4)), ("2025YY", ("year", 2025, None)),
    ("202413MM", None), ("202405SS", None), ("2024年3月", None), ("2025A", None), (" 2025YY", ("year", 2025, None)),
    (None, None), (202403, None),
])
def test_parse_period(code, expected):
    assert parse_period(code) == expected


@pytest.mark.parametrize("raw, expected", [
    ("39022.3", Decimal("39022.3")), ("20,340.4", Decimal("20340.4")), ("104300.0\u3000", Decimal("104300.0")),
    ("\xa020510.1", Decimal("20510.1")), ("-2.6", Decimal("-2.6")), (12, Decimal("12")), (1.5, Decimal("1.5")),
    ("", None), ("无", None), ("-", None), ("--", None), ("…", None), (None, None), ("  ", None), ("\u3000", None),
])
def test_parse_value(raw, expected):
    assert parse_value(raw) == expected


@pytest.mark.parametrize("raw", ["n/a", "1.2.3", "NaN", "Infinity", True])
def test_parse_value_rejects_garbage(raw):
    with pytest.raises(ValueError):
        parse_value(raw)


def test_normalize_label():
    assert normalize_label("社会消费品零售总额当期值 (亿元) ") == "社会消费品零售总额当期值(亿元)"
    assert normalize_label("社会消费品零售总额 （亿元） ") == "社会消费品零售总额(亿元)"
    assert normalize_label("国内\u3000贸易\n") == "国内贸易"


def test_parse_esdata_national_fixture():
    payload = load("esdata_national_retail_monthly.json")
    warnings = []
    cells = parse_esdata(payload, RETAIL_IDS, requested_regions=["000000000000"], warnings=warnings)
    assert warnings == []
    assert {c["indicator_id"] for c in cells} == set(RETAIL_IDS)  # 限上 id ignored
    by = {(c["period"], c["indicator_id"]): c for c in cells}
    c = by[("2024-03", ID_CUR)]
    assert c["value"] == Decimal("20430.3") and c["unit"] == "亿元" and c["region_code"] == "000000000000"
    assert c["freq"] == "month" and c["period_code"] == "202403MM"
    assert by[("2023-04", ID_CUR)]["value"] == Decimal("20340.4")    # "20,340.4"
    assert by[("2024-03", ID_CUM)]["value"] == Decimal("104300.0")   # trailing U+3000
    assert by[("2024-11", ID_CUR)]["value"] == Decimal("20510.1")    # leading U+00A0
    assert by[("2024-02", ID_CUR)]["value"] is None and by[("2024-02", ID_CUR)]["raw_value"] == "无"
    assert by[("2022-07", ID_CUR)]["value"] is None                  # "-"
    assert by[("2023-05", ID_CUMG)]["value"] is None                 # "…"
    assert by[("2026-09", ID_CUR)]["value"] is None                  # unpublished ""
    assert by[("2024-01", ID_CUM)]["value"] is None                  # January not published
    assert by[("2024-03", ID_YOY)]["unit"] == "%"


def test_parse_esdata_showtype3_area_fields_and_region_filter():
    payload = load("esdata_province_retail_annual_st3.json")
    warnings = []
    cells = parse_esdata(payload, ["fa6e00000000000000000000000006c1"],
                         requested_regions=["430000000000", "420000000000"], warnings=warnings)
    assert {c["region_code"] for c in cells} == {"430000000000", "420000000000"}
    hunan = {c["period"]: c for c in cells if c["region_code"] == "430000000000"}
    assert hunan["2023"]["value"] == Decimal("4307.3") and hunan["2023"]["region_name"] == "湖南省"
    assert any("not requested" in w for w in warnings)  # the other 29 provinces were dropped, loudly


def test_parse_esdata_edge_cases():
    payload = {"success": True, "state": 20000, "data": [
        {"code": "2026年7月", "name": "bad", "values": [{"_id": "a", "value": "1"}]},
        {"code": "202607MM", "name": "2026年7月", "values": [
            {"_id": "a", "value": "12.5"},                        # no region: the single requested one
            {"_id": "zzz", "value": "99"},                        # not expected
        ]},
        {"code": "202608MM", "name": "2026年8月", "values": [
            {"_id": "a", "value": "n/a", "da": "000000000000"},   # garbage -> missing + warning
        ]},
    ]}
    warnings = []
    cells = parse_esdata(payload, ["a"], requested_regions=["000000000000"], warnings=warnings)
    assert [c["value"] for c in cells] == [Decimal("12.5"), None]
    assert cells[0]["region_code"] == "000000000000"
    assert any("unrecognised code" in w for w in warnings) and any("unparseable" in w for w in warnings)
    assert parse_esdata({"success": True, "data": []}, ["a"]) == []
    with pytest.raises(MalformedResponse):
        parse_esdata({"data": {"oops": 1}}, ["a"])


def test_check_envelope():
    assert nbs.check_envelope({"success": True, "state": 20000, "data": []})
    with pytest.raises(ApiError) as ei:
        nbs.check_envelope(load("envelope_error.json"))
    assert ei.value.state == 40001 and "参数错误" in str(ei.value)
    with pytest.raises(ApiError):
        nbs.check_envelope({"success": True, "state": 50000})
    with pytest.raises(MalformedResponse):
        nbs.check_envelope({"data": []})


def test_match_tree_nodes_with_time_slices():
    nodes = load("tree_code6_level1.json")["data"]
    exact = match_tree_nodes(nodes, "社会消费品零售总额")
    assert [n["_id"] for n in exact] == ["fa6e00000000000000000000000006b1"]
    sliced = match_tree_nodes(nodes + [{"_id": "s3", "name": "社会消费品零售总额(2026-)"}],
                              "社会消费品零售总额", allow_slices=True)
    assert [n["_id"] for n in sliced] == ["fa6e00000000000000000000000006b0",
                                          "fa6e00000000000000000000000006b1", "s3"]
    assert match_tree_nodes(nodes, "国内贸易") == []   # a monthly-tree category, not in the annual tree


REAL = FIX / "real"


def real_tree(key):
    return json.loads((REAL / "tree_cache_subset.json").read_text(encoding="utf-8"))[key]


def test_real_time_slice_names_open_starts_open_ends_and_full_width_are_candidates():
    # Real queryIndexTreeAsync node lists (Logoutx/china-consumer-data-dashboard tree_cache.json).
    cpi = real_tree("1:5b434e4d5e634a39b27a95f8251e9aae")
    got = match_tree_nodes(cpi, "全国居民消费价格分类指数 (上年同月=100)", allow_slices=True)
    assert [n["name"] for n in got] == [
        "全国居民消费价格分类指数 (上年同月=100) (2026-)", "全国居民消费价格分类指数 (上年同月=100) (2021-2025)",
        "全国居民消费价格分类指数 (上年同月=100) (2016-2020) ", "全国居民消费价格分类指数 (上年同月=100) (-2015) "]
    assert [nbs._slice_years(n) for n in got] == [(2026, None), (2021, 2025), (2016, 2020), (None, 2015)]
    ppi = match_tree_nodes(real_tree("1:3c9c459384c74f578f3541b2198aac70"),
                           "分行业工业生产者出厂价格指数 (上年同期=100)", allow_slices=True)
    assert [nbs._slice_years(n) for n in ppi] == [(None, 2025), (2026, None)]
    ind = match_tree_nodes(real_tree("1:f484811113a5470892cb52b00c2b35c2"), "工业分大类行业增加值增长速度",
                           allow_slices=True)
    assert [n["_id"][:8] for n in ind] == ["240338c2", "41f883ee", "f581720f"]
    assert nbs._slice_years(ind[-1]) == (2018, None)                          # '(2018-至今) '
    fai = real_tree("1:c3079d221d2943888b87d47c28abf64e")
    assert [nbs._slice_years(n) for n in match_tree_nodes(fai, "按行业分固定资产投资增速", allow_slices=True)] == [
        (2018, None)]                                                         # '（2018-）' full-width
    assert [nbs._slice_years(n) for n in match_tree_nodes(fai, "按登记注册类型分固定资产投资增速",
                                                          allow_slices=True)] == [(None, 2023), (2024, None)]
    dashes = [{"_id": "x", "name": "社会消费品零售总额（2016－2020） "}, {"_id": "y", "name": "社会消费品零售总额 (2018年-至今)"}]
    assert [nbs._slice_years(n) for n in match_tree_nodes(dashes, "社会消费品零售总额", allow_slices=True)] == [
        (2016, 2020), (2018, None)]


def test_a_leaf_that_looks_like_the_series_but_not_like_a_slice_is_a_warning():
    nodes = real_tree("1:5b434e4d5e634a39b27a95f8251e9aae") + [
        {"_id": "odd", "name": "全国居民消费价格分类指数 (上年同月=100) (按季度) "}]
    warnings = []
    got = match_tree_nodes(nodes, "全国居民消费价格分类指数(上年同月=100)", allow_slices=True, warnings=warnings)
    assert "odd" not in [n["_id"] for n in got] and len(got) == 4
    assert len(warnings) == 1 and "odd" in warnings[0] and "(按季度)" in warnings[0]
    assert "无法识别" in warnings[0] and "not recognised" in warnings[0]


def real_json(name):
    return json.loads((REAL / name).read_text(encoding="utf-8"))


REAL_IND = "indicators_3f2e14f0542348ed9fe02476eca3450b_20261009T052144350900Z.json"
BEIJING_REGISTRY = """schema_version = 1
[series.beijing_{kind}]
database_code = 6
root_id = "c4d82af16c3d4f0cb4f09d4af7d5888e"
cid = "{cid}"
frequency = "year"
das = [{{ text = "北京市", value = "110000000000" }}]
[[series.beijing_{kind}.fields]]
indicator_id = "{ind}"
expected_label = "{label}"
measure = "current_value"
unit = "元"
indicator = "{kind}"
period_type = "annual"
column = "value"
"""


def test_indicator_label_never_falls_back_to_the_concept():
    item = dict(real_json(REAL_IND)["response"]["data"]["list"][0])
    assert indicator_label(item) == "规上工业增加值同比增长 (%) " and item["_name"] == "工业增加值"
    item["i_showname"] = ""
    assert indicator_label(item) == ""          # not "工业增加值", the concept
    spec = nbs.SeriesSpec(name="ind", title="", database_code=1, root_id="r", frequency="month", show_type="1",
                          das=(), fields=(nbs.FieldSpec("工业增加值", "yoy", "%", "x", "month", "yoy_pct"),),
                          tree_path=("x",))
    with pytest.raises(SchemaDrift):
        resolve_fields(spec, "3f2e14f0542348ed9fe02476eca3450b", [item])


def test_synthetic_fixtures_have_the_real_recordings_shape():
    real_item = real_json("beijing_2024_income.json")["data"][0]["values"][0]
    real_ind = real_json(REAL_IND)["response"]["data"]["list"][0]
    dp_names = set()
    for name in ("national_retail_monthly", "online_retail_old", "online_retail_2026", "city_retail_annual",
                 "province_retail_annual"):
        ind = load(f"indicators_{name}.json")["data"]["list"]
        assert all(set(real_ind) <= set(i) for i in ind), name
        dp_names |= {i["dp_name"] for i in ind}
        assert all(i["_name"] != i["i_showname"].strip() for i in ind if "(" in i["i_showname"]), name
    assert dp_names == {"本期", "本期累计", "同比增减%", "累计同比增减%"}
    for name in ("national_retail_monthly", "city_retail_annual"):
        items = [v for b in load(f"esdata_{name}.json")["data"] for v in b["values"]]
        assert all(list(v) == list(real_item) for v in items), name   # same fields, same order


def test_real_esdata_recordings_replay_through_the_fake_with_the_recorded_request_body(
        client, nbs_server, tmp_path):
    for kind, cid, ind, label, value in (
            ("income", "5c072e1073514e448de4132760308fcf", "dd28563a8af84935bc8a010abf8b772c",
             "城镇居民人均可支配收入(元)", 92464.0),
            ("consumption", "7dbebcca62794c4da2b9ef9813d14564", "6515d6841f0e4344951fff13d4e01b07",
             "城镇居民人均消费支出(元)", 53214.0)):
        p = tmp_path / f"{kind}.toml"
        p.write_text(BEIJING_REGISTRY.format(kind=kind, cid=cid, ind=ind, label=label), encoding="utf-8")
        res = fetch_nbs(2024, client=client, registry=load_registry(p), today=TODAY)
        assert res.failures == [] and res.warnings == []
        (row,) = res.rows.to_dict("records")
        assert (row["indicator"], row["region"], row["period"], row["period_type"], row["value"], row["unit"]) == (
            kind, "110000", "2024", "annual", value, "元")
        sent = nbs_server.requests_to("/stream/esData")[-1].json
        assert sent == real_json(f"beijing_2024_{kind}.source.json")["request_json"]  # identical body
    cells = parse_esdata(real_json("beijing_2024_income.json"), ["dd28563a8af84935bc8a010abf8b772c"],
                         requested_regions=["110000000000"])
    assert cells[0]["label"] == "城镇居民人均可支配收入 (元) " and cells[0]["value"] == Decimal("92464")


INCOME_ID = "dd28563a8af84935bc8a010abf8b772c"
INCOME_CID = "5c072e1073514e448de4132760308fcf"


def _income(**changes):
    doc = real_json("beijing_2024_income.json")
    item = doc["data"][0]["values"][0]
    doc["data"][0]["values"].append(dict(item, **changes))
    return doc


def test_each_value_must_match_the_request_catalog_unit_region_and_period():
    ok = dict(expected_cid=INCOME_CID, expected_units={INCOME_ID: "元"}, requested_dts=["2024YY"],
              requested_regions=["110000000000"])
    real = real_json("beijing_2024_income.json")
    assert [c["value"] for c in parse_esdata(real, [INCOME_ID], **ok)] == [Decimal("92464")]
    for changes, what in (({"catalogid": "7dbebcca62794c4da2b9ef9813d14564"}, "catalog"),
                          ({"du_name": "万元"}, "unit"), ({"da": "120000000000", "da_name": "天津市"}, "region")):
        doc = real_json("beijing_2024_income.json")
        doc["data"][0]["values"][0].update(changes)
        warnings = []
        assert parse_esdata(doc, [INCOME_ID], warnings=warnings, **ok) == [], what
        assert len(warnings) == 1 and ("丢弃了" in warnings[0] or "not requested" in warnings[0]), what
    doc = real_json("beijing_2024_income.json")
    doc["data"][0]["code"] = "2023YY"                                  # a period that was not asked for
    warnings = []
    assert parse_esdata(doc, [INCOME_ID], warnings=warnings, **ok) == []
    assert "period: got 2023YY, requested 2024YY" in warnings[0]


def test_two_different_values_for_one_cell_leave_it_unresolved_never_last_one_wins():
    warnings = []
    cells = parse_esdata(_income(value="92465"), [INCOME_ID], requested_regions=["110000000000"],
                         warnings=warnings)
    assert len(cells) == 1 and cells[0]["value"] is None and cells[0]["conflict"] is True
    assert warnings == [nbs._bi("nbs.conflicting_values", period="2024YY", indicator=INCOME_ID,
                                region="110000000000", first="92464", second="92465")]
    assert "两个不同的值" in warnings[0] and "two different values for one cell" in warnings[0]
    same = parse_esdata(_income(), [INCOME_ID], requested_regions=["110000000000"], warnings=warnings)
    assert [c["value"] for c in same] == [Decimal("92464")]             # an identical repeat agrees


def test_a_conflicting_cell_reaches_the_user_as_a_warning_and_no_value(client, nbs_server, tmp_path):
    nbs_server.datasets[INCOME_CID] = _income(value="92465")
    p = tmp_path / "income.toml"
    p.write_text(BEIJING_REGISTRY.format(kind="income", cid=INCOME_CID, ind=INCOME_ID,
                                         label="城镇居民人均可支配收入(元)"), encoding="utf-8")
    res = fetch_nbs(2024, client=client, registry=load_registry(p), today=TODAY)
    assert res.failures == [] and res.rows.empty                      # neither 92464 nor 92465 stored
    assert any("92464 与 92465" in w and "92464 and 92465" in w for w in res.warnings)


def test_real_catalogue_and_indicator_recordings_resolve_a_monthly_series(client, nbs_server, tmp_path):
    p = tmp_path / "ind.toml"
    p.write_text("""schema_version = 1
[series.industry]
database_code = 1
root_id = "fc982599aa684be7969d7b90b1bd0e84"
tree_path = ["工业", "规上工业增加值增长速度"]
frequency = "month"
das = [{ text = "全国", value = "000000000000" }]
[[series.industry.fields]]
expected_label = "规上工业增加值同比增长(%)"
measure = "yoy"
unit = "%"
indicator = "industry_value_added"
period_type = "month"
column = "yoy_pct"
""", encoding="utf-8")
    nbs_server.faults.no_latest_dt = True
    res = fetch_nbs(2025, client=client, registry=load_registry(p), today=TODAY)
    assert res.failures == []
    body = nbs_server.requests_to("/stream/esData")[0].json   # (no recorded data: a source gap, retried)
    assert any("source gap" in w for w in res.warnings)
    assert body["cid"] == "3f2e14f0542348ed9fe02476eca3450b"                   # the real leaf
    assert body["indicatorIds"] == ["ef1b1765960d45a29b4d7c4ca91be916"]        # its real indicator
    assert body["rootId"] == "fc982599aa684be7969d7b90b1bd0e84"


# --------------------------------------------------------------------------------------
# registry and label resolution
# --------------------------------------------------------------------------------------


def test_registry_loads_and_covers_the_brief():
    reg = load_registry()
    assert set(reg) == {"national_retail_monthly", "national_online_retail_old", "national_online_retail_2026",
                        "provincial_retail_annual", "changsha_retail_annual"}
    retail = reg["national_retail_monthly"]
    assert [f.indicator_id for f in retail.fields] == RETAIL_IDS
    assert [(f.measure, f.period_type, f.column) for f in retail.fields] == [
        ("current_value", "month", "value"), ("yoy", "month", "yoy_pct"),
        ("cumulative_value", "ytd", "value"), ("cumulative_growth", "ytd", "yoy_pct")]
    prov = reg["provincial_retail_annual"]
    assert prov.cid is None and prov.tree_path == ("社会消费品零售总额",)   # a top-level leaf
    assert prov.show_type == "3" and len(prov.das) == 31 and prov.root_id == "c4d82af16c3d4f0cb4f09d4af7d5888e"
    new = reg["national_online_retail_2026"]
    # known ids from other clients' live enumeration (issue 15), pinned per field
    assert [(f.indicator, f.measure, f.indicator_id) for f in new.fields] == [
        ("online_goods_services_retail", "cumulative_value", NEW_IDS[0]),
        ("online_goods_services_retail", "cumulative_growth", NEW_IDS[1]),
        ("online_goods_retail", "cumulative_value", NEW_IDS[2]),
        ("online_goods_retail", "cumulative_growth", NEW_IDS[3])]
    assert [(f.indicator, f.measure, f.indicator_id) for f in reg["national_online_retail_old"].fields][2:] == [
        ("physical_online_retail", "cumulative_value", "05fbe85e09c842098509c6b29481ab0c"),
        ("physical_online_retail", "cumulative_growth", "f12bf45bdfbb47b18147406246c787a7")]
    assert not any(f.candidate_ids for s in reg.values() for f in s.fields)
    assert {f.indicator for f in new.fields} == {"online_goods_services_retail", "online_goods_retail"}
    assert {f.indicator for f in reg["national_online_retail_old"].fields} == {"online_retail",
                                                                               "physical_online_retail"}
    city = reg["changsha_retail_annual"]
    assert city.das == ({"text": "长沙市", "value": "430100000000"},) and city.database_code == 8


def test_registry_validation(tmp_path):
    good = (Path(nbs.REGISTRY_PATH)).read_text(encoding="utf-8")
    bad = good.replace('measure = "yoy"\nunit = "%"\nindicator = "retail_sales"\nperiod_type = "month"\n'
                       'column = "yoy_pct"', 'measure = "yoy"\nunit = "%"\nindicator = "retail_sales"\n'
                       'period_type = "month"\ncolumn = "value"')
    assert bad != good
    p = tmp_path / "r.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match="feeds"):
        load_registry(p)


def test_resolve_fields_by_label_and_drift():
    reg = load_registry()
    new = reg["national_online_retail_2026"]
    items = load("indicators_online_retail_2026.json")["data"]["list"]
    resolved = resolve_fields(new, "cid", items)
    assert [r.indicator_id for r in resolved] == NEW_IDS  # fixture assignment
    # swapped meanings: a pinned id whose label changed is drift, quoted, never silently re-mapped
    swapped = [dict(i) for i in items]
    swapped[0]["i_showname"], swapped[3]["i_showname"] = swapped[3]["i_showname"], swapped[0]["i_showname"]
    with pytest.raises(SchemaDrift, match="网上商品零售额累计增长"):
        resolve_fields(new, "cid", swapped)
    with pytest.raises(SchemaDrift, match="not listed"):
        resolve_fields(new, "cid", items[1:])
    retail = reg["national_retail_monthly"]
    r_items = load("indicators_national_retail_monthly.json")["data"]["list"]
    assert [r.indicator_id for r in resolve_fields(retail, CID_RETAIL, r_items)] == RETAIL_IDS
    drifted = [dict(i, i_showname="社会消费品零售总额当月值(亿元)") if i["_id"] == ID_CUR else i for i in r_items]
    with pytest.raises(SchemaDrift, match="当月值"):
        resolve_fields(retail, CID_RETAIL, drifted)


# --------------------------------------------------------------------------------------
# fetch_nbs against the fake: the happy path and the rows contract
# --------------------------------------------------------------------------------------


def test_full_fetch_succeeds(full):
    assert full.failures == []
    assert full.core_failures == []
    assert len(full.rows) == 56 + 62 + 55 * 2 + 7 * 2 + 5 + 153


def test_rows_contract_columns_and_dtypes(full):
    df = full.rows
    assert list(df.columns) == list(COLUMNS)
    assert df["value"].dtype == "float64" and df["yoy_pct"].dtype == "float64"
    for col in set(COLUMNS) - {"value", "yoy_pct"}:
        assert pd.api.types.is_string_dtype(df[col]), col
        assert df[col].notna().all(), col
    assert df["region"].str.fullmatch(r"\d{6}").all()
    assert set(df["period_type"]) == {"annual", "ytd", "month"}
    annual = df["period_type"] == "annual"
    assert df.loc[annual, "period"].str.fullmatch(r"\d{4}").all()
    assert df.loc[~annual, "period"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert (df["quote"] == "").all()
    assert set(df["status"]) == {"", "preliminary"}
    assert df["source"].str.startswith("国家统计局 数据发布库 (cid=").all()
    assert not df.duplicated(["indicator", "region", "period_type", "period"]).any()
    ts = datetime.fromisoformat(df["fetched_at"].iloc[0])
    assert ts.utcoffset().total_seconds() == 0


def test_value_and_growth_share_one_row(full):
    month = rows_of(full, "retail_sales", "month", "000000")
    assert month.loc["2024-03", "value"] == pytest.approx(20430.3)
    assert month.loc["2024-03", "yoy_pct"] == pytest.approx(5.03)
    assert month.loc["2023-04", "value"] == pytest.approx(20340.4)
    assert month.loc["2024-11", "value"] == pytest.approx(20510.1)
    ytd = rows_of(full, "retail_sales", "ytd", "000000")
    assert ytd.loc["2024-03", "value"] == pytest.approx(104300.0)
    assert ytd.loc["2024-03", "yoy_pct"] == pytest.approx(5.23)
    assert ytd.loc["2024-03", "unit"] == "亿元"
    note = json.loads(ytd.loc["2024-03", "note"])
    assert note == {"cid": CID_RETAIL, "indicator_id": ID_CUM, "root_id": "fc982599aa684be7969d7b90b1bd0e84",
                    "yoy_indicator_id": ID_CUMG, "da": "000000000000"}
    assert ytd.loc["2024-03", "source"] == (f"国家统计局 数据发布库 (cid={CID_RETAIL}, indicator={ID_CUM}, "
                                            f"yoy_indicator={ID_CUMG})")
    assert ytd.loc["2024-03", "source_url"].endswith("/dg/website/publicrelease/web/external/stream/esData")


def test_missing_cells_are_nan_never_zero(full):
    month = rows_of(full, "retail_sales", "month", "000000")
    assert math.isnan(month.loc["2022-07", "value"]) and month.loc["2022-07", "yoy_pct"] == pytest.approx(3.07)
    assert math.isnan(month.loc["2025-06", "yoy_pct"]) and month.loc["2025-06", "value"] == pytest.approx(20560.6)
    ytd = rows_of(full, "retail_sales", "ytd", "000000")
    assert math.isnan(ytd.loc["2023-05", "yoy_pct"]) and ytd.loc["2023-05", "value"] == pytest.approx(103500.0)
    assert not (full.rows["value"] == 0).any() and not (full.rows["yoy_pct"] == 0).any()
    # all-missing slots (unpublished placeholders, 无) produce no rows at all
    prov = rows_of(full, "retail_sales", "annual")
    assert "2023" not in prov[prov["region"] == "460000"].index      # 海南 2023 ""
    assert "2024" not in prov[prov["region"] == "540000"].index      # 西藏 2024 无
    assert "2026-09" not in month.index


def test_january_rule(full):
    df = full.rows
    monthly = df[df["period_type"] != "annual"]
    assert not monthly["period"].str.endswith("-01").any()
    month = rows_of(full, "retail_sales", "month", "000000")
    ytd = rows_of(full, "retail_sales", "ytd", "000000")
    assert "2024-02" not in month.index                            # no separate Feb (or Jan) month
    assert ytd.loc["2024-02", "value"] == pytest.approx(104200.0)  # Jan–Feb cumulative
    assert ytd.loc["2024-02", "yoy_pct"] == pytest.approx(5.22)
    assert len(month) == 56 and len(ytd) == 62


def test_january_values_are_kept_where_present():
    spec = load_registry()["national_retail_monthly"]
    fields = {f.indicator_id: f for f in spec.fields}

    def cell(period_code, ind, value):
        freq, year, sub = parse_period(period_code)
        return {"period_code": period_code, "freq": freq, "year": year, "sub": sub,
                "period": nbs.format_period(freq, year, sub), "indicator_id": ind, "label": "",
                "value": None if value is None else Decimal(value), "raw_value": value, "unit": "亿元",
                "region_code": "000000000000", "region_name": "全国", "field": fields[ind], "cid": CID_RETAIL,
                "root_id": "r", "source_url": "u"}

    warnings = []
    rows = nbs.assemble_rows(spec, [cell("201101MM", ID_CUR, "15249.0"), cell("201101MM", ID_CUM, "15249.0"),
                                    cell("202401MM", ID_CUR, None), cell("202401MM", ID_CUM, None)],
                             since_year=2011, fetched_at="2026-11-28T00:00:00+00:00", warnings=warnings)
    got = {(r["period_type"], r["period"]): r["value"] for r in rows}
    assert got == {("month", "2011-01"): 15249.0, ("ytd", "2011-01"): 15249.0}   # 2024-01 empty: no row
    assert not any("January" in w for w in warnings)


def test_overlapping_leaves_with_different_values_leave_the_row_unresolved():
    spec = load_registry()["national_retail_monthly"]
    cum = next(f for f in spec.fields if f.indicator_id == ID_CUM)
    growth = next(f for f in spec.fields if f.indicator_id == ID_CUMG)
    base = {"period_code": "202403MM", "freq": "month", "year": 2024, "sub": 3, "period": "2024-03", "label": "",
            "unit": "亿元", "region_code": "000000000000", "region_name": "全国", "root_id": "r", "source_url": "u"}
    cells = [dict(base, indicator_id=ID_CUM, value=Decimal("104300.0"), raw_value="104300.0", field=cum, cid="leaf1"),
             dict(base, indicator_id="other", value=Decimal("104301.0"), raw_value="104301.0", field=cum, cid="leaf2"),
             dict(base, indicator_id=ID_CUMG, value=Decimal("5.2"), raw_value="5.2", field=growth, cid="leaf1")]
    warnings = []
    (row,) = nbs.assemble_rows(spec, cells, since_year=2024, fetched_at="t", warnings=warnings)
    assert math.isnan(row["value"]) and row["yoy_pct"] == pytest.approx(5.2)
    assert any("104300.0 与 104301.0" in w for w in warnings)


def test_preliminary_marks_latest_period_only(full):
    df = full.rows
    prelim = df[df["status"] == "preliminary"]
    got = set(zip(prelim["indicator"], prelim["region"], prelim["period_type"], prelim["period"]))
    assert ("retail_sales", "000000", "month", "2026-08") in got
    assert ("retail_sales", "000000", "ytd", "2026-08") in got
    assert ("online_retail", "000000", "ytd", "2025-12") in got
    assert ("retail_sales", "430100", "annual", "2025") in got
    assert ("retail_sales", "430000", "annual", "2025") in got
    assert len(got) == len(df.groupby(["indicator", "region", "period_type"]))


def test_online_definitions_are_separate_never_spliced(full):
    old = rows_of(full, "online_retail", "ytd")
    assert old.index.min() == "2021-02" and old.index.max() == "2025-12" and len(old) == 55
    assert old.loc["2024-03", "value"] == pytest.approx(56300.5)
    assert old.loc["2024-03", "yoy_pct"] == pytest.approx(16.03)
    phys = rows_of(full, "physical_online_retail", "ytd")
    assert phys.loc["2024-03", "value"] == pytest.approx(46300.5)
    assert phys.loc["2024-03", "yoy_pct"] == pytest.approx(26.03)
    new = rows_of(full, "online_goods_services_retail", "ytd")
    assert list(new.index) == [f"2026-{m:02d}" for m in range(2, 9)]
    assert new.loc["2026-05", "value"] == pytest.approx(70500.7)
    assert new.loc["2026-05", "yoy_pct"] == pytest.approx(7.05)
    goods = rows_of(full, "online_goods_retail", "ytd")
    assert goods.loc["2026-05", "value"] == pytest.approx(60500.6)
    assert json.loads(new.loc["2026-05", "note"])["cid"] == "ce144b3caaf9498aabcc713e671c1f33"
    assert not (old.index >= "2026").any()


def test_provincial_annual_via_tree_walk(full, nbs_server):
    prov = full.rows[(full.rows["indicator"] == "retail_sales") & (full.rows["period_type"] == "annual")
                     & (full.rows["region"] != "430100")]
    assert prov["region"].nunique() == 31 and len(prov) == 153
    hunan = prov[prov["region"] == "430000"].set_index("period")
    assert list(hunan.index) == ["2021", "2022", "2023", "2024", "2025"]
    assert hunan.loc["2023", "value"] == pytest.approx(4307.3) and math.isnan(hunan.loc["2023", "yoy_pct"])
    note = json.loads(hunan.loc["2023", "note"])
    assert note["cid"] == "fa6e00000000000000000000000006b1"          # the leaf found by label
    assert note["indicator_id"] == "fa6e00000000000000000000000006c1"  # the indicator found by label
    assert note["root_id"] == "c4d82af16c3d4f0cb4f09d4af7d5888e" and note["da"] == "430000000000"
    assert note["path"] == "社会消费品零售总额"                       # the catalogue path actually used
    assert not any("path" in w for w in full.warnings)                # the registered path worked
    # the time-sliced (-2015) leaf was skipped; the data request used showType 3 + 31 das
    bodies = [r.json for r in nbs_server.requests_to("/stream/esData") if r.json["cid"].startswith("fa6e")]
    assert len(bodies) == 1 and bodies[0]["showType"] == "3" and len(bodies[0]["das"]) == 31
    assert bodies[0]["dts"] == ["2021YY-2025YY"]


def test_changsha_annual(full):
    cs = rows_of(full, "retail_sales", "annual", "430100")
    assert list(cs.index) == ["2021", "2022", "2023", "2024", "2025"]
    assert cs.loc["2023", "value"] == pytest.approx(9477.1) and cs.loc["2023", "unit"] == "亿元"


def test_requests_speak_the_real_protocol(full, nbs_server):
    data_reqs = nbs_server.requests_to("/stream/esData")
    assert len(data_reqs) == 5
    for r in data_reqs:
        assert r.method == "POST"
        assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert "Chrome/" in r.headers["User-Agent"] and not r.headers["User-Agent"].startswith("python")
        assert r.headers["Origin"] == nbs_server.base_url
        assert r.headers["Referer"].startswith(nbs_server.base_url + "/dg/website/page.html")
        assert r.headers["Accept"].startswith("application/json")
        assert "wzws_cid=warm" in r.headers.get("Cookie", "")            # warm-up cookie kept
        b = r.json
        assert isinstance(b["dts"], list) and b["daCatalogId"] == "" and b["showType"] in ("1", "3")
        assert all(len(d["value"]) == 12 and d["text"] for d in b["das"]) and b["rootId"]
    retail = next(r.json for r in data_reqs if r.json["cid"] == CID_RETAIL)
    # never past the latest published period (queryDtByCid: 202608MM), not the calendar month
    assert retail["dts"] == ["202101MM-202608MM"] and retail["indicatorIds"] == RETAIL_IDS
    assert len(nbs_server.requests_to("/new/queryDtByCid")) == 5
    assert len(nbs_server.requests_to("/dg/website/page.html")) == 1     # one warm-up
    ind = nbs_server.requests_to("/new/queryIndicatorsByCid")
    assert len(ind) == 5                                                 # every series confirmed ...
    assert all(r.query == {"cid": r.query["cid"], "dt": "", "name": ""} for r in ind)  # ... as the page asks


def test_since_the_current_year_sends_no_lone_future_period(client, nbs_server):
    # today 2026-11-28; the portal's latest annual period is 2025 -> "2026YY" would get a 500
    res = run(client, series=CS, since=2026)
    assert res.failures == [] and res.rows.empty
    assert nbs_server.requests_to("/stream/esData") == []
    (msg,) = [w for w in res.warnings if "2026" in w]
    assert "门户尚无 2026 年及以后的数据" in msg and "the portal has no data for 2026 or later yet" in msg
    assert "2025年" in msg                                                   # the latest published


def test_without_a_latest_period_requests_stop_at_the_last_finished_period(client, nbs_server):
    nbs_server.faults.no_latest_dt = True
    res = run(client, series=["national_retail_monthly", "changsha_retail_annual"])
    assert res.failures == []
    dts = {r.json["cid"]: r.json["dts"] for r in nbs_server.requests_to("/stream/esData")}
    assert dts == {CID_RETAIL: ["202101MM-202610MM"], "e4703d312cd44d498c168a10d2337f4a": ["2021YY-2025YY"]}


def test_a_500_for_unpublished_periods_is_worded_as_no_data(client, nbs_server):
    client.query_latest_dt("e4703d312cd44d498c168a10d2337f4a", "2d06bab01494417e9052ef0f8d93e23e")
    with pytest.raises(nbs.NoDataForPeriods) as ei:
        client.es_data(_body(dts=["2026YY"]))
    msg = str(ei.value)
    assert "门户没有所请求时期的数据" in msg and "the portal has no data for 2026YY" in msg and "2025年" in msg
    assert len(nbs_server.requests_to("/stream/esData")) == 1                # not retried
    with pytest.raises(BadRequest) as ei:                                    # a real malformed body stays so
        client.es_data(_body(showType=...))
    assert not isinstance(ei.value, nbs.NoDataForPeriods)


def test_series_selection_and_validation(client):
    res = run(client, series=["changsha_retail_annual"])
    assert set(res.rows["region"]) == {"430100"} and res.failures == []
    with pytest.raises(ValueError, match="unknown NBS series"):
        run(client, series=["nope"])
    with pytest.raises(ValueError):
        run(client, since=1900)


def test_empty_result_keeps_the_contract(client, nbs_server):
    nbs_server.faults.hidden_ids = {"06eac78eee1c4eac9fcaeb0e8b5b108d"}
    res = run(client, series=["changsha_retail_annual"])
    assert res.rows.empty and list(res.rows.columns) == list(COLUMNS)
    assert res.rows["value"].dtype == "float64"


def test_env_base_url(nbs_server, monkeypatch):
    assert NbsConfig().base_url == "https://data.stats.gov.cn"
    assert NbsConfig().timeout == (5, 30) and NbsConfig().verify is True and NbsConfig().pace_s == 1.5
    monkeypatch.setenv("NBS_BASE_URL", nbs_server.base_url + "/")
    monkeypatch.setenv("NBS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    cfg = NbsConfig(pace_s=0)
    assert cfg.base_url == nbs_server.base_url and cfg.verify == "/etc/ssl/certs/ca-certificates.crt"
    res = fetch_nbs(2021, client=NbsClient(NbsConfig(pace_s=0), sleep=lambda s: None), series=["changsha_retail_annual"], today=TODAY)
    assert len(res.rows) == 5


def test_pacing_between_calls(nbs_server, sleeps):
    c = NbsClient(NbsConfig(base_url=nbs_server.base_url, pace_s=0.6, pace_jitter_s=0), sleep=sleeps.append,
                  clock=lambda: 100.0)
    c.query_index_tree(6)
    c.query_index_tree(6)
    assert sleeps == [0.6, 0.6]  # warm-up, then two paced calls (the fake clock never advances)


def test_default_pacing_is_at_least_1_5_s_with_jitter(nbs_server, sleeps):
    cfg = NbsConfig(base_url=nbs_server.base_url)
    assert cfg.pace_s >= 1.5 and cfg.pace_jitter_s > 0 and cfg.block_backoff_s >= 30
    draws = iter([0.0, 0.5, 1.0])
    c = NbsClient(cfg, sleep=sleeps.append, clock=lambda: 100.0, rng=lambda: next(draws))
    c.query_index_tree(6)
    c.query_index_tree(6)
    c.query_index_tree(6)
    assert sleeps == [1.5, 2.0, 2.5]   # 1.5 s + 0..1 s jitter; never a real wait (injected sleeper)


def test_a_block_is_followed_by_a_pause_of_30_s_or_more(client, nbs_server, sleeps):
    nbs_server.faults.html = 1
    res = run(client, series=CS)
    assert res.failures == [] and len(res.rows) == 5
    assert [s for s in sleeps if s >= 30] == [30.0]            # rng 0 -> exactly the base pause
    nbs_server.faults.block_python_ua = True
    sleeps.clear()
    c = NbsClient(NbsConfig(base_url=nbs_server.base_url, pace_s=0, user_agent="python-requests/2"),
                  sleep=sleeps.append, rng=lambda: 1.0)
    with pytest.raises(BlockedByWAF):
        c.query_index_tree(6)
    assert sleeps == [37.5]                                    # 30 s + 25 % jitter, then given up


def test_referer_names_the_page_route_of_the_database(full, nbs_server):
    referers = {r.json["cid"]: r.headers["Referer"] for r in nbs_server.requests_to("/stream/esData")}
    page = nbs_server.base_url + "/dg/website/page.html#/pc/national/"
    assert referers[CID_RETAIL] == page + "monthData"
    assert referers["fa6e00000000000000000000000006b1"] == page + "fsYearData"
    assert referers["e4703d312cd44d498c168a10d2337f4a"] == page + "mainYearData"


# --------------------------------------------------------------------------------------
# the fake enforces the contract
# --------------------------------------------------------------------------------------


def _body(**over):
    b = build_esdata_request("e4703d312cd44d498c168a10d2337f4a", ["06eac78eee1c4eac9fcaeb0e8b5b108d"],
                             [{"text": "长沙市", "value": "430100000000"}], ["2021YY-2025YY"],
                             "2d06bab01494417e9052ef0f8d93e23e")[3]
    b.update(over)
    return {k: v for k, v in b.items() if v is not ...}


def test_fake_missing_showtype_is_500_bad_request_not_retried(client, nbs_server):
    with pytest.raises(BadRequest, match="showType"):
        client.es_data(_body(showType=...))
    assert len(nbs_server.requests_to("/stream/esData")) == 1


def test_fake_string_dts_gets_waf_html(client, nbs_server):
    with pytest.raises(BlockedByWAF):
        client.es_data(_body(dts="2021YY-2025YY"))
    assert len(nbs_server.requests_to("/stream/esData")) == 2               # retried once ...
    assert len(nbs_server.requests_to("/dg/website/page.html")) == 2        # ... after a warm-up


def test_fake_empty_dts_returns_default_window(client):
    data = client.es_data(_body(dts=""))
    assert len(data.payload["data"]) == 10
    data = client.es_data(_body(dts=...))
    assert len(data.payload["data"]) == 10
    retail = build_esdata_request(CID_RETAIL, RETAIL_IDS, [{"text": "全国", "value": "000000000000"}],
                                  ["202601MM"], "r")[3]
    retail["dts"] = ""
    blocks = client.es_data(retail).payload["data"]
    assert len(blocks) == 13 and blocks[0]["code"] == "202609MM"            # includes the placeholder


def test_fake_dacatalogid_serves_beijing_and_parser_drops_it(client):
    resp = client.es_data(_body(daCatalogId="5772e42228f948149cf5d6a11d07bce1"))
    regions = {v["da"] for b in resp.payload["data"] for v in b["values"]}
    assert regions == {"110000000000"}
    warnings = []
    assert parse_esdata(resp.payload, ["06eac78eee1c4eac9fcaeb0e8b5b108d"],
                        requested_regions=["430100000000"], warnings=warnings) == []
    assert any("daCatalogId" in w for w in warnings)


def test_fake_requires_json_content_type(nbs_server):
    r = requests.post(nbs_server.base_url + PATH_ESDATA, data=json.dumps(_body()),
                      headers={"Content-Type": "text/plain", "User-Agent": "Mozilla/5.0"})
    assert r.status_code == 415
    r = requests.post(nbs_server.base_url + PATH_ESDATA, json=_body(), headers={"User-Agent": "Mozilla/5.0"})
    assert r.status_code == 200 and r.json()["success"] is True


def test_fake_blocks_python_requests_ua(nbs_server, sleeps):
    nbs_server.faults.block_python_ua = True
    ok = make_client(nbs_server, sleeps)
    assert run(ok, series=["changsha_retail_annual"]).failures == []
    bad = make_client(nbs_server, sleeps, user_agent="python-requests/2.34.2")
    res = run(bad, series=["changsha_retail_annual"])
    assert res.failures and res.failures[0][:2] == ("changsha_retail_annual", "BlockedByWAF")
    assert "User-Agent" in res.failures[0][2]


def test_legacy_easyquery_is_retired(client, nbs_server):
    with pytest.raises(EndpointRetired, match="UrlACL"):
        client.call(("POST", "/easyquery.htm", None, {"m": "QueryData"}))
    assert len(nbs_server.requests_to("/easyquery.htm")) == 1               # never retried
    r = requests.post(nbs_server.base_url + "/easyquery.htm", data={"m": "QueryData", "dbcode": "hgyd"})
    assert r.status_code == 403 and "reason:UrlACL" in r.text


def test_catalogue_endpoints(client):
    assert client.query_index_tree(6)[0]["_id"] == "c4d82af16c3d4f0cb4f09d4af7d5888e"
    assert client.query_latest_dt(CID_RETAIL, "r") == {"dt_all": "202608MM", "dt_name": "2026年8月"}
    cats = client.query_da_catalogs("fa6e00000000000000000000000006b1")
    das = client.query_das(cats[0]["_id"])
    assert len(das) == 31 and {"name_value": "430000000000", "show_name": "湖南省"}.items() <= das[17].items()


# --------------------------------------------------------------------------------------
# faults
# --------------------------------------------------------------------------------------

CS = ["changsha_retail_annual"]


def test_read_timeout_then_recovery(nbs_server, sleeps):
    nbs_server.faults.latency_s, nbs_server.faults.latency_times = 5.0, 1
    c = make_client(nbs_server, sleeps, timeout=(2, 0.3))
    res = run(c, series=CS)
    assert res.failures == [] and len(res.rows) == 5
    assert sleeps == [0.5]


def test_persistent_timeouts_raise_source_unavailable(nbs_server, sleeps):
    nbs_server.faults.latency_s, nbs_server.faults.latency_times = 5.0, 99
    c = make_client(nbs_server, sleeps, timeout=(2, 0.2))
    res = run(c, series=CS)
    assert res.rows.empty
    name, cls, msg = res.failures[0]
    assert (name, cls) == ("changsha_retail_annual", "SourceUnavailable") and "retry later" in msg
    assert sleeps == [0.5, 1.0, 2.0]                      # backoff 0.5/1/2 (jitter drawn as 0)
    assert len(nbs_server.requests_to("/stream/esData")) == 4


def test_backoff_jitter(nbs_server, sleeps):
    nbs_server.faults.server_error = 1
    c = NbsClient(NbsConfig(base_url=nbs_server.base_url, pace_s=0), sleep=sleeps.append, rng=lambda: 1.0)
    assert run(c, series=CS).failures == []
    assert sleeps == [0.5 * 1.25]


def test_one_shot_307_challenge_is_followed_with_cookie(client, nbs_server):
    nbs_server.faults.redirect_307 = 1
    res = run(client, series=CS)
    assert res.failures == [] and len(res.rows) == 5
    reqs = nbs_server.requests_to("/stream/esData")
    assert len(reqs) == 2 and reqs[1].json == reqs[0].json           # POST body re-sent on 307
    assert f"wzws_cid={nbs_server.required_cookie}" in reqs[1].headers["Cookie"]


def test_fake_307_really_requires_the_cookie(nbs_server):
    nbs_server.faults.redirect_307 = 1
    s = requests.Session()
    r = s.post(nbs_server.base_url + PATH_ESDATA, json=_body(), allow_redirects=False)
    assert r.status_code == 307 and "wzws_cid" in r.headers["Set-Cookie"]
    r = requests.post(nbs_server.base_url + PATH_ESDATA, json=_body())   # no cookie -> blocked
    assert r.status_code == 403


def test_intermittent_empty_data_is_retried(client, nbs_server):
    nbs_server.faults.empty_data = 2
    res = run(client, series=CS)
    assert len(res.rows) == 5 and not any("source gap" in w for w in res.warnings)
    assert len(nbs_server.requests_to("/stream/esData")) == 3


def test_persistent_empty_data_is_a_source_gap_not_an_error(client, nbs_server):
    nbs_server.faults.empty_data = 99
    res = run(client, series=CS)
    assert res.failures == [] and res.rows.empty
    assert any(w.startswith("changsha_retail_annual: 数据缺口") and "source gap" in w for w in res.warnings)
    assert len(nbs_server.requests_to("/stream/esData")) == 3


def test_429_honours_retry_after(client, nbs_server, sleeps):
    nbs_server.faults.rate_limit, nbs_server.faults.retry_after = 1, "7"
    res = run(client, series=CS)
    assert res.failures == [] and sleeps == [7.0]


def test_persistent_429_raises_rate_limited(client, nbs_server):
    nbs_server.faults.rate_limit = 99
    res = run(client, series=CS)
    assert res.failures[0][1] == "RateLimited" and len(nbs_server.requests_to("/stream/esData")) == 4


def test_huge_retry_after_fails_fast(client, nbs_server, sleeps):
    nbs_server.faults.rate_limit, nbs_server.faults.retry_after = 1, "3600"
    with pytest.raises(RateLimited, match="3600"):
        client.es_data(_body())
    assert sleeps == []


def test_5xx_is_retried(client, nbs_server):
    nbs_server.faults.server_error = 2
    assert run(client, series=CS).failures == []
    assert len(nbs_server.requests_to("/stream/esData")) == 3


def test_html_waf_page_retried_once_after_warm_up(client, nbs_server):
    nbs_server.faults.html = 1
    res = run(client, series=CS)
    assert res.failures == [] and len(res.rows) == 5
    assert len(nbs_server.requests_to("/dg/website/page.html")) == 2


def test_persistent_html_raises_blocked_by_waf(client, nbs_server):
    nbs_server.faults.html = 99
    res = run(client, series=CS)
    assert res.failures[0][1] == "BlockedByWAF" and "HTML" in res.failures[0][2]
    assert len(nbs_server.requests_to("/stream/esData")) == 2


def test_html_on_catalogue_get(client, nbs_server):
    nbs_server.faults.scope, nbs_server.faults.html = "api", 99
    res = run(client, series=CS)
    assert res.failures[0][1] == "BlockedByWAF"
    assert nbs_server.requests_to("/stream/esData") == []                # stopped at queryIndicatorsByCid


def test_html_error_page_is_told_apart_from_a_waf_challenge():
    assert nbs.classify_html((FIX / "waf_challenge.html").read_text(encoding="utf-8")) == "challenge"
    assert nbs.classify_html((FIX / "service_error.html").read_text(encoding="utf-8")) == "error_page"
    assert nbs.classify_html("<html><body>hello</body></html>") == "unknown"


def test_service_error_page_says_wrong_path_or_parameters_not_slow_down(client, nbs_server):
    nbs_server.faults.html_error = 1
    res = run(client, series=CS)
    assert [(f[0], f[1]) for f in res.failures] == [("changsha_retail_annual", "ServiceErrorPage")]
    message = res.failures[0][2]
    assert "“服务异常”错误页" in message and "并非访问被拦截" in message            # Chinese
    assert "wrong path or wrong parameters, not a block" in message          # English
    assert "slow down" not in message.lower() and "WAF" not in message
    assert len(nbs_server.requests_to("/stream/esData")) == 1                # not retried
    assert len(nbs_server.requests_to("/dg/website/page.html")) == 1         # no extra warm-up


def test_query_indicators_sends_what_the_portal_page_sends(client, nbs_server):
    items = client.query_indicators("e4703d312cd44d498c168a10d2337f4a")
    assert [i["_id"] for i in items] == ["06eac78eee1c4eac9fcaeb0e8b5b108d"]
    assert nbs_server.requests_to("/new/queryIndicatorsByCid")[0].query == {
        "cid": "e4703d312cd44d498c168a10d2337f4a", "dt": "", "name": ""}
    with pytest.raises(nbs.ServiceErrorPage):   # the fake enforces it: an extra rootId is refused
        client.call(("GET", nbs.PATH_INDICATORS, {"cid": "e4703d312cd44d498c168a10d2337f4a", "rootId": "r"}, None))


def test_a_wrong_api_path_gets_the_error_page_and_is_worded_so(client, nbs_server):
    with pytest.raises(nbs.ServiceErrorPage, match="queryIndicatorByCid"):
        client.call(("GET", nbs.API_PREFIX + "/new/queryIndicatorByCid", {"cid": "x"}, None))


def test_waf_block_message_is_bilingual(client, nbs_server):
    nbs_server.faults.html = 99
    with pytest.raises(BlockedByWAF) as ei:
        client.es_data(_body())
    assert "防火墙" in str(ei.value) and "slow down" in str(ei.value)


def test_non_json_text_page_is_waf_but_mislabelled_json_is_accepted(client, nbs_server):
    nbs_server.faults.text_block = 99
    with pytest.raises(BlockedByWAF, match="Access Denied"):
        client.es_data(_body())
    nbs_server.faults.text_block = 0
    nbs_server.faults.wrong_ctype = 1
    resp = client.es_data(_body())
    assert len(resp.payload["data"]) == 5


def test_warm_up_is_optional(nbs_server, sleeps):
    c = make_client(nbs_server, sleeps, warm_up=False)
    assert len(run(c, series=CS).rows) == 5
    assert nbs_server.requests_to("/dg/website/page.html") == []


def test_truncated_json_is_malformed(client, nbs_server):
    nbs_server.faults.truncated = 1
    res = run(client, series=CS)
    name, cls, msg = res.failures[0]
    assert cls == "MalformedResponse" and '{"_comment"' in msg and res.rows.empty
    assert len(nbs_server.requests_to("/stream/esData")) == 1


def test_envelope_error_raises_api_error(client, nbs_server):
    nbs_server.faults.envelope_error = 1
    with pytest.raises(ApiError) as ei:
        client.es_data(_body())
    assert ei.value.state == 40001 and ei.value.api_message == "参数错误"
    nbs_server.faults.envelope_error = 1
    res = run(client, series=CS)
    assert res.failures[0][1] == "ApiError"


def test_404_falls_back_to_the_alternate_path(client, nbs_server):
    nbs_server.faults.esdata_404 = True
    res = run(client, series=["changsha_retail_annual", "national_online_retail_2026"])
    assert res.failures == [] and len(res.rows) == 5 + 14
    assert res.rows["source_url"].str.endswith("/getEsDataByCidAndDt").all()
    assert any("getEsDataByCidAndDt" in w for w in res.warnings)
    assert len(nbs_server.requests_to("/stream/esData")) == 1            # sticky after the first 404
    assert len(nbs_server.requests_to("/getEsDataByCidAndDt")) == 2


def test_404_on_both_paths_is_endpoint_moved(client, nbs_server):
    nbs_server.faults.esdata_404 = nbs_server.faults.alt_404 = True
    with pytest.raises(EndpointMoved, match="both data paths"):
        client.es_data(_body())
    assert client.call(build_index_tree_request(6))  # other endpoints unaffected
    with pytest.raises(nbs.ServiceErrorPage):  # unknown paths get the portal's 服务异常 page, as live
        client.call(("GET", nbs.API_PREFIX + "/new/noSuchThing", {}, None))


# --------------------------------------------------------------------------------------
# drift: fail the series, keep the others
# --------------------------------------------------------------------------------------


def test_label_drift_fails_only_that_series(client, nbs_server):
    nbs_server.faults.label_overrides = {ID_CUR: "社会消费品零售总额当月值 (亿元) "}
    res = run(client)
    assert [(f[0], f[1]) for f in res.failures] == [("national_retail_monthly", "SchemaDrift")]
    assert "当月值" in res.failures[0][2] and "nbs_registry.toml" in res.failures[0][2]
    assert res.core_failures == res.failures
    assert not ((res.rows["indicator"] == "retail_sales") & (res.rows["region"] == "000000")).any()
    assert len(rows_of(res, "online_retail")) == 55 and len(rows_of(res, "retail_sales", "annual")) == 158
    assert len(nbs_server.requests_to("/stream/esData")) == 4             # no data call for the drifted series


def test_missing_id_and_unit_drift(client, nbs_server):
    nbs_server.faults.hidden_ids = {"06eac78eee1c4eac9fcaeb0e8b5b108d"}
    nbs_server.faults.unit_overrides = {ID_CUM: "万元"}
    res = run(client, series=["changsha_retail_annual", "national_retail_monthly"])
    f = {name: (cls, msg) for name, cls, msg in res.failures}
    assert f["changsha_retail_annual"][0] == "SchemaDrift" and "not listed" in f["changsha_retail_annual"][1]
    assert f["national_retail_monthly"][0] == "SchemaDrift" and "万元" in f["national_retail_monthly"][1]


def test_new_definition_ids_are_pinned_and_a_swapped_label_is_drift(client, nbs_server):
    c7ac, cc2f, o00a, ad96 = NEW_IDS
    nbs_server.faults.label_overrides = {c7ac: "网上商品零售额累计增长 (%) ", ad96: "网上商品和服务零售额累计值 (亿元)"}
    nbs_server.faults.unit_overrides = {c7ac: "%", ad96: "亿元"}
    res = run(client, series=["national_online_retail_2026", "changsha_retail_annual"])
    assert [(f[0], f[1]) for f in res.failures] == [("national_online_retail_2026", "SchemaDrift")]
    assert "网上商品零售额累计增长 (%)" in res.failures[0][2] and len(res.rows) == 5


def test_tree_drift_fails_the_provincial_series(client, nbs_server):
    for key in (("6", "c4d82af16c3d4f0cb4f09d4af7d5888e"), ("6", "fa6e00000000000000000000000006a3")):
        for node in nbs_server.trees[key]["data"]:
            node["name"] = node["name"].replace("社会消费品零售总额", "社会消费品零售额")
    res = run(client, series=["provincial_retail_annual", "changsha_retail_annual"])
    assert [(f[0], f[1]) for f in res.failures] == [("provincial_retail_annual", "SchemaDrift")]
    assert "社会消费品零售额" in res.failures[0][2]                      # says what it found instead
    assert "Searched the whole tree" in res.failures[0][2]
    assert len(res.rows) == 5


def registry_with(tmp_path, old, new):
    text = Path(nbs.REGISTRY_PATH).read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "registry.toml"
    p.write_text(text.replace(old, new), encoding="utf-8")
    return load_registry(p)


def test_provincial_leaf_at_the_top_of_the_annual_tree_is_found_under_the_old_registered_path(
        client, nbs_server, tmp_path):
    # The registry as it was (国内贸易 › 社会消费品零售总额) against a real-shaped annual tree, whose
    # 社会消费品零售总额 is a top-level leaf: found by label, the changed path reported, not fatal.
    reg = registry_with(tmp_path, 'tree_path = ["社会消费品零售总额"]', 'tree_path = ["国内贸易", "社会消费品零售总额"]')
    res = fetch_nbs(2021, client=client, series=["provincial_retail_annual"], registry=reg, today=TODAY)
    assert res.failures == [] and len(res.rows) == 153
    changed = [w for w in res.warnings if "国内贸易 › 社会消费品零售总额" in w]
    assert len(changed) == 1
    assert "实际使用“社会消费品零售总额”" in changed[0] and "used '社会消费品零售总额' instead" in changed[0]
    assert json.loads(res.rows["note"].iloc[0])["path"] == "社会消费品零售总额"


def test_a_look_alike_leaf_in_the_live_tree_is_reported_once_and_the_series_still_fetched(client, nbs_server):
    level1 = nbs_server.trees[("6", "c4d82af16c3d4f0cb4f09d4af7d5888e")]["data"]
    level1.append(dict(level1[3], _id="fa6e000000000000000000000000odd1", name="社会消费品零售总额 (按季度) "))
    res = run(client, series=["provincial_retail_annual"])
    assert res.failures == [] and len(res.rows) == 153
    odd = [w for w in res.warnings if "odd1" in w]
    assert len(odd) == 1 and "无法识别" in odd[0] and "not recognised" in odd[0]


def test_a_leaf_moved_deeper_is_found_and_its_new_path_reported(client, nbs_server):
    level1 = nbs_server.trees[("6", "c4d82af16c3d4f0cb4f09d4af7d5888e")]["data"]
    moved = [n for n in level1 if "社会消费品零售总额" in n["name"]]
    level1[:] = [n for n in level1 if n not in moved]
    nbs_server.trees[("6", "fa6e00000000000000000000000006a3")]["data"].extend(moved)
    res = run(client, series=["provincial_retail_annual"])
    assert res.failures == [] and len(res.rows) == 153
    assert any("used '批发和零售业 › 社会消费品零售总额' instead" in w for w in res.warnings)
    assert json.loads(res.rows["note"].iloc[0])["path"] == "批发和零售业 › 社会消费品零售总额"


def test_root_id_change_is_a_warning(client, nbs_server):
    root = nbs_server.trees[("6", "")]["data"][0]
    new_root = "fa6e0000000000000000000000000fff"
    nbs_server.trees[("6", new_root)] = nbs_server.trees[("6", root["_id"])]
    root["_id"] = new_root
    res = run(client, series=["provincial_retail_annual"])
    assert res.failures == [] and len(res.rows) == 153
    assert any("root id is now" in w for w in res.warnings)
    assert json.loads(res.rows["note"].iloc[0])["root_id"] == new_root
