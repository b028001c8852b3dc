"""What one tablet write costs the database (issue 17): how many statements, how many of them
built by peewee on each request, and which commits may skip waiting for the disk.

The counts are of statements, not of time, so they hold on any machine: a change that adds a
query to the write path, or builds again a query that is prepared, fails here by name.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import peewee
import pytest

from inspect_app.db import database, rebuildable
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.models import Inspection, ItemResult
from inspect_app.services import inspections
from tests.round_trips import sent_by
from tests.tablet.conftest import op

# An item write: who asks and whether the write was done already are one query, its item and
# the member's place another; a first record is inserted
# without reading the item's result first; the answer reads the task's items with their results
# in one query; the transaction that keeps the answer seals the entry (docs/audit-chain.md):
# the head and the unsealed entries read in one query, and on PostgreSQL the entries chained and
# the head moved in one statement.
# SQLite keeps the answer in a second transaction, after the change's commit (the operation's
# record written twice); PostgreSQL in the change's own, with the operation's record once.
STATEMENTS = {"sqlite": 17, "postgres": 14}
# On PostgreSQL, the ones not run as prepared statements (EXECUTE): the seal's one update.
UNPREPARED = {"postgres": 1}


@contextmanager
def _statements():
    """The SQL statements run meanwhile, as peewee logs them (prepared ones included)."""
    seen: list[str] = []

    class Count(logging.Handler):
        def emit(self, record):
            message = record.getMessage()
            if not message.startswith(("Returning", "Connection")):
                seen.append(message)

    logger = logging.getLogger("peewee")
    handler, level = Count(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextmanager
def _built(monkeypatch):
    """The queries peewee turns into SQL meanwhile (a prepared one was built once, before)."""
    built: list[str] = []
    execute = peewee.Database.execute

    def counted(self, query, *args, **kwargs):
        built.append(type(query).__name__ + " " + query.sql()[0][:100])
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(peewee.Database, "execute", counted)
    yield built
    monkeypatch.setattr(peewee.Database, "execute", execute)


def _put_item(client, joint, code="IC-01", result="PASS"):
    return client.put(
        f"/api/v1/tablet/inspections/{joint.inspection.id}/items/{code}",
        headers=joint.ct,
        json={"op_id": op(), "item_version": 0, "result": result, "notes": "灭火器压力正常"},
    )


def test_an_item_write_runs_the_statements_it_needs_and_builds_none_of_them(
    client, joint, db_url, monkeypatch
):
    engine = "sqlite" if db_url.startswith("sqlite") else "postgres"
    _put_item(client, joint, "IC-02")  # the first write of a process prepares what it asks
    with _statements() as seen, _built(monkeypatch) as built:
        answer = _put_item(client, joint)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["checklist"][0]["items"][0]["result"] == "PASS"
    listing = "\n".join(seen)
    assert len(seen) <= STATEMENTS[engine], f"{len(seen)} statements:\n{listing}"
    assert built == [], "built on the write path:\n" + "\n".join(built)
    if engine == "postgres":
        prepared = ("('EXECUTE lianjian_prepared_", "('BEGIN; EXECUTE lianjian_prepared_")
        unprepared = [s for s in seen if not s.startswith(prepared)]
        assert len(unprepared) <= UNPREPARED[engine], f"{len(unprepared)} unprepared:\n{listing}"


def test_an_item_write_on_postgresql_sends_its_begin_with_its_first_statement(
    client, joint, db_url
):
    """The round trips are the statements and one COMMIT: no BEGIN of its own
    (inspect_app/peewee_internals.py, BeginWithFirstStatement)."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs in process: a BEGIN costs no round trip")
    _put_item(client, joint, "IC-02")
    with _statements() as seen, sent_by(database.obj) as sent:
        answer = _put_item(client, joint)
    assert answer.status_code == 200, answer.get_json()
    assert sent.count("COMMIT") == 1 and "BEGIN" not in sent, "\n".join(sent)
    assert len(sent) == len(seen) + 1, "\n".join(sent)


def test_a_replay_of_a_done_write_is_answered_from_the_sign_in_query(client, joint):
    body = {"op_id": op(), "item_version": 0, "result": "PASS", "notes": "灭火器压力正常"}
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}/items/IC-01"
    first = client.put(url, headers=joint.ct, json=body)
    assert first.status_code == 200, first.get_json()
    with _statements() as seen:
        again = client.put(url, headers=joint.ct, json=body)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert len(seen) == 1, "\n".join(seen)
    reused = client.put(url, headers=joint.ct, json=body | {"notes": "另一次记录"})
    assert reused.status_code == 409 and reused.get_json()["status"] == "OPERATION_REUSED"
    stranger = client.put(url, headers=joint.fr, json=body)  # another member's token, same op_id
    assert stranger.status_code == 409 and stranger.get_json()["status"] == "OPERATION_REUSED"


def test_what_peewee_builds_is_counted(client, joint, monkeypatch):
    """The count above can fail: a query peewee builds on the spot is seen."""
    with _built(monkeypatch) as built:
        ItemResult.update(notes="复核").where(
            ItemResult.inspection == joint.inspection.id
        ).execute()
    assert len(built) == 1 and built[0].startswith("ModelUpdate UPDATE")


def test_a_rebuildable_transaction_skips_the_disk_wait_for_itself_only(db_url, app):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite in WAL mode with synchronous=normal commits every transaction so")
    with app.app_context(), database.connection_context():
        with database.atomic():
            rebuildable()
            assert _synchronous_commit() == "off"
        assert _synchronous_commit() == "on"
        with database.atomic():
            assert _synchronous_commit() == "on"


def _synchronous_commit() -> str:
    return database.execute_sql("SHOW synchronous_commit").fetchone()[0]


def test_the_answer_kept_is_the_one_replays_get(client, joint):
    body = {"op_id": op(), "item_version": 0, "result": "FAIL", "notes": "疏散通道堆放杂物"}
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}/items/IC-08"
    first = client.put(url, headers=joint.fr, json=body)
    again = client.put(url, headers=joint.fr, json=body)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert ItemResult.select().where(ItemResult.inspection == joint.inspection.id).count() == 1


def test_a_write_read_before_its_transaction_is_checked_again_when_the_inspection_moved(
    client, joint, db_url, monkeypatch
):
    """A write reads its inspection (and checks the item may be recorded) before its
    transaction; a submission landing in between is refused, nothing recorded. SQLite: the
    version moved, so the write reads and checks again inside the write lock. PostgreSQL (read
    committed, the read taken as is): the version's update moves only an open inspection."""
    get_for, landed = inspections.get_for, []

    def then_submitted(inspector, inspection_id):
        read = get_for(inspector, inspection_id)
        if not landed:  # a teammate's submission commits just after the write's read
            landed.append(
                Inspection.update(status=InspectionStatus.SUBMITTED, version=Inspection.version + 1)
                .where(Inspection.id == inspection_id)
                .execute()
            )
        return read

    monkeypatch.setattr(inspections, "get_for", then_submitted)
    answer = _put_item(client, joint)
    assert landed == [1]
    assert answer.status_code == 409, answer.get_json()
    assert answer.get_json()["status"] == "INSPECTION_SUBMITTED"
    assert ItemResult.select().where(ItemResult.inspection == joint.inspection.id).count() == 0
