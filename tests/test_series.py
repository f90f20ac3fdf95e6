"""Series helpers: the as-of cut-off reads periods the way the engine does."""

import pandas as pd
import pytest

from monitor.series import up_to

# 2022 (annual, month 12), 2023-06 and 2023-11 year-to-date, 2023 annual, 2024-03.
ROWS = pd.DataFrame({"period": ["2022", "2023-06", "2023-11", "2023", "2024-03"],
                     "year": [2022, 2023, 2023, 2023, 2024], "month": [12, 6, 11, 12, 3]})


def periods(frame):
    return frame.period.tolist()


def test_no_cut_off_keeps_every_row():
    assert periods(up_to(ROWS, None)) == periods(ROWS)


def test_a_year_cuts_off_after_its_december():
    # '2023' = up to 2023-12: the 2023 annual figure counts, 2024-03 does not.
    assert periods(up_to(ROWS, "2023")) == ["2022", "2023-06", "2023-11", "2023"]


def test_a_month_cuts_off_after_that_month():
    # '2023-06' keeps June's year-to-date figure, not November's, nor the 2023 annual one (month 12).
    assert periods(up_to(ROWS, "2023-06")) == ["2022", "2023-06"]


def test_a_one_digit_month_reads_as_that_month():
    assert periods(up_to(ROWS, "2023-6")) == ["2022", "2023-06"]


def test_a_malformed_cut_off_is_refused_not_ignored():
    with pytest.raises(ValueError):
        up_to(ROWS, "June 2023")
