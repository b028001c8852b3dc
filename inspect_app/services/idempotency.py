"""Offline clients replay: the same operation id has one effect, whatever the number of replays.

The unique key on ClientOperation.op_id is what enforces it: the write and the operation's
record commit together, so a concurrent replay either finds the record or fails its insert
and then finds it. Same id with the same content is answered like the first time; the same
id with other content is a 409 OPERATION_REUSED.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import peewee

from inspect_app import audit
from inspect_app.actor import Actor
from inspect_app.db import database, one_writer, rebuildable
from inspect_app.errors import AppError
from inspect_app.models import ClientOperation
from inspect_app.prepared import Prepared, PreparedInsert, raw

T = TypeVar("T")
R = TypeVar("R")


_UNREAD = object()


@dataclass(frozen=True)
class Operation:
    """A client's write as replays know it: its id and its fingerprint (see fingerprint());
    `done`, its record as read with the sign-in (done_from), None when there was none."""

    op_id: str
    request_hash: str
    done: ClientOperation | object | None = _UNREAD


@dataclass(frozen=True)
class Encoded:
    """A body as it is sent: its JSON text, and that text gzip'd."""

    text: str
    packed: bytes


@dataclass(frozen=True)
class Answer:
    """What a write answered, and what every replay of it is answered: the body and status;
    `encoded`, the same body as the write already serialised it (a tablet write: the offline
    copy's text and its gzip'd bytes), on the first answer only."""

    body: dict[str, Any]
    status: int
    encoded: Encoded | None = None


# What builds a write's body (on SQLite after its commit, on PostgreSQL inside its transaction):
# the body, what to keep beside it, the body encoded (its text is kept as the answer as it is:
# the body is not serialised a second time).
Build = Callable[[Any], tuple[dict[str, Any], Callable[[], None], Encoded]]


def fingerprint(method: str, path: str, body: dict[str, Any]) -> str:
    """What makes two requests 'the same operation': method, path and content (op_id aside)."""
    content = {k: v for k, v in body.items() if k != "op_id"}
    canonical = json.dumps(
        [method, path, content],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


DONE = Prepared(
    lambda op_id: ClientOperation.select().where(ClientOperation.op_id == op_id), op_id=str
)


# A tablet write's own statements (inspect_app/prepared.py).
NEW_OPERATION = PreparedInsert(
    ClientOperation, "op_id", "user", "request_hash", "status_code", "response", "created_at"
)
KEEP_RESPONSE = Prepared(
    lambda op_id, response: ClientOperation.update(response=raw(response)).where(
        (ClientOperation.op_id == op_id) & ClientOperation.response.is_null()
    ),
    op_id=str,
    response=str,
)


def with_operation(query: peewee.ModelSelect, op_id: str) -> peewee.ModelSelect:
    """`query` and after its own columns the record of operation `op_id` (nulls when there is
    none): how a tablet's write asks who it is and whether it was done already, in one query."""
    return (
        query.select_extend(*OPERATION_COLUMNS)
        .switch(query.model)
        .join(ClientOperation, peewee.JOIN.LEFT_OUTER, on=(ClientOperation.op_id == op_id))
    )


OPERATION_COLUMNS = (
    ClientOperation.id,
    ClientOperation.user,
    ClientOperation.request_hash,
    ClientOperation.status_code,
    ClientOperation.response,
)


def done_from(row: tuple) -> ClientOperation | None:
    """The record with_operation's columns (the last of `row`, as the driver gives them) hold."""
    ident, user, request_hash, status_code, response = row[-len(OPERATION_COLUMNS) :]
    if ident is None:
        return None
    return ClientOperation(
        id=ident,
        user=user,
        request_hash=request_hash,
        status_code=status_code,
        response=ClientOperation.response.python_value(response),
    )


def _replay(actor: Actor, op: Operation, *, again: bool = False) -> Answer | None:
    """The stored answer of `op` if it was done (read again when `again`, else as the sign-in's
    query found it, where it was asked there)."""
    done = op.done if op.done is not _UNREAD and not again else DONE.one(op_id=op.op_id)
    if done is None:
        return None
    if done.user_id != actor.user_id or done.request_hash != op.request_hash:
        raise AppError("OPERATION_REUSED")
    return Answer(done.response, done.status_code)


def run_once_then_answer(
    actor: Actor,
    op: Operation,
    now: datetime,
    read: Callable[[], R],
    change: Callable[[R], tuple[T, int]],
    answer: Build,
) -> Answer:
    """Run `change` once per op_id, in one transaction with the operation's record (its status);
    its body, `answer(result)`, is kept for replays (with whatever else `answer` hands back to
    keep). What the change starts from is read just before its transaction (`read`, once no
    replay answered) and handed to it, which checks inside that it still stands. The change's
    audit entries are sealed as the answer is kept.

    Where one write transaction runs at a time (SQLite: it holds the database's write lock),
    the change's transaction is short: the body (a tablet's offline copy, most of a write's
    work) is built after the commit, outside the lock, and kept in a second short transaction.
    The body then shows the state once the change committed (a teammate's write that committed
    meanwhile shows too). A replay that finds no body kept yet (the first answer is still being
    built, or its process died after the commit) is answered `answer(None)`, the state as it
    stands, and that body is kept for the replays after it.

    Where writers run side by side (PostgreSQL), the body is built and kept in the change's own
    transaction: its row locks hold only what the change wrote (the inspection), so no other
    inspection's writer waits for it, and one transaction saves the second's round trips and
    the body's second write. A failure before the commit leaves nothing: the replay makes the
    change."""
    replayed = _replay_or_pending(actor, op, answer)
    if replayed is not None:
        return replayed
    start = read()
    record = partial(
        NEW_OPERATION.new_id,
        op_id=op.op_id,
        user=actor.user_id,
        request_hash=op.request_hash,
        created_at=now,
    )
    try:
        with database.atomic(), audit.sealed_by_caller():  # sealed as the answer is kept
            result, status = change(start)
            if not one_writer():
                body, keep, encoded = answer(result)
                keep()
                record(status_code=status, stored={"response": encoded.text})
                audit.seal_here()  # last, so a head taken is held the shortest
                return Answer(body, status, encoded)
            record(status_code=status, response=None)
    except peewee.IntegrityError:
        replayed = _replay_or_pending(actor, op, answer, again=True)
        if replayed is None:
            raise
        return replayed
    return _keep_answer(op, status, *answer(result))


def _replay_or_pending(
    actor: Actor, op: Operation, answer: Build, *, again: bool = False
) -> Answer | None:
    replayed = _replay(actor, op, again=again)
    if replayed is None or replayed.body is not None:
        return replayed
    return _keep_answer(op, replayed.status, *answer(None))


def _keep_answer(
    op: Operation, status: int, body: dict[str, Any], keep: Callable[[], None], encoded: Encoded
) -> Answer:
    """Keep the body unless one is kept already (then that one is the answer, for every replay),
    and what `keep` keeps beside it."""
    with database.atomic():
        rebuildable()  # a lost answer is rebuilt by the next replay (_replay_or_pending)
        keep()
        kept = KEEP_RESPONSE.run(op_id=op.op_id, response=encoded.text)
        audit.seal_here()  # what the change wrote; last, so a head taken is held the shortest
        if kept:
            return Answer(body, status, encoded)
        return Answer(ClientOperation.get(ClientOperation.op_id == op.op_id).response, status)
