"""Complaints about a market entity: recorded, audited, and the entity's grade recomputed."""

from __future__ import annotations

from datetime import date, datetime

from inspect_app import audit
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.models import Complaint, EntityGrade
from inspect_app.services import grades
from inspect_app.services.entities import get_entity


def record_complaint(
    actor: Actor, credit_code: str, received_on: date, summary: str, now: datetime
) -> EntityGrade:
    """Record a complaint and answer the entity's new grade; an ungraded entity (no live
    licence) is refused before anything is written."""
    with database.atomic():
        entity = get_entity(credit_code)
        if not grades.has_grade(entity):
            raise grades.no_grade()
        complaint = Complaint.create(
            entity=entity,
            recorded_by=actor.label,
            created_at=now,
            received_on=received_on,
            summary=summary,
        )
        audit.record(
            actor.label,
            "complaint.create",
            "entity",
            credit_code,
            after={"complaint": complaint.id, "received_on": received_on.isoformat()},
            at=now,
        )
        return grades.refresh_grade(entity, now)
