"""`python -m monitor targets draft`: the notice's own targets are recovered from its text, and a city's plan
drafted from its text is accepted by `targets add` once the `# check` lines are confirmed."""

import re
import shutil
import tomllib

import pytest

from monitor import plan_text as pt
from monitor.cli import main
from monitor.config import PLANS_DIR
from monitor.registry import add_plan, read_measures, read_plans

NOTICE = PLANS_DIR / "source" / "xiangzhengbanfa_2021_66.txt"

# Written for this test: a city's plan with three targets in its goals and one measure, two measures in all,
# one department the province's list does not hold.
CITY_PLAN = """长沙市人民政府办公厅关于印发《长沙市促进消费扩容提质行动方案（2024—2026年）》的通知

长沙市促进消费扩容提质

行动方案（2024—2026年）

为加快建设国际消费中心城市，制定本方案。

一、发展目标

到2026年，全市社会消费品零售总额突破6500亿元，年均增长6%以上。

二、主要任务

（一）壮大消费主体。

1.培育商贸流通企业。支持商贸企业做大做强，到2026年，全市新增限额以上批零住餐企业900家以上。（责任单位：长沙市商务局、省商务厅。排第一位的为牵头单位，下同）

（二）丰富消费场景。

2.发展夜间经济。打造一批夜间消费地标。（责任单位：长沙市商务局、省文化和旅游厅）
"""


def notice_drafts():
    drafts = []
    for index in (0, 1):
        text, _note = pt.draft_file(NOTICE, None, index)
        drafts.append(tomllib.loads(text))
    return drafts


def test_the_draft_recovers_at_least_90_percent_of_the_encoded_targets_with_their_values_and_units():
    text = NOTICE.read_text(encoding="utf-8")
    candidates = [c for draft in notice_drafts() for c in draft["targets"]]
    spans = [(s, e, c) for c in candidates for s, e in pt.occurrences(text, c["quote_zh"])]
    encoded = [t for name in ("open_economy_2021_2023", "consumption_2021_2023")
               for t in tomllib.loads((PLANS_DIR / f"{name}.toml").read_text(encoding="utf-8"))["targets"]
               if t["target_type"] != "no_numeric_target"]
    assert len(encoded) == 48
    missed = []
    for target in encoded:
        where = pt.occurrences(text, target["quote_zh"])
        found = any(s < te and ts < e and pt.same_quantity(c["target_value"], c["unit"], target["target_value"],
                                                           target["unit"])
                    for s, e, c in spans for ts, te in where)
        if not found:
            missed.append(target["id"])
    # the two values the text states in words (全部完成, 全覆盖 = 100%) are the only ones a number scan cannot see
    assert sorted(missed) == ["ftz_reform_tasks_2023", "trade_service_platform_coverage_2023"]
    assert 1 - len(missed) / len(encoded) >= 0.9  # 46 of 48 = 95.8 %


def test_the_draft_finds_every_measure_with_its_departments():
    open_economy, consumption = notice_drafts()
    assert len(open_economy["measures"]) == 24 and len(consumption["measures"]) == 18
    m21 = open_economy["measures"][20]
    assert (m21["lead"], m21["co_departments"][-1]) == ("省商务厅", "广铁集团长沙办事处")
    assert "departments" not in open_economy  # every name is in data/departments.csv
    # candidates sit in the measure that states them
    m14 = next(m for m in open_economy["measures"] if m["number"] == 14)
    values = {t["id"]: t["target_value"] for t in open_economy["targets"]}
    assert sorted(values[i] for i in m14["targets"]) == [20, 2600]


def test_the_draft_guesses_kind_comparator_and_sign():
    consumption = notice_drafts()[1]
    by_value = {t["target_value"]: t for t in consumption["targets"]}
    assert by_value[20000]["unit"] == "亿元" and by_value[20000]["comparator"] == ">"      # 突破2万亿元
    assert by_value[7.5]["target_type"] == "average_growth" and by_value[7.5]["comparator"] == ">="
    assert by_value[-1.5]["target_type"] == "pp_change" and by_value[-1.5]["comparator"] == "<="
    assert by_value[3000]["target_type"] == "cumulative_flow"                              # 新增…3000家以上


def confirm(draft: str) -> str:
    """What a person does after reading every marked line and finding the guesses right: remove the markers."""
    return re.sub(r"  # check.*$", "", draft, flags=re.M)


def test_a_city_plan_drafted_from_its_text_is_accepted_by_targets_add(tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    (work / "changsha_2024.txt").write_text(CITY_PLAN, encoding="utf-8")
    plans = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, plans)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(plans))

    assert main(["targets", "draft", str(work / "changsha_2024.txt"), "--out", str(work / "changsha_2024.toml")]) == 0
    assert "3 candidate targets and 2 measures" in capsys.readouterr().err
    draft = (work / "changsha_2024.toml").read_text(encoding="utf-8")
    assert draft.count("# check") >= 10
    raw = tomllib.loads(draft)
    assert raw["plan"]["title_zh"] == "长沙市促进消费扩容提质行动方案（2024—2026年）"
    assert (raw["plan"]["period_start"], raw["plan"]["period_end"]) == (2024, 2026)
    assert raw["departments"][0]["name_zh"] == "长沙市商务局"  # unknown to data/departments.csv: declared

    (work / "changsha_2024.toml").write_text(confirm(draft), encoding="utf-8")
    ids = add_plan(work / "changsha_2024.toml", plans_dir=plans)
    assert len(ids) == 3
    targets = read_plans(plans)[1].set_index("id")
    rows = targets.loc[ids]
    assert rows[["indicator_id", "target_type", "target_value", "comparator", "unit", "region_code", "target_period",
                 "base_period"]].values.tolist() == [
        ["retail_sales", "level_by_date", 6500.0, ">", "亿元", "430100", "2026", "2023"],
        ["retail_sales", "average_growth", 6.0, ">=", "%", "430100", "2026", "2023"],
        ["new_above_quota_enterprises", "cumulative_flow", 900.0, ">=", "家", "430100", "2026", "2023"],
    ]
    assert rows.measure_id.isna().tolist() == [True, True, False]  # two in the 发展目标, one in measure 1
    assert rows.measure_id.iloc[2] == "changsha_2024_m01"
    _departments, measures, links = read_measures(plans)
    city = measures[measures.plan_id == "changsha_2024"]
    assert city.title_zh.tolist() == ["培育商贸流通企业", "发展夜间经济"]
    assert links[links.measure_id == "changsha_2024_m02"].department_code.tolist() == ["changsha_2024_d01", "culture_tourism"]


def test_an_unconfirmed_guess_that_is_wrong_is_still_refused_by_targets_add(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "city.txt").write_text(CITY_PLAN.replace("社会消费品零售总额", "消费总额"), encoding="utf-8")
    plans = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, plans)
    draft, _ = pt.draft_file(work / "city.txt", work / "city.toml")
    assert 'indicator = ""  # check (no indicator name found in the clause)' in draft
    (work / "city.toml").write_text(confirm(draft), encoding="utf-8")
    with pytest.raises(Exception, match="unknown indicator ''"):
        add_plan(work / "city.toml", plans_dir=plans)
