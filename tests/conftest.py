"""Shared fixtures: an initialised database built once per session and copied per test, the headless browser,
and the fake NBS server (tests/fakes/nbs_server.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor import bootstrap
from tests.fakes.nbs_server import nbs_server  # noqa: F401 — imported so pytest registers the fixture

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "monitor.duckdb"
    bootstrap.initialise(path)
    return path


@pytest.fixture
def db_path(template_db, tmp_path) -> Path:
    """A fresh copy of the initialised database (registry + bundled official data)."""
    path = tmp_path / "monitor.duckdb"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture(scope="session")
def demo_template(template_db, tmp_path_factory) -> Path:
    """The bundled database plus a small synthetic demo dataset (prefectures, 2018–2025)."""
    from monitor import demo

    path = tmp_path_factory.mktemp("demo") / "monitor.duckdb"
    shutil.copyfile(template_db, path)
    demo.run_demo(path, "prefectures", (2018, 2025), 1)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, one per test module (the browser tests share it)."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (./test.sh installs it)"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
