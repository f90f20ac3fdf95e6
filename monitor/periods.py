"""Periods as the monitor stores them: 'YYYY' for a calendar year, 'YYYY-MM' for a month.

period_type says what a 'YYYY-MM' row holds: 'ytd' is the cumulative January-to-month value
(1–m月累计, with 累计同比), 'month' a single month. Annual rows have month 12.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIOD_TYPES = ("annual", "ytd", "month")
_YEAR = re.compile(r"^(\d{4})(?:年)?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:月)?$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int  # 12 for annual
    period_type: str

    @property
    def key(self) -> str:
        return f"{self.year:04d}" if self.period_type == "annual" else f"{self.year:04d}-{self.month:02d}"

    @property
    def ordinal(self) -> int:
        """Months since year 0, for ordering and distances."""
        return self.year * 12 + self.month


def parse_period(text: str, period_type: str | None = None) -> Period:
    """Parse '2023', '2023-06' (also '2023-6', '2023年6月'); period_type defaults from the form."""
    text = str(text).strip()
    if period_type is not None and period_type not in PERIOD_TYPES:
        raise PeriodError(f"period type must be one of {', '.join(PERIOD_TYPES)}, got {period_type!r}")
    match = _YEAR.match(text)
    if match:
        if period_type not in (None, "annual"):
            raise PeriodError(f"period {text!r} is a year but the period type says {period_type!r}")
        return Period(int(match.group(1)), 12, "annual")
    match = _MONTH.match(text)
    if match:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"month must be 1–12 in period {text!r}")
        if period_type == "annual":
            raise PeriodError(f"period {text!r} has a month but the period type says 'annual'")
        return Period(int(match.group(1)), month, period_type or "ytd")
    raise PeriodError(f"period must be YYYY or YYYY-MM, got {text!r}")
