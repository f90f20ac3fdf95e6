"""Every page as a person sees it on the demo data, at 1400 px and at a phone's 390 px, in Chinese and English:
each page names its own browser tab, and at 390 px nothing pushes the main block sideways (issue 11). Saves the
screenshots to tests/artifacts/ and the ledger picture the README shows to docs/."""

from __future__ import annotations

import re
import shutil

import pytest

from monitor.i18n import t
from tests.conftest import PROJECT_ROOT
from tests.test_browser import ARTIFACTS, serve
from ui.pages import PAGES

LEDGER_SHOT = PROJECT_ROOT / "docs" / "screenshot-ledger.png"


@pytest.fixture(scope="module")
def demo_server(demo_template, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser-demo") / "monitor.duckdb"
    shutil.copyfile(demo_template, db)
    with serve(db) as url:
        yield url


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


def test_a_click_on_the_map_focuses_that_prefecture_and_a_period_change_keeps_years_in_order(demo_server, browser,
                                                                                             demo_template):
    """Issue 11 item 4: a click on a region of the map once changed neither the focus nor the URL (the selection
    came back under the key "properties\\.adcode"); after choosing another 期别 the small multiples' x-axis once
    read "2016 2018 2020 2022 2015". The period choices read 2023年 / 2025年1—11月, never a literal "1至m月"."""
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.goto(f"{demo_server}/prefectures?dataset=demo&ind=retail_sales&period=2025&measure=growth&region=430100",
              wait_until="domcontentloaded")
    page.get_by_text(t("prefectures.map_schematic", "zh")).first.wait_for(timeout=90000)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.nth(3).wait_for(timeout=60000)
    page.wait_for_timeout(1500)
    box = charts.nth(1).bounding_box()
    focused = set()
    for fx, fy in ((0.5, 0.5), (0.6, 0.7), (0.4, 0.4)):  # three points inside Hunan's outline
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_function("() => !location.search.includes('region=430100')", timeout=30000) if not focused \
            else page.wait_for_timeout(2500)
        region = dict(p.split("=") for p in page.url.split("?")[1].split("&"))["region"]
        focused.add(region)
    assert len(focused) >= 2 and "430100" not in focused, focused  # each click focused the prefecture clicked
    # the focus card's heading is the clicked prefecture
    last = dict(p.split("=") for p in page.url.split("?")[1].split("&"))["region"]
    from monitor import store
    from monitor.db import Reader
    with Reader(demo_template) as reader:
        name = store.regions(reader).set_index("code").name_zh[last]
    page.get_by_role("heading", name=name).first.wait_for(timeout=30000)

    period = page.get_by_test_id("stSelectbox").filter(has_text=t("prefectures.period", "zh"))
    period.click()
    options = page.get_by_role("option").all_inner_texts()
    assert "2025年（14个市州有数据）" in options and not any("m月" in o for o in options), options
    page.keyboard.type("2023年（")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('period=2023&') || location.search.endsWith('period=2023')",
                           timeout=30000)
    page.wait_for_timeout(2500)
    axes = charts.nth(2).locator("g.role-axis-label")
    checked = 0
    for i in range(axes.count()):  # each panel's own axis: its years left to right in time order
        years = [int(x) for x in axes.nth(i).locator("text").all_text_contents() if re.fullmatch(r"\d{4}", x.strip())]
        if years:
            assert years == sorted(years) and max(years) <= 2023, years
            checked += 1
    assert checked >= 4, checked
    page.close()
