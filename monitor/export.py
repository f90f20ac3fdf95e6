"""Exports that open cleanly in Excel: CSV as UTF-8 with BOM, .xlsx, and formula injection neutralised."""

from __future__ import annotations

import io

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def neutralise_text(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised; numbers are left alone (a negative number is not a formula)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_text)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows shows the characters correctly."""
    return neutralise(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data", notes: list[str] | None = None) -> bytes:
    """An .xlsx workbook; `notes` (e.g. a synthetic-data warning) go on a second sheet named README."""
    buffer = io.BytesIO()
    safe = neutralise(frame)
    for column in safe.columns:  # Excel has no timezone-aware datetimes
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet_name[:31], index=False)
        if notes:
            readme = pd.DataFrame({"note": [neutralise_text(n) for n in notes]})
            readme.to_excel(writer, sheet_name="README", index=False)
    return buffer.getvalue()
