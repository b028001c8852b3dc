"""The database proxy, bound at start-up from DATABASE_URL (SQLite file or PostgreSQL)."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import datetime
from pathlib import Path

import peewee
from playhouse.db_url import connect, parse
from playhouse.pool import PooledSqliteDatabase

from inspect_app.clock import as_utc
from inspect_app.peewee_internals import PooledPostgres, Postgres

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


POOL = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}


class QueuedWriters:
    """SQLite: the write transactions of every process and thread queue on a lock file beside
    the database, taken just before BEGIN IMMEDIATE and given back at COMMIT or ROLLBACK, so a
    writer starts as soon as the one before it ends.

    SQLite lets one writer in at a time whatever we do; what this changes is the wait. Left to
    SQLite's busy handler, a waiting writer sleeps 1, 2, 5, 10 … then 100 ms between tries, so
    under a burst of tablet writes the write lock stood free while the workers slept. The lock is
    the kernel's (flock on the file): a waiter sleeps in the kernel and is woken when the holder
    lets go, spending no CPU (filelock's polling, every 0.5 ms, was a sixth of an item write's
    CPU under load, bench/README.md), and a process that dies holding it gives it back.

    A waiter waits as long as the transactions ahead of it last: every transaction that takes the
    lock would hold SQLite's write lock as long, and SQLite would refuse the waiter after its busy
    timeout where this lets it through afterwards. Writers outside a transaction, or of another
    program, do not take it; SQLite's own lock still decides for them."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._writers_path = f"{self.database}.writers"
        self._writers_local = threading.local()

    def _writers(self) -> _Writers:
        """This thread's hold on the lock file: a descriptor of its own, since flock excludes by
        open file, and one per process (a forked child, such as RQ's work-horse, shares its
        parent's open files, so it opens the file again)."""
        writers = getattr(self._writers_local, "writers", None)
        if writers is None or writers.pid != os.getpid():
            writers = self._writers_local.writers = _Writers(self._writers_path)
        return writers

    def begin(self, lock_type=None):
        writers = self._writers()
        writers.release()  # a transaction of this thread that never ended (its connection closed)
        writers.acquire()
        try:
            super().begin(lock_type)
        except BaseException:
            writers.release()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self._writers().release()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._writers().release()


class _Writers:
    """One thread's descriptor on the writers' lock file, and whether it holds the lock."""

    def __init__(self, path: str) -> None:
        self.pid = os.getpid()
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self.held = False

    def acquire(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)  # sleeps in the kernel until the holder lets go
        self.held = True

    def release(self) -> None:
        if self.held:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.held = False

    def __del__(self) -> None:  # the thread ended: its descriptor (and any hold) goes with it
        if self.pid == os.getpid():
            os.close(self.fd)


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
    if url.startswith(("postgres://", "postgresql://")):
        return Postgres(**parse(url))
    return connect(url)


def bind(url: str, *, pooled: bool = False) -> peewee.Database:
    """Open the database for the URL and point the proxy at it."""
    db = open_database(url, pooled=pooled)
    database.initialize(db)
    return db


def one_writer() -> bool:
    """Whether the bound database runs one write transaction at a time: SQLite's holds the
    database's single write lock from BEGIN IMMEDIATE to its end; PostgreSQL runs writers side
    by side, each holding the rows it wrote."""
    return isinstance(database.obj, peewee.SqliteDatabase)


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
