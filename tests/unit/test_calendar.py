"""Working days follow the official calendar, not arithmetic."""

from __future__ import annotations

from datetime import date

from inspect_app.domain.calendar import add_working_days, is_working_day
from seeds.catalogue_loader import load_catalogue


def _calendar():
    return {h.date: h.kind for h in load_catalogue().holidays}


def test_national_day_week_is_not_counted():
    # 2025-09-30 (Tue) + 1 working day: 10-01..10-08 are holidays, 2025-10-09 is the next working day.
    assert add_working_days(date(2025, 9, 30), 1, _calendar()) == date(2025, 10, 9)


def test_a_make_up_saturday_counts():
    # 2025-09-28 is a Sunday worked in exchange for the National Day holiday.
    assert is_working_day(date(2025, 9, 28), _calendar())


def test_twenty_working_days_is_four_weeks_without_holidays():
    assert add_working_days(date(2025, 11, 3), 20, _calendar()) == date(2025, 12, 1)
