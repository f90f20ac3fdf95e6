"""Fetch series from the National Bureau of Statistics and store them through the import pipeline.

Each fetch is a vintage stamped with its fetch time: unchanged figures add nothing, changed ones
are stored as revisions, and missing values stay missing (never 0). Validation, the diff and the
all-or-nothing write are the importer's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from .importer import BEIJING, ImportRejected, ImportResult, StagedFile, import_file, stage_frame
from .nbs import FetchResult, NbsClient, fetch_nbs

STAGED_COLUMNS = ("indicator", "region", "period", "period_type", "value", "unit", "yoy_pct", "source", "source_url",
                  "quote", "status", "note", "release_date")


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return text if text else None


def rows_to_staging_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The fetcher's rows as text cells in the staging layout (row_no, sheet, columns…)."""
    frame = rows.copy()
    fetched = pd.to_datetime(frame["fetched_at"], utc=True).dt.tz_convert(BEIJING).dt.tz_localize(None)
    frame["release_date"] = fetched.dt.strftime("%Y-%m-%d %H:%M:%S")
    staged = pd.DataFrame({col: [_text(v) for v in frame[col]] for col in STAGED_COLUMNS}, dtype=object)
    staged.insert(0, "sheet", None)
    staged.insert(0, "row_no", range(2, len(staged) + 2))
    return staged


@dataclass
class FetchImport:
    fetch: FetchResult
    result: ImportResult | None  # None when nothing was fetched

    def lines(self) -> list[str]:
        out = [f"fetched {len(self.fetch.rows)} rows from NBS"]
        if self.result is not None:
            out.append(self.result.summary())
        out += [f"warning: {w}" for w in self.fetch.warnings]
        out += [f"FAILED {name} ({kind}): {message}" for name, kind, message in self.fetch.failures]
        return out


def fetch_and_store(db_path: str | os.PathLike, since_year: int, *, user: str = "nbs-fetch",
                    client: NbsClient | None = None, series: list[str] | None = None,
                    today: date | None = None) -> FetchImport:
    """Fetch every registry series since `since_year` and import what came back, all or nothing."""
    fetched = fetch_nbs(since_year, client=client, series=series, today=today)
    if fetched.rows.empty:
        return FetchImport(fetched, None)
    staged_frame = rows_to_staging_frame(fetched.rows)
    payload = staged_frame.drop(columns=["release_date"]).to_csv(index=False).encode("utf-8")
    name = f"nbs-fetch-{datetime.now(BEIJING):%Y%m%d-%H%M%S}"

    def stage(con, _data, file_name):
        stage_frame(con, staged_frame)
        return StagedFile(file_name, "nbs-api", len(staged_frame), list(STAGED_COLUMNS))

    result = import_file(db_path, payload, name, dataset="official", user=user, stage=stage, today=today)
    return FetchImport(fetched, result)


__all__ = ["FetchImport", "fetch_and_store", "rows_to_staging_frame", "ImportRejected"]
