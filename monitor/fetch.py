"""Fetch series from the National Bureau of Statistics and store them through the import pipeline.

Each fetch is a vintage stamped with its fetch time: unchanged figures add nothing, changed ones
are stored as revisions, and missing values stay missing (never 0). Validation, the diff and the
all-or-nothing write are the importer's.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from .importer import BEIJING, ImportRejected, ImportResult, StagedFile, import_file, stage_frame
from .nbs import Archive, FetchResult, NbsClient, fetch_nbs, replay_client

#: Written beside an archive's raw responses: what was asked, so a replay asks the same.
MANIFEST = "manifest.json"

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


def fetch_and_store(db_path: str | os.PathLike, since_year: int, *, user: str = "nbs-fetch", client: NbsClient | None = None,
                    series: list[str] | None = None, today: date | None = None,
                    archive_dir: str | os.PathLike | None = None) -> FetchImport:
    """Fetch every registry series since `since_year` and import what came back, all or nothing.

    With `archive_dir`, every raw response is written there (with its request and a hash) before
    it is parsed, plus a manifest of the run, so `replay_and_store` can repeat it offline."""
    import_today, today = today, today or datetime.now(timezone.utc).date()
    fetched_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    if archive_dir is not None:
        client = client or NbsClient()
        client.archive = Archive(archive_dir)
        manifest = {"since_year": since_year, "series": series, "today": today.isoformat(), "fetched_at": fetched_at}
        (Path(archive_dir) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    fetched = fetch_nbs(since_year, client=client, series=series, today=today, fetched_at=fetched_at)
    return _store(db_path, fetched, user=user, today=import_today)


def replay_and_store(db_path: str | os.PathLike, archive_dir: str | os.PathLike, *,
                     user: str = "nbs-replay") -> FetchImport:
    """Repeat an archived fetch (`fetch_and_store(..., archive_dir=…)`) from its raw responses,
    without the network: the same requests get the recorded answers, so the same rows come out."""
    manifest = json.loads((Path(archive_dir) / MANIFEST).read_text(encoding="utf-8"))
    today = date.fromisoformat(manifest["today"])
    fetched = fetch_nbs(int(manifest["since_year"]), client=replay_client(archive_dir), series=manifest["series"],
                        today=today, fetched_at=manifest["fetched_at"])
    return _store(db_path, fetched, user=user, today=today)


def _store(db_path: str | os.PathLike, fetched: FetchResult, *, user: str, today: date | None) -> FetchImport:
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


__all__ = ["FetchImport", "fetch_and_store", "replay_and_store", "rows_to_staging_frame", "ImportRejected"]
