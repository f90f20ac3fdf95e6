"""Regenerate tests/fixtures/nbs/*: NBS-shaped responses with SYNTHETIC values.

Field names, their order and nesting follow the REAL recordings in tests/fixtures/nbs/real/
(see its README): esData items carry ``ek``, ``dp``, ``type``, ``num_accuracy_text``,
``is_economy_chart_show_*`` …; queryIndicatorsByCid items carry ``dp_name`` 本期 / 本期累计 /
同比增减% / 累计同比增减%, ``ek``, ``ek_dp``, ``kj1_name``, ``i_annotation`` …; ``_name`` is the
concept (e.g. 社会消费品零售总额), never the indicator's label (``i_showname``).
Every number is made up from a visible formula (see the *_value functions) so nobody can
mistake a fixture for real statistics. Ids starting with ``fa6e`` are invented too; the
other ids are the public ones of data/nbs_registry.toml (they identify series, not values).

Run:  python tests/fakes/make_nbs_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "nbs"
COMMENT = "SYNTHETIC test fixture: real NBS field names, made-up values. Not statistics."

ROOT_MONTHLY = "fc982599aa684be7969d7b90b1bd0e84"
ROOT_PROV_YEAR = "c4d82af16c3d4f0cb4f09d4af7d5888e"
ROOT_CITY_YEAR = "2d06bab01494417e9052ef0f8d93e23e"
CID_RETAIL = "d0cb882c7f27443ab6b3ef9421901961"
CID_ONLINE_OLD = "fb09cbc680fe4d348c9d05f535ebf77c"
CID_ONLINE_2026 = "ce144b3caaf9498aabcc713e671c1f33"
CID_CITY = "e4703d312cd44d498c168a10d2337f4a"
# invented catalogue ids for the provincial tree walk
ID_ZONGHE, ID_HESUAN, ID_MAOYI, ID_JIAGE = (f"fa6e00000000000000000000000006a{i}" for i in range(1, 5))
CID_PROV_RETAIL = "fa6e00000000000000000000000006b1"
CID_PROV_RETAIL_OLD = "fa6e00000000000000000000000006b0"
CID_PROV_WHOLESALE = "fa6e00000000000000000000000006b2"
ID_PROV_RETAIL = "fa6e00000000000000000000000006c1"
ID_PROV_WHOLESALE = "fa6e00000000000000000000000006c2"
UNIT_YIYUAN = "fa6e000000000000000000000000d001"
UNIT_PCT = "fa6e000000000000000000000000d002"
EK = "fa6e000000000000000000000000e"  # + 3 hex digits: an invented concept id per _name
# (dp, dp_name) per measure, as in the real queryIndicatorsByCid recording (11 同比增减%,
# 12 累计同比增减%; 1 本期 as in the real esData items); "2" for 本期累计 is an assumption.
DP = {"当期值": ("1", "本期"), "累计值": ("2", "本期累计"), "同比增长": ("11", "同比增减%"),
      "累计增长": ("12", "累计同比增减%"), "": ("1", "本期")}

RETAIL = {  # id: (name, measure, i_showname, unit)
    "1142a3a03e9045959e606a21822641ac": ("社会消费品零售总额", "当期值", "社会消费品零售总额当期值 (亿元) ", "亿元"),
    "aaac57d54d2e465d91bc9f3ea1a8618e": ("社会消费品零售总额", "同比增长", "社会消费品零售总额同比增长 (%) ", "%"),
    "260a1794443b43dd93a59928b12f38af": ("社会消费品零售总额", "累计值", "社会消费品零售总额累计值（亿元）", "亿元"),
    "e3ca151b53d347b78d1e179e5ebf1d33": ("社会消费品零售总额", "累计增长", "社会消费品零售总额累计增长 (%)", "%"),
    "fa6e00000000000000000000000000a1": ("限额以上单位消费品零售额", "当期值",
                                         "限额以上单位消费品零售额当期值 (亿元) ", "亿元"),
}
ONLINE_OLD = {
    "069baced432b4e1787ad1da50c11e9fc": ("网上零售额", "累计值", "网上零售额累计值 (亿元) ", "亿元"),
    "96d4169857b8478582aa74aa2db0a675": ("网上零售额", "累计增长", "网上零售额累计增长 (%) ", "%"),
    "05fbe85e09c842098509c6b29481ab0c": ("实物商品网上零售额", "累计值", "实物商品网上零售额累计值 (亿元) ", "亿元"),
    "f12bf45bdfbb47b18147406246c787a7": ("实物商品网上零售额", "累计增长", "实物商品网上零售额累计增长 (%) ", "%"),
}
# The four new-definition ids as other clients' live enumeration assigns them (issue 15; pinned
# in data/nbs_registry.toml); the tests also swap the labels through the fake server.
ONLINE_2026 = {
    "c7ac997262924badbde80e61623defde": ("网上商品和服务零售额", "累计值",
                                         "网上商品和服务零售额累计值 (亿元) ", "亿元"),
    "cc2fa77a5bb64f8da3d63688aa0e2d1b": ("网上商品和服务零售额", "累计增长", "网上商品和服务零售额累计增长 (%) ", "%"),
    "000aa31f692c4f1796dc4cbcefa6133d": ("网上商品零售额", "累计值", "网上商品零售额累计值 (亿元) ", "亿元"),
    "ad9696b7ff4a49bbb9e0b40374e74ae7": ("网上商品零售额", "累计增长", "网上商品零售额累计增长 (%) ", "%"),
}
CITY = {"06eac78eee1c4eac9fcaeb0e8b5b108d": ("社会消费品零售总额", "", "社会消费品零售总额（亿元）", "亿元")}
PROV = {
    ID_PROV_RETAIL: ("社会消费品零售总额", "", "社会消费品零售总额 （亿元） ", "亿元"),
    ID_PROV_WHOLESALE: ("限额以上批发和零售业商品销售额", "", "限额以上批发和零售业商品销售额 (亿元) ", "亿元"),
}

PROVINCES = [
    ("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省"), ("140000", "山西省"),
    ("150000", "内蒙古自治区"), ("210000", "辽宁省"), ("220000", "吉林省"), ("230000", "黑龙江省"),
    ("310000", "上海市"), ("320000", "江苏省"), ("330000", "浙江省"), ("340000", "安徽省"),
    ("350000", "福建省"), ("360000", "江西省"), ("370000", "山东省"), ("410000", "河南省"),
    ("420000", "湖北省"), ("430000", "湖南省"), ("440000", "广东省"), ("450000", "广西壮族自治区"),
    ("460000", "海南省"), ("500000", "重庆市"), ("510000", "四川省"), ("520000", "贵州省"),
    ("530000", "云南省"), ("540000", "西藏自治区"), ("610000", "陕西省"), ("620000", "甘肃省"),
    ("630000", "青海省"), ("640000", "宁夏回族自治区"), ("650000", "新疆维吾尔自治区"),
]
CITIES = [("110000000000", "北京", 9100), ("310000000000", "上海", 9200),
          ("420100000000", "武汉", 9300), ("430100000000", "长沙", 9400)]


def _ek(name: str) -> str:
    return EK + f"{sum(map(ord, name)) % 4096:03x}"


def item(ind_id, meta, value, cid, order, *, da=None, da_name=None, area=None, area_code=None):
    """One esData value item, fields in the order of the real recordings."""
    name, measure, showname, unit = meta
    out = {
        "i_showname": showname, "num_accuracy_text": "1", "_name": name, "is_economy_chart_show_text": "是",
        "ek": f"106320100002|{_ek(name)}", "dp": DP[measure][0], "type": "indicator",
        "is_economy_chart_show_value": "1", "ds_order": order, "du": UNIT_PCT if unit == "%" else UNIT_YIYUAN,
        "catalogid": cid, "_id": ind_id, "num_accuracy_value": "1", "du_name": unit, "order": order,
        "value": value,
    }
    if da is not None:
        out.update(da=da, da_name=da_name)
    if area_code is not None:
        out.update(area=area, areaCode=area_code)
    return out


def envelope_text(data_blocks) -> str:
    head = json.dumps({"_comment": COMMENT, "success": True, "state": 20000, "message": "成功"},
                      ensure_ascii=False)[:-1]
    lines = [json.dumps(b, ensure_ascii=False) for b in data_blocks]
    return head + ', "data": [\n' + ",\n".join(lines) + "\n]}\n"


def month_name(y, m):
    return f"{y}年{m}月"


# --- national monthly retail -------------------------------------------------------------

def retail_cells(y, m):
    """Synthetic: current = 20000+100*(y-2020)+10*m, yoy = (y-2019).mm,
    cumulative = 100000+1000*(y-2020)+100*m, cumulative growth = (y-2019).(m+20)."""
    cur = f"{20000 + 100 * (y - 2020) + 10 * m}.{m % 10}"
    yoy = f"{y - 2019}.{m:02d}"
    cum = f"{100000 + 1000 * (y - 2020) + 100 * m}.0"
    cumg = f"{y - 2019}.{m + 20}"
    if y == 2023:  # thousands separators
        cur = f"{int(cur.split('.')[0]):,}.{cur.split('.')[1]}"
        cum = f"{int(cum.split('.')[0]):,}.0"
    if y == 2024:
        cum += "\u3000"  # full-width space padding
    if (y, m) == (2024, 11):
        cur = "\xa0" + cur
    if m == 1:  # January: not published
        return dict.fromkeys(RETAIL, "")
    if m == 2:  # February: only the Jan–Feb cumulative
        cur, yoy = "无", "无"
    if (y, m) == (2022, 7):
        cur = "-"
    if (y, m) == (2025, 6):
        yoy = "--"
    if (y, m) == (2023, 5):
        cumg = "…"
    if (y, m) == (2026, 9):  # unpublished placeholder
        return dict(zip(RETAIL, ["", "无", "", "", ""]))
    ids = list(RETAIL)
    return {ids[0]: cur, ids[1]: yoy, ids[2]: cum, ids[3]: cumg,
            ids[4]: "无" if m == 2 else f"{10000 + 10 * m}.5"}


def national_retail():
    blocks = []
    for y in range(2026, 2020, -1):
        for m in range(12, 0, -1):
            if (y, m) > (2026, 9):
                continue
            cells = retail_cells(y, m)
            values = [item(i, RETAIL[i], cells[i], CID_RETAIL, k + 1, da="000000000000", da_name="全国")
                      for k, i in enumerate(RETAIL)]
            blocks.append({"code": f"{y}{m:02d}MM", "name": month_name(y, m), "values": values})
    return blocks


def online_old():
    """Synthetic: 网上 cum = 50000+1000*(y-2018)+100*m .5, growth = (10+y-2018).mm;
    实物 cum = 40000+…, growth = (20+y-2018).mm. 2020-02…2025-12, no January blocks."""
    ids = list(ONLINE_OLD)
    blocks = []
    for y in range(2025, 2019, -1):
        for m in range(12, 1, -1):
            cells = {ids[0]: f"{50000 + 1000 * (y - 2018) + 100 * m}.5", ids[1]: f"{10 + y - 2018}.{m:02d}",
                     ids[2]: f"{40000 + 1000 * (y - 2018) + 100 * m}.5", ids[3]: f"{20 + y - 2018}.{m:02d}"}
            values = [item(i, ONLINE_OLD[i], cells[i], CID_ONLINE_OLD, k + 1, da="000000000000", da_name="全国")
                      for k, i in enumerate(ids)]
            blocks.append({"code": f"{y}{m:02d}MM", "name": month_name(y, m), "values": values})
    return blocks


def online_2026():
    """Synthetic: 商品和服务 cum = 70000+100*m .7, growth 7.mm; 商品 cum = 60000+100*m .6,
    growth 6.mm. 2026-02…2026-08, 2026-09 placeholder."""
    ids = list(ONLINE_2026)
    blocks = []
    for m in range(9, 1, -1):
        if m == 9:
            cells = dict.fromkeys(ids, "")
        else:
            cells = {ids[0]: f"{70000 + 100 * m}.7", ids[1]: f"7.{m:02d}",
                     ids[2]: f"{60000 + 100 * m}.6", ids[3]: f"6.{m:02d}"}
        values = [item(i, ONLINE_2026[i], cells[i], CID_ONLINE_2026, k + 1, da="000000000000", da_name="全国")
                  for k, i in enumerate(ids)]
        blocks.append({"code": f"2026{m:02d}MM", "name": month_name(2026, m), "values": values})
    return blocks


def city_annual():
    """Synthetic: value = base + 11*(y-2016) .1 with base 北京 9100, 上海 9200, 武汉 9300,
    长沙 9400; 长沙 2019 is 无; 2026 is an empty placeholder."""
    (ind_id,) = CITY
    blocks = []
    for y in range(2026, 2015, -1):
        values = []
        for k, (code, name, base) in enumerate(CITIES):
            v = f"{base + 11 * (y - 2016)}.1"
            if y == 2026:
                v = ""
            elif (code, y) == ("430100000000", 2019):
                v = "无"
            values.append(item(ind_id, CITY[ind_id], v, CID_CITY, k + 1, da=code, da_name=name))
        blocks.append({"code": f"{y}YY", "name": f"{y}年", "values": values})
    return blocks


def province_annual_st3():
    """Synthetic, showType 3 shape (area/areaCode): value = 100*<2-digit prefix> + (y-2016)
    .(y%10) (湖南 2023 -> 4307.3); 海南 2023 "" and 西藏 2024 "无";
    2026 empty placeholder."""
    blocks = []
    for y in range(2026, 2015, -1):
        values = []
        for k, (code, name) in enumerate(PROVINCES):
            v = f"{100 * int(code[:2]) + (y - 2016)}.{y % 10}"
            if y == 2026:
                v = ""
            elif (code, y) == ("460000", 2023):
                v = ""
            elif (code, y) == ("540000", 2024):
                v = "无"
            values.append(item(ID_PROV_RETAIL, PROV[ID_PROV_RETAIL], v, CID_PROV_RETAIL, k + 1,
                               area=name, area_code=f"{code}000000"))
        blocks.append({"code": f"{y}YY", "name": f"{y}年", "values": values})
    return blocks


def indicators(meta: dict, cid: str) -> dict:
    """A queryIndicatorsByCid answer, items shaped (and ordered) like the real recording."""
    items = []
    for k, (i, (name, measure, showname, unit)) in enumerate(meta.items()):
        dp, dp_name = DP[measure]
        ek = _ek(name)
        items.append({
            "i_showname": showname, "num_accuracy_text": "1", "_name": name, "ek_dp": f"{ek}_{dp}",
            "kj1_name": None, "dp": dp, "type": "indicator", "is_economy_chart_show_value": "1",
            "i_annotation": None, "ds_order": k + 1, "du": UNIT_PCT if unit == "%" else UNIT_YIYUAN,
            "kj3_name": None, "chart_style_text": "折线图", "ek_dp_name": f"{name}_{dp_name}",
            "num_accuracy_value": "1", "chart_style_value": "2", "ek_name": name, "dp_name": dp_name,
            "daterange_sdate": None, "is_economy_chart_show_text": "是", "kj2_name": None, "ek": ek,
            "dead_line_value": None, "kj2": None, "kj1": None, "catalogid": cid, "daterange_edate": None,
            "kj3": None, "default_indicator_value": None, "i_mark": "SYNTHETIC", "_id": i, "du_name": unit,
        })
    return {"_comment": COMMENT, "data": {"total": len(items), "list": items}, "success": True,
            "state": 20000, "message": "成功"}


def node(_id, name, pid, level, leaf, sdate="", edate=""):
    return {"_id": _id, "name": name, "_name": name.strip(), "isLeaf": leaf, "type": "catalog",
            "treeinfo_pid": pid, "treeinfo_level": level, "sdate": sdate, "edate": edate,
            "treeinfo_globalid": f"{pid}.{_id}" if pid else _id}


def env(data) -> dict:
    return {"_comment": COMMENT, "success": True, "state": 20000, "message": "成功", "data": data}


def write_json(name, obj):
    (OUT / name).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "esdata_national_retail_monthly.json").write_text(envelope_text(national_retail()), encoding="utf-8")
    (OUT / "esdata_online_retail_old.json").write_text(envelope_text(online_old()), encoding="utf-8")
    (OUT / "esdata_online_retail_2026.json").write_text(envelope_text(online_2026()), encoding="utf-8")
    (OUT / "esdata_city_retail_annual.json").write_text(envelope_text(city_annual()), encoding="utf-8")
    (OUT / "esdata_province_retail_annual_st3.json").write_text(envelope_text(province_annual_st3()),
                                                                encoding="utf-8")
    write_json("indicators_national_retail_monthly.json", indicators(RETAIL, CID_RETAIL))
    write_json("indicators_online_retail_old.json", indicators(ONLINE_OLD, CID_ONLINE_OLD))
    write_json("indicators_online_retail_2026.json", indicators(ONLINE_2026, CID_ONLINE_2026))
    write_json("indicators_city_retail_annual.json", indicators(CITY, CID_CITY))
    write_json("indicators_province_retail_annual.json", indicators(PROV, CID_PROV_RETAIL))
    write_json("tree_code6_root.json", env([node(ROOT_PROV_YEAR, "分省年度数据", "", 0, False)]))
    # Real annual trees hold 社会消费品零售总额 as a TOP-LEVEL leaf (no 国内贸易 category: that is
    # the monthly trees' category); older years sit in a time-sliced sibling "(-2015)".
    write_json("tree_code6_level1.json", env([
        node(ID_ZONGHE, "综合", ROOT_PROV_YEAR, 1, False),
        node(ID_HESUAN, "国民经济核算", ROOT_PROV_YEAR, 1, False),
        node(CID_PROV_RETAIL_OLD, "社会消费品零售总额 (-2015) ", ROOT_PROV_YEAR, 1, True, "", "2015"),
        node(CID_PROV_RETAIL, "社会消费品零售总额 ", ROOT_PROV_YEAR, 1, True, "2016", "2025"),
        node(ID_MAOYI, "批发和零售业", ROOT_PROV_YEAR, 1, False),
        node(ID_JIAGE, "价格", ROOT_PROV_YEAR, 1, False),
    ]))
    write_json("tree_code6_level2_trade.json", env([
        node(CID_PROV_WHOLESALE, "限额以上批发和零售业", ID_MAOYI, 2, True, "2016", "2025"),
    ]))
    write_json("tree_code1_root.json", env([node(ROOT_MONTHLY, "月度数据", "", 0, False)]))
    write_json("tree_code8_root.json", env([node(ROOT_CITY_YEAR, "主要城市年度数据", "", 0, False)]))
    write_json("dacatalog_tree.json", env([
        {"_id": "a10dceae75d245008bf4b9a0e6fe1d55", "name": "全部地区", "treeinfo_pid": "", "treeinfo_level": 1},
    ]))
    write_json("das_all_regions.json", env([
        {"catalog_id": "a10dceae75d245008bf4b9a0e6fe1d55", "name_value": f"{c}000000", "show_name": n,
         "name_text": n} for c, n in PROVINCES
    ]))
    write_json("esdata_empty.json", env([]))
    write_json("envelope_error.json", {"_comment": COMMENT, "success": False, "state": 40001,
                                       "message": "参数错误", "data": None})
    full = (OUT / "esdata_online_retail_2026.json").read_text(encoding="utf-8")
    (OUT / "truncated_esdata.json").write_text(full[: len(full) // 3], encoding="utf-8")
    (OUT / "waf_challenge.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>WZWS challenge (synthetic)</title>\n"
        "<script>/* synthetic stand-in for a Wangsu JS challenge */ document.cookie='wzws_cid=x';"
        " location.reload();</script></head>\n<body>Please enable JavaScript.</body></html>\n",
        encoding="utf-8")
    (OUT / "service_error.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>服务异常</title></head>\n"
        "<body><!-- synthetic stand-in for the portal's error page (HTTP 200) shown for a wrong path or"
        " wrong parameters --><div class=\"error\"><p>服务异常</p></div></body></html>\n", encoding="utf-8")
    (OUT / "easyquery_urlacl.html").write_text(
        "<html><head><title>403 Forbidden</title></head><body>\n<h1>403 Forbidden</h1>\n"
        "<p>You don't have permission to access the URL on this server. reason:UrlACL</p>\n"
        "<p>WZWS-RAY: synthetic-0000</p></body></html>\n", encoding="utf-8")


if __name__ == "__main__":
    main()
