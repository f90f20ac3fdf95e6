"""Every page as a person sees it on the demo data, at 1400 px and at a phone's 390 px, in Chinese and English:
each page names its own browser tab, and at 390 px nothing pushes the main block sideways (issue 11). Saves the
screenshots to tests/artifacts/ and the ledger picture the README shows to docs/."""

from __future__ import annotations

import shutil

import pytest

from monitor.i18n import t
from tests.conftest import PROJECT_ROOT
from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, serve
from ui.pages import PAGES

LEDGER_SHOT = PROJECT_ROOT / "docs" / "screenshot-ledger.png"


@pytest.fixture(scope="module")
def demo_server(demo_template, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser-demo") / "monitor.duckdb"
    shutil.copyfile(demo_template, db)
    with serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_fits_the_screen_and_names_its_tab(demo_server, browser, lang, width):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 1400})
    page.goto(f"{demo_server}/?dataset=demo&lang={lang}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("app.title", lang)).wait_for(timeout=90000)
    titles, overflow = {}, {}
    for name, _path, _icon, _default in PAGES:
        page.goto(f"{demo_server}/{name}?dataset=demo&lang={lang}", wait_until="domcontentloaded")
        heading = t("app.title", lang) if name == "overview" else t(f"nav.{name}", lang)
        page.get_by_role("heading", name=heading).first.wait_for(timeout=90000)
        page.wait_for_timeout(2500)  # tables and charts draw after the heading
        titles[name] = page.title()
        sizes = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                              " const b = m && m.querySelector('[data-testid=\"stMainBlockContainer\"]');"
                              " return b ? [b.scrollWidth, b.clientWidth] : null }")
        if sizes and sizes[0] > sizes[1] + 1:
            overflow[name] = sizes
        page.screenshot(path=str(ARTIFACTS / f"{name}_{lang}_{width}.png"))
        if name == "ledger" and lang == "zh" and width == 1400:
            shutil.copyfile(ARTIFACTS / f"{name}_{lang}_{width}.png", LEDGER_SHOT)
    page.close()
    assert len(set(titles.values())) == len(PAGES), titles  # each page names its own tab
    if width == 390:
        assert overflow == {}, overflow


@pytest.mark.parametrize("lang, name", [("zh", "省商务厅"), ("en", "Hunan Department of Commerce")])
def test_the_department_filter_and_the_word_report_in_the_browser(demo_server, browser, tmp_path, lang, name):
    """The overview filtered to one department (URL dept=commerce) shows its summary line and its tasks grouped by
    section (the plans' 发展目标, stated in no task, are left out); the 生成监测报告（Word） button builds the report
    and the browser downloads a real .docx."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page.goto(f"{demo_server}/?dataset=demo&lang={lang}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("app.title", lang)).wait_for(timeout=90000)
    page.goto(f"{demo_server}/?dataset=demo&lang={lang}&dept=commerce", wait_until="domcontentloaded")
    page.get_by_text(name).first.wait_for(timeout=90000)                 # the department's summary line
    # the plans' 发展目标 belong to no department
    assert page.get_by_text(t("overview.goals", lang)).count() == 0
    button = page.get_by_role("button", name=t("report.button", lang)).first
    button.wait_for(timeout=90000)
    with page.expect_download(timeout=180000) as info:  # the document is built when clicked
        button.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".docx" and path.name.startswith("DEMO-synthetic_")
    assert path.read_bytes()[:2] == b"PK"  # a zip: an Office Open XML document
    page.close()
