"""The overview by plan, section and measure with the lead department, the department filter (URL `dept`), and
the indicator page's task text (issue 12), and a prefecture's yardsticks read as references (issue 11)."""

from __future__ import annotations

import pytest

from monitor import measures
from monitor.db import Reader
from monitor.i18n import t
from tests.test_app import all_text, app_for, badges


@pytest.fixture
def app(db_path, monkeypatch):
    return app_for(db_path, monkeypatch)


def ids_shown(at, lang="zh"):
    return set(at.dataframe[0].value[t("table.target_id", lang)])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overview_groups_targets_by_section_and_measure_naming_the_lead(app, lang):
    at = app(lang=lang).run()
    assert not at.exception
    text = all_text(at)
    assert t("overview.goals", lang) in text
    lead = "商务厅" if lang == "zh" else "Hunan Department of Commerce"
    line = t("overview.measure_line", lang, number="1", title="培育壮大流通主体" if lang == "zh"
             else "Growing circulation businesses", lead=lead)
    assert line in text


@pytest.mark.parametrize("lang, name", [("zh", "省商务厅"), ("en", "Hunan Department of Commerce")])
def test_the_department_filter_shows_its_tasks_targets_and_a_summary(app, db_path, lang, name):
    everything = ids_shown(app(lang=lang).run(), lang)
    at = app(lang=lang, dept="commerce").run()
    assert not at.exception
    with Reader(db_path) as reader:
        mine = measures.measures_of_department(reader, "commerce")
    expected = {i for ids in mine.target_ids for i in ids} & everything
    assert ids_shown(at, lang) == expected and 0 < len(expected) < len(everything)
    summary = [i.value for i in at.info]
    assert any(name in s for s in summary), summary


def test_a_prefectures_yardsticks_read_as_references(demo_db, monkeypatch):
    app = app_for(demo_db, monkeypatch)
    at = app(dataset="demo", region="430700").run()
    assert not at.exception
    labels = set(badges(at))
    assert labels & {"达到参照", "低于参照"}
    assert not labels & {"已完成", "未完成"}  # 常德市 has no targets of its own in the plans


def test_the_indicator_page_shows_the_task_stating_the_target(app):
    at = app(ind="new_above_quota_enterprises").run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    titles = [e.label for e in at.expander]
    assert any(title.startswith("所属任务：1.培育壮大流通主体") for title in titles), titles
