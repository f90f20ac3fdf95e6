"""Output of finished assessments: JSON-safe records for the CLI and API, a fixed-width terminal table."""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ..formatting import fmt_rate, fmt_target, fmt_value, is_missing
from ..target_kinds import BY_CODE
from .schema import QUALIFIER_LABELS, STATUS_LABELS


def _jsonable(v: Any) -> Any:
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_jsonable(x) for x in v]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        return v.isoformat()
    return v


def to_records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe records: NaN → None, numpy scalars → Python, lists kept."""
    cols = list(df.columns)
    return [{c: _jsonable(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - text_width(text))
    return fill + text if right else text + fill


def _table_latest(r) -> str:
    if BY_CODE[getattr(r, "type_code", "N")].is_growth:
        return "" if is_missing(r.latest_yoy) else fmt_rate(r.latest_yoy)
    return "" if is_missing(r.latest_value) else fmt_value(r.latest_value, getattr(r, "indicator_unit", r.unit))


def _table_target(r) -> str:
    if is_missing(r.target_value):
        return ""
    if getattr(r, "yardstick", False) and r.type_code in ("A", "D", "E"):
        return "" if is_missing(r.target_level) else f"{r.comparator}{fmt_value(r.target_level, r.indicator_unit)}（折算）"
    return f"{r.comparator}{fmt_target(r.target_value, r.unit)}"


def to_table(df: pd.DataFrame) -> str:
    """A fixed-width table for the terminal (CJK characters count double), then one sentence per row."""
    if len(df) == 0:
        return "(no targets)"
    headers = ["目标 target", "地区", "状态 status", "限定", "R", "τ", "完成度", "时序差", "最新期", "最新值", "目标值"]
    rows = []
    for r in df.itertuples(index=False):
        q = "、".join(QUALIFIER_LABELS[x]["zh"] for x in r.qualifiers)
        rows.append([
            r.target_id, str(r.region_name_zh if hasattr(r, "region_name_zh") else r.region),
            f"{STATUS_LABELS[r.status]['zh']} {r.status}", q,
            "" if is_missing(r.progress_ratio) else f"{r.progress_ratio:.2f}",
            "" if is_missing(r.time_share) else fmt_rate(r.time_share),
            "" if is_missing(r.completion) else fmt_rate(r.completion),
            "" if is_missing(r.schedule_gap_pp) else f"{r.schedule_gap_pp:+.1f}",
            "" if is_missing(r.latest_period) else str(r.latest_period),
            _table_latest(r),
            _table_target(r),
        ])
    numeric_cols = {4, 5, 6, 7, 9, 10}
    widths = [max(text_width(h), *(text_width(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w, i in numeric_cols) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    lines.append("")
    for r in df.itertuples(index=False):
        lines.append(f"[{r.target_id} {r.region}] {r.sentence_zh}")
    return "\n".join(lines)

