"""Follow-up tables: what an inspection's outcome leads to (feedback to licensing, rectification,
referral, credit record) and the public disclosure of each task (一公开) with its deadline."""

from __future__ import annotations

import peewee as pw

from inspect_app.clock import utcnow
from inspect_app.db import BaseModel, JSONField, UTCDateTimeField
from inspect_app.models.desks import Desk
from inspect_app.models.registry import Entity, Licence, LicenceEvent
from inspect_app.models.supervision import Inspection, SpotCheckTask


class Feedback(BaseModel):
    """One follow-up of a submitted inspection; LICENSING ones land in the licensing inbox."""

    inspection = pw.ForeignKeyField(Inspection, backref="feedback", on_delete="CASCADE")
    kind = pw.CharField(max_length=16)  # RECTIFICATION, REFERRAL, LICENSING, CREDIT
    outcome = pw.CharField(max_length=8)
    entity = pw.ForeignKeyField(Entity, backref="feedback", index=True)
    licence = pw.ForeignKeyField(Licence, null=True, backref="feedback")
    status = pw.CharField(max_length=12, default="RECORDED", index=True)
    details = JSONField(default=dict)
    due_on = pw.DateField(null=True)
    delivered_at = UTCDateTimeField(null=True)
    acknowledged_at = UTCDateTimeField(null=True)
    acknowledged_by = pw.CharField(max_length=32, null=True)
    action = pw.CharField(max_length=20, null=True)
    action_reason = pw.CharField(max_length=256, null=True)
    acted_at = UTCDateTimeField(null=True)
    acted_by = pw.CharField(max_length=32, null=True)
    licence_event = pw.ForeignKeyField(LicenceEvent, null=True)
    escalated_at = UTCDateTimeField(null=True)
    version = pw.IntegerField(default=1)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    # 0 for the submission's follow-ups, the amendment's id for those an amendment led to.
    generation = pw.IntegerField(default=0)
    withdrawn_at = UTCDateTimeField(null=True)  # the result no longer calls for it
    # the desk it is routed to (services/desks.py: LICENSING and CREDIT kinds), None: no desk
    desk = pw.ForeignKeyField(Desk, null=True, backref="feedback", on_delete="SET NULL")

    class Meta:
        indexes = ((("inspection", "kind", "generation"), True),)


class Holiday(BaseModel):
    """The working-day calendar as data: official holidays and make-up working days."""

    date = pw.DateField(unique=True)
    kind = pw.CharField(max_length=8)  # holiday | workday
    name = pw.CharField(max_length=32)


class Disclosure(BaseModel):
    """A task's publication (一公开): due a number of working days after its period ends."""

    task = pw.ForeignKeyField(
        SpotCheckTask, backref="disclosures", unique=True, on_delete="CASCADE"
    )
    due_on = pw.DateField()
    published_at = UTCDateTimeField(null=True)
    published_by = pw.CharField(max_length=32, null=True)
    late = pw.BooleanField(default=False)
    flagged_at = UTCDateTimeField(null=True)
    audit_head = JSONField(null=True)  # the audit chain's signed head at publication


FOLLOWUP_MODELS = [Feedback, Holiday, Disclosure]

__all__ = [m.__name__ for m in FOLLOWUP_MODELS]
