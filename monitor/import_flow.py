"""The editor's import protocol — upload, preview, confirm — as a plain object, with no Streamlit in it.

The data page keeps a `Preview` in the session and calls `confirm()` when the editor clicks Confirm;
tests drive the same object directly. The rules it holds:

* A preview is made against one database file (`Preview.database`, the file's identity). A preview
  of another file, other options or an older database file is not the one on screen: `matches()`.
* Confirm writes exactly what the preview showed or nothing: the preview's `plan.basis` (each row's
  change and the stored row it was compared with) goes to the importer, which raises PlanChanged if
  any of those figures was written since — by the CLI, another editor or a fetch — even when the
  counts of additions and revisions happen to be the same (issue 16, item 8).
* A workbook or a wide CSV is parsed once: the rows the preview staged (read in a child process,
  readers.READ_SECONDS) are kept with it and staged again at confirm, not read a second time (a large
  workbook took seconds to parse; item 10). A long CSV is parsed again (DuckDB reads it faster than
  the rows could be held in every session).
* A confirmation carries the preview's id. A second click on Confirm, or a retry after the server
  restarted mid-import, finds the import the first one made (from the import log) and reports it
  (`ImportResult.repeated`) instead of writing again or calling it someone else's change.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from . import importer, readers
from .db import FileIdentity, Reader

KEPT_FORMATS = ("xlsx", "xlsx-wide", "csv-wide")  # read in a child process, cell by cell: kept, not read twice


@dataclass(frozen=True)
class ImportRequest:
    """One file and how to read it."""

    name: str
    data: bytes = field(repr=False)
    layout: str = "auto"
    options: tuple[tuple[str, object], ...] = ()
    dataset: str = "official"

    @classmethod
    def make(cls, name: str, data: bytes, layout: str = "auto", options: dict | None = None,
             dataset: str = "official") -> "ImportRequest":
        clean = {k: v for k, v in (options or {}).items() if v not in (None, "")}
        return cls(name, data, layout or "auto", tuple(sorted(clean.items())), dataset)

    @property
    def sha256(self) -> str:
        return importer.sha256_bytes(self.data)

    @property
    def key(self) -> tuple:
        """What a preview of this request depends on, besides the database."""
        return (self.sha256, self.name, self.layout, self.options, self.dataset)

    def stage(self):
        """The reader for this request's layout and options (readers.read_any)."""
        return readers.reader_for(self.layout, dict(self.options))


@dataclass(frozen=True)
class Preview:
    request: ImportRequest
    plan: importer.ImportPlan
    changes: pd.DataFrame = field(repr=False)
    database: FileIdentity | None
    id: str
    staged: tuple[importer.StagedFile, pa.Table] | None = field(default=None, repr=False)  # rows read in a child

    def stage(self):
        """The reader for the confirmation: the rows staged at preview for a workbook or a wide CSV, else the
        request's reader."""
        if self.staged is None:
            return self.request.stage()
        staged, table = self.staged

        def restage(con, _data, _file_name):
            importer.stage_frame(con, table)
            return staged
        return restage

    def matches(self, request: ImportRequest, database: FileIdentity | None = None) -> bool:
        """Whether this preview is of `request` (and, if given, of that database file)."""
        return self.request.key == request.key and (database is None or database == self.database)

    @property
    def can_confirm(self) -> bool:
        return self.plan.is_valid and not self.plan.is_no_op


def preview(reader: Reader, request: ImportRequest) -> Preview:
    """Validate and diff the request's file against the reader's database, writing nothing."""
    read = request.stage()
    kept: dict = {}

    def stage_and_keep(con, data, file_name):
        staged = read(con, data, file_name)
        if staged.file_format in KEPT_FORMATS and staged.rows:
            kept["staged"] = (staged, con.sql("SELECT * FROM staging").to_arrow_table())
        return staged

    plan, changes = importer.preview_file(reader, request.data, request.name, dataset=request.dataset,
                                          stage=stage_and_keep)
    return Preview(request, plan, changes, reader.identity, uuid.uuid4().hex, kept.get("staged"))


def confirm(db_path: str | os.PathLike, shown: Preview, user: str) -> importer.ImportResult:
    """Write what `shown` previewed, or raise PlanChanged (nothing written) if its figures changed since.

    Raises ImportRejected if the file no longer validates (the registry changed), and lets any other
    error through (the live database is untouched by a failed write).
    """
    request = shown.request
    return importer.import_file(db_path, request.data, request.name, dataset=request.dataset, user=user,
                                stage=shown.stage(), expected_basis=shown.plan.basis, request_id=shown.id)
