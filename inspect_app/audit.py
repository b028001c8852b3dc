"""The append-only, hash-chained audit log: every write says who, what, when, before and after.

An entry is written in the transaction that makes its change, with a random uid and a
write-time authenticator (HMAC-SHA256 under a key derived from the audit key) over its
content, but with no place in the chain yet. The sealer (`seal`) gives the unsealed entries,
in id order, their seq and a hash covering their fields and the previous entry's hash, and
moves the head. So an edited, inserted or deleted sealed row breaks the chain at that row, and
an entry edited or forged before it was sealed fails its authenticator.

No change's transaction waits for the head: on PostgreSQL the writer seals after its commit
(never waiting: a sealer already at work, the hourly check or the next write seals it), on
SQLite inside its own transaction, which holds the database's one write lock anyway. A tablet
write seals as it keeps its answer: on SQLite in a short transaction just after its change's,
on PostgreSQL as the last statement of the change's own (the head taken SKIP LOCKED, never
waited for).

The head (seq, hash, at) is signed with an Ed25519 key kept in the keys folder, outside the
database: whoever can write the database can cut or recompute the chain, but cannot sign the
head that would go with it, nor authenticate an entry (docs/audit-chain.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import peewee
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from peewee import JOIN

from inspect_app import config
from inspect_app.clock import as_utc
from inspect_app.db import database, one_writer, rebuildable
from inspect_app.domain import signing_keys
from inspect_app.models import AuditCheck, AuditEntry, AuditHead
from inspect_app.prepared import Prepared, PreparedInsert, raw

GENESIS = "0" * 64
SYSTEM_ACTOR = "system:jobs"  # who a job's writes are by
HEAD_DOMAIN = "lianjian-audit-head-v1"  # what a signature is for, so it is never reused elsewhere
MAC_DOMAIN = (
    b"lianjian-audit-entry-mac-v1"  # the entries' authenticator key, derived from the head's
)
SEAL_BATCH = 2000  # entries chained per sealing transaction

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


def chain_fields(row: AuditEntry) -> dict[str, Any]:
    """What a sealed entry's hash covers: its fields and, for an entry the sealer chained, its
    uid and authenticator too (entries from before the sealer: the fields only)."""
    return _legacy_fields(row) if _is_legacy(row) else sealed_fields(row, row.seq)


def sealed_fields(row: AuditEntry, seq: int) -> dict[str, Any]:
    """What the sealer hashes, whatever the row holds (a missing uid or mac is hashed as such)."""
    fields = _fields(
        seq,
        row.at,
        row.actor,
        row.action,
        row.object_type,
        row.object_id,
        row.before,
        row.after,
    )
    return fields | {"uid": row.uid, "mac": row.mac}


def _is_legacy(row: AuditEntry) -> bool:
    """Chained before the sealer (no uid): its hash covers the fields alone. Checked by the
    hash itself, so stripping a new entry's uid does not make it pass as one."""
    return row.uid is None and row.hash == entry_hash(row.prev_hash or "", _legacy_fields(row))


def _legacy_fields(row: AuditEntry) -> dict[str, Any]:
    return _fields(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.object_type,
        row.object_id,
        row.before,
        row.after,
    )


# -- the entries' write-time authenticator ----------------------------------------------------


@functools.lru_cache(maxsize=4)
def _derived_mac_key(key: Ed25519PrivateKey) -> tuple[str, bytes]:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MAC_DOMAIN).derive(raw)
    return signing_keys.key_id(key.public_key()), derived


def mac_keys() -> dict[str, bytes]:
    """The entries' authenticator keys at hand, by audit key id (empty without the key)."""
    key = _private_key()
    if key is None:
        return {}
    key_id, derived = _derived_mac_key(key)
    return {key_id: derived}


def _mac_body(row: AuditEntry) -> bytes:
    content = {
        "uid": row.uid,
        "at": stamp(row.at),
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": str(row.object_id),
        "before": row.before,
        "after": row.after,
    }
    return MAC_DOMAIN + b"\n" + canonical(content).encode()


def _mac(row: AuditEntry, key_id: str, derived: bytes) -> str:
    return f"{key_id}:{hmac.new(derived, _mac_body(row), hashlib.sha256).hexdigest()}"


def mac_problem(row: AuditEntry, keys: Mapping[str, bytes]) -> str:
    """What is wrong with an entry's write-time authenticator ("" when it holds, or when the
    entry is from before the sealer)."""
    if row.seq is not None and _is_legacy(row):
        return ""
    if not row.uid or not row.mac:
        return "entry has no write-time authenticator: it was not written by the platform"
    key_id, _, _ = row.mac.partition(":")
    derived = keys.get(key_id)
    if derived is None:
        return "" if row.seq is not None else f"entry is authenticated by an unknown key ({key_id})"
    if not hmac.compare_digest(_mac(row, key_id, derived), row.mac):
        return "entry was changed before it was sealed: its authenticator does not hold"
    return ""


# -- writing and sealing ------------------------------------------------------------------------


# What a change writes of its entry; the sealer gives the rest (inspect_app/prepared.py).
ENTRY_COLUMNS = (
    *("at", "actor", "action", "object_type", "object_id"),
    *("before", "after", "uid", "mac"),
)
NEW_ENTRY = PreparedInsert(AuditEntry, *ENTRY_COLUMNS)


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
    """Write one entry; call inside the transaction that makes the change. It is chained by
    the sealer: on SQLite before this transaction ends, elsewhere right after it commits."""
    # Round-trip through JSON so what is authenticated and hashed is exactly what is stored.
    before, after = json.loads(canonical(before)), json.loads(canonical(after))
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        uid=secrets.token_hex(16),
    )
    keys = mac_keys()
    if keys:
        [(key_id, derived)] = keys.items()
        entry.mac = _mac(entry, key_id, derived)
    else:
        _warn_unsigned(str(keys_dir()))
    entry.id = NEW_ENTRY.new_id(**{name: getattr(entry, name) for name in ENTRY_COLUMNS})
    if getattr(_sealing, "by_caller", False):  # sealed by the caller's next transaction
        return entry
    if _seals_in_transaction():
        # in the change's transaction (it holds the write lock already), else in one of its own
        held = contextlib.nullcontext() if database.in_transaction() else database.atomic()
        with held:
            _seal_round(True, SEAL_BATCH, mine=entry)
    else:
        _seal_after_commit()
    return entry


_sealing = threading.local()  # this thread's: whether its caller seals what it writes now


@contextlib.contextmanager
def sealed_by_caller() -> Iterator[None]:
    """The entries written inside are left unsealed for the caller, who chains them when it is
    done (`seal_here`; a tablet write, as it keeps its answer: in a short transaction just after
    on SQLite, last in the same one on PostgreSQL): the change itself takes no head, and its
    entries are chained together with those of the writes that committed meanwhile, under one
    signed head."""
    before = getattr(_sealing, "by_caller", False)
    _sealing.by_caller = True
    try:
        yield
    finally:
        _sealing.by_caller = before


def seal_here() -> None:
    """Chain, in the caller's transaction, every entry unsealed so far (what a change under
    `sealed_by_caller` wrote among them). SQLite: this transaction holds the write lock, and so
    the head. PostgreSQL: unless another sealer holds the head (it or a later one chains them),
    then after the commit, never waiting, as any writer."""
    if _seal_round(False, SEAL_BATCH) is None:
        _seal_after_commit()


def _seals_in_transaction() -> bool:
    """SQLite: a write transaction already holds the database's single write lock, so chaining
    in it adds no wait; PostgreSQL runs writers side by side and seals after they commit."""
    return one_writer()


def _seal_after_commit() -> None:
    """Once per transaction (at once outside one): seal after the commit, never waiting."""
    state = getattr(database.obj, "_state", None)  # peewee's per-connection commit callbacks
    if _seal_soon in getattr(state, "commit_callbacks", ()):
        return
    database.after_commit(_seal_soon)


def _seal_soon() -> None:
    try:
        seal(wait=False, rebuild=True)
    except peewee.DatabaseError as error:  # the change is committed; its entry waits for a sealer
        log.warning("audit.seal deferred reason=%s", type(error).__name__)


def seal(*, wait: bool = True, batch: int = SEAL_BATCH, rebuild: bool = False) -> int:
    """Chain every unsealed entry this transaction can see, in id order, and move and sign the
    head; how many were chained. `wait=False` gives up at once when another sealer holds the
    head (it or a later one will chain them). Inside a transaction the entries it wrote itself
    are chained too (a draw's signed head covers the draw's own entries). `rebuild`: a seal
    nobody has seen yet (the one after a write's commit) is committed without waiting for the
    disk; lost in a crash, its entries are simply chained again, the same way, by the next."""
    sealed = 0
    while True:
        with database.atomic():
            if rebuild:
                rebuildable()
            count = _seal_round(wait, batch)
        if not count:
            return sealed
        sealed += count
        if count < batch:
            return sealed


def _round_query(batch, skip_locked: bool):
    """The unsealed entries (up to `batch`, in id order) and beside each the head, in one query
    (the head left-joined to them: both databases find them by the index on seq); one row with
    no entry (id None) when nothing is unsealed. On PostgreSQL the head is taken FOR UPDATE
    (SKIP LOCKED: no row at all while another sealer holds it); SQLite's transaction holds it
    already. `seen_seq`: the head's seq as the statement's snapshot shows it, which differs
    from the head's own only when a sealer committed after the snapshot was taken and before
    the lock (PostgreSQL's READ COMMITTED): its entries may then look unsealed still."""
    seen = AuditHead.alias("seen")
    query = (
        AuditHead.select(
            *AuditEntry._meta.sorted_fields,
            AuditHead.id.alias("head_id"),
            AuditHead.seq.alias("head_seq"),
            AuditHead.hash.alias("head_hash"),
            seen.select(seen.seq).alias("seen_seq"),
        )
        .join(AuditEntry, JOIN.LEFT_OUTER, on=AuditEntry.seq.is_null())
        .order_by(AuditEntry.id)
        .limit(batch)
        .objects(AuditEntry)
    )
    if not one_writer():
        query = query.for_update(of=AuditHead, skip_locked=skip_locked)
    return query


# A round of sealing: the head and what it chains, one query (inspect_app/prepared.py: built
# once; the database's kind is read when the query is first compiled for it).
ROUND = {
    wait: Prepared(lambda batch, skip=not wait: _round_query(batch, skip), batch=int)
    for wait in (True, False)
}
UNSEALED = Prepared(
    lambda batch: (
        AuditEntry.select().where(AuditEntry.seq.is_null()).order_by(AuditEntry.id).limit(batch)
    ),
    batch=int,
)
MOVE_HEAD = Prepared(
    lambda head_id, seq, hash, at, signature, key_id: AuditHead.update(
        seq=raw(seq), hash=raw(hash), at=raw(at), signature=raw(signature), key_id=raw(key_id)
    ).where(AuditHead.id == head_id),
    head_id=int,
    **dict.fromkeys(("seq", "hash", "at", "signature", "key_id"), str),
)
# PostgreSQL: the entries chained and the head moved in one statement.
SEAL_ALL = """WITH moved AS (
    UPDATE audit_head SET seq = %s, hash = %s, at = %s, signature = %s, key_id = %s WHERE id = %s
) UPDATE audit_entry SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
FROM unnest(%s::integer[], %s::integer[], %s::text[], %s::text[]) AS v(id, seq, prev_hash, hash)
WHERE audit_entry.id = v.id"""


def _seal_round(wait: bool, batch: int, mine: AuditEntry | None = None) -> int | None:
    """Chain up to `batch` unsealed entries after the head, in this transaction, and move and
    sign the head: how many (`mine`: the entry this transaction wrote, given its place too).
    None when another sealer holds the head (PostgreSQL, not waiting)."""
    rows = list(ROUND[wait].rows(batch=batch))
    if not rows:
        return None
    head = rows[0]
    if head.seen_seq != head.head_seq:  # read them again: holding the head, nobody moves it now
        rows = list(UNSEALED.rows(batch=batch))
    entries = [row for row in rows if row.id is not None]
    if not entries:
        return 0
    seq, prev, chained = head.head_seq, head.head_hash, []
    for row in entries:
        seq += 1
        digest = entry_hash(prev, sealed_fields(row, seq))
        chained.append((row.id, seq, prev, digest))
        if mine is not None and row.id == mine.id:
            mine.seq, mine.prev_hash, mine.hash = seq, prev, digest
        prev = digest
    at = stamp(entries[-1].at)
    _write_seal(head.head_id, chained, seq=seq, hash=prev, at=at, **_signature(seq, prev, at))
    return len(entries)


def _write_seal(head_id: int, chained: list[tuple[int, int, str, str]], **head: Any) -> None:
    """Give each entry its (seq, prev_hash, hash) and move the head: SQLite one statement per
    entry (in process, cheap), PostgreSQL one round trip for all."""
    if one_writer():
        p = database.param
        sql = f"UPDATE audit_entry SET seq = {p}, prev_hash = {p}, hash = {p} WHERE id = {p}"
        for entry_id, seq, prev, digest in chained:
            database.execute_sql(sql, (seq, prev, digest, entry_id))
        MOVE_HEAD.run(head_id=head_id, **head)
        return
    columns = [list(column) for column in zip(*chained, strict=True)]
    moved = (head["seq"], head["hash"], head["at"], head["signature"], head["key_id"], head_id)
    database.execute_sql(SEAL_ALL, (*moved, *columns))


def ensure_head() -> None:
    """Create the chain's head row once (at init and migrations)."""
    if not AuditHead.select().exists():
        AuditHead.create(seq=0, hash=GENESIS)


def signed_head() -> dict[str, Any]:
    """The chain's head once every entry this transaction sees is sealed, with its signature:
    what draw records and disclosures carry, so a head published once can never quietly be
    moved back."""
    seal()
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


def verify(batch: int = 5000, macs: Mapping[str, bytes] | None = None) -> AuditReport:
    """Walk the sealed chain in order; report the first entry whose hash or link does not hold
    (and, given the authenticator keys `macs`, whose write-time authenticator does not)."""
    return _walk(0, GENESIS, AuditHead.get_or_none(), batch, macs)


def _walk(
    after_seq: int,
    prev: str,
    head: AuditHead | None,
    batch: int,
    macs: Mapping[str, bytes] | None = None,
) -> AuditReport:
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
            if not problem and macs is not None:
                problem = mac_problem(row, macs)
            if problem:
                return AuditReport(False, checked, row.seq, problem)
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        last_seq = rows[-1].seq
    if head is not None and (head.seq != checked or head.hash != prev):
        return AuditReport(False, checked, checked + 1, "chain ends before its head: rows deleted")
    return AuditReport(True, checked)


def unsealed_problem(macs: Mapping[str, bytes], batch: int = 5000) -> str:
    """The entries outside the sealed chain: none may claim a place beyond the head, and each
    unsealed one must carry its write-time authenticator ("" when all hold). The head is read in
    the same statement, so a sealer at work meanwhile raises no false alarm."""
    beyond = (
        AuditEntry.select(AuditEntry.seq)
        .where(AuditEntry.seq > AuditHead.select(peewee.fn.MAX(AuditHead.seq)))
        .order_by(AuditEntry.seq)
        .first()
    )
    if beyond is not None:
        return f"entry {beyond.seq} lies beyond the signed head: it was not chained by the sealer"
    last_id = 0
    while True:
        rows = list(
            AuditEntry.select()
            .where(AuditEntry.seq.is_null() & (AuditEntry.id > last_id))
            .order_by(AuditEntry.id)
            .limit(batch)
        )
        for row in rows:
            problem = mac_problem(row, macs)
            if problem:
                return f"unsealed entry (id {row.id}): {problem}"
        if len(rows) < batch:
            return ""
        last_id = rows[-1].id


def duplicate_problem() -> str:
    """An entry's uid is once in the log: a copy of a real entry replayed into it is found."""
    uid = (
        AuditEntry.select(AuditEntry.uid)
        .where(AuditEntry.uid.is_null(False))
        .group_by(AuditEntry.uid)
        .having(peewee.fn.COUNT(AuditEntry.id) > 1)
        .scalar()
    )
    return f"entry {uid} is in the log more than once: a copy was replayed" if uid else ""


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


def entry_problem(row: AuditEntry, macs: Mapping[str, bytes] | None = None) -> str:
    """What is wrong with one entry on its own: its hash and its link to the entry before it
    (once sealed), and its write-time authenticator (with the keys at hand by default)."""
    macs = mac_keys() if macs is None else macs
    if row.seq is None:
        return mac_problem(row, macs)
    before = AuditEntry.get_or_none(AuditEntry.seq == row.seq - 1)
    prev = before.hash if before is not None else GENESIS
    return _check(row, prev, row.seq) or mac_problem(row, macs)


def _check(row: AuditEntry, prev: str, expected_seq: int) -> str:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing"
    if row.prev_hash != prev:
        return "link to the previous entry is broken"
    if entry_hash(prev, chain_fields(row)) != row.hash:
        return "entry was changed after it was written"
    return ""
