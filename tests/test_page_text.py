"""What a reader sees on every page (issue 11): no "None" or "nan", no float with more decimals than the one
formatter gives, no Chinese field labels on an English page — on the official and the demo data, in both
languages, on each page of the navigation (the element tree of an AppTest run, tables included)."""

from __future__ import annotations

import re

import pytest

from tests.test_app import app_for
from ui.pages import PAGES

MISSING = re.compile(r"(?<![A-Za-z])(None|nan|NaN)(?![A-Za-z])")
RAW_FLOAT = re.compile(r"(?<![\w.])\d+\.\d{4,}(?!\d)")  # the formatter never writes more than three decimals
CHINESE_LABEL = re.compile(r"(单位|发布机构|数据来源|来源)[：:]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|1[至—-]m月")  # a catalog parameter left unfilled, or "1至m月" read literally


def texts(node, strings: list[str]) -> None:
    """Every string an element shows (value, label, body, help) and every table as text, depth first."""
    for attr in ("value", "label", "body", "help", "placeholder"):
        try:
            value = getattr(node, attr)
        except Exception:  # elements raise for attributes they do not have
            continue
        if isinstance(value, str):
            strings.append(value)
        elif hasattr(value, "to_string"):
            strings.append(value.to_string())
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            texts(child, strings)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("dataset", ["official", "demo"])
def test_no_page_shows_none_nan_raw_floats_or_labels_in_the_other_language(demo_db, monkeypatch, dataset, lang):
    app = app_for(demo_db, monkeypatch)
    found = []
    views = [(path, {}) for _, path, *_ in PAGES] + [("pages/overview.py", {"region": "430700"}),
                                                     ("pages/indicator.py", {"region": "430700"})]
    for path, query in views:
        at = app(dataset=dataset, lang=lang, **query)
        at.switch_page(path).run()
        assert not at.exception, (path, at.exception)
        strings: list[str] = []
        texts(at._tree, strings)
        for text in strings:
            for pattern, what in ((MISSING, "missing value"), (RAW_FLOAT, "raw float"), (PLACEHOLDER, "placeholder")):
                if m := pattern.search(text):
                    found.append(f"{path} {query}: {what} {m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 20]}…")
            if lang == "en" and (m := CHINESE_LABEL.search(text)):
                found.append(f"{path}: Chinese label {m.group(0)!r} on the English page")
    assert not found, "\n".join(found[:20])
