"""Measures and departments as data: loaded through the registry, unknown departments refused, and the
domain functions a department's view is built on (counts worked out by hand from the notice's 责任单位 lines)."""

import shutil

import pytest

from monitor import measures as M
from monitor.config import DATA_DIR, PLANS_DIR
from monitor.db import Reader
from monitor.registry import RegistryError, read_departments, read_measures, read_plans


@pytest.fixture
def plans_copy(tmp_path):
    target = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, target)
    return target


def test_departments_file_has_every_name_the_plans_use_once():
    departments = read_departments()
    assert departments.code.is_unique and departments.name_zh.is_unique
    row = departments.set_index("name_zh").loc["省商务厅"]
    assert (row.code, row.name_en) == ("commerce", "Hunan Department of Commerce")
    assert departments.set_index("code").loc["changsha_customs", "name_en"] == "Changsha Customs"
    assert len(departments) == 39  # 37 in the 责任单位 lines + the notice's two leading groups


def test_measures_load_with_their_departments_in_the_texts_order():
    _departments, measures, links = read_measures()
    tasks = measures[measures.kind == "task"]
    assert tasks.groupby("plan_id").size().to_dict() == {"consumption_2021_2023": 18, "open_economy_2021_2023": 24}
    assert (measures.kind == "requirement").sum() == 4
    m16 = links[links.measure_id == "oe_m16"].sort_values("position")
    assert m16.department_code.tolist() == ["commerce", "finance", "finance_regulation", "pboc_changsha",
                                            "changsha_customs", "tax", "sinosure_hunan"]
    assert m16.role.tolist() == ["lead"] + ["co"] * 6
    named = links[links.measure_id == "notice_66_r1"]
    assert set(named.role) == {"named"} and len(named) == 2


def test_an_unknown_department_is_refused_naming_the_file_and_the_measure(plans_copy):
    path = plans_copy / "consumption_2021_2023.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('lead = "省市场监管局"', 'lead = "省市场监督局"', 1), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"consumption_2021_2023\.toml measure 'co_m06'.*unknown department '省市场监督局'"):
        read_plans(plans_copy)


def test_a_target_listed_by_two_measures_is_refused(plans_copy):
    path = plans_copy / "consumption_2021_2023.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('targets = ["smart_business_districts_2023"]',
                        'targets = ["smart_business_districts_2023", "county_online_brands_2023"]')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match="county_online_brands_2023.*already listed by measure 'co_m04'"):
        read_plans(plans_copy)


def test_a_measure_listing_a_missing_target_is_refused(plans_copy):
    path = plans_copy / "consumption_2021_2023.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('[[targets]]\nid = "smart_business_districts_2023"')
    end = text.index("[[targets]]", start + 10)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(RegistryError, match="co_m14.*'smart_business_districts_2023', which is not a target"):
        read_plans(plans_copy)


def test_a_measure_text_must_be_verbatim(plans_copy):
    path = plans_copy / "open_economy_2021_2023.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("到2023年，全省服务贸易额突破500亿元。（", "到2023年，全省服务贸易额突破600亿元。（", 1),
                    encoding="utf-8")
    with pytest.raises(RegistryError, match="measure 'oe_m13': text_zh does not appear verbatim"):
        read_measures(plans_copy, DATA_DIR)


def test_tables_are_loaded_into_duckdb(db_path):
    with Reader(db_path) as reader:
        assert reader.query_rows("SELECT count(*) FROM measures WHERE kind = 'task'")[0][0] == 42
        assert reader.query_rows("SELECT count(*) FROM departments")[0][0] == 39
        row = reader.query_rows("SELECT measure_id, decision_zh IS NOT NULL FROM targets WHERE id = 'china_europe_trains_2023'")
        assert row == [("oe_m21", True)]
        assert reader.query_rows("SELECT measure_id FROM targets WHERE id = 'trade_total_2023'") == [(None,)]
        kinds = {r[0] for r in reader.query_rows("SELECT DISTINCT target_type FROM targets")}
        assert {"annual_floor", "share_level"} <= kinds


def test_measures_by_section_follow_the_text(db_path):
    with Reader(db_path) as reader:
        sections = M.measures_by_section(reader, "open_economy_2021_2023")
        consumption = M.measures_by_section(reader, "consumption_2021_2023")
    assert [len(s.measures) for s in sections] == [2, 3, 3, 3, 3, 2, 4, 2, 2]
    assert sections[1].title("zh") == "（二）实施产业链供应链对接专项行动"
    assert sections[1].title("en") == "Linking industrial and supply chains"
    assert sections[1].measures.number.tolist() == [3, 4, 5]
    assert [len(s.measures) for s in consumption] == [5, 4, 3, 4, 2]


def test_a_department_sees_the_measures_it_leads_first_then_those_it_shares(db_path):
    with Reader(db_path) as reader:
        customs = M.measures_of_department(reader, "changsha_customs")
        drc = M.measures_of_department(reader, "drc")
    # 长沙海关 leads nothing; it is named in open-economy measures 9, 11, 12, 14–22 and consumption measure 9
    assert set(customs.role) == {"co"} and len(customs) == 13
    assert sorted(customs[customs.plan_id == "open_economy_2021_2023"].number) == [9, 11, 12, 14, 15, 16, 17, 18, 19,
                                                                                   20, 21, 22]
    # 省发展改革委 leads consumption 5, 13, 16, 17 and open-economy 1, 2 (plans in the registry's file order)
    led = drc[drc.role == "lead"]
    assert led.id.tolist() == ["co_m05", "co_m13", "co_m16", "co_m17", "oe_m01", "oe_m02"]
    assert drc.role.tolist()[:6] == ["lead"] * 6


def test_the_measure_of_a_target_or_none_for_the_goals(db_path):
    with Reader(db_path) as reader:
        m = M.measure_of_target(reader, "imports_2023")
        assert M.measure_of_target(reader, "trade_total_2023") is None
    assert (m["id"], m["number"], m["lead_code"], m["co_codes"]) == ("oe_m14", 14, "commerce", ["changsha_customs"])
    assert m["target_ids"] == ["imports_2023", "imports_growth_2021_2023"] and m["n_quantified"] == 2


def test_department_summary_counts_and_its_line_in_both_languages(db_path):
    statuses = {"imports_2023": "accelerate", "imports_growth_2021_2023": "accelerate", "service_trade_2023": "na"}
    with Reader(db_path) as reader:
        commerce = M.department_summary(reader, "commerce", statuses)
        drc = M.department_summary(reader, "drc")
        assert M.department_code(reader, "省商务厅") == M.department_code(reader, "商务厅") == "commerce"
        assert M.department_code(reader, "changsha customs") == "changsha_customs"
        assert M.department_code(reader, "no such office") is None
    # 省商务厅 leads open-economy 3–24 (22) and consumption 1–4, 7–12, 14, 15 (12) = 34, shares 7 more
    # (open-economy 1, 2; consumption 5, 6, 13, 17, 18); the quantified targets of the tasks it leads:
    # 32 of the 41 open-economy ones (9 are in 发展目标) + 4 consumption ones (3000家, 30个, 240家, 20个) = 36
    assert (commerce.n_lead, commerce.n_co, commerce.n_quantified) == (34, 7, 36)
    assert commerce.status_counts == {"accelerate": 2, "na": 1}
    assert M.summary_line(commerce, "zh") == "省商务厅牵头34项任务，其中量化目标36个（另参与7项）：需加快进度2个、数据不足1个"
    assert M.summary_line(commerce, "en") == ("Hunan Department of Commerce leads 34 tasks; quantified targets in them: 36"
                                              " (and shares 7 more): Progress, needs acceleration 2, Not assessable 1")
    # 省发展改革委 leads 6 tasks; only consumption 5 has a quantified target (物流费用占GDP比重 −1.5个百分点)
    assert (drc.n_lead, drc.n_quantified, drc.target_ids) == (6, 1, ["logistics_cost_ratio_2023"])
    assert M.summary_line(drc, "zh") == "省发展改革委牵头6项任务，其中量化目标1个（另参与13项）"


def test_departments_are_listed_with_their_counts(db_path):
    with Reader(db_path) as reader:
        frame = M.departments(reader).set_index("code")
    assert frame.loc["commerce", ["n_lead", "n_co"]].tolist() == [34, 7]
    assert frame.loc["ftz_leading_group", ["n_lead", "n_co"]].tolist() == [0, 0]  # named by the notice only
    assert frame.n_lead.sum() == 42


def test_migration_0005_keeps_stored_targets_and_admits_the_new_kinds():
    import duckdb

    from monitor import db

    con = duckdb.connect()
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    for version, name, path in db.migration_files()[:4]:
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    insert = ("INSERT INTO targets (id, plan_id, name_zh, name_en, quote_zh, target_type, target_period)"
              " VALUES (?, 'p', 'a', 'b', 'q', ?, '2023')")
    con.execute(insert, ["old", "level_by_date"])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(insert, ["before", "annual_floor"])  # 0001's CHECK knew only the first six kinds
    assert 5 in db.migrate(con)
    assert con.execute("SELECT id, target_type, measure_id, thresholds FROM targets").fetchall() == [
        ("old", "level_by_date", None, [0.95, 0.6, 0.0])]
    con.execute(insert, ["after", "annual_floor"])
    assert con.execute("SELECT count(*) FROM measures").fetchone() == (0,)
