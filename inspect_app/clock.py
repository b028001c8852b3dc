"""One clock: tz-aware UTC everywhere, shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The years a date or time of ours may fall in. Far outside them nothing is meant (a licence, a
# task, a sync), and year 1 or 9999 overflows as soon as an offset or a day is added.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def utcnow() -> datetime:
    """The current time, tz-aware UTC (the only place the app reads the clock)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A naive value is taken as UTC; an aware one is converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local(value: datetime) -> datetime:
    """The same instant in Asia/Shanghai, for display."""
    return as_utc(value).astimezone(SHANGHAI)


def within_years(value: date | datetime) -> bool:
    """Whether a date or time falls in EARLIEST_YEAR..LATEST_YEAR (compared as written, so an
    extreme offset never has to be applied)."""
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR
