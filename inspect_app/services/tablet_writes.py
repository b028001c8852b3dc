"""The tablet's writes, one function per operation: once per op_id, on one of my inspections,
answered with the inspection's offline copy as the write left it.

Each runs the change (services.fieldwork) inside run_once_then_answer's transaction, so the
change and the operation's record commit together; the answer (the offline copy, rendered and
kept) is kept with the operation, so a replay is answered like the first time. On SQLite it is
built just after the commit, outside the write lock; on PostgreSQL inside the change's
transaction, which holds only this inspection's rows.

An offline team (docs/concurrency.md, "An offline team"): each write names the version of the part
it changes (the check-in's, the outcome's, the item's), carries the device's time (checked here,
kept beside the receipt time), and a submission asked for ahead of a teammate's last write is made
by the write that completes the inspection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from inspect_app.actor import Actor
from inspect_app.clock import as_utc
from inspect_app.db import database
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.models import Inspection, Inspector, RiskPoint
from inspect_app.services import amendments, fieldwork, inspections, offline_copies
from inspect_app.services.fieldwork import FieldSettings
from inspect_app.services.idempotency import Answer, Operation, run_once_then_answer

Change = Callable[..., Inspection]  # (inspector, inspection[, what `ahead` gave]) -> updated
Ahead = Callable[[Inspector, Inspection], Any]


def _once(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    now: datetime,
    change: Change,
    status=200,
    *,
    device_at: datetime | None = None,
    settings: FieldSettings | None = None,
    ahead: Ahead | None = None,
) -> Answer:
    """`ahead`: the checks of the change that only read (what it writes, and whether it may),
    made on the inspection as read just before the transaction, outside SQLite's write lock, and
    made again inside only if the inspection moved meanwhile; what they give is handed to
    `change`."""
    inspector = inspections.inspector_of(actor)

    def checks(inspection: Inspection) -> tuple:
        return () if ahead is None else (ahead(inspector, inspection),)

    def read() -> tuple[Inspection, tuple]:  # just before the change's transaction
        if settings is not None:  # a replay of a done operation is answered, however old
            fieldwork.device_time(device_at, now, settings)
        inspection = inspections.get_for(inspector, inspection_id)
        return inspection, checks(inspection)

    def write(read: tuple[Inspection, tuple]) -> tuple[Inspection, int]:
        seen, checked = read
        inspection = inspections.as_it_stands(inspector, seen)
        if inspection is not seen:
            checked = checks(inspection)
        updated = fieldwork.submit_if_requested(change(inspector, inspection, *checked), now)
        return updated, status(updated) if callable(status) else status

    def answer(updated: Inspection | None):
        """The copy of the inspection as it stands (SQLite: after the commit, outside the write
        lock)."""
        if updated is None:
            updated = inspections.get_for(inspector, inspection_id)
        return offline_copies.render_unkept(updated)

    return run_once_then_answer(actor, op, now, read, write, answer)


def _utc(device_at: datetime | None) -> datetime | None:
    return as_utc(device_at) if device_at is not None else None


def _on_version(base_version: int | None, change: Change) -> Change:
    """The change, made only on the inspection's version the tablet saw (else 409 STALE_VERSION);
    no check when the write names its part's version instead (base_version None)."""

    def checked(inspector: Inspector, inspection: Inspection) -> Inspection:
        if base_version is not None:
            inspections.ensure_version(inspection, base_version)
        return change(inspector, inspection)

    return checked


def check_in(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    base_version: int | None,
    *,
    qr_payload: str | None,
    lat: float,
    lon: float,
    now: datetime,
    settings: FieldSettings,
    part_version: int | None = None,
    device_at: datetime | None = None,
    licence_number: str | None = None,
) -> Answer:
    """Scan the licence's QR code at the premises (or type its number where the code cannot be
    read), with GPS: on the check-in's own version (part_version) or, as before, on the
    inspection's (base_version)."""
    at = _utc(device_at)

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return fieldwork.check_in(
            inspector,
            inspection,
            qr_payload,
            lat,
            lon,
            now,
            settings,
            part_version=part_version,
            device_at=at,
            licence_number=licence_number,
        )

    return _once(
        actor,
        op,
        inspection_id,
        now,
        _on_version(base_version, change),
        device_at=at,
        settings=settings,
    )


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
    settings: FieldSettings | None = None,
    device_at: datetime | None = None,
) -> Answer:
    """One check item, on the item's own version (0 before the first record)."""
    at = _utc(device_at)

    def ahead(inspector: Inspector, inspection: Inspection) -> RiskPoint:
        return fieldwork.item_to_record(inspector, inspection, code)

    def change(inspector: Inspector, inspection: Inspection, point: RiskPoint) -> Inspection:
        return fieldwork.record_item(
            inspector, inspection, code, result, notes, item_version, now, at, point=point
        )

    return _once(
        actor, op, inspection_id, now, change, device_at=at, settings=settings, ahead=ahead
    )


def add_evidence(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    *,
    photo: bytes,
    risk_point: str | None,
    now: datetime,
    settings: FieldSettings,
    device_at: datetime | None = None,
) -> Answer:
    """A photo of the inspection, stored once by content hash (answered 201). The file gets its
    name only once the transaction has committed; a refused or failed write leaves none."""
    staged: list[fieldwork.StagedPhoto] = []
    at = _utc(device_at)

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        updated, _, photo_file = fieldwork.add_evidence(
            inspector, inspection, photo, risk_point, now, settings, at
        )
        if photo_file:
            staged.append(photo_file)
            database.after_commit(photo_file.publish)  # named before the answer is built
        return updated

    try:
        return _once(
            actor, op, inspection_id, now, change, status=201, device_at=at, settings=settings
        )
    except BaseException:
        for photo_file in staged:
            photo_file.discard()  # nothing left to do once published
        raise


def set_outcome(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    base_version: int | None,
    *,
    outcome: str,
    notes: str,
    now: datetime,
    settings: FieldSettings | None = None,
    part_version: int | None = None,
    device_at: datetime | None = None,
) -> Answer:
    """The overall outcome: on the outcome's own version (part_version) or, as before, on the
    inspection's (base_version)."""
    at = _utc(device_at)

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        return fieldwork.set_outcome(
            inspector, inspection, outcome, notes, now, part_version=part_version, device_at=at
        )

    return _once(
        actor,
        op,
        inspection_id,
        now,
        _on_version(base_version, change),
        device_at=at,
        settings=settings,
    )


def sign(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    *,
    content_hash: str | None,
    now: datetime,
    settings: FieldSettings | None = None,
    parts: dict[str, Any] | None = None,
    device_at: datetime | None = None,
) -> Answer:
    """Sign the content the member read (content_hash: content changed since is a STALE_VERSION
    carrying the content_hash to read and sign again), or the member's own part at the versions
    the tablet holds (parts). On a submitted inspection: sign the pending amendment's content
    (amendments[-1].amended.content_hash); the last member's signature brings it in force."""
    at = _utc(device_at)

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        if inspection.status == InspectionStatus.SUBMITTED:  # only an amendment is signed now
            return amendments.sign(inspector, inspection, content_hash or "", now)
        if parts is None:
            current = inspections.content_hash(inspection)
            if current != content_hash:
                raise inspections.stale_write(inspection, content_hash=current)
        return fieldwork.sign(inspector, inspection, now, parts=parts, device_at=at)

    return _once(actor, op, inspection_id, now, change, device_at=at, settings=settings)


def submit(
    actor: Actor,
    op: Operation,
    inspection_id: int,
    base_version: int | None,
    *,
    now: datetime,
    settings: FieldSettings | None = None,
    when_ready: bool = False,
    device_at: datetime | None = None,
) -> Answer:
    """Submit: every item recorded, the outcome set, every member's signature standing. With
    when_ready, the submission is asked for: made now if nothing is missing (200), else kept
    and made by the write that completes the inspection (202 now)."""
    at = _utc(device_at)

    def change(inspector: Inspector, inspection: Inspection) -> Inspection:
        if when_ready:
            return fieldwork.request_submission(inspector, inspection, now, at)
        return fieldwork.submit(inspector, inspection, now, at)

    def status(updated: Inspection) -> int:
        return 200 if updated.status == InspectionStatus.SUBMITTED else 202

    return _once(
        actor,
        op,
        inspection_id,
        now,
        _on_version(base_version, change),
        status=status,
        device_at=at,
        settings=settings,
    )


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
