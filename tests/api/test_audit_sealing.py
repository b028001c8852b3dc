"""The sealed chain (issue 17, docs/audit-chain.md): writes never wait on the chain's head; the
sealer chains entries after their change commits. Whatever is done to the unsealed tail or to a
sealed entry with write access to the database is found by `lianjian audit verify`."""

from __future__ import annotations

import contextlib
import threading

import pytest

from inspect_app import audit
from inspect_app.cli import lianjian
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.jobs.audit import seal_audit_chain
from inspect_app.models import AuditEntry, AuditHead
from tests.factories import make_licence


def _note(n: int, **after) -> AuditEntry:
    with database.atomic():
        return audit.record(
            "planner-CT",
            "note.add",
            "note",
            n,
            after={"备注": f"宝山第{n}条", **after},
            at=utcnow(),
        )


@contextlib.contextmanager
def unsealed():
    """Writers whose own seal was skipped (another sealer was at work, or the process died just
    after its commit): their entries wait, unsealed, for the next sealer."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "_seals_in_transaction", lambda: False)
        patch.setattr(audit, "_seal_soon", lambda: None)
        yield


def _verify(app):
    return app.test_cli_runner().invoke(lianjian, args=["audit", "verify"])


def _assert_broken(app, words: str) -> None:
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert "审计链已被破坏" in result.output and "BROKEN" in result.output
    assert words in result.output, result.output


def test_an_entry_is_sealed_when_its_transaction_commits(app):
    make_licence()
    entry = _note(1)
    stored = AuditEntry.get_by_id(entry.id)
    head = AuditHead.get()
    assert stored.seq == head.seq and stored.hash == head.hash
    assert stored.uid and stored.mac and stored.mac.split(":")[0] == head.key_id
    assert not audit.head_problem(audit.as_head(head), audit.public_keys())
    assert _verify(app).exit_code == 0


def test_an_unsealed_tail_is_sealed_by_the_verify_and_by_the_job(app):
    make_licence()
    sealed_seq = AuditHead.get().seq
    with unsealed():
        first, second = _note(1), _note(2)
    assert AuditEntry.get_by_id(first.id).seq is None  # nothing moved the head
    assert AuditHead.get().seq == sealed_seq
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert [AuditEntry.get_by_id(e.id).seq for e in (first, second)] == [
        sealed_seq + 1,
        sealed_seq + 2,
    ]  # in the order they were written
    with unsealed():
        third = _note(3)
    assert seal_audit_chain() == 1
    assert AuditEntry.get_by_id(third.id).seq == sealed_seq + 3
    assert _verify(app).exit_code == 0


def test_the_signed_head_covers_the_entries_of_its_own_transaction(app):
    make_licence()
    with unsealed(), database.atomic():
        entry = audit.record("planner-CT", "task.freeze", "task", "CT-2026-0001", at=utcnow())
        head = audit.signed_head()
    assert head["seq"] == AuditEntry.get_by_id(entry.id).seq
    assert head["hash"] == AuditEntry.get_by_id(entry.id).hash


def test_an_entry_forged_into_the_unsealed_tail_is_detected(app):
    make_licence()
    real = _note(1)
    AuditEntry.create(
        at=real.at,
        actor="admin",
        action="licence.revoke",
        object_type="licence",
        object_id="BS-IC-2024-000001",
        after={"status": "REVOKED"},
        uid="f" * 32,
        mac=real.mac,  # a real key id, but not the forger's to compute
    )
    _assert_broken(app, "authenticator does not hold")


def test_an_entry_without_an_authenticator_is_detected(app):
    make_licence()
    AuditEntry.create(
        at=utcnow(),
        actor="admin",
        action="user.create",
        object_type="user",
        object_id="intruder",
        after={"role": "admin"},
    )
    _assert_broken(app, "no write-time authenticator")


def test_an_unsealed_entry_altered_before_its_seal_is_detected(app):
    make_licence()
    with unsealed():
        entry = _note(1)
    AuditEntry.update(after={"备注": "已改"}).where(AuditEntry.id == entry.id).execute()
    _assert_broken(app, "changed before it was sealed")


def test_stripping_an_unsealed_entry_of_its_authenticator_is_detected(app):
    make_licence()
    with unsealed():
        entry = _note(1)
    AuditEntry.update(uid=None, mac=None, after={"备注": "已改"}).where(
        AuditEntry.id == entry.id
    ).execute()
    _assert_broken(app, "no write-time authenticator")


def test_a_copy_of_a_sealed_entry_replayed_into_the_tail_is_detected(app):
    make_licence()
    real = AuditEntry.get_by_id(_note(1).id)
    assert _verify(app).exit_code == 0
    AuditEntry.create(
        at=real.at,
        actor=real.actor,
        action=real.action,
        object_type=real.object_type,
        object_id=real.object_id,
        before=real.before,
        after=real.after,
        uid="0" * 32,  # its own uid is unique in the table; the mac covers the uid
        mac=real.mac,
    )
    _assert_broken(app, "authenticator does not hold")


def test_a_sealed_entry_altered_is_detected(app):
    make_licence()
    entry = _note(1)
    _note(2)
    AuditEntry.update(after={"备注": "已改"}).where(AuditEntry.id == entry.id).execute()
    _assert_broken(app, f"entry {AuditEntry.get_by_id(entry.id).seq}")


def test_a_gap_in_the_sealed_sequence_is_detected(app):
    make_licence()
    middle = _note(1)
    _note(2)
    AuditEntry.delete().where(AuditEntry.id == middle.id).execute()
    _assert_broken(app, "missing")


def test_a_reordered_seal_is_detected(app):
    """Swap two sealed entries' places (and links): each one's hash covers its seq."""
    make_licence()
    a, b = (AuditEntry.get_by_id(_note(n).id) for n in (1, 2))
    AuditEntry.update(seq=-1).where(AuditEntry.id == a.id).execute()
    AuditEntry.update(seq=a.seq, prev_hash=a.prev_hash).where(AuditEntry.id == b.id).execute()
    AuditEntry.update(seq=b.seq, prev_hash=b.prev_hash).where(AuditEntry.id == a.id).execute()
    _assert_broken(app, f"entry {a.seq}: entry was changed after it was written")


def test_an_entry_placed_beyond_the_head_is_detected(app):
    """A row written with a seq of its own, past the signed head: the sealer never gave it."""
    make_licence()
    with unsealed():
        entry = _note(1)
    head = AuditHead.get()
    AuditEntry.update(seq=head.seq + 1, prev_hash=head.hash, hash="e" * 64).where(
        AuditEntry.id == entry.id
    ).execute()
    _assert_broken(app, "beyond the signed head")


def test_a_writer_does_not_wait_for_another_writers_open_transaction(app, db_url):
    """The structural point: no write serialises on the chain's head. On PostgreSQL a second
    writer records and commits while the first one's transaction is still open; on SQLite the
    database's single write lock serialises them whatever the chain does."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every write transaction on its own write lock")
    make_licence()
    recorded, release, done = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with database.connection_context(), database.atomic():
            audit.record("planner-CT", "note.add", "note", "甲", at=utcnow())
            recorded.set()
            release.wait(60)

    def second() -> None:
        recorded.wait(60)
        with database.connection_context():
            _note(2)
        done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    finished_while_open = done.wait(60)  # bounded: with a head lock it would wait for `first`
    release.set()
    for thread in threads:
        thread.join(60)
    assert finished_while_open, "the second writer waited for the first one's transaction"
    assert _verify(app).exit_code == 0  # the first one's entry sealed too, after its commit
    assert AuditEntry.select().where(AuditEntry.seq.is_null()).count() == 0


def test_a_sealer_that_waited_for_the_head_chains_nothing_twice(app, db_url):
    """PostgreSQL reads the head and the unsealed entries in one statement, whose snapshot is
    taken before it waits for the head: when the sealer it waited for commits, the entries that
    one chained still look unsealed to it. It reads them again, and the chain stays whole."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite: a sealer holds the write lock before it reads anything")
    with unsealed():
        entries = [_note(n) for n in (1, 2)]
    holding, release, results = threading.Event(), threading.Event(), {}

    def first() -> None:
        with database.connection_context(), database.atomic():
            results["first"] = audit.seal()
            holding.set()
            release.wait(60)

    def second() -> None:
        holding.wait(60)
        with database.connection_context():
            (results["pid"],) = database.execute_sql("SELECT pg_backend_pid()").fetchone()
            results["second"] = audit.seal()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    waiting = False
    with database.connection_context():
        for _ in range(600):  # the second sealer's statement started, and waits for the head
            (count,) = database.execute_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = %s",
                (results.get("pid"),),
            ).fetchone()
            if waiting := count > 0:
                break
            threading.Event().wait(0.05)
    release.set()
    for thread in threads:
        thread.join(60)
    assert waiting, "the second sealer never waited for the head"
    assert (results["first"], results["second"]) == (2, 0)
    sealed = {
        e.id: e.seq for e in AuditEntry.select().where(AuditEntry.id << [e.id for e in entries])
    }
    assert sorted(sealed.values()) == [AuditHead.get().seq - 1, AuditHead.get().seq]
    assert _verify(app).exit_code == 0


def test_a_seal_round_finds_the_unsealed_entries_by_the_index_on_seq(app, db_url):
    """A seal runs on every write: it must not read the chain, only its unsealed tail (a right
    join to the head made SQLite scan every entry, each write slower as the chain grew)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's plan depends on its statistics; SQLite's on the query's shape")
    sql, params = audit._round_query(audit.SEAL_BATCH, skip_locked=True).sql()
    plan = [row[-1] for row in database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
    entries = [step for step in plan if step.split()[1:2] == ["t1"]]
    assert entries and all("USING INDEX" in s and "(seq=?)" in s for s in entries), plan
