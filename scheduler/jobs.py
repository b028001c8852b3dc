"""The jobs a change causes, run by RQ workers (or in-process with no Redis).

Each job takes ids (its outbox row's id first), opens its own database connection, is
idempotent (a re-run changes nothing visible: unique keys on inspections, members and
notification dedup keys) and lets exceptions propagate so RQ records and retries them.
The `add_*` helpers record a job in the caller's transaction, naming its policy there.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from inspect_app import audit, config
from inspect_app.clock import SHANGHAI, as_utc, local, utcnow
from inspect_app.db import bind, database
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain.inspection import InspectionKind, InspectionStep
from inspect_app.models import (
    Entity,
    Inspection,
    InspectionMember,
    OutboxJob,
    SpotCheckTask,
    User,
)
from inspect_app.services import dispatch, offline_copies
from scheduler import outbox
from scheduler.outbox import JobPolicy

SYSTEM_ACTOR = "system:jobs"

# Policies, named where each job is recorded (seconds). Intervals grow so a database or
# network outage of up to an hour is ridden out by RQ's own retries.
# Dispatch renders every inspection's offline copy too (~3 ms each): 600 s covers ~150,000.
DISPATCH_POLICY = JobPolicy(timeout=600, max_retries=5, intervals=(5, 30, 120, 600, 1800))
REMINDER_POLICY = JobPolicy(timeout=120, max_retries=5, intervals=(30, 120, 600, 1800, 3600))
REINSPECTION_POLICY = JobPolicy(timeout=60, max_retries=5, intervals=(30, 120, 600, 1800, 3600))
OVERDUE_TIMEOUT = 300

log = logging.getLogger(__name__)


class DispatchNotDone(RuntimeError):
    """The reminder ran before its draw's inspections exist; RQ retries it later."""


def settings() -> dict[str, Any]:
    return config.job_settings()


@contextmanager
def job_database() -> Iterator[None]:
    """A worker has no Flask app: bind DATABASE_URL if nobody has, and open a connection only
    if none is open (an in-process run reuses the caller's)."""
    if database.obj is None:
        bind(config.from_environment()["DATABASE_URL"])
    opened = database.is_closed()
    if opened:
        database.connect()
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()


# --- recording jobs (inside the caller's transaction) ---------------------------------------


def add_after_draw(draw_id: int, task: SpotCheckTask) -> None:
    """A draw's follow-ups: create the inspections and notify the teams now; remind them
    REMINDER_DAYS_BEFORE days before the deadline (RQ's scheduler holds it until then)."""
    outbox.add(
        dispatch_draw, [draw_id], dedup_key=f"dispatch_draw:{draw_id}", policy=DISPATCH_POLICY
    )
    outbox.add(
        remind_deadline,
        [task.id],
        dedup_key=f"remind_deadline:{task.id}",
        policy=REMINDER_POLICY,
        run_at=reminder_time(task.deadline),
    )


def reminder_time(deadline: date) -> datetime:
    """REMINDER_DAYS_BEFORE days ahead of the deadline, at REMINDER_HOUR_LOCAL in Shanghai (UTC)."""
    values = settings()
    day = deadline - timedelta(days=values["REMINDER_DAYS_BEFORE"])
    return as_utc(datetime.combine(day, time(values["REMINDER_HOUR_LOCAL"]), tzinfo=SHANGHAI))


def add_reinspection(inspection_id: int, rectify_by: date) -> None:
    """Re-inspect once the rectification period ends: the job runs the morning after
    `rectify_by` (Shanghai) and creates the next round."""
    outbox.add(
        schedule_reinspection,
        [inspection_id, rectify_by.isoformat()],
        dedup_key=f"schedule_reinspection:{inspection_id}",
        policy=REINSPECTION_POLICY,
        run_at=as_utc(datetime.combine(rectify_by + timedelta(days=1), time(0), tzinfo=SHANGHAI)),
    )


# --- the jobs -------------------------------------------------------------------------------


def dispatch_draw(outbox_id: int, draw_id: int) -> dict[str, int]:
    """Create the draw's inspections and tell every team member (services.dispatch), then render
    each inspection's offline copy before the tablets come for it (services.offline_copies; a
    retry renders only what is missing)."""
    with job_database():
        with database.atomic():
            done = outbox.is_done(outbox_id)
            now = utcnow()
            created = {"skipped": 1} if done else dispatch.create_inspections(draw_id, now)
            if not done:
                outbox.mark_done(outbox_id, now)
        created["offline_copies"] = offline_copies.prepare(dispatch.inspections_of(draw_id))
    log.info("job.dispatch_draw draw_id=%s outbox_id=%s created=%s", draw_id, outbox_id, created)
    return created


def remind_deadline(outbox_id: int, task_id: int) -> dict[str, int]:
    """A REMINDER to each member of every open inspection due by the task's deadline."""
    with job_database(), database.atomic():
        if outbox.is_done(outbox_id):
            return {"skipped": 1}
        now = utcnow()
        task = SpotCheckTask.get_by_id(task_id)
        _ensure_dispatched(task)
        sent = 0
        for member in _open_members(task):
            inspection = member.inspection
            sent += dispatch.notify(
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
        outbox.mark_done(outbox_id, now)
    log.info("job.remind_deadline task_id=%s outbox_id=%s sent=%s", task_id, outbox_id, sent)
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
            & Inspection.status.in_(inspection_lifecycle.ON_SCHEDULE)
            & (Inspection.due_on <= task.deadline)
        )
        .order_by(Inspection.id, InspectionMember.inspector)
    )


def mark_overdue(now: datetime | None = None) -> dict[str, int]:
    """Open inspections past their due date become OVERDUE, and every planner of the task's lead
    department is told once per inspection. Run by RQ's cron; submitted ones are never touched."""
    now = now or utcnow()
    counts = {"overdue": 0, "notifications": 0}
    with job_database(), database.atomic():
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
    log.info("job.mark_overdue counts=%s", counts)
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
    """Conditional on the status still being open, so a submission racing this job wins."""
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
        dispatch.notify(
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


def schedule_reinspection(outbox_id: int, inspection_id: int, rectify_by: str) -> dict[str, int]:
    """The next round after a rectification period: same task, entity and team, due
    REINSPECTION_DAYS after `rectify_by`; the team is told as for any assignment."""
    with job_database(), database.atomic():
        if outbox.is_done(outbox_id):
            return {"skipped": 1}
        now = utcnow()
        parent = Inspection.get_by_id(inspection_id)
        due_on = date.fromisoformat(rectify_by) + timedelta(days=settings()["REINSPECTION_DAYS"])
        child, created = _next_round(parent, due_on, now)
        members = list(InspectionMember.select().where(InspectionMember.inspection == parent))
        notified = 0
        for member in members:
            InspectionMember.insert(
                inspection=child, inspector=member.inspector_id, department=member.department_id
            ).on_conflict_ignore().execute()
            notified += dispatch.notify(
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
