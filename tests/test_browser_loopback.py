"""No request leaves the loopback address (issue 16: "Hostile and messy input"), on an offline network or
under a hostile data file alike.

Every text that comes from data — plan and target names and quotes, measure texts, department, region,
indicator and dataset names, observation sources, URLs, quotes and notes, ledger reports, import-log file
names and messages, and a file name uploaded through the data page — holds a Markdown image, a Markdown
link, a raw <img>, <script> and <iframe> pointing at attacker.example. Every page is opened in headless
Chromium on both datasets; every request the browser makes is recorded (and any not to 127.0.0.1 or
localhost blocked), and the rendered DOM is searched for a resource (img, script, iframe, link, source…)
whose address is not local. Links (<a href>) may point anywhere: following one is the reader's choice.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from urllib.parse import urlsplit

import duckdb
import pytest

from monitor import bootstrap, demo
from monitor.config import PLANS_DIR
from monitor.i18n import t
from monitor.importer import import_file
from monitor.registry import add_plan
from tests.test_browser import serve
from tests.test_untrusted_text import APP, PLAN, QUOTE, RENDERED_AS_MARKDOWN

EVIL = "attacker.example"
HOSTILE = (f' ![m](http://{EVIL}/md.png) <img src="http://{EVIL}/html.png"> <script src="http://{EVIL}/s.js">'
           f'</script> <iframe src="http://{EVIL}/frame"></iframe> [l](http://{EVIL}/link) **b** `c` $x$')
PASSWORD = "correct horse battery staple"
UPLOAD_NAME = f"![t](http://{EVIL}/fn.png)<img src=http://{EVIL}/fn2.png>.csv"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Every stored text a page can show, with the SQL that makes it hostile. Codes, ids and units stay as
# they are: they are keys, validated on import, and the pages look things up by them.
HOSTILE_UPDATES = [
    "UPDATE regions SET name_zh = name_zh || $h, short_name_zh = short_name_zh || $h, name_en = name_en || $h"
    " WHERE level IN ('province', 'prefecture')",
    "UPDATE indicators SET name_zh = name_zh || $h, name_en = name_en || $h, publisher = $h,"
    " definition_zh = $h, definition_en = $h, notes_zh = $h, notes_en = $h",
    "UPDATE plans SET title_zh = title_zh || $h, title_en = title_en || $h, issuer_zh = $h,"
    " document_no = $h, goals_zh = $h",
    "UPDATE targets SET name_zh = name_zh || $h, name_en = name_en || $h, quote_zh = quote_zh || $h,"
    " clause = $h, notes_zh = $h, notes_en = $h, decision_zh = $h, decision_en = $h",
    "UPDATE measures SET section_zh = $h, section_en = $h, title_zh = title_zh || $h, title_en = title_en || $h,"
    " text_zh = text_zh || $h",
    "UPDATE departments SET name_zh = name_zh || $h, short_name_zh = short_name_zh || $h, name_en = name_en || $h",
    "UPDATE datasets SET name_zh = name_zh || $h, name_en = name_en || $h, description = $h",
    f"UPDATE observations SET source = source || $h, quote = $h, note = $h, source_url = 'http://{EVIL}/src'"
    " WHERE dataset = 'demo' OR region_code IN ('430000', '430100')",
    f"UPDATE progress_reports SET progress_text = $h, reporter = $h, source_file = $h,"
    f" evidence_url = 'http://{EVIL}/evidence'",
    "UPDATE import_log SET file_name = file_name || $h, message = $h, user_name = $h",
]


def hostile_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator", "region", "period", "value", "unit", "source", "source_url", "quote", "note"])
    writer.writerow(["retail_sales", "长沙市", "2019", "4287.3", "亿元", "统计局" + HOSTILE, f"http://{EVIL}/a",
                     "零售" + HOSTILE, HOSTILE])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """(database, plans folder): the bundled registry and data, the demo dataset and a hostile plan, with every
    stored text made hostile."""
    root = tmp_path_factory.mktemp("loopback")
    plans = root / "plans"
    shutil.copytree(PLANS_DIR, plans)
    incoming = root / "incoming"
    (incoming / "source").mkdir(parents=True)
    (incoming / "source" / "hostile_city.txt").write_text(f"一、目标\n{QUOTE}\n", encoding="utf-8")
    (incoming / "hostile_city.toml").write_text(PLAN, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("MONITOR_PLANS_DIR", str(plans))  # the registry digest the app checks is taken with this folder
    try:
        add_plan(incoming / "hostile_city.toml")
        db = root / "monitor.duckdb"
        bootstrap.initialise(db)
        demo.run_demo(db, "prefectures", (2018, 2025), 1)
        import_file(db, hostile_csv(), f"![t](http://{EVIL}/cli.png).csv", user="cli" + HOSTILE)
        with duckdb.connect(str(db)) as con:
            for sql in HOSTILE_UPDATES:
                con.execute(sql, {"h": HOSTILE})
    finally:
        mp.undo()
    return db, plans


@pytest.fixture(scope="module")
def hostile_server(hostile_db):
    db, plans = hostile_db
    with serve(db, {"MONITOR_PLANS_DIR": str(plans), "MONITOR_EDITOR_PASSWORD": PASSWORD}) as url:
        yield url


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True  # never leaves the browser
    return parts.hostname in LOCAL_HOSTS


# Resources the page would load (not links a reader may follow): elements with src/href/srcset/poster/data
# attributes, other than <a>, and url(...) in inline styles.
DOM_RESOURCES = """() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    if (el.tagName === 'A') continue;
    for (const attr of ['src', 'href', 'srcset', 'poster', 'data', 'xlink:href', 'action', 'background']) {
      const v = el.getAttribute(attr);
      if (v) out.push(el.tagName + ' ' + attr + '=' + v);
    }
    const style = el.getAttribute('style');
    if (style && style.includes('url(')) out.push(el.tagName + ' style=' + style);
  }
  return out;
}"""


def remote_resources(page) -> list[str]:
    found = []
    for item in page.evaluate(DOM_RESOURCES):
        value = item.split("=", 1)[1]
        for url in value.replace(",", " ").split():
            if url.startswith(("http:", "https:", "//")) and not is_local(url if ":" in url else "http:" + url):
                found.append(item)
    return found


def settle(page, timeout_ms: int = 90000) -> None:
    """Until the script run is over (the app root's script state not "running" for 1 s), then scroll the main
    block from top to bottom, so images the browser loads lazily (only near the viewport) would be requested."""
    quiet, waited = 0, 0
    while quiet < 1000 and waited < timeout_ms:
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
        quiet = 0 if state in ("running", "initial") else quiet + 250
        page.wait_for_timeout(250)
        waited += 250
    page.evaluate("""async () => {
        const main = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
        for (let y = 0; y <= main.scrollHeight; y += 600) { main.scrollTo(0, y); await new Promise(r => setTimeout(r, 60)); }
        main.scrollTo(0, 0);
    }""")
    page.wait_for_timeout(1000)


def visit(page, url: str, heading: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name=heading).first.wait_for(timeout=90000)
    settle(page)  # tables, charts and images draw after the heading


@pytest.fixture
def recorded(browser):
    """A browser context that records every request and blocks any that would leave the loopback address."""
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    requests: list[str] = []
    blocked: list[str] = []
    context.on("request", lambda request: requests.append(request.url))

    def route(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()
    context.route("**/*", route)
    page = context.new_page()
    yield page, requests, blocked
    context.close()


# Each dataset and each language once (every field holds the hostile text in both languages): the four
# combinations took 4 × 62 s of the CI run; the AppTest check below still covers both datasets on every page.
@pytest.mark.parametrize("dataset, lang", [("official", "zh"), ("demo", "en")])
def test_every_page_with_hostile_text_in_every_field_requests_only_loopback(hostile_server, recorded, dataset, lang):
    page, requests, blocked = recorded
    query = f"dataset={dataset}&lang={lang}"
    visit(page, f"{hostile_server}/?{query}", t("app.title", lang))  # app.py frames the session first
    pages = [
        ("", "region=430100", t("app.title", lang)),
        ("", "dept=commerce", t("app.title", lang)),
        ("indicator", "ind=retail_sales&region=430100&target=hostile_target", t("nav.indicator", lang)),
        ("indicator", "ind=retail_sales&region=430000", t("nav.indicator", lang)),
        ("prefectures", "ind=retail_sales", t("nav.prefectures", lang)),
        ("ledger", "", t("nav.ledger", lang)),
        ("data", "", t("nav.data", lang)),
        ("method", "", t("nav.method", lang)),
    ]
    resources, leaks = {}, {}
    for path, extra, heading in pages:
        before = len(blocked)
        visit(page, f"{hostile_server}/{path}?{query}&{extra}", heading)
        assert EVIL in page.content() or path == "prefectures", path  # the hostile text is on the page, as text
        if found := remote_resources(page):
            resources[f"{path or 'overview'}?{extra}"] = found
        if blocked[before:]:
            leaks[f"{path or 'overview'}?{extra}"] = sorted(set(blocked[before:]))
    assert requests and all(is_local(url) or url in blocked for url in requests)
    assert leaks == {} and blocked == [], leaks or blocked
    assert resources == {}, resources


def test_an_uploaded_file_with_a_hostile_name_requests_only_loopback(hostile_server, recorded):
    page, requests, blocked = recorded
    visit(page, f"{hostile_server}/?lang=zh", t("app.title", "zh"))
    visit(page, f"{hostile_server}/data?lang=zh", t("nav.data", "zh"))
    page.get_by_label(t("data.password", "zh")).fill(PASSWORD)
    page.get_by_role("button", name=t("data.unlock", "zh")).click()
    page.get_by_text(t("data.unlocked", "zh")).first.wait_for(timeout=60000)
    # by code: the region names are hostile too
    data = "indicator,region,period,value,unit,source\nretail_sales,430100,2018,4000.1,亿元,湖南省统计局\n"
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": UPLOAD_NAME, "mimeType": "text/csv", "buffer": data.encode()}])
    confirm = page.get_by_role("button", name=re.compile("^" + re.escape(t("data.confirm", "zh").split("（")[0])))
    confirm.wait_for(timeout=90000)
    confirm.click()
    page.get_by_text(t("data.import_done", "zh").split(" ")[0]).first.wait_for(timeout=90000)  # 已导入 …
    page.wait_for_timeout(2000)
    assert f"http://{EVIL}/fn.png" in page.content()  # the name is shown, as text
    assert blocked == [], blocked
    assert remote_resources(page) == []
    assert all(is_local(url) for url in requests)


@pytest.mark.parametrize("page, query", [
    (None, {"region": "430100"}), (None, {"dept": "commerce"}),
    ("pages/indicator.py", {"ind": "retail_sales", "region": "430100", "target": "hostile_target"}),
    ("pages/prefectures.py", {"ind": "retail_sales"}), ("pages/ledger.py", {}), ("pages/data.py", {}),
    ("pages/method.py", {})])
def test_no_page_hands_hostile_text_to_markdown_unescaped(hostile_db, monkeypatch, page, query):
    """The same database in Streamlit's own test runner (quicker to point at the line): no element the browser
    renders as Markdown holds the hostile image syntax unescaped, on either dataset."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    db, plans = hostile_db
    monkeypatch.setenv("MONITOR_DB", str(db))
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(plans))
    monkeypatch.delenv("MONITOR_EDITOR_PASSWORD", raising=False)
    for dataset in ("official", "demo"):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in {**query, "dataset": dataset}.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        live = [f"{el.type}: {str(el.proto)[:160]}" for kind in RENDERED_AS_MARKDOWN for el in getattr(at, kind)
                if "![m](" in str(el.proto) or "![t](" in str(el.proto)]
        live += [f"{kind}: {str(el.proto)[:160]}" for kind in ("progress", "button_group") for el in at.get(kind)
                 if "![m](" in str(el.proto)]  # a progress text and a segmented control's options are Markdown too
        assert live == [], (dataset, live)
