"""What a PostgreSQL database object sends its server, one entry a round trip (BEGIN, COMMIT and
ROLLBACK included, which peewee sends on a raw cursor and its query log does not show)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee


@contextmanager
def sent_by(db: peewee.Database) -> Iterator[list[str]]:
    """The SQL `db` executes meanwhile, in order (a psycopg2 cursor's methods cannot be replaced:
    each cursor handed out is wrapped)."""
    sent: list[str] = []
    real = db.cursor

    class Counted:
        def __init__(self, cursor):
            self._cursor = cursor

        def execute(self, sql, *params):
            sent.append(sql)
            return self._cursor.execute(sql, *params)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    db.cursor = lambda *args, **kwargs: Counted(real(*args, **kwargs))
    try:
        yield sent
    finally:
        del db.cursor  # the class's own again
