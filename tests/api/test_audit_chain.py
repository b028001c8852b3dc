"""Whoever can write the database cannot cut the audit chain quietly: truncation, wiping and a
rewrite with every hash recomputed are each found by `lianjian audit verify` (exit 1, one line
in both languages) and by the public draw verification."""

from __future__ import annotations

from datetime import datetime

import pytest

from inspect_app import audit
from inspect_app.cli import lianjian
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain import signing_keys
from inspect_app.models import AuditEntry, AuditHead, Draw
from tests.api.test_draw_flow import _plan_freeze_draw, district  # noqa: F401 (fixture)
from tests.factories import joint_ic_task_body, login


@pytest.fixture
def drawn(client, district):  # noqa: F811
    """A drawn joint check of internet cafés, then more audited writes after it."""
    code, _, _ = _plan_freeze_draw(client, login("planner", "CT"))
    _notes(4)
    return code


def _notes(count: int) -> None:
    with database.atomic():
        for n in range(count):
            audit.record("planner-CT", "note.add", "note", n, after={"备注": n}, at=utcnow())


def _cli(app):
    return app.test_cli_runner().invoke(lianjian, args=["audit", "verify"])


def _public_verify(client, code) -> dict:
    answer = client.get(f"/api/v1/public/draws/{code}/verify")
    assert answer.status_code == 200
    return answer.get_json()


def _assert_detected(app, client, code, words: str) -> None:
    result = _cli(app)
    assert result.exit_code == 1, result.output
    assert "审计链已被破坏" in result.output and "BROKEN" in result.output
    assert words in result.output, result.output
    answer = _public_verify(client, code)
    assert answer["ok"] is False and answer["audit_chain"]["ok"] is False, answer


def _move_head_to(seq: int) -> None:
    """What an attacker does after deleting the tail: the head points at the last kept entry
    (its signature cannot be made without the key, so the old one stays)."""
    last = AuditEntry.get_or_none(AuditEntry.seq == seq)
    AuditHead.update(seq=seq, hash=last.hash if last else audit.GENESIS).execute()


def test_an_intact_chain_verifies_with_its_signed_head(app, client, drawn):
    result = _cli(app)
    assert result.exit_code == 0, result.output
    assert "审计链完整" in result.output and "signed head holds" in result.output
    assert _public_verify(client, drawn)["ok"] is True
    record = client.get(f"/api/v1/public/draws/{drawn}").get_json()
    head = record["audit_head"]
    assert set(head) == {"seq", "hash", "at", "signature", "key_id"}
    published_keys = client.get("/api/v1/public/signing-keys").get_json()["audit_keys"]
    ring = signing_keys.public_keys({k: pem.encode() for k, pem in published_keys.items()})
    assert head["key_id"] in ring and not audit.head_problem(head, ring)


def test_truncating_the_unpublished_tail_is_detected(app, client, drawn):
    head = AuditHead.get()
    AuditEntry.delete().where(AuditEntry.seq > head.seq - 2).execute()
    _move_head_to(head.seq - 2)
    _assert_detected(app, client, drawn, "signature does not hold")


def test_truncating_below_a_published_head_is_detected(app, client, drawn):
    published = Draw.get().drawn_head
    AuditEntry.delete().where(AuditEntry.seq >= published["seq"]).execute()
    _move_head_to(published["seq"] - 1)
    # even with a head the attacker could sign (there is none), the published one is ahead
    AuditHead.update(signature=None, key_id=None).execute()
    _assert_detected(app, client, drawn, "head")
    AuditHead.update(**_genesis_signed_like()).execute()
    _assert_detected(app, client, drawn, "ahead of the chain")


def _genesis_signed_like() -> dict:
    """An empty chain needs no signature: the attacker's best head after a cut or a wipe."""
    return {"seq": 0, "hash": audit.GENESIS, "signature": None, "key_id": None}


def test_wiping_the_chain_is_detected(app, client, drawn):
    AuditEntry.delete().execute()
    AuditHead.update(**_genesis_signed_like()).execute()
    _assert_detected(app, client, drawn, "ahead of the chain")


def test_wiping_a_chain_with_nothing_published_is_detected(app, client, district):  # noqa: F811
    answer = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=login("planner", "CT"))
    assert answer.status_code == 201, answer.get_json()
    AuditEntry.delete().execute()
    AuditHead.update(**_genesis_signed_like()).execute()
    result = _cli(app)
    assert result.exit_code == 1 and "wiped" in result.output, result.output


def test_rewriting_and_recomputing_the_chain_is_detected(app, client, drawn):
    """Edit an entry and recompute every later hash and the head: the hashes all hold, but
    nobody without the key can sign the new head or the entry's authenticator, and the draw's
    published head disagrees."""
    entries = list(AuditEntry.select().order_by(AuditEntry.seq))
    target = next(e for e in entries if e.action == "draw.run")
    prev = audit.GENESIS
    for entry in entries:
        entry.at = _as_datetime(entry.at)
        if entry.id == target.id:
            entry.after = {**entry.after, "seed": "0" * 64}
        digest = audit.entry_hash(prev, audit.sealed_fields(entry, entry.seq))
        AuditEntry.update(after=entry.after, prev_hash=prev, hash=digest).where(
            AuditEntry.id == entry.id
        ).execute()
        prev = digest
    AuditHead.update(hash=prev).execute()
    assert audit.verify().ok  # the unkeyed chain alone would say intact
    _assert_detected(app, client, drawn, "does not hold")


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_the_hourly_check_is_what_the_public_verification_reports(client, drawn):
    from inspect_app.jobs.audit import check_audit_chain

    assert _public_verify(client, drawn)["audit_chain"]["checked"] == 0  # nothing kept yet
    assert check_audit_chain() is True
    chain = _public_verify(client, drawn)["audit_chain"]
    assert chain["ok"] is True and chain["checked"] == AuditHead.get().seq
    assert chain["checked_at"] and chain["head"]["seq"] == AuditHead.get().seq
