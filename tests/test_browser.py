"""What a person sees: `streamlit run app.py` on a free local port, loaded in headless Chromium.

Debian's chromium driven by Playwright with executable_path (never `playwright install`).
Saves screenshots to tests/artifacts/ and the overview screenshot used by the README to docs/.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from monitor.i18n import t
from tests.conftest import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
README_SHOT = PROJECT_ROOT / "docs" / "screenshot-overview.png"
STATUS_KEYS = ("achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(db: Path, extra_env: dict[str, str] | None = None):
    """`streamlit run app.py` on a free local port over `db`, as viewers (no editor password unless
    `extra_env` sets one); yields the URL."""
    port = free_port()
    env = {**os.environ, "MONITOR_DB": str(db)}
    env.pop("MONITOR_EDITOR_PASSWORD", None)  # viewers: the data page is read-only
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(template_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "monitor.duckdb"
    shutil.copyfile(template_db, db)
    with serve(db) as url:
        yield url


def status_locator(page, lang):
    """A status label as drawn in a badge (the badge text also holds the icon's ligature name)."""
    labels = "|".join(re.escape(t(f"status.{s}", lang)) for s in STATUS_KEYS)
    return page.get_by_text(re.compile(f"({labels})$")).first


def test_a_first_visit_by_deep_link_goes_through_app_py(server, browser):
    """Runs first on a fresh server: a link straight to a page must still get app.py's frame
    (language switch, navigation), not Streamlit's legacy pages/ mode."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.goto(f"{server}/prefectures?ind=retail_sales&period=2023&measure=growth&region=430300",
              wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("nav.prefectures", "zh")).wait_for(timeout=60000)
    page.get_by_text("English", exact=True).first.wait_for(timeout=60000)  # the sidebar frame from app.py
    assert page.get_by_text(t("nav.overview", "zh")).first.is_visible()
    page.get_by_text(t("prefectures.map_schematic", "zh")).first.wait_for(timeout=60000)
    page.locator("svg.marks, canvas").nth(1).wait_for(timeout=60000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(ARTIFACTS / "prefectures_zh.png"))
    assert "region=430300" in page.url and "measure=growth" in page.url
    page.close()


def test_overview_in_chinese_then_english(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("app.title", "zh")).wait_for(timeout=60000)
    status_locator(page, "zh").wait_for(timeout=60000)
    assert status_locator(page, "zh").is_visible()
    page.wait_for_timeout(1500)  # let charts and fonts settle before the picture
    page.screenshot(path=str(ARTIFACTS / "overview_zh.png"), full_page=False)
    README_SHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(ARTIFACTS / "overview_zh.png", README_SHOT)

    page.get_by_text("English", exact=True).first.click()
    page.get_by_role("heading", name=t("app.title", "en")).wait_for(timeout=60000)
    status_locator(page, "en").wait_for(timeout=60000)
    assert "lang=en" in page.url
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "overview_en.png"))
    page.close()


def test_indicator_page_deep_link(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/indicator?ind=retail_sales&region=430000", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("nav.indicator", "zh")).wait_for(timeout=60000)
    page.locator("canvas, svg.marks").first.wait_for(timeout=60000)  # the Vega chart drew
    status_locator(page, "zh").wait_for(timeout=60000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "indicator_zh.png"), full_page=True)
    page.close()


def test_data_page_read_only(server, browser):
    """The data page as a viewer sees it (no MONITOR_EDITOR_PASSWORD): the notice, the table, the exports."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
    # Until a first session has run app.py, Streamlit serves a page URL from the pages/ folder on its own
    # (no st.navigation, no sidebar controls); open the app once, as the other tests do, before the deep link.
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("app.title", "zh")).wait_for(timeout=60000)
    page.goto(f"{server}/data", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("nav.data", "zh")).wait_for(timeout=60000)
    page.get_by_text("MONITOR_EDITOR_PASSWORD").first.wait_for(timeout=60000)
    page.get_by_role("button", name=t("download.xlsx", "zh")).wait_for(timeout=60000)
    # The tables draw after the buttons (Arrow data arrive later), so wait for the second one to exist.
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=60000)  # the figures and the import log
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "data_zh.png"), full_page=True)
    page.close()
