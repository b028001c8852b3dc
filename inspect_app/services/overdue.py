"""Overdue inspections: open ones past their due date become OVERDUE and the lead department's
planners are told, once per inspection."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from inspect_app import audit
from inspect_app.clock import local
from inspect_app.db import database
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain.inspection import InspectionStep
from inspect_app.models import Entity, Inspection, SpotCheckTask, User
from inspect_app.services import notifications
from inspect_app.services.dispatch import SYSTEM_ACTOR

log = logging.getLogger(__name__)


def mark_overdue(now: datetime) -> dict[str, int]:
    """Open inspections past their due date become OVERDUE, and every planner of the task's lead
    department is told once per inspection; submitted ones are never touched."""
    counts = {"overdue": 0, "notifications": 0}
    with database.atomic():
        late = list(
            Inspection.select(Inspection, SpotCheckTask, Entity)
            .join(SpotCheckTask)
            .switch(Inspection)
            .join(Entity)
            .where(
                Inspection.status.in_(inspection_lifecycle.ON_SCHEDULE)
                & (Inspection.due_on < local(now).date())
            )
            .order_by(Inspection.id)
        )
        planners = _planners_of({i.task.lead_id for i in late})
        for inspection in late:
            if not _mark_one_overdue(inspection, now):
                continue
            counts["overdue"] += 1
            counts["notifications"] += _escalate(inspection, planners[inspection.task.lead_id], now)
    return counts


def _planners_of(department_ids: set[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if department_ids:
        for user_id, department_id in (
            User.select(User.id, User.department)
            .where(
                User.department.in_(list(department_ids)) & (User.role == "planner") & User.active
            )
            .order_by(User.id)
            .tuples()
        ):
            found[department_id].append(user_id)
    return found


def _mark_one_overdue(inspection: Inspection, now: datetime) -> bool:
    """Conditional on the status still being on schedule, so a submission racing this job wins."""
    overdue = inspection_lifecycle.next_status(inspection.status, InspectionStep.FALL_OVERDUE)
    changed = (
        Inspection.update(status=overdue, version=Inspection.version + 1, updated_at=now)
        .where(
            (Inspection.id == inspection.id)
            & Inspection.status.in_(inspection_lifecycle.ON_SCHEDULE)
        )
        .execute()
    )
    if changed:
        audit.record(
            SYSTEM_ACTOR,
            "inspection.overdue",
            "inspection",
            inspection.id,
            before={"status": inspection.status},
            after={"status": overdue, "due_on": inspection.due_on.isoformat()},
            at=now,
        )
    return bool(changed)


def _escalate(inspection: Inspection, planner_ids: list[int], now: datetime) -> int:
    if not planner_ids:
        log.warning("job.mark_overdue no_planner task=%s", inspection.task.code)
    return sum(
        notifications.notify(
            f"ESCALATED:{inspection.id}:{user_id}",
            "ESCALATED",
            user=user_id,
            inspection=inspection.id,
            task=inspection.task_id,
            now=now,
            payload={
                "task": inspection.task.code,
                "entity": inspection.entity.credit_code,
                "due_on": inspection.due_on.isoformat(),
            },
        )
        for user_id in planner_ids
    )
