"""The two plans of 湘政办发〔2021〕66号 are encoded whole: every quantity of the notice is a target or a listed
exception, 24 + 18 measures each with its 责任单位 line, every target in exactly one measure or a plan's 发展目标,
and every measure's lead and co-departments as the text names them."""

import copy
import tomllib

import pytest

from monitor import plan_text as pt
from monitor.config import PLANS_DIR

TEXT = (PLANS_DIR / "source" / "xiangzhengbanfa_2021_66.txt").read_text(encoding="utf-8")
FILES = ("open_economy_2021_2023", "consumption_2021_2023")


@pytest.fixture(scope="module")
def raws():
    return [tomllib.loads((PLANS_DIR / f"{name}.toml").read_text(encoding="utf-8")) for name in FILES]


def without_target(raws, target_id, also_references=False):
    changed = copy.deepcopy(raws)
    for raw in changed:
        raw["targets"] = [t for t in raw["targets"] if t["id"] != target_id]
        if also_references:
            raw["goals"]["targets"] = [t for t in raw["goals"]["targets"] if t != target_id]
            for measure in raw.get("measures", []):
                measure["targets"] = [t for t in measure["targets"] if t != target_id]
    return changed


def test_the_plan_files_cover_the_notice_completely(raws):
    assert pt.completeness_problems(TEXT, raws) == []


def test_the_notice_holds_24_and_18_measures_each_with_a_duty_line():
    plans = pt.parse(TEXT)
    assert [len(p.measures) for p in plans] == [24, 18]
    assert [len(p.sections) for p in plans] == [9, 5]
    for plan in plans:
        assert [m.number for m in plan.measures] == list(range(1, len(plan.measures) + 1))
        assert all(m.duty_line and m.departments for m in plan.measures)
    # measure 1 of each plan carries the convention 排第一位的为牵头单位, which is not a department
    assert plans[0].measures[0].departments == ["省发展改革委", "省工业和信息化厅", "省农业农村厅", "省商务厅", "省贸促会"]
    assert plans[1].measures[0].departments == ["省商务厅", "省发展改革委"]
    assert plans[0].measures[23].departments == ["省商务厅"]


def test_every_measure_lead_is_the_first_name_of_its_duty_line_and_the_rest_follow_in_order(raws):
    for raw, plan in zip(raws, pt.parse(TEXT)):
        assert raw["plan"]["title_zh"] == plan.title
        assert len(raw["measures"]) == len(plan.measures)
        for spec, measure in zip(raw["measures"], plan.measures):
            names = pt.parse_departments(pt.DUTY_RE.search(spec["text_zh"]).group(1))
            assert [spec["lead"], *spec["co_departments"]] == names == measure.departments, spec["id"]
            assert spec["text_zh"] == measure.text and spec["title_zh"] == measure.title


def test_the_check_catches_a_measure_whose_co_departments_are_reordered(raws):
    changed = copy.deepcopy(raws)
    measure = changed[0]["measures"][0]
    measure["co_departments"] = list(reversed(measure["co_departments"]))
    problems = pt.completeness_problems(TEXT, changed)
    assert len(problems) == 1 and "oe_m01" in problems[0] and "co_departments" in problems[0]


def test_at_least_45_quantified_targets_and_each_placed_once(raws):
    numeric = [t for raw in raws for t in raw["targets"] if t["target_type"] != "no_numeric_target"]
    assert len(numeric) == 48  # 41 open economy + 7 consumption
    for raw in raws:
        placed = raw["goals"]["targets"] + [t for m in raw["measures"] for t in m["targets"]]
        assert sorted(placed) == sorted(t["id"] for t in raw["targets"])


def test_removing_any_target_entry_makes_the_completeness_check_fail(raws):
    ids = [t["id"] for raw in raws for t in raw["targets"]]
    assert len(ids) == 54
    for target_id in ids:
        assert pt.completeness_problems(TEXT, without_target(raws, target_id)), target_id


def test_the_quantity_scan_alone_misses_only_aims_without_a_quantity_and_one_number_stated_for_two(raws):
    # Removing the entry and every reference to it leaves only the scan of the text to notice: it does,
    # except for aims with no quantity in their words and the two park shares stated by one "均达75%以上".
    missed = [t["id"] for raw in raws for t in raw["targets"]
              if not pt.completeness_problems(TEXT, without_target(raws, t["id"], also_references=True))]
    assert sorted(missed) == sorted(["open_economy_system", "park_fdi_share_2023", "park_trade_share_2023",
                                     "mobile_coverage_2023", "convenience_living_circles"])


def test_two_targets_sharing_a_quote_each_claim_their_own_number(raws):
    # 分别突破2000亿元、2000亿元、500亿元: without the RCEP target, one 2000亿元 is left unclaimed
    problems = pt.completeness_problems(TEXT, without_target(raws, "trade_rcep_2023", also_references=True))
    assert len(problems) == 1 and "'2000亿元'" in problems[0]


def test_a_wrong_value_is_caught(raws):
    changed = copy.deepcopy(raws)
    target = next(t for t in changed[0]["targets"] if t["id"] == "china_europe_trains_2023")
    target["target_value"] = 1300
    problems = pt.completeness_problems(TEXT, changed)
    assert any("china_europe_trains_2023" in p and "1300" in p for p in problems)
    assert any("'1200列'" in p for p in problems)


def test_quantities_are_read_with_their_scale():
    found = {q.text: (q.value, q.unit) for q in pt.quantities("突破1万家，突破2万亿元，12万吨，1.5个百分点，3000万美元")}
    assert found == {"1万家": (10000.0, "家"), "2万亿元": (2.0, "万亿元"), "12万吨": (12.0, "万吨"),
                     "1.5个百分点": (1.5, "个百分点"), "3000万美元": (3000.0, "万美元")}
    assert pt.same_quantity(2, "万亿元", 20000, "亿元") and not pt.same_quantity(2, "万亿元", 2000, "亿元")
    assert pt.same_quantity(-1.5, "个百分点", 1.5, "个百分点")


def test_exceptions_each_give_a_reason(raws):
    exceptions = [e for raw in raws for e in raw.get("exceptions", [])]
    assert len(exceptions) == 4
    for e in exceptions:
        assert e["quote_zh"] in TEXT and e["reason_zh"] and e["reason_en"]
