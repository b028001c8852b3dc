"""After a draw: create the inspections with their teams and tell every member, exactly once.

Idempotent by construction: an inspection is unique per (task, entity, round), a member per
(inspection, inspector), a notification per dedup key; a second run finds everything there.
"""

from __future__ import annotations

from datetime import datetime

from inspect_app import audit
from inspect_app.db import database
from inspect_app.models import (
    Department,
    Draw,
    Entity,
    Inspection,
    InspectionMember,
    Inspector,
    Notification,
    SpotCheckTask,
)


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
                    created["notifications"] += notify(
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
                "system:jobs",
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


def notify(
    dedup_key: str,
    kind: str,
    *,
    now: datetime,
    payload: dict,
    inspector: int | None = None,
    user: int | None = None,
    inspection: int | None = None,
    task: int | None = None,
) -> int:
    """Record a notice once: a second call with the same key changes nothing (the unique key)."""
    inserted = (
        Notification.insert(
            dedup_key=dedup_key,
            kind=kind,
            inspector=inspector,
            user=user,
            inspection=inspection,
            task=task,
            payload=payload,
            created_at=now,
        )
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    return 1 if inserted else 0
