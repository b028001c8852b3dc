"""PostgreSQL transactions send their BEGIN with their first statement (one round trip fewer per
transaction, inspect_app/peewee_internals.py): what runs inside still runs inside, all of it or
none, and a transaction that ran nothing costs nothing."""

from __future__ import annotations

import peewee
import pytest

from inspect_app.db import open_database, release
from tests.conftest import POSTGRES_URL
from tests.round_trips import sent_by


@pytest.fixture(params=[False, True], ids=["direct", "pooled"])
def pg(request, postgres_schema):
    db = open_database(postgres_schema, pooled=request.param)
    db.connect()
    db.execute_sql("CREATE TEMPORARY TABLE 街道备注 (id serial PRIMARY KEY, note text UNIQUE)")
    with sent_by(db) as sent:
        yield db, sent
    db.close()
    release(db)


def _notes(db) -> list[str]:
    return [n for (n,) in db.execute_sql("SELECT note FROM 街道备注 ORDER BY id").fetchall()]


def _in_transaction(db) -> bool:
    return db.connection().get_transaction_status() != 0  # psycopg2: 0 is idle


def test_a_transaction_is_its_statements_and_one_commit(pg):
    db, sent = pg
    with db.atomic():
        db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("罗店镇",))
        assert _in_transaction(db)  # the BEGIN went with the first statement
        db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("月浦镇",))
    assert sent == [
        "BEGIN; INSERT INTO 街道备注 (note) VALUES (%s)",
        "INSERT INTO 街道备注 (note) VALUES (%s)",
        "COMMIT",
    ]
    assert not _in_transaction(db) and _notes(db) == ["罗店镇", "月浦镇"]


def test_a_failed_transaction_leaves_nothing(pg):
    db, _ = pg
    with pytest.raises(peewee.IntegrityError), db.atomic():
        db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("杨行镇",))
        db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("杨行镇",))
    assert not _in_transaction(db) and _notes(db) == []


def test_a_rolled_back_transaction_and_a_savepoint_first(pg):
    db, _ = pg
    with db.atomic() as outer:
        with db.atomic():  # a savepoint as the transaction's first statement
            db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("淞南镇",))
        outer.rollback()
    assert _notes(db) == []
    with db.atomic():
        with pytest.raises(peewee.IntegrityError), db.atomic():
            db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("高境镇",))
            db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("高境镇",))
        db.execute_sql("INSERT INTO 街道备注 (note) VALUES (%s)", ("庙行镇",))
    assert _notes(db) == ["庙行镇"]


def test_a_transaction_that_ran_nothing_sends_nothing(pg):
    db, sent = pg
    with db.atomic():
        pass
    with db.atomic() as transaction:
        transaction.rollback()
    assert sent == []
    db.execute_sql("SELECT 1")  # and the next statement, outside any, runs on its own
    assert sent == ["SELECT 1"] and not _in_transaction(db)


def test_the_isolation_level_asked_for_holds(postgres_schema):
    db = open_database(postgres_schema)
    with db.connection_context(), db.atomic(isolation_level="SERIALIZABLE"):
        (level,) = db.execute_sql("SHOW transaction_isolation").fetchone()
    assert level == "serializable"


def test_the_url_without_a_schema_opens_the_same_kind(postgres_schema):
    assert type(open_database(POSTGRES_URL)).__name__ == "Postgres"


def test_a_transaction_opened_on_a_closed_connection_connects_first(postgres_schema):
    db = open_database(postgres_schema, pooled=True)
    try:
        with db.atomic():  # autoconnect, as peewee's own BEGIN does
            (one,) = db.execute_sql("SELECT 1").fetchone()
            assert db.in_transaction() and one == 1
        assert not db.in_transaction()
    finally:
        db.close()
        release(db)
