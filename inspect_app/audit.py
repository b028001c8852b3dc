"""The append-only, hash-chained audit log: every write says who, what, when, before and after.

Each entry's hash covers its own fields and the previous entry's hash, so an edited,
inserted or deleted row breaks the chain at that row. Writers first bump the single
AuditHead row, which serialises them on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inspect_app.clock import as_utc, utcnow
from inspect_app.models import AuditCheck, AuditEntry, AuditHead

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(fields)}".encode()).hexdigest()


def _fields(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": before,
        "after": after,
    }


def record(
    actor: str,
    action: str,
    object_type: str,
    object_id: Any,
    *,
    before: Any = None,
    after: Any = None,
    at: datetime,
) -> AuditEntry:
    """Append one entry; call inside the transaction that makes the change."""
    AuditHead.update(seq=AuditHead.seq + 1).execute()
    head = AuditHead.get()
    seq = head.seq
    # Round-trip through JSON so what is hashed is exactly what is stored.
    before, after = json.loads(canonical(before)), json.loads(canonical(after))
    fields = _fields(seq, at, actor, action, object_type, str(object_id), before, after)
    digest = entry_hash(head.hash, fields)
    entry = AuditEntry.create(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        prev_hash=head.hash,
        hash=digest,
    )
    AuditHead.update(hash=digest).execute()
    return entry


def ensure_head() -> None:
    """Create the chain's head row once (at init and migrations)."""
    if not AuditHead.select().exists():
        AuditHead.create(seq=0, hash=GENESIS)


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify(batch: int = 5000) -> AuditReport:
    """Walk the chain in order; report the first entry whose hash or link does not hold."""
    return _walk(0, GENESIS, AuditHead.get_or_none(), batch)


def _walk(after_seq: int, prev: str, head: AuditHead | None, batch: int) -> AuditReport:
    """Check the entries after `after_seq` (whose hash was `prev`) up to the head given."""
    expected_seq, checked, last_seq = after_seq + 1, after_seq, after_seq
    while True:
        query = AuditEntry.select().where(AuditEntry.seq > last_seq)
        if head is not None:
            query = query.where(AuditEntry.seq <= head.seq)
        rows = list(query.order_by(AuditEntry.seq).limit(batch))
        if not rows:
            break
        for row in rows:
            problem = _check(row, prev, expected_seq)
            if problem:
                return AuditReport(False, checked, row.seq, problem)
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        last_seq = rows[-1].seq
    if head is not None and (head.seq != checked or head.hash != prev):
        return AuditReport(False, checked, checked + 1, "chain ends before its head: rows deleted")
    return AuditReport(True, checked)


def verify_cached(now: datetime | None = None, batch: int = 5000) -> AuditReport:
    """The whole chain's check as of its current head, kept in the database for every app node:
    a head already checked costs one query, a later head walks only the entries written since
    the last good check (whose last entry must still be the one it saw)."""
    head = AuditHead.get_or_none()
    if head is None:
        return verify(batch)
    kept = AuditCheck.get_or_none(
        (AuditCheck.head_seq == head.seq) & (AuditCheck.head_hash == head.hash)
    )
    if kept is not None:
        return AuditReport(kept.ok, kept.checked, kept.first_bad_seq, kept.reason)
    good = (
        AuditCheck.select()
        .where(AuditCheck.ok & (AuditCheck.head_seq <= head.seq))
        .order_by(AuditCheck.head_seq.desc())
        .first()
    )
    start_seq, start_hash = (good.head_seq, good.head_hash) if good else (0, GENESIS)
    if start_seq and not (
        AuditEntry.select()
        .where((AuditEntry.seq == start_seq) & (AuditEntry.hash == start_hash))
        .exists()
    ):
        start_seq, start_hash = 0, GENESIS  # the checked part changed since: walk it all again
    report = _walk(start_seq, start_hash, head, batch)
    AuditCheck.insert(
        head_seq=head.seq,
        head_hash=head.hash,
        ok=report.ok,
        checked=report.checked,
        first_bad_seq=report.first_bad_seq,
        reason=report.reason,
        checked_at=now or utcnow(),
    ).on_conflict_ignore().execute()
    return report


def entry_problem(row: AuditEntry) -> str:
    """What is wrong with one entry on its own: its hash, and its link to the entry before it."""
    before = AuditEntry.get_or_none(AuditEntry.seq == row.seq - 1)
    prev = before.hash if before is not None else GENESIS
    return _check(row, prev, row.seq)


def _check(row: AuditEntry, prev: str, expected_seq: int) -> str:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing"
    if row.prev_hash != prev:
        return "link to the previous entry is broken"
    fields = _fields(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.object_type,
        row.object_id,
        row.before,
        row.after,
    )
    if entry_hash(prev, fields) != row.hash:
        return "entry was changed after it was written"
    return ""
