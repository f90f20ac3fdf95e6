"""The ledger page (任务台账) in AppTest: statuses for a quarter, the overdue list, the department filter and a
task's history, in Chinese and English; a viewer sees no write control."""

from __future__ import annotations

import pytest

from tests.test_app import app_for


@pytest.fixture
def app(demo_db, monkeypatch):
    return app_for(demo_db, monkeypatch)


def open_ledger(app, **query):
    at = app(dataset="demo", **query)
    at.switch_page("pages/ledger.py").run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [s.value for s in at.subheader] + [t.value for t in at.title])


@pytest.mark.parametrize("lang, overdue, status_word", [("zh", "逾期未报", "按计划推进"), ("en", "Not reported", "On schedule")])
def test_the_ledger_shows_a_quarters_statuses_and_who_has_not_reported(app, lang, overdue, status_word):
    at = open_ledger(app, lang=lang, quarter="2022-Q2")
    assert overdue in texts(at)
    statuses = {row[2] for row in task_rows(at)}        # the status column, beside the task and its lead
    assert status_word in statuses
    assert [m.label for m in at.metric][:2] == (["已完成", "按计划推进"] if lang == "zh" else ["Completed", "On schedule"])


def task_rows(at):
    """The rows of the task tables (the ones whose first column is 任务编号 / Task id)."""
    frames = [d.value for d in at.dataframe if d.value.columns[-1] in ("任务编号", "Task id")]
    return [dict(zip(range(7), row)) | dict(zip(frame.columns, row)) for frame in frames
            for row in frame.itertuples(index=False)]


def test_the_department_filter_keeps_only_that_departments_tasks(app):
    everything = task_rows(open_ledger(app, quarter="2022-Q2"))
    drc = task_rows(open_ledger(app, quarter="2022-Q2", dept="drc"))
    assert 0 < len(drc) < len(everything)
    # every task shown is led or co-led by 省发展改革委 (short name 发展改革委)
    assert all("发展改革委" in (row["牵头单位"] + "、" + row["配合单位"]).split("、") for row in drc)


def test_a_tasks_history_lists_its_reports_across_quarters(app):
    at = open_ledger(app, quarter="2023-Q4", measure="co_m01")
    history = at.dataframe[-1].value
    assert history.shape[1] == 7 and history.iloc[:, 0].nunique() >= 8   # reports from many quarters


def test_a_viewer_sees_no_upload_or_template(app):
    at = open_ledger(app)
    assert len(at.get("file_uploader")) == 0
    assert "解锁" in texts(at)
