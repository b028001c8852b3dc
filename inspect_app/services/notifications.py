"""Notices and inboxes: every notice has a recipient, shows in that recipient's inbox, is
acknowledged there, and escalates once when it is left unsettled past its due time.

A recipient is one of (docs/domain.md, "Desks and inboxes"): a user; an inspector (read by the
account linked to the inspector record); a desk (read by its members); or a group — every
active user of a role, of one department when it names one (a department's planners; the
platform's admins). Escalation goes one step up: an inspector's or a user's notice to the
planners of their department (a planner's to the admins), a desk's to its head (the admins when
it has none), a department's planners' to the admins; an escalation is itself a notice, linked
to the original, and is not escalated again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from peewee import JOIN, fn

from inspect_app import audit, config
from inspect_app.access import Action, NoticeSeen, ensure, group_of
from inspect_app.actor import Actor
from inspect_app.clock import SHANGHAI, as_utc
from inspect_app.db import database
from inspect_app.models import (
    Department,
    Desk,
    DeskMember,
    Feedback,
    Inspector,
    Notification,
    User,
)

log = logging.getLogger(__name__)
ESCALATION = "ESCALATION"
ADMINS = {"role": "admin", "department": None}
# Feedback on a licence asks for an act: its notice is settled by the act, not by acknowledging.
SETTLED_BY_ACT = ("LICENSING",)


def ack_due(now: datetime) -> datetime:
    """When a notice that asks only to be acknowledged is due (NOTICE_ACK_HOURS after now)."""
    return now + timedelta(hours=config.job_settings()["NOTICE_ACK_HOURS"])


def notify(
    dedup_key: str,
    kind: str,
    *,
    now: datetime,
    payload: dict,
    inspector: int | None = None,
    user: int | None = None,
    desk: int | None = None,
    role: str | None = None,
    department: int | None = None,
    inspection: int | None = None,
    task: int | None = None,
    feedback: int | None = None,
    due_at: datetime | None = None,
    escalates: bool = True,
    escalation_of: int | None = None,
) -> int:
    """Record a notice once: a second call with the same key changes nothing (the unique key).
    Exactly one recipient: `user`, `inspector`, `desk` or the group `role` (+ `department`).
    Due NOTICE_ACK_HOURS after `now` unless `due_at` says otherwise or it never `escalates`."""
    named = [x for x in (user, inspector, desk, role) if x is not None]
    if len(named) != 1:
        raise ValueError(f"a notice has exactly one recipient, {dedup_key} names {len(named)}")
    inserted = (
        Notification.insert(
            dedup_key=dedup_key,
            kind=kind,
            inspector=inspector,
            user=user,
            desk=desk,
            role=role,
            department=department,
            inspection=inspection,
            task=task,
            feedback=feedback,
            payload=payload,
            created_at=now,
            due_at=(due_at or ack_due(now)) if escalates else None,
            escalation_of=escalation_of,
        )
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    return 1 if inserted else 0


def planners_of(department_id: int | None) -> dict[str, Any]:
    """The group recipient 'the planners of this department'."""
    return {"role": "planner", "department": department_id}


def _addressed_to(actor: Actor):
    """The notices addressed to the actor, as a peewee condition."""
    role, department = group_of(actor)
    my_department = Department.select(Department.id).where(Department.code == department)
    my_desks = DeskMember.select(DeskMember.desk).where(DeskMember.user == actor.user_id)
    my_inspectors = Inspector.select(Inspector.id).where(Inspector.user == actor.user_id)
    group = (Notification.role == role) & (
        Notification.department.is_null() | Notification.department.in_(my_department)
    )
    return (
        (Notification.user == actor.user_id)
        | Notification.inspector.in_(my_inspectors)
        | Notification.desk.in_(my_desks)
        | group
    )


def _with_recipient():
    return (
        Notification.select(Notification, Desk, Department)
        .join(Desk, JOIN.LEFT_OUTER)
        .switch(Notification)
        .join(Department, JOIN.LEFT_OUTER, on=(Notification.department == Department.id))
    )


def inbox(actor: Actor, filters: dict[str, Any]):
    """The actor's notices, newest first; by kind, desk (one of the actor's desks, by code),
    acknowledged or not, created from/until (Shanghai dates)."""
    ensure(actor, Action.READ_NOTICE)
    query = _with_recipient().where(_addressed_to(actor))
    if filters.get("desk"):
        query = query.where(Desk.code == filters["desk"])
    if filters.get("kind"):
        query = query.where(Notification.kind == filters["kind"])
    if filters.get("acknowledged") is not None:
        known = Notification.acknowledged_at.is_null(False)
        query = query.where(known if filters["acknowledged"] else ~known)
    if filters.get("since"):
        query = query.where(Notification.created_at >= start_of(filters["since"]))
    if filters.get("until"):
        query = query.where(
            Notification.created_at < start_of(filters["until"] + timedelta(days=1))
        )
    return query.order_by(Notification.id.desc())


def start_of(day) -> datetime:
    """The start of a Shanghai calendar day, in UTC."""
    return as_utc(datetime(day.year, day.month, day.day, tzinfo=SHANGHAI))


def get_notice(actor: Actor, notice_id: int) -> Notification:
    """One of the actor's notices; another's is 404 (NOT_FOUND), as if there were none."""
    row = _with_recipient().where(Notification.id == notice_id).first()
    mine = (
        row is not None
        and Notification.select()
        .where((Notification.id == notice_id) & _addressed_to(actor))
        .exists()
    )
    ensure(actor, Action.READ_NOTICE, NoticeSeen(addressed=mine))
    return row


def acknowledge(actor: Actor, notice_id: int, now: datetime) -> Notification:
    """Record who acknowledged the notice and when; once (a second call answers the first)."""
    with database.atomic():
        row = get_notice(actor, notice_id)
        if row.acknowledged_at is not None:
            return row
        settles = not _settled_by_act(row)
        Notification.update(
            acknowledged_at=now,
            acknowledged_by=actor.label,
            read_at=fn.COALESCE(Notification.read_at, now),
            settled_at=now if settles else Notification.settled_at,
        ).where(Notification.id == row.id).execute()
        audit.record(
            actor.label,
            "notice.acknowledge",
            "notice",
            row.id,
            after={"kind": row.kind, "settled": settles},
            at=now,
        )
        if row.feedback_id is not None and row.kind != ESCALATION:
            _acknowledge_feedback(row.feedback_id, actor.label, now)
    return get_notice(actor, notice_id)


def _acknowledge_feedback(feedback_id: int, actor_label: str, now: datetime) -> None:
    """A follow-up's notice acknowledged is the follow-up acknowledged (one model, two doors)."""
    changed = (
        Feedback.update(
            status="ACKNOWLEDGED",
            acknowledged_at=now,
            acknowledged_by=actor_label,
            updated_at=now,
            version=Feedback.version + 1,
        )
        .where((Feedback.id == feedback_id) & Feedback.status.in_(["DELIVERED", "ESCALATED"]))
        .execute()
    )
    if changed:
        audit.record(
            actor_label,
            "feedback.acknowledge",
            "feedback",
            feedback_id,
            after={"status": "ACKNOWLEDGED"},
            at=now,
        )


def _settled_by_act(row: Notification) -> bool:
    if row.feedback_id is None or row.kind == ESCALATION:
        return False
    return Feedback.get_by_id(row.feedback_id).kind in SETTLED_BY_ACT


def settle_feedback(feedback_id: int, actor_label: str, now: datetime, *, acted: bool) -> None:
    """In the feedback's transaction: acknowledging it acknowledges its notices; acting on it
    settles them too."""
    open_ = (Notification.feedback == feedback_id) & Notification.acknowledged_at.is_null()
    Notification.update(acknowledged_at=now, acknowledged_by=actor_label).where(open_).execute()
    if acted:
        Notification.update(settled_at=now).where(
            (Notification.feedback == feedback_id) & Notification.settled_at.is_null()
        ).execute()


def escalations_of(notice_id: int) -> list[int]:
    return [
        i
        for (i,) in Notification.select(Notification.id)
        .where(Notification.escalation_of == notice_id)
        .order_by(Notification.id)
        .tuples()
    ]


def escalate_overdue(now: datetime) -> dict[str, int]:
    """The escalation job: every notice unsettled past its due time escalates once to the
    party above its recipient; feedback behind such a notice becomes ESCALATED."""
    counts = {"notices": 0, "feedback": 0}
    with database.atomic():
        due = list(
            Notification.select()
            .where(
                Notification.due_at.is_null(False)
                & (Notification.due_at < now)
                & Notification.settled_at.is_null()
                & Notification.escalated_at.is_null()
            )
            .order_by(Notification.id)
        )
        for row in due:
            changed = (
                Notification.update(escalated_at=now)
                .where((Notification.id == row.id) & Notification.escalated_at.is_null())
                .execute()
            )
            if not changed:
                continue
            target = _above(row)
            if target is not None:
                notify(
                    f"{ESCALATION}:{row.id}",
                    ESCALATION,
                    now=now,
                    payload=_escalation_payload(row),
                    inspection=row.inspection_id,
                    task=row.task_id,
                    feedback=row.feedback_id,
                    escalates=False,
                    escalation_of=row.id,
                    **target,
                )
            else:
                log.warning("notice.escalate nobody_above notice=%s", row.id)
            audit.record(
                audit.SYSTEM_ACTOR,
                "notice.escalate",
                "notice",
                row.id,
                after={
                    "kind": row.kind,
                    "to": recipient_label(target),
                    "due_at": row.due_at.isoformat(),
                },
                at=now,
            )
            counts["notices"] += 1
            counts["feedback"] += _escalate_feedback(row, now)
    return counts


def _escalation_payload(row: Notification) -> dict[str, Any]:
    return {
        "original": row.id,
        "original_kind": row.kind,
        "due_at": row.due_at.isoformat(),
        "recipient": recipient_label(recipient_of(row)),
    } | {k: v for k, v in row.payload.items() if k in ("task", "entity", "licence", "due_on")}


def _escalate_feedback(row: Notification, now: datetime) -> int:
    if row.feedback_id is None:
        return 0
    feedback = Feedback.get_by_id(row.feedback_id)
    changed = (
        Feedback.update(
            status="ESCALATED", escalated_at=now, updated_at=now, version=Feedback.version + 1
        )
        .where((Feedback.id == feedback.id) & Feedback.status.in_(["DELIVERED", "ACKNOWLEDGED"]))
        .execute()
    )
    if changed:
        audit.record(
            audit.SYSTEM_ACTOR,
            "feedback.escalate",
            "feedback",
            feedback.id,
            before={"status": feedback.status},
            after={"status": "ESCALATED", "due_on": _iso(feedback.due_on), "notice": row.id},
            at=now,
        )
    return int(bool(changed))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def recipient_of(row: Notification) -> dict[str, Any]:
    """The notice's recipient as notify() takes it."""
    if row.user_id is not None:
        return {"user": row.user_id}
    if row.inspector_id is not None:
        return {"inspector": row.inspector_id}
    if row.desk_id is not None:
        return {"desk": row.desk_id}
    return {"role": row.role, "department": row.department_id}


def _above(row: Notification) -> dict[str, Any] | None:
    """The party a notice escalates to (the module's docstring), None above the admins."""
    if row.inspector_id is not None:
        return planners_of(Inspector.get_by_id(row.inspector_id).department_id)
    if row.user_id is not None:
        user = User.get_by_id(row.user_id)
        if user.role in ("planner", "admin") or user.department_id is None:
            return None if user.role == "admin" else dict(ADMINS)
        return planners_of(user.department_id)
    if row.desk_id is not None:
        desk = Desk.get_by_id(row.desk_id)
        return {"user": desk.head_id} if desk.head_id else dict(ADMINS)
    return None if row.role == "admin" else dict(ADMINS)


def recipient_label(target: dict[str, Any] | None) -> dict[str, Any] | None:
    """A recipient in words the audit and the payload keep (codes and usernames, not ids)."""
    if target is None:
        return None
    if "user" in target:
        return {"type": "user", "user": User.get_by_id(target["user"]).username}
    if "inspector" in target:
        return {"type": "inspector", "inspector": Inspector.get_by_id(target["inspector"]).code}
    if "desk" in target:
        return {"type": "desk", "desk": Desk.get_by_id(target["desk"]).code}
    department = target.get("department")
    code = Department.get_by_id(department).code if department else None
    return {"type": "group", "role": target["role"], "department": code}
