"""Cached, read-only data access for the pages.

One Reader (read-only DuckDB) per process, recreated when a writer has swapped in a new file;
a cursor per query; bounded st.cache_data on the query functions, keyed by small arguments.
"""

from __future__ import annotations

import streamlit as st

from monitor import bootstrap, store
from monitor.config import db_path
from monitor.db import Reader


def _reader_is_current(reader: Reader) -> bool:
    return reader.is_current()


@st.cache_resource(validate=_reader_is_current, show_spinner=False)
def get_reader() -> Reader:
    path = db_path()
    bootstrap.ensure_database(path)
    st.cache_data.clear()  # a new file means cached query results may be stale
    return Reader(path)


@st.cache_data(max_entries=32, show_spinner=False)
def load_targets():
    return store.targets(get_reader())


@st.cache_data(max_entries=256, show_spinner=False)
def load_observations(dataset: str, indicator_ids: tuple[str, ...] | None = None,
                      region_codes: tuple[str, ...] | None = None):
    return store.observations(get_reader(), dataset,
                              indicator_ids=list(indicator_ids) if indicator_ids is not None else None,
                              region_codes=list(region_codes) if region_codes is not None else None)
