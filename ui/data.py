"""Cached, read-only data access for the pages.

One Reader (a read-only DuckDB attachment) per process, replaced when a writer has swapped in a
new database file; a cursor per query; bounded st.cache_data on the loaders, keyed by small
arguments (ids and codes, never DataFrames). `clear_caches()` after any write.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from monitor import assess, bootstrap, compare, measures, regions, store
from monitor.config import db_path
from monitor.db import DatabaseUnreadable, FileIdentity, Reader, file_identity
from monitor.i18n import pick

from .text import t_md


def _reader_is_current(reader: Reader) -> bool:
    return reader.is_current()


def _close_reader(reader: Reader) -> None:
    # Other sessions may still hold cursors on the old file; dropping our reference is enough,
    # DuckDB closes the attachment when the last cursor goes.
    pass


@st.cache_resource(validate=_reader_is_current, on_release=_close_reader, show_spinner=False, max_entries=4)
def _open_reader(path: str) -> Reader:
    bootstrap.ensure_database(path)
    st.cache_data.clear()  # a new database file: every cached query result may be stale
    return Reader(path)


def get_reader() -> Reader:
    """The reader of the configured database ($MONITOR_DB); the cache is keyed by path."""
    return _open_reader(str(db_path()))


_seen_lock = threading.Lock()
_seen_identity: dict[str, FileIdentity | None] = {}


def notice_replaced_database() -> bool:
    """Called at the start of every page run: if the database file was replaced since the last run of any
    session in this process (a CLI import, a fetch, another server's write), drop every cached result.

    One stat() per run. The cached loaders do not reach the reader on a cache hit, so without this a
    CLI import stayed invisible until the caches expired (issue 16, item 9). The first session to see
    the new file clears the caches; the others find the identity already recorded."""
    path = str(db_path())
    identity = file_identity(Path(path))
    with _seen_lock:
        known = path in _seen_identity
        previous = _seen_identity.get(path)
        _seen_identity[path] = identity
    if known and previous != identity:
        clear_caches()
        return True
    return False


def require_database(lang: str) -> None:
    """Stop the page with one clear message when the database file cannot be read (damaged, or from a newer
    DuckDB), instead of Streamlit's generic error in every element."""
    try:
        get_reader()
    except DatabaseUnreadable as exc:
        st.error(t_md("import_guard.database_unreadable", lang, path=str(exc.path), detail=exc.detail,
                      version=exc.version), icon=":material/database_off:")
        st.stop()


def clear_caches() -> None:
    """After an import or any other write: reconnect and drop cached query results."""
    path = str(db_path())
    with _seen_lock:  # this process's own write: seen, so the next run does not clear again
        _seen_identity[path] = file_identity(Path(path))
    _open_reader.clear()
    st.cache_data.clear()


@st.cache_data(max_entries=4, show_spinner=False)
def load_targets() -> pd.DataFrame:
    return store.targets(get_reader())


@st.cache_data(max_entries=4, show_spinner=False)
def load_indicators() -> pd.DataFrame:
    return store.indicators(get_reader())


@st.cache_data(max_entries=4, show_spinner=False)
def load_regions() -> pd.DataFrame:
    return store.regions(get_reader())


@st.cache_data(max_entries=4, show_spinner=False)
def load_indicator_names(lang: str) -> dict[str, str]:
    """Indicator id → name in `lang`, for select boxes and tables (one lookup, not a frame row per option)."""
    return {row.id: pick(row, "name", lang) for row in load_indicators().itertuples(index=False)}


@st.cache_data(max_entries=8, show_spinner=False)
def load_region_names(lang: str, field: str = "name") -> dict[str, str]:
    """Region code → name in `lang` (`field`: name or short_name). Built once, not on every rerun: at
    national scale the registry holds thousands of regions."""
    regions = load_regions()
    return {row.code: pick(row, field, lang) for row in regions.itertuples(index=False)}


@st.cache_data(max_entries=4, show_spinner=False)
def load_datasets() -> pd.DataFrame:
    return store.datasets(get_reader())


@st.cache_data(max_entries=256, show_spinner=False)
def load_observations(dataset: str, indicator_ids: tuple[str, ...] | None = None,
                      region_codes: tuple[str, ...] | None = None) -> pd.DataFrame:
    return store.observations(get_reader(), dataset,
                              indicator_ids=list(indicator_ids) if indicator_ids is not None else None,
                              region_codes=list(region_codes) if region_codes is not None else None)


@st.cache_data(max_entries=64, show_spinner=False)
def load_observation_regions(dataset: str, indicator_id: str) -> list[str]:
    """Regions with data for the indicator (the indicator page's choices), without reading the figures."""
    return store.observation_regions(get_reader(), dataset, indicator_id)


@st.cache_data(max_entries=64, show_spinner=False)
def load_assessment(dataset: str, as_of: str | None = None, regions: tuple[str, ...] | None = None) -> pd.DataFrame:
    return assess.assess_store(get_reader(), dataset=dataset, as_of=as_of,
                               regions=list(regions) if regions is not None else None)


@st.cache_data(max_entries=16, show_spinner=False)
def load_periods(dataset: str) -> list[str]:
    """Periods with data for any target indicator in the dataset, newest first (the as-of choices)."""
    return store.target_periods(get_reader(), dataset)


@st.cache_data(max_entries=256, show_spinner=False)
def load_provenance(dataset: str, keys: tuple[str, ...]) -> pd.DataFrame:
    return store.provenance(get_reader(), dataset, list(keys))


@st.cache_data(max_entries=16, show_spinner=False)
def load_facets(dataset: str) -> dict:
    return store.observation_facets(get_reader(), dataset)


@st.cache_data(max_entries=64, show_spinner=False)
def load_observation_page(dataset: str, indicator_ids: tuple[str, ...] = (), region_codes: tuple[str, ...] = (),
                          year_from: int | None = None, year_to: int | None = None, search: str = "",
                          limit: int = 500) -> tuple[pd.DataFrame, int]:
    return store.find_observations(get_reader(), dataset, indicator_ids=list(indicator_ids),
                                   region_codes=list(region_codes), year_from=year_from, year_to=year_to,
                                   search=search, limit=limit)


@st.cache_data(max_entries=8, show_spinner=False)
def load_import_log(limit: int = 100) -> pd.DataFrame:
    return store.import_log(get_reader(), limit)


@st.cache_data(max_entries=8, show_spinner=False)
def load_revisions(dataset: str, limit: int = 100) -> pd.DataFrame:
    return store.revisions(get_reader(), dataset, limit)


@st.cache_data(max_entries=64, show_spinner=False)
def load_history(dataset: str, indicator_id: str, region_code: str, period: str) -> pd.DataFrame:
    return store.history(get_reader(), dataset, indicator_id, region_code, period)


def dataset_export(dataset: str):
    """A callable that reads the whole dataset for export, when (and only when) a download is clicked.

    It opens its own read-only Reader: the download runs outside the page script, and the file
    may have been replaced by then.
    """
    path = str(db_path())

    def build() -> pd.DataFrame:
        with Reader(path) as reader:
            return store.export_frame(reader, dataset)
    return build


# --------------------------------------------------------------------------- the view pages' loaders
# (plans, regions and their comparison for the overview, indicator, prefecture and method pages;
# monitor/regions.py and monitor/compare.py hold the rules)

@st.cache_data(max_entries=4, show_spinner=False)
def load_plans() -> pd.DataFrame:
    """The plans: id, titles, document number, issuer, period."""
    return store.plans(get_reader())


@st.cache_data(max_entries=4, show_spinner=False)
def load_prefectures() -> tuple[str, ...]:
    """The province's prefectures, by code."""
    return tuple(regions.prefectures(load_regions()))


@st.cache_data(max_entries=4, show_spinner=False)
def load_region_short_names(lang: str) -> dict[str, str]:
    """Region code → short name in `lang` (长沙; Changsha), for charts and lists."""
    return regions.short_names(load_regions(), lang)


@st.cache_data(max_entries=64, show_spinner=False)
def load_prefecture_observations(dataset: str, indicator_id: str) -> pd.DataFrame:
    """The indicator and population for the province and its prefectures."""
    return load_observations(dataset, (indicator_id, compare.POPULATION_INDICATOR),
                             (regions.province_code(), *load_prefectures()))


# The prefecture page's tables are derived from cached data by pure functions; caching them too keeps a
# rerun (a click on the map, a toggle) from recomputing every measure of every year.
@st.cache_data(max_entries=64, show_spinner=False)
def load_comparison_periods(dataset: str, indicator_id: str) -> pd.DataFrame:
    return compare.available_periods(load_prefecture_observations(dataset, indicator_id), indicator_id,
                                     list(load_prefectures()))


@st.cache_data(max_entries=128, show_spinner=False)
def load_ranking(dataset: str, indicator_id: str, period: str, period_type: str, measure: str, ascending: bool,
                 yardstick: float | None) -> pd.DataFrame:
    return compare.ranking(load_prefecture_observations(dataset, indicator_id), indicator_id, period, period_type,
                           list(load_prefectures()), regions.province_code(), measure, ascending=ascending,
                           yardstick=yardstick)


@st.cache_data(max_entries=64, show_spinner=False)
def load_rank_history(dataset: str, indicator_id: str, period_type: str, measure: str,
                      ascending: bool) -> pd.DataFrame:
    obs = load_prefecture_observations(dataset, indicator_id)
    table = compare.measure_table(obs, indicator_id, period_type, list(load_prefectures()), regions.province_code(),
                                  measure)
    return compare.rank_history(table, ascending=ascending)


# --------------------------------------------------------------------------- the plans' measures and departments

@st.cache_data(max_entries=4, show_spinner=False)
def load_measures() -> pd.DataFrame:
    """Every task (主要任务) in the plans' order, with its lead, co-departments and targets."""
    return measures.measures(get_reader())


@st.cache_data(max_entries=4, show_spinner=False)
def load_departments() -> pd.DataFrame:
    return measures.departments(get_reader())


@st.cache_data(max_entries=32, show_spinner=False)
def load_department_measures(code: str) -> pd.DataFrame:
    return measures.measures_of_department(get_reader(), code)


@st.cache_data(max_entries=32, show_spinner=False)
def load_department_summary(code: str, statuses: tuple[tuple[str, str], ...], lang: str) -> str:
    summary = measures.department_summary(get_reader(), code, dict(statuses))
    return measures.summary_line(summary, lang)


@st.cache_data(max_entries=64, show_spinner=False)
def load_measure_of_target(target_id: str) -> dict | None:
    return measures.measure_of_target(get_reader(), target_id)
