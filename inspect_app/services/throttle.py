"""Failed sign-ins counted per account name and per address, with a lockout when either count
reaches its limit.

The counters are rows in the database (`SignInThrottle`), so every app node counts the same
attempts; an account name is counted whether or not such a user exists, so a lockout tells an
outsider nothing about which names are real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from inspect_app.db import database
from inspect_app.models import SignInThrottle

ACCOUNT = "account"
ADDRESS = "address"
KEY_LENGTH = 64


@dataclass(frozen=True)
class Rule:
    """`limit` failures within `window` lock the key for `lockout`."""

    limit: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class SignInLimits:
    account: Rule
    address: Rule

    def rule(self, kind: str) -> Rule:
        return self.account if kind == ACCOUNT else self.address


DEFAULT_LIMITS = SignInLimits(
    account=Rule(5, timedelta(minutes=15), timedelta(minutes=15)),
    address=Rule(20, timedelta(minutes=15), timedelta(minutes=15)),
)


def keys(username: str, address: str | None) -> list[tuple[str, str]]:
    """The counters one attempt touches: its account name, and its address when known."""
    found = [(ACCOUNT, username[:KEY_LENGTH])]
    if address:
        found.append((ADDRESS, address[:KEY_LENGTH]))
    return found


def retry_after(counted: list[tuple[str, str]], now: datetime) -> int | None:
    """Seconds until every lock on these keys has passed, or None when none holds."""
    condition = None
    for kind, key in counted:
        one = (SignInThrottle.kind == kind) & (SignInThrottle.key == key)
        condition = one if condition is None else condition | one
    latest = None
    for (until,) in (
        SignInThrottle.select(SignInThrottle.locked_until)
        .where(condition & (SignInThrottle.locked_until > now))
        .tuples()
    ):
        until = SignInThrottle.locked_until.python_value(until)
        latest = until if latest is None else max(latest, until)
    if latest is None:
        return None
    return max(1, math.ceil((latest - now).total_seconds()))


def record_failure(
    counted: list[tuple[str, str]], limits: SignInLimits, now: datetime
) -> datetime | None:
    """Count one failure on each key (inside the caller's transaction); the time a lock this
    failure set lasts until, if it set one."""
    SignInThrottle.delete().where(SignInThrottle.expires_at < now).execute()
    locked = None
    for kind, key in counted:
        until = _count(kind, key, limits.rule(kind), now)
        if until is not None:
            locked = until if locked is None else max(locked, until)
    return locked


def clear_account(username: str) -> None:
    """A successful sign-in forgets the account's failures (the address keeps its count)."""
    SignInThrottle.delete().where(
        (SignInThrottle.kind == ACCOUNT) & (SignInThrottle.key == username[:KEY_LENGTH])
    ).execute()


def _count(kind: str, key: str, rule: Rule, now: datetime) -> datetime | None:
    SignInThrottle.insert(
        kind=kind, key=key, failures=0, window_start=now, expires_at=now + rule.window
    ).on_conflict_ignore().execute()
    query = SignInThrottle.select().where(
        (SignInThrottle.kind == kind) & (SignInThrottle.key == key)
    )
    if database.for_update:  # PostgreSQL: lock the row; SQLite's IMMEDIATE transaction already has
        query = query.for_update()
    row = query.get()
    if row.window_start + rule.window <= now:
        row.failures, row.window_start = 0, now
    row.failures += 1
    newly_locked = None
    if row.failures >= rule.limit and not (row.locked_until and row.locked_until > now):
        row.locked_until = newly_locked = now + rule.lockout
    ends = [row.window_start + rule.window, row.locked_until or now]
    row.expires_at = max(ends)
    row.save()
    return newly_locked
