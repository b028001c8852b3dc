"""Complaints about a market entity: recorded, audited, and the entity's grade recomputed."""

from __future__ import annotations

from datetime import date, datetime

from inspect_app import audit
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.models import (
    Complaint,
    Department,
    Entity,
    EntityGrade,
    Industry,
    IndustryPartner,
    Licence,
)
from inspect_app.services import grades
from inspect_app.services.entities import get_entity


def record_complaint(
    actor: Actor, credit_code: str, received_on: date, summary: str, now: datetime
) -> EntityGrade:
    """Record a complaint and answer the entity's new grade; only the departments responsible for
    the entity's industries file one, and an ungraded entity (no live licence) is refused, both
    before anything is written."""
    with database.atomic():
        entity = get_entity(credit_code)
        if not grades.has_grade(entity):
            raise grades.no_grade()
        ensure(actor, Action.FILE_COMPLAINT, responsible_departments(entity))
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


def responsible_departments(entity: Entity) -> set[str]:
    """The lead and partner departments of every industry the entity holds a licence in."""
    industries = Industry.select(Industry.id).join(Licence).where(Licence.holder == entity)
    leads = (
        Department.select(Department.code)
        .join(Industry, on=(Industry.lead == Department.id))
        .where(Industry.id.in_(industries))
    )
    partners = (
        Department.select(Department.code)
        .join(IndustryPartner)
        .where(IndustryPartner.industry.in_(industries))
    )
    return {code for (code,) in leads.tuples()} | {code for (code,) in partners.tuples()}
