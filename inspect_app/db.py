"""The database proxy, bound at start-up from DATABASE_URL (SQLite file or PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import peewee
from playhouse.db_url import connect, parse
from playhouse.pool import PooledSqliteDatabase

from inspect_app.clock import as_utc
from inspect_app.peewee_internals import PooledPostgres

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


POOL = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}


def open_database(url: str, *, pooled: bool = False) -> peewee.Database:
    """A connect-on-demand database for the URL, with SQLite pragmas that make it a real server's
    peer. `pooled` keeps connections between requests (playhouse.pool): the app's choice, since
    opening one per request costs more than most queries."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a write transaction takes the write lock when it begins, so concurrent writers
        # wait (busy_timeout) instead of failing on a stale WAL snapshot ("database is locked").
        kind = PooledSqliteDatabase if pooled else peewee.SqliteDatabase
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
