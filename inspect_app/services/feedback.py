"""What a submitted result leads to, by the district's feedback rules (inspect_app.catalogue):
rectification with re-inspection, referral, credit record, and feedback to licensing — who
acknowledges and acts in their inbox, each act a licence event linked to the inspection."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from peewee import JOIN

from inspect_app import audit, catalogue, outbox
from inspect_app.access import Action, DeskWork, allows, ensure
from inspect_app.actor import Actor
from inspect_app.clock import local
from inspect_app.db import database
from inspect_app.domain.calendar import add_working_days
from inspect_app.domain.lifecycle import EventKind, Status
from inspect_app.errors import AppError
from inspect_app.models import (
    Desk,
    Entity,
    Feedback,
    Inspection,
    Licence,
    SpotCheckTask,
)
from inspect_app.services import desks, licences, notifications, reinspection

LICENSING = "LICENSING"
INBOX_STATES = ("DELIVERED", "ACKNOWLEDGED", "ESCALATED")
# The notice each kind of follow-up is delivered as.
NOTICE_KINDS = {
    "LICENSING": "LICENSING_FEEDBACK",
    "CREDIT": "CREDIT_RECORD",
    "REFERRAL": "REFERRAL",
    "RECTIFICATION": "RECTIFICATION",
}


# The API's choice of actions is fixed when it starts; the seeded rules say what each one does.
LICENSING_ACTIONS = tuple(catalogue.packaged_rules(catalogue.FEEDBACK_RULES)["licensing_actions"])


def rules() -> Mapping[str, Any]:
    """The feedback rules seeded for the district."""
    return catalogue.feedback_rules()


def holiday_calendar() -> dict:
    return catalogue.holidays()


def _licence_for(inspection: Inspection) -> Licence | None:
    task = SpotCheckTask.get_by_id(inspection.task_id)
    return (
        Licence.select()
        .where((Licence.holder == inspection.entity_id) & (Licence.industry == task.industry_id))
        .order_by(Licence.issued_at.desc())
        .first()
    )


def record_followups(inspection: Inspection, now: datetime, generation: int = 0) -> list[Feedback]:
    """In the submission's transaction: one Feedback per configured follow-up, and its jobs
    (`generation`: the amendment that led to them, 0 for the submission)."""
    today = local(now).date()
    licence = _licence_for(inspection)
    created = []
    for rule in rules()["outcomes"].get(inspection.outcome, []):
        details = {"label_zh": rule["label_zh"], "label_en": rule["label_en"]}
        due_on = None
        if rule["kind"] == "RECTIFICATION":
            due_on = today + timedelta(days=rule["rectification_days"])
            details["rectification_deadline"] = due_on.isoformat()
        if rule["kind"] == LICENSING:
            due_on = add_working_days(today, rule["answer_working_days"], holiday_calendar())
        row = Feedback.create(
            inspection=inspection,
            kind=rule["kind"],
            outcome=inspection.outcome,
            entity=inspection.entity_id,
            licence=licence,
            details=details,
            due_on=due_on,
            created_at=now,
            updated_at=now,
            generation=generation,
        )
        row.desk = desks.desk_for_feedback(row)
        if row.desk_id is not None:
            row.save(only=[Feedback.desk])
        outbox.add("deliver_feedback", [row.id], dedup_key=f"deliver-feedback:{row.id}")
        if rule["kind"] == "RECTIFICATION" and rule.get("reinspect"):
            reinspection.record_reinspection(inspection.id, due_on, generation)
        created.append(row)
    return created


def recompute_followups(
    inspection: Inspection, amendment_id: int, now: datetime
) -> tuple[list[Feedback], list[Feedback]]:
    """In an amendment's transaction, once it is in force with another outcome: the follow-ups
    of the old outcome are withdrawn (an inbox no longer shows them; one already acted on keeps
    its licence event, marked withdrawn) and those of the new outcome are created.
    Returns (withdrawn, created)."""
    stale = list(
        Feedback.select().where(
            (Feedback.inspection == inspection)
            & Feedback.withdrawn_at.is_null()
            & (Feedback.outcome != inspection.outcome)
        )
    )
    for row in stale:
        notifications.settle_feedback(row.id, audit.SYSTEM_ACTOR, now, acted=True)
        Feedback.update(
            status=row.status if row.status == "ACTED" else "WITHDRAWN",
            withdrawn_at=now,
            updated_at=now,
            version=Feedback.version + 1,
            details=row.details | {"withdrawn_by_amendment": amendment_id},
        ).where(Feedback.id == row.id).execute()
    return stale, record_followups(inspection, now, generation=amendment_id)


def deliver(feedback_id: int, now: datetime) -> bool:
    """The delivery job: the follow-up reaches its inbox (once)."""
    delivered = (
        Feedback.update(
            status="DELIVERED", delivered_at=now, updated_at=now, version=Feedback.version + 1
        )
        .where((Feedback.id == feedback_id) & (Feedback.status == "RECORDED"))
        .execute()
    )
    if delivered:
        row = Feedback.get_by_id(feedback_id)
        recipient = desks.recipient_of_feedback(row)
        _notify(row, recipient, now)
        audit.record(
            audit.SYSTEM_ACTOR,
            "feedback.deliver",
            "feedback",
            feedback_id,
            before={"status": "RECORDED"},
            after={"status": "DELIVERED", "to": notifications.recipient_label(recipient)},
            at=now,
        )
    return bool(delivered)


def _notify(row: Feedback, recipient: dict[str, Any], now: datetime) -> None:
    """The follow-up's notice; feedback to licensing is due the day after its answer date."""
    due_at = None
    if row.kind == LICENSING and row.due_on is not None:
        due_at = notifications.start_of(row.due_on + timedelta(days=1))
    entity = Entity.get_by_id(row.entity_id)
    notifications.notify(
        f"FEEDBACK:{row.id}",
        NOTICE_KINDS.get(row.kind, row.kind),
        now=now,
        payload={
            "entity": entity.credit_code,
            "entity_name": entity.name,
            "licence": Licence.get_by_id(row.licence_id).number if row.licence_id else None,
            "outcome": row.outcome,
            "due_on": row.due_on.isoformat() if row.due_on else None,
        }
        | {k: v for k, v in row.details.items() if k.startswith("label_")},
        inspection=row.inspection_id,
        task=Inspection.get_by_id(row.inspection_id).task_id,
        feedback=row.id,
        due_at=due_at,
        **recipient,
    )


def deliver_recorded(outbox_id: int, feedback_id: int, now: datetime) -> bool:
    """The delivery job: `deliver` once per outbox row, in one transaction."""
    with database.atomic():
        if outbox.is_done(outbox_id):
            return False
        delivered = deliver(feedback_id, now)
        outbox.mark_done(outbox_id, now)
    return delivered


def _sees_every_desk(actor: Actor) -> bool:
    return allows(actor, Action.ACT_ON_FEEDBACK, DeskWork(desk_id=None, my_desks=()))


def inbox(actor: Actor, filters: dict[str, Any]):
    """Feedback for licensing that has been delivered, newest first: the feedback routed to the
    actor's desks (an admin: all of it; a licensing account at no desk: none)."""
    ensure(actor, Action.ACT_ON_FEEDBACK)
    query = (
        Feedback.select(Feedback, Entity, Licence, Desk)
        .join(Entity)
        .switch(Feedback)
        .join(Licence, JOIN.LEFT_OUTER)
        .switch(Feedback)
        .join(Desk, JOIN.LEFT_OUTER)
        .where((Feedback.kind == LICENSING) & Feedback.status.in_([*INBOX_STATES, "ACTED"]))
    )
    if not _sees_every_desk(actor):
        query = query.where(Feedback.desk.in_(desks.desk_ids_of(actor.user_id)))
    if filters.get("desk"):
        query = query.where(Desk.code == filters["desk"])
    if filters.get("status"):
        query = query.where(Feedback.status == filters["status"])
    if filters.get("outcome"):
        query = query.where(Feedback.outcome == filters["outcome"])
    if filters.get("overdue"):
        query = query.where(Feedback.due_on < filters["today"]).where(Feedback.status != "ACTED")
    return query.order_by(Feedback.id.desc())


def get_feedback(actor: Actor, feedback_id: int) -> Feedback:
    """One piece of feedback, at the desk it is routed to (another desk's: 404)."""
    ensure(actor, Action.ACT_ON_FEEDBACK)
    row = Feedback.get_or_none(
        (Feedback.id == feedback_id)
        & (Feedback.kind == LICENSING)
        & Feedback.status.in_([*INBOX_STATES, "ACTED"])
    )
    if row is None:
        raise AppError("NOT_FOUND", zh="未找到该反馈", en="No such feedback")
    ensure(actor, Action.ACT_ON_FEEDBACK, DeskWork(row.desk_id, desks.desk_ids_of(actor.user_id)))
    return row


def _bump(row: Feedback, expected_version: int, now: datetime, **values) -> Feedback:
    updated = (
        Feedback.update(**values, version=Feedback.version + 1, updated_at=now)
        .where((Feedback.id == row.id) & (Feedback.version == expected_version))
        .execute()
    )
    if not updated:
        raise AppError("STALE_VERSION")
    return Feedback.get_by_id(row.id)


def acknowledge(actor: Actor, feedback_id: int, expected_version: int, now: datetime) -> Feedback:
    with database.atomic():
        row = get_feedback(actor, feedback_id)
        if row.status == "ACTED":
            return row
        row = _bump(
            row,
            expected_version,
            now,
            status="ACKNOWLEDGED",
            acknowledged_at=now,
            acknowledged_by=actor.label,
        )
        notifications.settle_feedback(row.id, actor.label, now, acted=False)
        audit.record(
            actor.label,
            "feedback.acknowledge",
            "feedback",
            row.id,
            after={"status": row.status},
            at=now,
        )
    return row


def act(
    actor: Actor, feedback_id: int, action: str, reason: str, expected_version: int, now: datetime
) -> Feedback:
    """Suspend, start cancellation, or record 'no action' with a reason: a licence event linked
    to the inspection."""
    spec = rules()["licensing_actions"][action]
    with database.atomic():
        row = get_feedback(actor, feedback_id)
        if row.status == "ACTED":
            raise AppError(
                "CONFLICT", zh="该反馈已处理", en="This feedback has already been acted on"
            )
        if row.licence_id is None:
            raise AppError("CONFLICT", zh="该市场主体无对应许可证", en="No licence to act on")
        licence = Licence.get_by_id(row.licence_id)
        kind = EventKind(spec["event"])
        if kind == EventKind.SUSPEND and licence.status != Status.ACTIVE:
            kind = EventKind.NOTE
        event = licences.post_event(
            actor,
            licence.number,
            kind,
            reason,
            {"inspection": row.inspection_id, "feedback": row.id, "action": action},
            now,
        )
        row = _bump(
            row,
            expected_version,
            now,
            status="ACTED",
            action=action,
            action_reason=reason,
            acted_at=now,
            acted_by=actor.label,
            licence_event=event.id,
        )
        notifications.settle_feedback(row.id, actor.label, now, acted=True)
        audit.record(
            actor.label,
            "feedback.act",
            "feedback",
            row.id,
            after={"action": action, "licence_event": event.id, "licence": licence.number},
            at=now,
        )
    return row
