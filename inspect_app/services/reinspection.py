"""Re-inspection after a rectification period: the next round of the same inspection, same
task, entity and team."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from inspect_app import audit, config, outbox
from inspect_app.clock import SHANGHAI, as_utc
from inspect_app.db import database
from inspect_app.domain.inspection import InspectionKind
from inspect_app.models import Feedback, Inspection, InspectionMember
from inspect_app.services import notifications
from inspect_app.services.dispatch import SYSTEM_ACTOR


def record_reinspection(inspection_id: int, rectify_by: date, generation: int = 0) -> None:
    """In the caller's transaction: re-inspect once the rectification period ends (the job runs
    the morning after `rectify_by`, Shanghai, and creates the next round). `generation`: the
    amendment whose rectification order this is (0: the submission's)."""
    suffix = f":{generation}" if generation else ""
    outbox.add(
        "schedule_reinspection",
        [inspection_id, rectify_by.isoformat()],
        dedup_key=f"schedule_reinspection:{inspection_id}{suffix}",
        run_at=as_utc(datetime.combine(rectify_by + timedelta(days=1), time(0), tzinfo=SHANGHAI)),
    )


def schedule_reinspection(
    outbox_id: int, inspection_id: int, rectify_by: date, now: datetime
) -> dict[str, int]:
    """The re-inspection job: the next round, due REINSPECTION_DAYS after `rectify_by`; the team
    is told as for any assignment."""
    with database.atomic():
        if outbox.is_done(outbox_id):
            return {"skipped": 1}
        parent = Inspection.get_by_id(inspection_id)
        if not _rectification_stands(parent):  # an amendment withdrew the order
            outbox.mark_done(outbox_id, now)
            return {"skipped": 1}
        due_on = rectify_by + timedelta(days=config.job_settings()["REINSPECTION_DAYS"])
        child, created = _next_round(parent, due_on, now)
        members = list(InspectionMember.select().where(InspectionMember.inspection == parent))
        notified = 0
        for member in members:
            InspectionMember.insert(
                inspection=child, inspector=member.inspector_id, department=member.department_id
            ).on_conflict_ignore().execute()
            notified += notifications.notify(
                f"ASSIGNED:{child.id}:{member.inspector_id}",
                "ASSIGNED",
                inspector=member.inspector_id,
                inspection=child.id,
                task=parent.task_id,
                now=now,
                payload={
                    "kind": InspectionKind.REINSPECTION,
                    "parent": parent.id,
                    "due_on": due_on.isoformat(),
                },
            )
        outbox.mark_done(outbox_id, now)
    return {"inspections": int(created), "notifications": notified}


def _rectification_stands(parent: Inspection) -> bool:
    """False once every rectification order of the inspection has been withdrawn."""
    orders = [
        withdrawn_at
        for (withdrawn_at,) in Feedback.select(Feedback.withdrawn_at)
        .where((Feedback.inspection == parent) & (Feedback.kind == "RECTIFICATION"))
        .tuples()
    ]
    return not orders or any(at is None for at in orders)


def _next_round(parent: Inspection, due_on: date, now: datetime) -> tuple[Inspection, bool]:
    """Unique per (task, entity, round): a second run finds the round it created."""
    existing = Inspection.get_or_none(
        (Inspection.task == parent.task_id)
        & (Inspection.entity == parent.entity_id)
        & (Inspection.round == parent.round + 1)
    )
    if existing is not None:
        return existing, False
    child = Inspection.create(
        task=parent.task_id,
        entity=parent.entity_id,
        draw=parent.draw_id,
        sequence=parent.sequence,
        shortfall=parent.shortfall,
        due_on=due_on,
        kind=InspectionKind.REINSPECTION,
        round=parent.round + 1,
        parent=parent,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        SYSTEM_ACTOR,
        "inspection.reinspection",
        "inspection",
        child.id,
        after={"parent": parent.id, "round": child.round, "due_on": due_on.isoformat()},
        at=now,
    )
    return child, True
