"""Periods as the monitor stores them: 'YYYY' for a calendar year, 'YYYY-MM' for a month.

period_type says what a 'YYYY-MM' row holds: 'ytd' is the cumulative January-to-month value
(1–m月累计, with 累计同比), 'month' a single month. Annual rows have month 12.
"""

from __future__ import annotations

PERIOD_TYPES = ("annual", "ytd", "month")
