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

from inspect_app.clock import as_utc
from inspect_app.models import AuditEntry, AuditHead

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
    prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = list(
            AuditEntry.select()
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        )
        if not rows:
            break
        for row in rows:
            problem = _check(row, prev, expected_seq)
            if problem:
                return AuditReport(False, checked, row.seq, problem)
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        last_seq = rows[-1].seq
    head = AuditHead.get_or_none()
    if head is not None and (head.seq != checked or head.hash != prev):
        return AuditReport(False, checked, checked + 1, "chain ends before its head: rows deleted")
    return AuditReport(True, checked)


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
