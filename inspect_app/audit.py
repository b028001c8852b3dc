"""The append-only, hash-chained audit log: every write says who, what, when, before and after.

Each entry's hash covers its own fields and the previous entry's hash, so an edited,
inserted or deleted row breaks the chain at that row. Writers first bump the single
AuditHead row, which serialises them on SQLite and PostgreSQL alike.

The head (seq, hash, at) is signed with an Ed25519 key kept in the keys folder, outside the
database: whoever can write the database can cut or recompute the chain, but cannot sign the
head that would go with it (docs/audit-chain.md).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from inspect_app import config
from inspect_app.clock import as_utc
from inspect_app.domain import signing_keys
from inspect_app.models import AuditCheck, AuditEntry, AuditHead

GENESIS = "0" * 64
SYSTEM_ACTOR = "system:jobs"  # who a job's writes are by
HEAD_DOMAIN = "lianjian-audit-head-v1"  # what a signature is for, so it is never reused elsewhere

log = logging.getLogger(__name__)
_keys: dict[str, Path] = {}  # the keys folder this process was configured with (not state)


def use_keys(directory: str | Path) -> None:
    """The keys folder whose audit key signs heads (the app factory and workers set it)."""
    _keys["dir"] = Path(directory)


def keys_dir() -> Path:
    return _keys.get("dir") or Path(config.from_environment()["KEYS_DIR"])


def public_keys() -> dict[str, Ed25519PublicKey]:
    """The audit heads' public keys by key id."""
    return signing_keys.load_audit_public_keys(keys_dir())


def _private_key() -> Ed25519PrivateKey | None:
    path = keys_dir() / signing_keys.AUDIT_PRIVATE_KEY_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        _warn_unsigned(str(path.parent))
        return None
    return _load_private_key(str(path.parent), stamp)


@functools.lru_cache(maxsize=4)
def _warn_unsigned(directory: str) -> None:
    """Said once per process and folder: `lianjian audit verify` reports the unsigned head."""
    log.warning("audit.head unsigned reason=no_audit_key keys_dir=%s", directory)


@functools.lru_cache(maxsize=4)
def _load_private_key(directory: str, _stamp: int) -> Ed25519PrivateKey:
    """Read once per file version (the mtime is part of the key), not once per append."""
    return signing_keys.load_audit_private_key(Path(directory))


def head_message(seq: int, digest: str, at: str) -> bytes:
    return f"{HEAD_DOMAIN}\n{seq}\n{digest}\n{at}".encode()


def _signature(seq: int, digest: str, at: str) -> dict[str, str | None]:
    key = _private_key()
    if key is None:
        return {"signature": None, "key_id": None}
    return {
        "signature": key.sign(head_message(seq, digest, at)).hex(),
        "key_id": signing_keys.key_id(key.public_key()),
    }


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(fields)}".encode()).hexdigest()


def stamp(at: datetime) -> str:
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
        "at": stamp(at),
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
    AuditHead.update(
        hash=digest, at=fields["at"], **_signature(seq, digest, fields["at"])
    ).execute()
    return entry


def ensure_head() -> None:
    """Create the chain's head row once (at init and migrations)."""
    if not AuditHead.select().exists():
        AuditHead.create(seq=0, hash=GENESIS)


def signed_head() -> dict[str, Any]:
    """The chain's head as it stands, with its signature: what draw records and disclosures
    carry, so a head published once can never quietly be moved back."""
    return as_head(AuditHead.get())


def as_head(head: AuditHead) -> dict[str, Any]:
    """A head row as draw records, disclosures and checks carry it."""
    return {
        "seq": head.seq,
        "hash": head.hash,
        "at": head.at,
        "signature": head.signature,
        "key_id": head.key_id,
    }


def sign_head() -> bool:
    """Sign the current head if it is not signed (a chain written before heads were signed, or
    with no key at hand); False when there is no key."""
    head = AuditHead.get()
    if head.seq == 0:
        return True
    last = AuditEntry.get_or_none(AuditEntry.seq == head.seq)
    at = head.at or (stamp(last.at) if last else None)
    values = _signature(head.seq, head.hash, at)
    if values["signature"] is None:
        return False
    AuditHead.update(at=at, **values).where(AuditHead.seq == head.seq).execute()
    return True


def head_problem(head: Mapping[str, Any] | None, ring: Mapping[str, Ed25519PublicKey]) -> str:
    """What is wrong with a signed head on its own ("" when its signature holds). The empty
    chain's head needs no signature: there is nothing to protect yet."""
    if not head:
        return "no signed head"
    if head.get("seq") == 0 and head.get("hash") == GENESIS:
        return ""
    if not head.get("signature"):
        return "the head is not signed"
    key = ring.get(head.get("key_id") or "")
    if key is None:
        return f"the head is signed by an unknown key ({head.get('key_id')})"
    try:
        key.verify(
            bytes.fromhex(head["signature"]),
            head_message(head["seq"], head["hash"], head.get("at") or ""),
        )
    except (InvalidSignature, ValueError, TypeError):
        return "the head's signature does not hold: the head was moved or the chain recomputed"
    return ""


def published_head_problem(
    published: Mapping[str, Any], head: Mapping[str, Any], ring: Mapping[str, Ed25519PublicKey]
) -> str:
    """A head once published (in a draw record or a disclosure) must still be in the chain."""
    problem = head_problem(published, ring)
    if problem:
        return f"published head {published.get('seq')}: {problem}"
    seq = published["seq"]
    if seq > head["seq"]:
        return (
            f"a published head (entry {seq}) is ahead of the chain's head "
            f"(entry {head['seq']}): entries were cut"
        )
    entry = AuditEntry.get_or_none(AuditEntry.seq == seq)
    if entry is None:
        return f"entry {seq} of a published head is missing"
    if entry.hash != published["hash"]:
        return f"entry {seq} differs from its published head: the chain was rewritten"
    return ""


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


def keep_check(report: AuditReport, head: AuditHead, now: datetime) -> None:
    """Keep a whole-chain check for the public verification to report (written by the console
    and jobs, never by an anonymous request)."""
    AuditCheck.insert(
        head_seq=head.seq,
        head_hash=head.hash,
        ok=report.ok,
        checked=report.checked,
        first_bad_seq=report.first_bad_seq,
        reason=report.reason,
        checked_at=now,
    ).on_conflict(
        conflict_target=[AuditCheck.head_seq],
        update={
            AuditCheck.head_hash: head.hash,
            AuditCheck.ok: report.ok,
            AuditCheck.checked: report.checked,
            AuditCheck.first_bad_seq: report.first_bad_seq,
            AuditCheck.reason: report.reason,
            AuditCheck.checked_at: now,
        },
    ).execute()


def latest_check() -> AuditCheck | None:
    """The newest whole-chain check kept (one query)."""
    return AuditCheck.select().order_by(AuditCheck.head_seq.desc()).first()


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
