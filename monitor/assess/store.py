"""The engine's only door to the database and to data/: the registry defaults and ``assess_store``.

Everything else in ``monitor/assess`` works on frames it is given (tests/test_layers.py checks it).
"""

from __future__ import annotations

import datetime as _dt
import functools

import pandas as pd

from .. import registry, store
from .engine import run
from .inputs import as_float
from .method import parse_as_of


@functools.lru_cache(maxsize=1)
def default_indicators() -> pd.DataFrame:
    return registry.read_indicators()


@functools.lru_cache(maxsize=1)
def default_regions() -> pd.DataFrame:
    return registry.read_regions()


def assess(targets: pd.DataFrame, observations: pd.DataFrame, *, as_of: str | None = None,
           regions: list[str] | None = None, today: _dt.date | None = None,
           indicators: pd.DataFrame | None = None, region_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Assess every target (× region) against the observations; one row each, columns COLUMNS + EXTRA_COLUMNS.

    ``targets`` as from ``store.targets``; ``observations`` as from ``store.observations`` (latest vintage per
    period). ``as_of`` 'YYYY' or 'YYYY-MM' caps the data used. ``regions``: None → each target for its own
    region; a list → provincial numeric targets as a yardstick for every listed region (docs/method.md §10).
    ``indicators`` / ``region_table`` default to the registry files (kind, names).
    """
    return run(targets, observations, as_of=as_of, regions=regions, today=today or _dt.date.today(),
               indicators=default_indicators() if indicators is None else indicators,
               region_table=default_regions() if region_table is None else region_table)


def resolve_region(code: str, regions_df: pd.DataFrame, codes: set[str] | None = None) -> str:
    text = str(code).strip()
    if text in (codes if codes is not None else set(regions_df["code"])):
        return text
    for col in ("name_zh", "short_name_zh", "name_en"):
        if col in regions_df.columns:
            hit = regions_df.loc[regions_df[col].astype(str).str.casefold() == text.casefold(), "code"]
            if len(hit):
                return str(hit.iloc[0])
    raise ValueError(f"unknown region {code!r}: give a GB/T 2260 code such as 430100 (长沙市)")


def year_windows(numeric: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per indicator, (first base year, last target year) over its numeric targets — the years
    assessments read (see store.assessment_observations); none for an indicator with a target
    lacking either."""
    t0 = as_float(numeric["base_period"].astype(str).str[:4])
    T = as_float(numeric["target_period"].astype(str).str[:4])
    frame = pd.DataFrame({"ind": numeric["indicator_id"].to_numpy(), "t0": t0, "T": T}).dropna(subset=["ind"])
    out = {}
    for ind, g in frame.groupby("ind"):
        if g["t0"].notna().all() and g["T"].notna().all():
            out[str(ind)] = (int(g["t0"].min()), int(g["T"].max()))
    return out


def assess_store(reader, dataset: str = "official", as_of: str | None = None, region: str | None = None,
                 regions: list[str] | None = None, known_at=None, today: _dt.date | None = None) -> pd.DataFrame:
    """Read targets and the observations they need from the store and assess them.

    ``region`` is a shortcut for ``regions=[region]``; ``known_at`` (datetime, date or ISO string) reproduces
    what the store knew then (as-of-vintage view). ValueError for a malformed ``as_of`` or unknown region.
    """
    parse_as_of(as_of)
    if region is not None:
        regions = [region]
    regions_df = store.regions(reader)
    if regions is not None:
        codes = set(regions_df["code"])
        regions = [resolve_region(r, regions_df, codes) for r in regions]
    if known_at is not None and not isinstance(known_at, _dt.datetime):
        if isinstance(known_at, _dt.date):
            known_at = _dt.datetime.combine(known_at, _dt.time.max)
        else:
            try:
                text = str(known_at).strip()
                known_at = (_dt.datetime.combine(_dt.date.fromisoformat(text), _dt.time.max) if len(text) == 10
                            else _dt.datetime.fromisoformat(text))
            except ValueError as exc:
                raise ValueError(f"known_at must be a date or datetime (YYYY-MM-DD), got {known_at!r}") from exc
    targets = store.targets(reader)
    indicators = store.indicators(reader)
    numeric = targets[targets["target_type"] != "no_numeric_target"]
    indicator_ids = sorted(numeric["indicator_id"].dropna().unique())
    region_codes = set(targets["region_code"]) | set(regions or [])
    # the row reduction of _prepare_observations, and the years no assessment reads, in SQL
    obs = store.assessment_observations(reader, dataset, indicator_ids, sorted(region_codes), known_at=known_at,
                                        as_of_ordinal=parse_as_of(as_of), windows=year_windows(numeric))
    return assess(targets, obs, as_of=as_of, regions=regions, today=today, indicators=indicators,
                  region_table=regions_df)

