"""After a draw: create the inspections with their teams and tell every member, exactly once.

Idempotent by construction: an inspection is unique per (task, entity, round), a member per
(inspection, inspector), a notification per dedup key; a second run finds everything there.
"""

from __future__ import annotations

from datetime import datetime

from inspect_app import audit, outbox
from inspect_app.db import database
from inspect_app.models import (
    Department,
    Draw,
    Entity,
    Inspection,
    InspectionMember,
    Inspector,
    SpotCheckTask,
)
from inspect_app.services import notifications, offline_copies, reminders

SYSTEM_ACTOR = audit.SYSTEM_ACTOR


def record_after_draw(draw_id: int, task: SpotCheckTask) -> None:
    """In the draw's transaction, a draw's follow-ups: create the inspections and notify the
    teams now; remind them before the deadline (RQ's scheduler holds it until then)."""
    outbox.add("dispatch_draw", [draw_id], dedup_key=f"dispatch_draw:{draw_id}")
    outbox.add(
        "remind_deadline",
        [task.id],
        dedup_key=f"remind_deadline:{task.id}",
        run_at=reminders.reminder_time(task.deadline),
    )


def dispatch_draw(outbox_id: int, draw_id: int, now: datetime) -> dict[str, int]:
    """The dispatch job: create the draw's inspections and tell every team member, once; then
    render each inspection's offline copy before the tablets come for it (a retry renders only
    what is missing)."""
    with database.atomic():
        done = outbox.is_done(outbox_id)
        created = {"skipped": 1} if done else create_inspections(draw_id, now)
        if not done:
            outbox.mark_done(outbox_id, now)
    created["offline_copies"] = offline_copies.prepare(inspections_of(draw_id))
    return created


def create_inspections(draw_id: int, now: datetime) -> dict[str, int]:
    """One inspection per picked entity, its team as drawn, and an assignment notice per member."""
    created = {"inspections": 0, "members": 0, "notifications": 0}
    with database.atomic():
        row = Draw.get_by_id(draw_id)
        task = SpotCheckTask.get_by_id(row.task_id)
        assignments = row.result["assignments"]
        entities = dict(
            Entity.select(Entity.credit_code, Entity.id)
            .where(Entity.credit_code.in_([a["entity_id"] for a in assignments]))
            .tuples()
        )
        codes = sorted({i for a in assignments for _, ids in a["team"].items() for i in ids})
        inspectors = {i.code: i for i in Inspector.select().where(Inspector.code.in_(codes))}
        departments = {d.code: d.id for d in Department.select()}
        for assignment in assignments:
            inspection, new = _inspection(
                task, row, entities[assignment["entity_id"]], assignment, now
            )
            created["inspections"] += new
            for department, ids in assignment["team"].items():
                for code in ids:
                    created["members"] += _member(
                        inspection, inspectors[code], departments[department]
                    )
                    created["notifications"] += notifications.notify(
                        f"ASSIGNED:{inspection.id}:{inspectors[code].id}",
                        "ASSIGNED",
                        inspector=inspectors[code].id,
                        inspection=inspection.id,
                        task=task.id,
                        now=now,
                        payload={
                            "task": task.code,
                            "entity": assignment["entity_id"],
                            "due_on": task.deadline.isoformat(),
                        },
                    )
        if any(created.values()):  # a re-run creates nothing and writes nothing
            audit.record(
                SYSTEM_ACTOR,
                "draw.dispatch",
                "task",
                task.code,
                after=created | {"draw": draw_id},
                at=now,
            )
    return created


def inspections_of(draw_id: int) -> list[int]:
    return [
        i for (i,) in Inspection.select(Inspection.id).where(Inspection.draw == draw_id).tuples()
    ]


def _inspection(task: SpotCheckTask, row: Draw, entity_id: int, assignment: dict, now: datetime):
    existing = Inspection.get_or_none(
        (Inspection.task == task) & (Inspection.entity == entity_id) & (Inspection.round == 0)
    )
    if existing is not None:
        return existing, 0
    inspection = Inspection.create(
        task=task,
        entity=entity_id,
        draw=row,
        sequence=assignment["sequence"],
        shortfall=assignment["shortfall"],
        due_on=task.deadline,
        created_at=now,
        updated_at=now,
    )
    return inspection, 1


def _member(inspection: Inspection, inspector: Inspector, department_id: int) -> int:
    inserted = (
        InspectionMember.insert(
            inspection=inspection, inspector=inspector, department=department_id
        )
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    return 1 if inserted else 0
