"""The ways people would do this without our code: the benchmark's baselines.

Written plainly on purpose — each is what a straightforward script would do, not a straw man:

* ``naive_load``: ``pandas.read_csv`` and one ``INSERT`` per row (inside one transaction, which is
  kinder than autocommit per row), with the period parsed in Python;
* ``floor_load``: DuckDB's own ``read_csv`` into a table — no validation, no diff, the floor;
* ``assess_loop``: for every target and every region, filter the observations frame to that
  (indicator, region) and compute that target type's progress ratio R.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

PROVINCE = "430000"
INSERT = ("INSERT INTO observations (dataset, indicator_id, region_code, period, period_type, year, month, value,"
          " unit, value_published, unit_published, yoy_pct, source, source_url, quote, note, status, vintage,"
          " is_latest)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, true)")


def _text(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def naive_load(db_file: Path, csv_file: Path, dataset: str, nrows: int | None = None) -> tuple[float, float, int]:
    """pandas.read_csv + row-by-row INSERT. Returns (read seconds, insert seconds, rows inserted)."""
    t0 = time.perf_counter()
    frame = pd.read_csv(csv_file, nrows=nrows, dtype={"region": str, "period": str})
    t1 = time.perf_counter()
    con = duckdb.connect(str(db_file))
    insert = INSERT
    if not con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'observations'"
                       " AND column_name = 'is_latest'").fetchone()[0]:  # a schema before the latest flag
        insert = INSERT.replace(", is_latest)", ")").replace(", current_timestamp, true)", ", current_timestamp)")
    try:
        con.execute("BEGIN TRANSACTION")
        for r in frame.itertuples(index=False):
            period = str(r.period)
            year = int(period[:4])
            month = int(period[5:7]) if len(period) > 4 else 12
            ptype = "annual" if len(period) == 4 else (_text(r.period_type) or "ytd")
            value = None if pd.isna(r.value) else float(r.value)
            yoy = None if pd.isna(r.yoy_pct) else float(r.yoy_pct)
            con.execute(insert, [dataset, r.indicator, str(r.region), period, ptype, year, month, value, r.unit,
                                 value, r.unit, yoy, r.source, _text(r.source_url), _text(r.quote), _text(r.note),
                                 _text(r.status)])
        con.execute("COMMIT")
    finally:
        con.close()
    return t1 - t0, time.perf_counter() - t1, len(frame)


def floor_load(db_file: Path, csv_file: Path) -> None:
    """DuckDB reads the CSV into a table of a fresh database file by itself: the floor."""
    con = duckdb.connect(str(db_file))
    try:
        con.execute("CREATE TABLE observations_csv AS SELECT * FROM read_csv(?)", [str(csv_file)])
        con.execute("CHECKPOINT")
    finally:
        con.close()


# --------------------------------------------------------------------------- assessment, one pair at a time

def pairs(targets: pd.DataFrame, regions: list[str]) -> list[tuple]:
    """(target row, region): provincial targets for every region, a region's own targets for it."""
    out = []
    for t in targets[targets.target_type != "no_numeric_target"].itertuples():
        if t.region_code == PROVINCE:
            out += [(t, r) for r in regions]
        elif t.region_code in regions:
            out.append((t, t.region_code))
    return out


def _annual(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows.period_type == "annual"].sort_values("year")


def ratio_for(t, rows: pd.DataFrame, kind: str) -> float:
    """The progress ratio R of one target in one region, from that region's rows of the indicator."""
    t0, T = int(str(t.base_period)[:4]), int(str(t.target_period)[:4])
    d = -1.0 if t.direction == "decrease" else 1.0
    K = float(t.target_value)
    annual = _annual(rows)
    window = annual[(annual.year > t0) & (annual.year <= T)]
    if t.target_type == "average_growth":
        rates = window.yoy_pct.dropna() / 100
        if rates.empty:
            return math.nan
        g = float(np.prod(1 + rates.to_numpy())) ** (1 / len(rates)) - 1
        return d * g / abs(K / 100)
    base_rows = annual[annual.year == t0].value.dropna()
    if not pd.isna(t.base_value):
        x0 = float(t.base_value)
    else:
        x0 = float(base_rows.iloc[0]) if len(base_rows) else math.nan
    latest = window[window.value.notna()]
    if latest.empty or math.isnan(x0):
        return math.nan
    xt, year = float(latest.value.iloc[-1]), int(latest.year.iloc[-1])
    tau = (year - t0) / (T - t0)
    if t.target_type == "level_by_date":
        if x0 <= 0 or xt <= 0:
            return math.nan
        r_req = (K / x0) ** (1 / (T - t0)) - 1
        r_obs = (xt / x0) ** (1 / (year - t0)) - 1
        return d * r_obs / abs(r_req) if r_req else math.nan
    if t.target_type == "pp_change":
        return ((xt - x0) / K) / tau if K else math.nan
    if t.target_type == "cumulative_flow":
        done = (xt - (0.0 if pd.isna(t.base_value) else float(t.base_value))) if kind != "flow" \
            else float(window.value.dropna().sum())
        return (done / K) / tau if K else math.nan
    if t.target_type == "stock_threshold":
        return ((xt - x0) / (K - x0)) / tau if K != x0 else math.nan
    return math.nan


def assess_loop(targets: pd.DataFrame, kinds: dict[str, str], observations: pd.DataFrame,
                pair_list: list[tuple]) -> list[float]:
    """For each (target, region): filter the whole observations frame, then compute R."""
    out = []
    for t, region in pair_list:
        rows = observations[(observations.indicator_id == t.indicator_id) & (observations.region_code == region)]
        out.append(ratio_for(t, rows, kinds.get(t.indicator_id, "flow")))
    return out
