"""The tablet's writes, one function per operation: once per op_id, on one of my inspections,
answered with the inspection's offline copy as the write left it.

Each runs the change (services.fieldwork) inside run_once's transaction, so the change, the
operation's record and the kept copy commit together, and a replay is answered like the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from inspect_app.actor import Actor
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.models import Inspection, Inspector
from inspect_app.services import amendments, fieldwork, inspections, offline_copies
from inspect_app.services.fieldwork import FieldSettings
from inspect_app.services.idempotency import Answer, Operation, run_once

Change = Callable[[Inspector, Inspection], Inspection]


def _once(
    actor: Actor, op: Operation, inspection_id: int, now: datetime, change: Change, status=200
) -> Answer:
    inspector = inspections.inspector_of(actor)

    def write() -> Answer:
        inspection = inspections.get_for(inspector, inspection_id)
        return Answer(offline_copies.render(change(inspector, inspection)), status)

    return run_once(actor, op, now, write)


def _on_version(base_version: int, change: Change) -> Change:
    """The change, made only on the inspection's version the tablet saw (else 409 STALE_VERSION)."""

    def checked(inspector: Inspector, inspection: Inspection) -> Inspection:
        inspections.ensure_version(inspection, base_version)
        return change(inspector, inspection)

    return checked


def check_in(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    base_version: int,
    *,
    qr_payload: str,
    lat: float,
    lon: float,
    now: datetime,
    settings: FieldSettings,
) -> Answer:
    """Scan the licence's QR code at the premises, with GPS."""

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return fieldwork.check_in(inspector, inspection, qr_payload, lat, lon, now, settings)

    return _once(actor, op, inspection_id, now, _on_version(base_version, change))


def record_item(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    code: str,
    item_version: int,
    *,
    result: str,
    notes: str,
    now: datetime,
) -> Answer:
    """One check item, on the item's own version (0 before the first record)."""

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return fieldwork.record_item(inspector, inspection, code, result, notes, item_version, now)

    return _once(actor, op, inspection_id, now, change)


def add_evidence(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    *,
    photo: bytes,
    risk_point: str | None,
    now: datetime,
    settings: FieldSettings,
) -> Answer:
    """A photo of the inspection, stored once by content hash (answered 201). The file gets its
    name only once the transaction has committed; a refused or failed write leaves none."""
    staged: list[fieldwork.StagedPhoto] = []

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        updated, _, photo_file = fieldwork.add_evidence(
            inspector, inspection, photo, risk_point, now, settings
        )
        staged.extend([photo_file] if photo_file else [])
        return updated

    try:
        answer = _once(actor, op, inspection_id, now, change, status=201)
    except BaseException:
        for photo_file in staged:
            photo_file.discard()
        raise
    for photo_file in staged:
        photo_file.publish()
    return answer


def set_outcome(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    base_version: int,
    *,
    outcome: str,
    notes: str,
    now: datetime,
) -> Answer:
    """The overall outcome."""

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return fieldwork.set_outcome(inspector, inspection, outcome, notes, now)

    return _once(actor, op, inspection_id, now, _on_version(base_version, change))


def sign(
    actor: Actor, op: Operation, inspection_id: int, *, content_hash: str, now: datetime
) -> Answer:
    """Sign the content the member read: content changed since is a STALE_VERSION carrying the
    content_hash to read and sign again. On a submitted inspection: sign the pending amendment's
    content (amendments[-1].amended.content_hash); the last member's signature brings it in force."""

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        if inspection.status == InspectionStatus.SUBMITTED:  # only an amendment is signed now
            return amendments.sign(inspector, inspection, content_hash, now)
        current = inspections.content_hash(inspection)
        if current != content_hash:
            raise inspections.stale_write(inspection, content_hash=current)
        return fieldwork.sign(inspector, inspection, now)

    return _once(actor, op, inspection_id, now, change)


def submit(
    actor: Actor, op: Operation, inspection_id: int, base_version: int, *, now: datetime
) -> Answer:
    """Submit: every item recorded, the outcome set, every member signed the same content."""

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return fieldwork.submit(inspector, inspection, now)

    return _once(actor, op, inspection_id, now, _on_version(base_version, change))


def amend(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    base_version: int,
    *,
    changes: dict[str, Any],
    reason: str,
    now: datetime,
) -> Answer:
    """Propose a correction of a submitted inspection; the original stays in force until every
    member has signed the amended content."""

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return amendments.amend(inspector, inspection, changes, reason, now)

    return _once(actor, op, inspection_id, now, _on_version(base_version, change))
