"""The app's PostgreSQL pool: no liveness round trip for a connection handed back a moment ago,
and a connection the server dropped while idle is replaced, not handed out."""

from __future__ import annotations

import pytest

from inspect_app import peewee_internals as internals
from inspect_app.db import open_database, release
from tests.conftest import POSTGRES_URL


@pytest.fixture
def pooled(postgres_schema):  # skips or fails as the suite's policy says when PostgreSQL is away
    pooled = open_database(POSTGRES_URL, pooled=True)
    yield pooled
    release(pooled)


def _request(pooled) -> int:
    """What a request does: take a connection, ask one thing, hand it back; the backend's pid."""
    pooled.connect()
    (pid,) = pooled.execute_sql("SELECT pg_backend_pid()").fetchone()
    pooled.close()
    return pid


def _watch_pool_pings(monkeypatch) -> list[int]:
    """Count the times peewee's own check (a SELECT 1 round trip) is reached."""
    asked: list[int] = []
    real = internals.PooledPostgresqlDatabase._is_closed

    def is_closed(self, conn):
        asked.append(1)
        return real(self, conn)

    monkeypatch.setattr(internals.PooledPostgresqlDatabase, "_is_closed", is_closed)
    return asked


def test_a_connection_handed_back_a_moment_ago_is_reused_without_asking_the_server(
    pooled, monkeypatch
):
    asked = _watch_pool_pings(monkeypatch)

    pids = {_request(pooled) for _ in range(5)}

    assert len(pids) == 1  # one connection, reused
    assert asked == []  # never pinged


def test_a_connection_idle_past_the_window_is_asked_before_reuse(pooled, monkeypatch):
    asked = _watch_pool_pings(monkeypatch)
    monkeypatch.setattr(internals, "PING_AFTER_IDLE_SECONDS", 0.0)

    first, second = _request(pooled), _request(pooled)

    assert first == second
    assert len(asked) == 1  # the second checkout asked


def test_a_connection_the_server_dropped_while_idle_is_replaced(pooled, monkeypatch):
    first = _request(pooled)
    admin = open_database(POSTGRES_URL)
    with admin.connection_context():
        admin.execute_sql("SELECT pg_terminate_backend(%s)", (first,))
    monkeypatch.setattr(internals, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle "long"

    second = _request(pooled)  # no error: the dead one was found and dropped

    assert second != first
