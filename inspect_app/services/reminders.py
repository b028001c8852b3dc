"""Deadline reminders: when a draw's reminder is due, and who of its open inspections is told."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from inspect_app import audit, config, outbox
from inspect_app.clock import SHANGHAI, as_utc, local
from inspect_app.db import database
from inspect_app.domain.inspection import ON_SCHEDULE
from inspect_app.models import Entity, Inspection, InspectionMember, OutboxJob, SpotCheckTask
from inspect_app.services import notifications


class DispatchNotDone(RuntimeError):
    """The reminder ran before its draw's inspections exist; RQ retries it later."""


def reminder_time(deadline: date) -> datetime:
    """REMINDER_DAYS_BEFORE days ahead of the deadline, at REMINDER_HOUR_LOCAL in Shanghai (UTC)."""
    values = config.job_settings()
    day = deadline - timedelta(days=values["REMINDER_DAYS_BEFORE"])
    return as_utc(datetime.combine(day, time(values["REMINDER_HOUR_LOCAL"]), tzinfo=SHANGHAI))


def remind_deadline(outbox_id: int, task_id: int, now: datetime) -> dict[str, int]:
    """The reminder job: a REMINDER to each member of every open inspection due by the task's
    deadline, once."""
    with database.atomic():
        if outbox.is_done(outbox_id):
            return {"skipped": 1}
        task = SpotCheckTask.get_by_id(task_id)
        _ensure_dispatched(task)
        sent = 0
        for member in _open_members(task):
            inspection = member.inspection
            sent += notifications.notify(
                f"REMINDER:{inspection.id}:{member.inspector_id}",
                "REMINDER",
                inspector=member.inspector_id,
                inspection=inspection.id,
                task=task.id,
                now=now,
                payload={
                    "task": task.code,
                    "entity": inspection.entity.credit_code,
                    "due_on": inspection.due_on.isoformat(),
                    "days_left": (inspection.due_on - local(now).date()).days,
                },
            )
        if sent:
            audit.record(
                audit.SYSTEM_ACTOR,
                "task.remind",
                "task",
                task.code,
                after={"notifications": sent},
                at=now,
            )
        outbox.mark_done(outbox_id, now)
    return {"notifications": sent}


def _ensure_dispatched(task: SpotCheckTask) -> None:
    keys = [f"dispatch_draw:{draw.id}" for draw in task.draws]
    waiting = OutboxJob.select().where(
        OutboxJob.dedup_key.in_(keys) & (OutboxJob.status != outbox.DONE)
    )
    if keys and waiting.exists():
        raise DispatchNotDone(f"task {task.code}: inspections not created yet")


def _open_members(task: SpotCheckTask):
    return (
        InspectionMember.select(InspectionMember, Inspection, Entity)
        .join(Inspection)
        .join(Entity)
        .where(
            (Inspection.task == task)
            & Inspection.status.in_(ON_SCHEDULE)
            & (Inspection.due_on <= task.deadline)
        )
        .order_by(Inspection.id, InspectionMember.inspector)
    )
