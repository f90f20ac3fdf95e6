"""The ledger page (任务台账) as a viewer sees it in headless Chromium at 1400 px, in Chinese and English, on the
demo data's synthetic reports: who has not reported (逾期未报) with the count per department, the department filter
leaving only that department's tasks, one task's history with its status changing across quarters, and no upload
or write control. One server for the file; the expected texts come from the same database through monitor.ledger.

The tables are Streamlit data grids drawn on a canvas; their cells are read from the grid's accessible table
(rows as the grid shows them, so each grid is scrolled into view first)."""

from __future__ import annotations

import shutil

import pytest

from monitor import ledger, measures
from monitor.db import Reader
from monitor.i18n import t
from tests.test_browser import ARTIFACTS, serve

WIDTH = 1400
DATASET = "demo"


@pytest.fixture(scope="module")
def demo_copy(demo_template, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser-ledger") / "monitor.duckdb"
    shutil.copyfile(demo_template, db)
    return db


@pytest.fixture(scope="module")
def server(demo_copy):
    with serve(demo_copy) as url:
        yield url


@pytest.fixture(scope="module")
def facts(demo_copy):
    """What the page should show, read from the database: the quarter with the most departments overdue, the
    department with the most overdue tasks then, and one of its tasks whose latest reports change status."""
    with Reader(demo_copy) as reader:
        overdue = {p: ledger.overdue(reader, p, DATASET) for p in ledger.quarters(2021, 2023)}
        quarter = max(overdue, key=lambda p: (overdue[p]["department_code"].nunique(), p))
        per_department = overdue[quarter].groupby("department_code").size().to_dict()
        department = max(per_department, key=lambda code: (per_department[code], code))
        departments = measures.departments(reader)
        tasks = {lang: ledger.ledger_table(reader, quarter, DATASET, department=department, lang=lang)
                 for lang in ("zh", "en")}
        history = reader.query_df(
            "SELECT measure_id, period, role, status FROM progress_reports WHERE dataset = ?"
            " ORDER BY measure_id, period DESC, role, vintage DESC", [DATASET])
    mine = set(tasks["zh"]["measure_id"])
    changing = [m for m, rows in history.groupby("measure_id") if m in mine and rows.head(8)["status"].nunique() > 1]
    assert len(per_department) > 1 and changing, "the demo data should have these"
    measure = changing[0]
    lead = history[(history.measure_id == measure) & (history.role == "lead")]
    return {"quarter": quarter, "department": department, "departments": departments, "per_department": per_department,
            "tasks": tasks, "measure": measure, "lead_status": dict(zip(lead.period, lead.status))}


def open_ledger(browser, server, lang, **query):
    page = browser.new_page(viewport={"width": WIDTH, "height": 1600})
    # a first visit runs app.py, so the deep link below gets the app's frame (see tests/test_browser.py)
    page.goto(f"{server}/?dataset={DATASET}&lang={lang}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("app.title", lang)).wait_for(timeout=90000)
    params = "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(f"{server}/ledger?dataset={DATASET}&lang={lang}&{params}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("nav.ledger", lang)).first.wait_for(timeout=90000)
    page.get_by_role("heading", name=t("ledger.page.overdue", lang)).wait_for(timeout=90000)
    return page


def grids_with(page, header: str):
    """The data grids one of whose column headings is ``header``."""
    grids = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("th", has_text=header))
    grids.first.wait_for(timeout=90000)
    return grids


def grid_rows(page, grid) -> list[dict[str, str]]:
    """A grid's rows as the grid draws them, each {column heading: cell text}: scrolled into view, then read once
    its cells are drawn and their number has settled (a grid draws its rows after its headings)."""
    grid.scroll_into_view_if_needed()
    grid.locator("td").first.wait_for(state="attached", timeout=30000)  # drawn on the canvas: never "visible"
    count = -1
    for _ in range(50):
        page.wait_for_timeout(200)
        if count == (count := grid.locator("td").count()):
            break
    return grid.evaluate(
        "g => { const heads = [...g.querySelectorAll('th')].map(h => h.innerText.trim());"
        " return [...g.querySelectorAll('tr')].map(r => [...r.querySelectorAll('td')])"
        "  .filter(cells => cells.length).map(cells => Object.fromEntries("
        "   cells.map((c, i) => [heads[i] === '' ? '_index' : heads[i], c.innerText.trim()]))) }")


def department_name(facts, code, lang):
    return measures.department_names(facts["departments"], lang)[code]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overdue_list_counts_the_unreported_tasks_of_each_department_and_a_viewer_has_no_write_control(
        server, browser, facts, lang):
    page = open_ledger(browser, server, lang, quarter=facts["quarter"])
    count_heading = t("ledger.page.count", lang)
    rows = grid_rows(page, grids_with(page, count_heading).first)
    shown = {row["_index"]: int(row[count_heading]) for row in rows}
    expected = {department_name(facts, code, lang): n for code, n in facts["per_department"].items()}
    assert shown == expected and len(shown) > 1
    assert page.get_by_text(t("ledger.status.overdue", lang), exact=True).first.is_visible()  # the metric's label

    # a viewer: the downloads of the compiled ledger, nothing that writes
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert page.get_by_text(t("ledger.page.upload", lang)).count() == 0
    buttons = {text.strip() for text in page.get_by_role("button").all_inner_texts() if text.strip()}
    assert {t("ledger.page.export_xlsx", lang), t("ledger.page.export_csv", lang)} <= buttons
    assert t("ledger.page.confirm", lang) not in buttons
    template = t("ledger.page.template", lang, department="").rstrip("（）() ")     # 下载推进情况表模板 / … template
    assert not [b for b in buttons if b.startswith(template)]
    assert page.get_by_text(t("ledger.page.editors_only", lang)).first.is_visible()
    page.screenshot(path=str(ARTIFACTS / f"ledger_overdue_{lang}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_department_filter_leaves_its_tasks_and_a_tasks_history_shows_its_status_across_quarters(
        server, browser, facts, lang):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    code = facts["department"]
    page = open_ledger(browser, server, lang, quarter=facts["quarter"], dept=code, measure=facts["measure"])
    title_heading = t("ledger.column.title", lang)
    expected = facts["tasks"][lang]
    tasks = grids_with(page, t("ledger.column.lead", lang))
    sections = expected.groupby(["plan_id", "section"]).ngroups            # one table per plan section
    for _ in range(150):                                                    # the page draws them one by one
        if tasks.count() >= sections:
            break
        page.wait_for_timeout(200)
    assert tasks.count() == sections
    shown = [row[title_heading] for i in range(sections) for row in grid_rows(page, tasks.nth(i))]
    assert sorted(shown) == sorted(f"{n}.{x}" for n, x in zip(expected["number"], expected["title"]))
    # the overdue list follows the filter: this department alone, with its count
    count_heading = t("ledger.page.count", lang)
    overdue = grid_rows(page, grids_with(page, count_heading).first)
    assert overdue == [{"_index": department_name(facts, code, lang),
                        count_heading: str(facts["per_department"][code])}]

    history = grid_rows(page, grids_with(page, t("ledger.page.role", lang)).first)
    period_heading, status_heading = t("ledger.page.period", lang), t("ledger.column.status", lang)
    labels = {ledger.period_label(p, lang): p for p in ledger.quarters(2021, 2023)}
    lead = [row for row in history if row[t("ledger.page.role", lang)] == t("ledger.page.role_lead", lang)]
    assert len({row[period_heading] for row in history}) > 1
    assert len({row[status_heading] for row in history}) > 1                # the status changes across quarters
    for row in lead:                                                        # each as the lead reported it
        assert row[status_heading] == ledger.status_label(facts["lead_status"][labels[row[period_heading]]], lang)
    page.screenshot(path=str(ARTIFACTS / f"ledger_filtered_{lang}.png"), full_page=True)
    page.close()
