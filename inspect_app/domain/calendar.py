"""Working days: weekends and official holidays off, make-up working days on (the calendar is data)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

HOLIDAY, WORKDAY = "holiday", "workday"
WEEKEND = (5, 6)  # Saturday, Sunday


def is_working_day(day: date, calendar: Mapping[date, str]) -> bool:
    kind = calendar.get(day)
    if kind == HOLIDAY:
        return False
    if kind == WORKDAY:
        return True
    return day.weekday() not in WEEKEND


def add_working_days(start: date, days: int, calendar: Mapping[date, str]) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            left -= 1
    return day
