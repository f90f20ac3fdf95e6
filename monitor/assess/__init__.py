"""Assessment engine: is each target on track, by how much, and what it now takes.

The method is docs/method.md (progress ratio with one set of thresholds 0.95 / 0.60 / 0, plus the Chinese
时序进度 reading). The kinds of target are one table, ``monitor/target_kinds.py``. Layout:

- ``schema``     columns, status and qualifier codes (words in the locale catalog), thresholds, lags
- ``method``     the formulas: pure functions over numbers and arrays
- ``inputs``     targets × regions, observations reduced per year, level candidates, bases
- ``reasons``    why a row is not assessable, as codes with typed parameters
- ``levels``     A level by a date, C change in points, E stock threshold, S share reaching a level
- ``growth``     B average annual growth;  ``cumulative``  D totals;  ``floor``  F annual floors
- ``engine``     dispatch through the kinds table, statuses, qualifiers, the output frame
- ``wording``    the officials' sentences, one function per kind, from finished rows only
- ``report``     JSON records and the terminal table;  ``path``  the target path for charts
- ``store``      the only module here that reads the database or data/: ``assess`` with registry defaults,
                 ``assess_store``

Public API (unchanged for callers): ``assess``, ``assess_store``, ``to_records``, ``to_table``, ``target_path``,
``parse_as_of``, ``STATUS_LABELS``, ``QUALIFIER_LABELS``, ``COLUMNS``, ``EXTRA_COLUMNS``, the scalar helpers.
Rates are fractions (0.075 = 7.5 %).
"""

from .method import cagr, parse_as_of, progress_score, progress_score_no_target, time_share, two_year_average
from .path import target_path
from .report import text_width, to_records, to_table
from .schema import (
                     ANNUAL_LAG_MONTHS,
                     COLUMNS,
                     DEFAULT_THRESHOLDS,
                     EXTRA_COLUMNS,
                     QUALIFIER_LABELS,
                     SERIES_BREAKS,
                     STATUS_LABELS,
                     TYPE_CODES,
                     YTD_LAG_MONTHS,
)
from .store import assess, assess_store

_width = text_width  # the name tests/test_assess.py uses

__all__ = [
    "assess", "assess_store", "to_records", "to_table", "target_path", "parse_as_of", "cagr", "time_share",
    "two_year_average", "progress_score", "progress_score_no_target", "STATUS_LABELS", "QUALIFIER_LABELS",
    "COLUMNS", "EXTRA_COLUMNS", "SERIES_BREAKS", "DEFAULT_THRESHOLDS", "ANNUAL_LAG_MONTHS", "YTD_LAG_MONTHS",
    "TYPE_CODES", "text_width",
]
