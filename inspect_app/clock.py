"""One clock: tz-aware UTC everywhere, shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
