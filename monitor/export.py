"""Exports that open cleanly in Excel: CSV as UTF-8 with BOM, .xlsx, and formula injection neutralised.

Whatever the store holds, an export is written: control characters that Excel cannot hold are
replaced by U+FFFD (the import refuses them since issue 16, but older rows may have them), every
field with a line break is quoted, and every line of a text that starts like a formula is
neutralised, not only the first. Files are written through a temporary file and a rename
(`write_atomically`), so a full disk leaves the old file or none, never half a file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
# What an .xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls except tab, LF and CR.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The start of the text and of every line inside it, when what follows would start a formula.
_FORMULA_LINE_START = re.compile(r"(?:^|(?<=[\r\n]))(?=[=+\-@\t\r])")


def neutralise_text(value):
    """Make text safe for a spreadsheet (OWASP CSV injection): an apostrophe before every line that starts with
    =, +, -, @, a tab or a carriage return, and U+FFFD for control characters a workbook cannot hold."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("\ufffd", value)
    if value.startswith(FORMULA_PREFIXES) or "\r" in value or "\n" in value:
        value = _FORMULA_LINE_START.sub("'", value)
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised; numbers are left alone (a negative number is not a formula)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_text)
    out.columns = [neutralise_text(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows shows the characters correctly.

    Lines end in CRLF, so the csv module quotes every field holding a CR or an LF: a lone CR inside a
    text would otherwise be written bare, and readers split the row there."""
    return neutralise(frame).to_csv(index=False, lineterminator="\r\n",
                                    quoting=csv.QUOTE_MINIMAL).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data", notes: list[str] | None = None) -> bytes:
    """An .xlsx workbook; `notes` (e.g. a synthetic-data warning) go on a second sheet named README."""
    buffer = io.BytesIO()
    safe = neutralise(frame)
    for column in safe.columns:  # Excel has no timezone-aware datetimes
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    sheet = re.sub(r"[\[\]:*?/\\]", "_", CONTROL_CHARACTERS.sub("", sheet_name))[:31] or "data"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet, index=False)
        if notes:
            readme = pd.DataFrame({"note": [neutralise_text(n) for n in notes]})
            readme.to_excel(writer, sheet_name="README", index=False)
    return buffer.getvalue()


def write_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    On any failure (a full disk: ENOSPC) the temporary file is removed and `path` is as it was."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide an export from its readers
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise

