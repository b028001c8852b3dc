"""The database proxy, bound at start-up from DATABASE_URL (SQLite file or PostgreSQL)."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

import filelock
import peewee
from playhouse.db_url import connect, parse
from playhouse.pool import PooledSqliteDatabase

from inspect_app.clock import as_utc
from inspect_app.peewee_internals import PooledPostgres

database = peewee.DatabaseProxy()
log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


POOL = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}
WRITER_POLL_SECONDS = 0.0005


class QueuedWriters:
    """SQLite: the write transactions of every process and thread queue on a lock file beside
    the database (filelock), taken just before BEGIN IMMEDIATE and given back at COMMIT or
    ROLLBACK, so a writer starts within half a millisecond of the one before it ending.

    SQLite lets one writer in at a time whatever we do; what this changes is the wait. Left to
    SQLite's busy handler, a waiting writer sleeps 1, 2, 5, 10 … then 100 ms between tries, so
    under a burst of tablet writes the write lock stood free while the workers slept (the app's
    CPU stayed at two thirds of the machine's in bench/tablet_load.py). A writer that cannot
    get the lock file within the busy timeout goes on without it, as before, and SQLite's own
    lock still decides; so does any writer outside a transaction, or of another program."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._writers_of: tuple[int, filelock.FileLock] | None = None

    @property
    def _writers(self) -> filelock.FileLock:
        """This process's lock (a forked child, such as RQ's work-horse, makes its own: a lock
        is not shared across fork); thread-local, each thread on a descriptor of its own."""
        pid = os.getpid()
        if self._writers_of is None or self._writers_of[0] != pid:
            lock = filelock.FileLock(
                f"{self.database}.writers",
                timeout=SQLITE_PRAGMAS["busy_timeout"] / 1000,
                poll_interval=WRITER_POLL_SECONDS,
                preserve_lock_file=True,
            )
            self._writers_of = (pid, lock)
        return self._writers_of[1]

    def begin(self, lock_type=None):
        if self._writers.is_locked:  # a transaction of this thread that never ended (closed)
            self._writers.release(force=True)
        try:
            self._writers.acquire()
        except filelock.Timeout:
            log.warning("sqlite.writers_lock_timeout database=%s", self.database)
        try:
            super().begin(lock_type)
        except BaseException:
            self._release_writers()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self._release_writers()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._release_writers()

    def _release_writers(self) -> None:
        if self._writers.is_locked:
            self._writers.release(force=True)


class QueuedSqlite(QueuedWriters, peewee.SqliteDatabase):
    pass


class QueuedPooledSqlite(QueuedWriters, PooledSqliteDatabase):
    pass


def open_database(url: str, *, pooled: bool = False) -> peewee.Database:
    """A connect-on-demand database for the URL, with SQLite pragmas that make it a real server's
    peer. `pooled` keeps connections between requests (playhouse.pool): the app's choice, since
    opening one per request costs more than most queries."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a write transaction takes the write lock when it begins, so concurrent writers
        # wait (busy_timeout) instead of failing on a stale WAL snapshot ("database is locked").
        kind = QueuedPooledSqlite if pooled else QueuedSqlite
        # A pooled connection serves one thread at a time, but not always the thread that opened it.
        extra = POOL | {"check_same_thread": False} if pooled else {}
        return kind(str(path), pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", **extra)
    if pooled:
        return PooledPostgres(**parse(url.replace("+pool://", "://")), **POOL)
    return connect(url)


def bind(url: str, *, pooled: bool = False) -> peewee.Database:
    """Open the database for the URL and point the proxy at it."""
    db = open_database(url, pooled=pooled)
    database.initialize(db)
    return db


def rebuildable() -> None:
    """Call first in a transaction whose loss in a crash costs nothing but redoing it (a kept
    answer, a seal): on PostgreSQL its commit then does not wait for the WAL to reach the disk
    (synchronous_commit off, for this transaction only). What it commits may be lost in a crash
    of the database server, never half of it; and once any later transaction that read it
    commits the usual way, it is on disk too (the WAL is flushed in order, up to that commit).
    SQLite already commits every transaction this way (synchronous=normal in WAL mode)."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        database.execute_sql("SET LOCAL synchronous_commit TO OFF")


def release(db: peewee.Database | None) -> None:
    """Close a database's connections, pooled ones included (app shutdown, tests)."""
    if db is None:
        return
    if hasattr(db, "close_all"):
        db.close_all()
    elif not db.is_closed():
        db.close()


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class JSONField(peewee.TextField):
    """JSON stored as text: the same bytes on SQLite and PostgreSQL."""

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class UTCDateTimeField(peewee.DateTimeField):
    """Stored as naive UTC, read back tz-aware."""

    def db_value(self, value):
        if value is None:
            return None
        return as_utc(value).replace(tzinfo=None)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime):
            return as_utc(value)
        return value
