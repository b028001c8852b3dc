"""一公开: each task's draw record and per-entity results, published within a deadline counted
in working days after the task's period (the holiday calendar is data)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from inspect_app import audit
from inspect_app.actor import Actor
from inspect_app.clock import local
from inspect_app.db import database
from inspect_app.domain.calendar import add_working_days
from inspect_app.domain.inspection import OUTCOME_LABELS, InspectionStatus
from inspect_app.domain.task import HAS_RESULTS
from inspect_app.errors import AppError
from inspect_app.models import Disclosure, Draw, Entity, Inspection, SpotCheckTask, Street, User
from inspect_app.services import draws, inspections, ledger, notifications, tasks
from inspect_app.services.feedback import holiday_calendar, rules
from inspect_app.services.public_csv import inert_cell

CSV_COLUMNS = (
    "task",
    "sequence",
    "credit_code",
    "name",
    "street",
    "grade",
    "team_departments",
    "shortfall",
    "outcome",
    "outcome_label",
    "checked_on",
    "visited_at",  # issue 13 §4 (sync): the visit time (device), Asia/Shanghai
)


def disclosure_for(task: SpotCheckTask) -> Disclosure:
    """The task's disclosure record, its due date = period end + N working days (written by
    the writers that need it: publication and the late flag)."""
    row = Disclosure.get_or_none(Disclosure.task == task)
    if row is None:
        Disclosure.insert(task=task, due_on=_due_on(task)).on_conflict_ignore().execute()
        row = Disclosure.get(Disclosure.task == task)
    return row


def _disclosure_as_it_stands(task: SpotCheckTask) -> Disclosure:
    """The disclosure record for a reader: the stored one, or what it will be (never written,
    so an anonymous read inserts nothing)."""
    row = Disclosure.get_or_none(Disclosure.task == task)
    return row if row is not None else Disclosure(task=task, due_on=_due_on(task))


def disclosure_as_it_stands(task: SpotCheckTask) -> Disclosure:
    """What a page shows of a task's disclosure (its due date, whether published); never writes."""
    return _disclosure_as_it_stands(task)


def _due_on(task: SpotCheckTask):
    return add_working_days(task.period_end, rules()["disclosure_working_days"], holiday_calendar())


def publish(actor: Actor, code: str, now: datetime) -> Disclosure:
    """The lead department publishes the task's results (一公开)."""
    with database.atomic():
        task = tasks.task_for_lead(actor, code)
        if task.status not in HAS_RESULTS:
            raise AppError(
                "TASK_NOT_FROZEN",
                zh="任务尚未抽取，无可公示结果",
                en="The task has not been drawn yet",
            )
        row = disclosure_for(task)
        if row.published_at is None:
            ensure_visits_done(task, now)
            (
                Disclosure.update(published_at=now, published_by=actor.label)
                .where((Disclosure.id == row.id) & Disclosure.published_at.is_null())
                .execute()
            )
            audit.record(
                actor.label,
                "task.publish",
                "task",
                code,
                after={"due_on": row.due_on.isoformat()},
                at=now,
            )
            Disclosure.update(audit_head=audit.signed_head()).where(
                Disclosure.id == row.id
            ).execute()
        return Disclosure.get_by_id(row.id)


def open_visits(task: SpotCheckTask) -> int:
    """How many of the draw's picks are not yet visited: each assignment is a round-0 inspection
    to submit (one not yet dispatched counts as open too). Re-inspections, announced to the
    entity by the rectification order, do not hold publication back."""
    row = Draw.get(Draw.task == task)
    picked = len((row.result or {}).get("assignments") or [])
    submitted = (
        Inspection.select()
        .where(
            (Inspection.task == task)
            & (Inspection.round == 0)
            & (Inspection.status == InspectionStatus.SUBMITTED)
        )
        .count()
    )
    return max(picked - submitted, 0)


def ensure_visits_done(task: SpotCheckTask, now: datetime) -> None:
    """Sealed until the visits (docs/domain.md): the picks and teams are published once every
    drawn visit is submitted, or once the task's period has ended (then the working-day
    deadline runs, and a visit still open is overdue, no longer a surprise to protect)."""
    if local(now).date() > task.period_end:
        return
    missing = open_visits(task)
    if missing:
        raise AppError(
            "VISITS_OPEN",
            zh=f"本任务尚有 {missing} 家检查未完成；须全部提交或检查期（至 "
            f"{task.period_end.isoformat()}）结束后才能公示",
            en=f"{missing} visit(s) of this task are not done; publish once all are submitted "
            f"or after the period ends ({task.period_end.isoformat()})",
        )


def flag_late(now: datetime) -> int:
    """Drawn tasks not published by their due date are flagged once, and their lead planners told."""
    today = local(now).date()
    flagged = 0
    with database.atomic():
        for task in SpotCheckTask.select().where(
            SpotCheckTask.status.in_(HAS_RESULTS) & (SpotCheckTask.period_end < today)
        ):
            row = disclosure_for(task)
            if row.published_at is not None or row.late or row.due_on >= today:
                continue
            Disclosure.update(late=True, flagged_at=now).where(
                (Disclosure.id == row.id) & ~Disclosure.late
            ).execute()
            audit.record(
                audit.SYSTEM_ACTOR,
                "task.disclosure_late",
                "task",
                task.code,
                after={"due_on": row.due_on.isoformat(), "late": True},
                at=now,
            )
            for user in User.select().where(
                (User.role == "planner") & (User.department == task.lead_id)
            ):
                notifications.notify(
                    f"DISCLOSURE_LATE:{task.id}:{user.id}",
                    "DISCLOSURE_LATE",
                    user=user.id,
                    task=task.id,
                    now=now,
                    payload={"task": task.code, "due_on": row.due_on.isoformat()},
                )
            flagged += 1
    return flagged


def public_task(code: str, now: datetime) -> dict[str, Any]:
    """一公开 of a task, by code (a draft is not public), with its entry on the commitment ledger
    (its state, announced seed source and, once voided, the reason)."""
    task = tasks.get_public_task(code)
    return public_record(task) | {"ledger": ledger.entry_for(task, now)}


def public_task_csv(code: str) -> str:
    return public_csv(tasks.get_public_task(code))


def is_disclosed(task: SpotCheckTask) -> bool:
    """Whether the lead has published the task's results: the moment the whole record is public."""
    row = Disclosure.get_or_none(Disclosure.task == task)
    return bool(row and row.published_at)


def public_draw_record(code: str) -> dict[str, Any]:
    """The task's draw record as the public may see it at this stage (draws.public_view)."""
    task = tasks.get_public_task(code)
    return draws.public_view(draws.record_of(draws.draw_of(task)), is_disclosed(task))


def verify_public_draw(code: str, now: datetime) -> dict[str, Any]:
    """The server recomputes the whole stored draw and checks it against the audit log."""
    task = tasks.get_public_task(code)
    return draws.verify_public(draws.draw_of(task), is_disclosed(task), now)


def public_record(task: SpotCheckTask) -> dict[str, Any]:
    """What the public sees: the plan, the commitment, the seed and the result's hash; once
    published, the picks with teams by department (not by person) and each entity's result."""
    # Not the frame and pool snapshots: on a whole district they are megabytes of JSON to parse on
    # every view of the page, and the record's public view shows neither.
    columns = [f for f in Draw._meta.sorted_fields if f.name not in ("frame", "pool")]
    row = Draw.select(*columns).where(Draw.task == task).first()
    disclosure = _disclosure_as_it_stands(task) if task.status in HAS_RESULTS else None
    published = bool(disclosure and disclosure.published_at)
    plan = tasks.task_snapshot(task)
    record: dict[str, Any] = {
        "task": {
            k: plan[k]
            for k in (
                "code",
                "name",
                "industry",
                "lead",
                "partners",
                "risk_points",
                "scope",
                "ratios",
                "fixed_count",
                "team_size",
                "period_start",
                "period_end",
                "status",
            )
        },
        "commitment": draws.commitment_of(row) if row else None,
        "seed": draws.seed_of(row) if row and row.seed else None,
        "disclosure": {
            "due_on": disclosure.due_on.isoformat(),
            "published_at": disclosure.published_at.isoformat() if published else None,
            "late": disclosure.late,
            "audit_head": disclosure.audit_head,
        }
        if disclosure
        else None,
        "result_hash": row.result_hash if row else None,
        "picks": _picks(task, row, published) if published and row and row.result else [],
    }
    return record


def _picks(task: SpotCheckTask, row: Draw, published: bool) -> list[dict[str, Any]]:
    assignments = row.result["assignments"]
    codes = [a["entity_id"] for a in assignments]
    entities = {
        e.credit_code: e
        for e in Entity.select(Entity, Street).join(Street).where(Entity.credit_code.in_(codes))
    }
    results = {}
    if published:
        results = {
            i.entity_id: i
            for i in Inspection.select().where((Inspection.task == task) & (Inspection.round == 0))
        }
    picks = []
    for a in assignments:
        entity = entities.get(a["entity_id"])
        inspection = results.get(entity.id) if entity else None
        submitted = inspection is not None and inspection.status == InspectionStatus.SUBMITTED
        picks.append(
            {
                "sequence": a["sequence"],
                "credit_code": a["entity_id"],
                "name": entity.name if entity else None,
                "street": entity.street.name if entity else None,
                "grade": a["grade"],
                "team_departments": [department for department, ids in a["team"].items() if ids],
                "shortfall": a["shortfall"],
                "outcome": inspection.outcome if submitted else None,
                "outcome_label": OUTCOME_LABELS.get(inspection.outcome) if submitted else None,
                "checked_on": inspection.checked_on.isoformat()
                if submitted and inspection.checked_on
                else None,
                # issue 13 §4 (sync): the visit time as the team's devices recorded it, in Shanghai
                "visited_at": _visited_at(inspection) if submitted else None,
            }
        )
    return picks


def _visited_at(inspection: Inspection) -> str | None:
    visited = inspections.visit_time(inspection)
    return local(visited).isoformat() if visited else None


def public_csv(task: SpotCheckTask) -> str:
    """The same picks and results as CSV (UTF-8 with BOM, so spreadsheet software reads the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for pick in public_record(task)["picks"]:
        row = pick | {"task": task.code, "team_departments": ";".join(pick["team_departments"])}
        writer.writerow({k: inert_cell(v) for k, v in row.items()})
    return out.getvalue()
