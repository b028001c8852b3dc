"""A tablet write's audit entry is sealed with its kept answer (issue 17, docs/audit-chain.md):
its change's transaction chains nothing, and the short transaction that keeps the answer seals
it, with whatever else is unsealed by then. A write whose answer was never kept leaves its entry
to the next sealer; the chain stays whole either way."""

from __future__ import annotations

import threading

import pytest

from inspect_app import audit
from inspect_app.cli import lianjian
from inspect_app.db import database
from inspect_app.models import AuditEntry, AuditHead, ItemResult
from inspect_app.services import offline_copies
from tests.tablet.conftest import op


def _item(client, joint, body: dict):
    return client.put(
        f"/api/v1/tablet/inspections/{joint.inspection.id}/items/IC-08", headers=joint.fr, json=body
    )


def _body() -> dict:
    return {"op_id": op(), "item_version": 0, "result": "FAIL", "notes": "疏散通道堆放杂物"}


def _entry_of_the_item(joint) -> AuditEntry:
    return (
        AuditEntry.select()
        .where(
            (AuditEntry.action == "inspection.item")
            & (AuditEntry.object_id == str(joint.inspection.id))
        )
        .get()
    )


def _verified(app) -> None:
    result = app.test_cli_runner().invoke(lianjian, args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_tablet_write_is_sealed_by_the_transaction_that_keeps_its_answer(
    app, client, joint, monkeypatch
):
    sealed_in: list[bool] = []
    seal_here = audit.seal_here

    def watched() -> None:
        sealed_in.append(database.in_transaction())
        seal_here()

    monkeypatch.setattr(audit, "seal_here", watched)
    answer = _item(client, joint, _body())
    assert answer.status_code == 200, answer.get_json()
    assert sealed_in == [True]  # once, inside the answer's transaction
    entry = _entry_of_the_item(joint)
    assert entry.seq == AuditHead.get().seq  # the head moved to it, signed
    assert not audit.head_problem(audit.as_head(AuditHead.get()), audit.public_keys())
    _verified(app)


def test_a_write_whose_answer_was_never_kept_leaves_its_entry_to_the_next_sealer(
    app, client, joint, db_url, monkeypatch
):
    """SQLite: the process died between the change's commit and its answer: the change and its
    entry stand, unsealed; the tablet's replay is answered, and the entry sealed, in its place.
    PostgreSQL: the answer is built in the change's transaction, so nothing stands, nor any
    entry; the replay makes the change, and seals its entry."""
    body = _body()
    render = offline_copies.render_unkept

    def dies(inspection):
        raise RuntimeError("worker killed while building the answer")

    monkeypatch.setattr(offline_copies, "render_unkept", dies)
    with pytest.raises(RuntimeError):
        _item(client, joint, body)
    committed = db_url.startswith("sqlite")
    items = ItemResult.select().where(ItemResult.inspection == joint.inspection.id)
    assert items.count() == (1 if committed else 0)
    if committed:
        assert _entry_of_the_item(joint).seq is None
    else:
        with pytest.raises(AuditEntry.DoesNotExist):
            _entry_of_the_item(joint)
    head = AuditHead.get().seq

    monkeypatch.setattr(offline_copies, "render_unkept", render)
    replay = _item(client, joint, body)
    assert replay.status_code == 200, replay.get_json()
    assert replay.get_json()["checklist"][1]["items"][0]["result"] == "FAIL"
    assert items.count() == 1
    assert _entry_of_the_item(joint).seq == head + 1 == AuditHead.get().seq
    _verified(app)


def test_a_tablet_write_does_not_wait_for_a_sealer_holding_the_head(app, client, joint, db_url):
    """PostgreSQL: a write whose answer finds the head taken by another sealer leaves its entry to
    that sealer's next round, the next write or the minute's job, and answers at once."""
    if db_url.startswith("sqlite"):
        pytest.skip(
            "SQLite: the transaction that keeps the answer holds the write lock, and so the head"
        )
    holding, release = threading.Event(), threading.Event()

    def sealer() -> None:
        with database.connection_context(), database.atomic():
            AuditHead.select().for_update().get()
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=sealer)
    thread.start()
    try:
        assert holding.wait(60)
        answer = _item(client, joint, _body())  # bounded: waiting on the head would hang here
        assert answer.status_code == 200, answer.get_json()
        assert _entry_of_the_item(joint).seq is None
    finally:
        release.set()
        thread.join(60)
    assert audit.seal() >= 1
    assert _entry_of_the_item(joint).seq == AuditHead.get().seq
    _verified(app)
