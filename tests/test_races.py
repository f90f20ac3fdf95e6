"""Races and shared state between sessions (issue 16 items 8, 9, 16): a CLI import is seen by the next page run,
a lost update on Confirm is refused in the page, and a stranger's wrong passwords do not lock an editor out."""

from __future__ import annotations

import logging

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor.db import Reader
from monitor.i18n import t
from monitor.importer import import_file
from tests.conftest import PROJECT_ROOT
from ui import auth

APP = str(PROJECT_ROOT / "app.py")
PASSWORD = "correct horse battery staple"
HEADER = "indicator,region,period,value,unit,source\n"


def csv_of(value, region="长沙市", period="2019") -> bytes:
    return (HEADER + f"retail_sales,{region},{period},{value},亿元,湖南省统计局\n").encode()


@pytest.fixture
def data_page(db_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)
    auth.THROTTLE.reset()
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_page(password: str | None = None) -> AppTest:
        if password is not None:
            monkeypatch.setenv(auth.PASSWORD_ENV, password)
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page("pages/data.py").run()
        assert not at.exception, at.exception
        return at
    return open_page


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def total_rows_caption(at: AppTest, total: int) -> str:
    return t("data.matched", "zh", matched=total, shown=total, total=total)


# --------------------------------------------------------------------------- item 9

def test_the_next_page_run_after_a_cli_import_shows_the_new_rows(data_page, db_path):
    at = data_page()
    with Reader(db_path) as reader:
        before = reader.query_rows("SELECT count(*) FROM observations_latest WHERE dataset = 'official'")[0][0]
    assert total_rows_caption(at, before) in texts(at.caption)
    import_file(db_path, csv_of(4287.3), "cli.csv", user="cli")   # the command line, another process in life
    at.run()                                                      # the same session's next run
    assert total_rows_caption(at, before + 1) in texts(at.caption)
    fresh = data_page()                                           # and a new session
    assert total_rows_caption(fresh, before + 1) in texts(fresh.caption)


# --------------------------------------------------------------------------- item 8 in the page

def test_a_different_figure_written_between_preview_and_confirm_is_not_overwritten(data_page, db_path):
    import_file(db_path, csv_of(5208.5), "first.csv")
    at = data_page(PASSWORD)
    at.text_input(key="data_password").input(PASSWORD)
    at.button[0].click().run()
    at.file_uploader[0].upload("editor.csv", csv_of(6000), "text/csv").run()
    assert {m.label: m.value for m in at.metric}[t("data.revised", "zh")] == "1"
    import_file(db_path, csv_of(5500), "cli.csv", user="cli")     # meanwhile: same counts, another old value
    at.button(key="data_confirm").click().run()
    assert not at.exception, at.exception
    assert t("data.plan_changed", "zh") in texts(at.warning)
    with Reader(db_path) as reader:
        assert reader.query_rows(
            "SELECT value FROM observations_latest WHERE dataset = 'official' AND indicator_id = 'retail_sales'"
            " AND region_code = '430100' AND period = '2019'") == [(5500.0,)]


# --------------------------------------------------------------------------- item 16

def test_a_strangers_wrong_passwords_do_not_block_an_editor_at_another_address():
    now = [0.0]
    throttle = auth.ClientThrottle(free=5, first_wait=30, max_wait=900, ceiling=50, clock=lambda: now[0])
    for _ in range(20):
        throttle.record("203.0.113.9", False)
    assert throttle.wait_left("203.0.113.9") > 0          # the stranger waits…
    assert throttle.wait_left("10.0.0.7") == 0             # …the editor does not
    throttle.record("10.0.0.7", True)
    assert throttle.wait_left("203.0.113.9") > 0           # a right password elsewhere does not free the stranger


def test_many_addresses_together_reach_the_global_ceiling():
    now = [0.0]
    throttle = auth.ClientThrottle(free=5, first_wait=30, max_wait=900, ceiling=50, clock=lambda: now[0])
    for i in range(50):
        throttle.record(f"198.51.100.{i}", False)          # one guess each: no address alone is throttled
    assert throttle.wait_left("10.0.0.7") == 30            # but all of them together reach the ceiling
    now[0] += 30
    assert throttle.wait_left("10.0.0.7") == 0


def test_the_throttle_forgets_the_oldest_clients_beyond_its_limit():
    throttle = auth.ClientThrottle(max_clients=3)
    for client in "abcd":
        throttle.record(client, False)
    assert len(throttle._clients) == 3 and "a" not in throttle._clients


def test_the_client_is_the_trusted_proxy_headers_last_address(monkeypatch):
    class Context:
        headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.5"}
        ip_address = "127.0.0.1"

    monkeypatch.setattr(st, "context", Context())
    assert auth.client_id() == "127.0.0.1"                 # no header trusted: the connection's address
    monkeypatch.setenv(auth.PROXY_HEADER_ENV, "X-Forwarded-For")
    assert auth.client_id() == "203.0.113.5"               # the address the proxy saw, not one the client wrote


@pytest.mark.parametrize("password", [" ", "short", " " * 20, "a" * (auth.MIN_PASSWORD_LENGTH - 1)])
def test_a_password_shorter_than_the_minimum_leaves_editing_off_and_says_so(data_page, password, caplog):
    at = data_page(password)
    assert not [w for w in at.text_input if w.key == "data_password"]  # no way to unlock
    assert t("import_guard.password_too_short", "zh", var=auth.PASSWORD_ENV, n=auth.MIN_PASSWORD_LENGTH) \
        in texts(at.warning)
    auth._warned.clear()  # as at start-up: the first page run of the process says it in the server log
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="monitor.auth"):
        assert auth.editor_password() is None
        assert auth.editor_password() is None
    assert [r.getMessage() for r in caplog.records if "shorter than" in r.getMessage()] == [auth.password_problem()]
