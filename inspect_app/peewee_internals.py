"""The private peewee internals the hot paths rely on, in one place (pinned peewee 4.5.3).

Three shortcuts reach below peewee's public API: prepared queries (inspect_app/prepared.py) hand a
raw cursor to the query's own cursor wrapper, so rows convert exactly as execute() converts them;
the PostgreSQL pool skips its liveness ping for a connection handed back a moment ago; and a
PostgreSQL transaction's BEGIN travels with its first statement.
PRIVATE names what each relies on; tests/db/test_peewee_internals.py checks it against the
installed peewee and fails naming the attribute when an upgrade changes one.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import peewee
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

# (owner, private attribute, its parameters): everything below that peewee does not publish.
PRIVATE = (
    (peewee.BaseQuery, "_get_cursor_wrapper", ("self", "cursor")),
    (peewee.CursorWrapper, "initialize", ("self",)),
    (PooledDatabase, "_close", ("self", "conn", "close_conn")),
    (PooledPostgresqlDatabase, "_is_closed", ("self", "conn")),
)

PING_AFTER_IDLE_SECONDS = 1.0


# What a cursor wrapper keeps of one cursor; the rest, set by initialize(), depends only on the
# query and the columns its SQL returns.
_PER_CURSOR = frozenset(("cursor", "count", "index", "initialized", "populated", "row_cache"))


def cursor_wrapper(query: peewee.BaseQuery, cursor: Any, shape: dict | None = None) -> Any:
    """The rows of a cursor the query's SQL was run on, converted as query.execute() would.

    `shape`, for a query whose SQL never changes (a prepared one): what the wrapper's lazy
    initialize() works out from the query and the cursor's columns (converters, which column
    goes to which joined model), learnt on the first run and reused on every later one. It is
    a third of the cost of reading a few rows into joined models."""
    wrapper = query._get_cursor_wrapper(cursor)
    if shape is None:
        return wrapper
    if shape:
        vars(wrapper).update(shape)
        wrapper.initialized = True
        return wrapper
    initialize = wrapper.initialize

    def learn() -> None:
        initialize()
        learnt = {k: v for k, v in vars(wrapper).items() if k not in _PER_CURSOR}
        learnt.pop("initialize", None)
        shape.update(learnt)

    wrapper.initialize = learn
    return wrapper


class BeginWithFirstStatement:
    """PostgreSQL: a transaction's BEGIN is sent in front of its first statement, in the same
    message ("BEGIN; …"), instead of as a round trip of its own; a transaction that ran no
    statement sends neither BEGIN nor COMMIT. PostgreSQL runs a message's statements in order,
    and a BEGIN among them opens a transaction that goes on after the message (the protocol's
    multi-statement Query), so the statement runs inside it as it would have after a separate
    BEGIN. The statement's results are the cursor's (the last statement's), as before.

    Relies on peewee sending every statement of a transaction through execute_sql (queries,
    savepoints, prepared queries' PREPARE and EXECUTE) and its BEGIN, COMMIT and ROLLBACK
    through begin(), commit() and rollback(); nothing here reaches a raw cursor inside one."""

    def begin(self, isolation_level=None) -> None:
        if isolation_level is None:
            isolation_level = self._isolation_level
        statement = "BEGIN"
        if isolation_level:
            level = self._adapter.isolation_level_str(isolation_level)
            statement = f"BEGIN TRANSACTION ISOLATION LEVEL {level}"
        self.cursor()  # connects now if it must, as peewee's own BEGIN would, before the
        self._state.pending_begin = statement  # transaction is pushed (a connect resets them)

    def _take_begin(self) -> str | None:
        pending = getattr(self._state, "pending_begin", None)
        self._state.pending_begin = None
        return pending

    def execute_sql(self, sql, params=None):
        pending = self._take_begin()
        if pending is not None and self.transaction_depth():  # else left by a lost connection
            sql = f"{pending}; {sql}"
        return super().execute_sql(sql, params)

    def commit(self) -> None:  # peewee has popped the transaction already
        if self._take_begin() is None:
            super().commit()

    def rollback(self) -> None:
        if self._take_begin() is None:
            super().rollback()


class Postgres(BeginWithFirstStatement, peewee.PostgresqlDatabase):
    pass


class PooledPostgres(BeginWithFirstStatement, PooledPostgresqlDatabase):
    """peewee's pool asks the server whether a connection still lives (SELECT 1) each time it
    hands one out: a round trip on every request. A connection handed back less than
    PING_AFTER_IDLE_SECONDS ago, with no transaction open, is trusted; one idle for longer is
    asked as before (the server may have dropped it meanwhile)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._returned: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _close(self, conn, close_conn: bool = False):
        self._returned[conn] = time.monotonic()
        return super()._close(conn, close_conn)

    def _is_closed(self, conn) -> bool:
        returned = self._returned.get(conn)
        recent = returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS
        if recent and not conn.closed and conn.get_transaction_status() == TRANSACTION_STATUS_IDLE:
            return False
        return super()._is_closed(conn)
