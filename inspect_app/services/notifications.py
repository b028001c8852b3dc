"""Notices to inspectors and users, each recorded once per dedup key."""

from __future__ import annotations

from datetime import datetime

from inspect_app.models import Notification


def notify(
    dedup_key: str,
    kind: str,
    *,
    now: datetime,
    payload: dict,
    inspector: int | None = None,
    user: int | None = None,
    inspection: int | None = None,
    task: int | None = None,
) -> int:
    """Record a notice once: a second call with the same key changes nothing (the unique key)."""
    inserted = (
        Notification.insert(
            dedup_key=dedup_key,
            kind=kind,
            inspector=inspector,
            user=user,
            inspection=inspection,
            task=task,
            payload=payload,
            created_at=now,
        )
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    return 1 if inserted else 0
