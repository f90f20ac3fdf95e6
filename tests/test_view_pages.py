"""The view pages hold no domain rules: no target_type strings, no province code, no language ternaries;
the method page lists every kind of target from the kinds table."""

import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor.i18n import t
from monitor.target_kinds import KINDS
from tests.conftest import PROJECT_ROOT

VIEW_FILES = sorted([PROJECT_ROOT / "app.py", *(PROJECT_ROOT / "pages").glob("*.py"),
                     *(PROJECT_ROOT / "ui").glob("*.py")])


def offending_lines(pattern: str, skip: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in VIEW_FILES:
        if path.name in skip:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    return found


def test_the_scan_reads_the_pages():
    assert any(p.name == "prefectures.py" and p.parent.name == "pages" for p in VIEW_FILES)
    assert offending_lines(r"require_app_frame\(\)")  # a pattern every page has is found


def test_no_view_compares_target_type_strings():
    assert offending_lines(r"target_type\s*[!=]=") == []


def test_no_view_spells_out_the_province_code():
    assert offending_lines(r"[\"']430000[\"']") == []


def test_views_choose_words_through_the_catalog_not_language_ternaries():
    # pages/data.py is being reworked separately (issue 10, the import protocol).
    assert offending_lines(r"lang\s*[!=]=\s*[\"'](zh|en)[\"']", skip=("data.py",)) == []


@pytest.fixture
def method_page(db_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_in(lang):
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("pages/method.py").run()
        assert not at.exception, at.exception
        return "\n".join(str(m.value) for m in at.markdown)
    return open_in


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_method_page_lists_every_kind_of_target_with_its_definition(method_page, lang):
    text = method_page(lang)
    for kind in KINDS:
        assert kind.name(lang) in text and kind.definition(lang) in text, kind.target_type
    assert t("method.thresholds", lang).strip() in text


def test_the_method_page_gives_each_plan_its_document_number_from_the_plan_file(method_page):
    text = method_page("en")
    title = "Action Plan to Promote Circulation Innovation and Expand Consumption (2021–2023)"
    assert f"**{title}** (湘政办发〔2021〕66号)" in text


def test_the_indicator_caption_punctuates_labels_in_the_pages_language(db_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.query_params["ind"] = "retail_sales"
    at.switch_page("pages/indicator.py").run()
    assert not at.exception, at.exception
    captions = "\n".join(str(c.value) for c in at.caption)
    assert "Publisher: " in captions and "Unit: 亿元" in captions
    assert "Publisher：" not in captions  # a Chinese colon in English text
