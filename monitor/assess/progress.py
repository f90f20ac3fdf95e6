"""What a card's progress bar, its label and the sentence beside it show — one definition per kind.

完成 (the completion share) and 时序进度 (the schedule share it is read against) are the kind's
(``monitor/target_kinds.py``: ``completion`` and ``schedule``), and the gap between them is the engine's
``schedule_gap_pp`` — the number the sentence words as 高于/低于时序进度X个百分点. A page draws the bar from
``progress_line(row)`` and so can never disagree with the sentence (docs/method.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..formatting import is_missing
from ..i18n import t
from ..target_kinds import BY_CODE, kind_of


@dataclass(frozen=True)
class ProgressLine:
    completion: float        # share done, as the kind defines it (fraction)
    schedule: float | None   # the share expected by now (fraction); None for kinds read against a rate
    gap_pp: float | None     # 100·(completion − schedule): >0 ahead of schedule, <0 behind
    completion_label: str
    schedule_label: str

    @property
    def ahead(self) -> bool | None:
        return None if self.gap_pp is None else self.gap_pp >= 0


def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def row_kind(row: Any):
    code = _get(row, "type_code")
    return BY_CODE[code] if code in BY_CODE else kind_of(_get(row, "target_type"))


def progress_line(row: Any, lang: str = "zh") -> ProgressLine | None:
    """The bar of one assessed row, or None when it has no completion (not assessable, no number)."""
    completion = _get(row, "completion")
    if is_missing(completion):
        return None
    kind = row_kind(row)
    schedule = _get(row, "expected_share")
    gap = _get(row, "schedule_gap_pp")
    return ProgressLine(
        completion=float(completion),
        schedule=None if is_missing(schedule) else float(schedule),
        gap_pp=None if is_missing(gap) else float(gap),
        completion_label=t(f"completion.{kind.completion}", lang),
        schedule_label=t(f"schedule.{kind.schedule}", lang),
    )


def status_label(status: str, lang: str = "zh", yardstick: bool = False) -> str:
    """The badge text. 已完成/未完成 are a region's own targets' words; a provincial target used as a region's
    yardstick reads 达到参照/低于参照 instead."""
    if yardstick and status in ("achieved", "missed"):
        return t(f"status_yardstick.{status}", lang)
    return t(f"status.{status}", lang)
