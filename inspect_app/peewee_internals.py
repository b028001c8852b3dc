"""The private peewee internals the hot paths rely on, in one place (pinned peewee 4.5.3).

Two shortcuts reach below peewee's public API: prepared queries (inspect_app/prepared.py) hand a
raw cursor to the query's own cursor wrapper, so rows convert exactly as execute() converts them;
and the PostgreSQL pool skips its liveness ping for a connection handed back a moment ago.
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
    (PooledDatabase, "_close", ("self", "conn", "close_conn")),
    (PooledPostgresqlDatabase, "_is_closed", ("self", "conn")),
)

PING_AFTER_IDLE_SECONDS = 1.0


def cursor_wrapper(query: peewee.BaseQuery, cursor: Any) -> Any:
    """The rows of a cursor the query's SQL was run on, converted as query.execute() would."""
    return query._get_cursor_wrapper(cursor)


class PooledPostgres(PooledPostgresqlDatabase):
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
