"""Shared controls in the sidebar, kept in the URL so a copied link reproduces the view.

URL keys (short and stable across pages): lang (zh|en), dataset, asof, ind, region, target.
"""

from __future__ import annotations

import streamlit as st

from monitor.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick, t

from .data import load_datasets, load_periods
from .text import md

LATEST = "latest"


def sync_from_url(key: str, options: list, default) -> None:
    """Before a widget is drawn: adopt the URL's value (a deep link or a page link) or fall back to the default.

    Widgets keep stable codes in the URL (lang=en, ind=retail_sales, region=430100), never the
    translated labels a format_func shows, so a link means the same in either language.
    """
    url_value = st.query_params.get(key)
    if url_value in options and url_value != st.session_state.get(key):
        st.session_state[key] = url_value
    elif st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else (options[0] if options else None)


def _write_url(key: str) -> None:
    value = st.session_state.get(key)
    if value is not None:
        st.query_params[key] = str(value)


def url_widget(widget, label: str, options: list, key: str, default, **kwargs):
    """A selection widget whose value is bound to the URL parameter `key` (stable codes, not labels)."""
    sync_from_url(key, options, default)
    value = widget(label, options, key=key, on_change=_write_url, args=(key,), **kwargs)
    _write_url(key)  # the URL always shows the current view, also after navigating between pages
    return value


def current_language() -> str:
    lang = st.session_state.get("lang") or st.query_params.get("lang") or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language_selector() -> str:
    url_widget(st.sidebar.segmented_control, "语言 Language", list(LANGUAGES), "lang", DEFAULT_LANGUAGE,
               required=True, format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    return current_language()


def dataset_selector(lang: str) -> str:
    datasets = load_datasets()
    options = [d for d in datasets.id.tolist() if d == "official" or datasets.set_index("id").rows.get(d, 0) > 0]
    # a segmented control renders its options as Markdown; dataset names are data (import --new-dataset)
    names = {row.id: md(pick(row, "name", lang)) for row in datasets.itertuples()}
    url_widget(st.sidebar.segmented_control, t("sidebar.dataset", lang), options, "dataset", "official",
               required=True, format_func=lambda d: names.get(d, md(d)), help=t("sidebar.dataset_help", lang))
    return st.session_state.get("dataset") or "official"


def asof_selector(dataset: str, lang: str) -> str | None:
    """The reference period, or None for the latest period with data."""
    options = [LATEST] + load_periods(dataset)
    url_widget(st.sidebar.selectbox, t("sidebar.asof", lang), options, "asof", LATEST,
               format_func=lambda p: t("sidebar.asof_latest", lang) if p == LATEST else p,
               help=t("sidebar.asof_help", lang))
    value = st.session_state.get("asof") or LATEST
    return None if value == LATEST else value


def is_synthetic(dataset: str) -> bool:
    datasets = load_datasets().set_index("id")
    return bool(dataset in datasets.index and datasets.loc[dataset, "is_synthetic"])


class View:
    """What the shared controls say, for the pages: language, dataset, as-of period."""

    def __init__(self) -> None:
        self.lang = current_language()
        self.dataset = st.session_state.get("dataset") or "official"
        asof = st.session_state.get("asof") or LATEST
        self.as_of = None if asof == LATEST else asof
        self.synthetic = is_synthetic(self.dataset)
