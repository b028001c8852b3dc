"""Job writes are audited, by `system:jobs`: feedback delivery, its escalation, the late
disclosure flag and the deadline reminders each leave an entry in the chain."""

from __future__ import annotations

from datetime import timedelta

from inspect_app import audit
from inspect_app.clock import utcnow
from inspect_app.jobs import relay
from inspect_app.models import AuditEntry, Feedback, SpotCheckTask
from inspect_app.services import disclosure, reminders
from inspect_app.services.notifications import escalate_overdue
from tests.factories import make_user


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action))


def test_feedback_delivery_is_audited(client, submit):
    submit("CLOSED")
    feedback = Feedback.get(Feedback.kind == "LICENSING")
    assert feedback.status == "DELIVERED"
    [entry] = _entries("feedback.deliver")
    assert (entry.actor, entry.object_id) == (audit.SYSTEM_ACTOR, str(feedback.id))
    assert entry.after["status"] == "DELIVERED"
    assert entry.after["to"] == {"type": "group", "role": "admin", "department": None}  # no desk


def test_feedback_escalation_is_audited_once(client, submit):
    make_user("licensing", "ASC")
    submit("CLOSED")
    later = utcnow() + timedelta(days=40)
    escalate_overdue(later)
    escalate_overdue(later)
    [entry] = _entries("feedback.escalate")
    assert entry.actor == audit.SYSTEM_ACTOR and entry.after["status"] == "ESCALATED"


def test_the_late_disclosure_flag_is_audited_once(client, joint):
    task = SpotCheckTask.get_by_id(joint.inspection.task_id)
    long_after = utcnow() + timedelta(days=200)
    disclosure.flag_late(long_after)
    disclosure.flag_late(long_after)
    [entry] = _entries("task.disclosure_late")
    assert (entry.actor, entry.object_id) == (audit.SYSTEM_ACTOR, task.code)


def test_deadline_reminders_are_audited(client, joint):
    task = SpotCheckTask.get_by_id(joint.inspection.task_id)
    relay.run(None, reminders.reminder_time(task.deadline) + timedelta(minutes=1))
    [entry] = _entries("task.remind")
    assert entry.actor == audit.SYSTEM_ACTOR and entry.after["notifications"] > 0
    assert audit.verify().ok
