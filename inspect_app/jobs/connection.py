"""The database of a job: a worker has no Flask app, an in-process run shares its caller's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from inspect_app import config
from inspect_app.db import bind, database


@contextmanager
def job_database() -> Iterator[None]:
    """Bind DATABASE_URL if nobody has, and open a connection only if none is open (an
    in-process run reuses the caller's)."""
    if database.obj is None:
        bind(config.from_environment()["DATABASE_URL"])
    opened = database.is_closed()
    if opened:
        database.connect()
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()
