"""The planner's entity directory (主体名录): the entity list of services/entities.py with a grade
filter, a search that also finds licence numbers, and each row's stored grade and licences, in a
fixed number of queries a page; and one entity's page (identity, licences with permits, grade
with its factors, history).

The rows show the stored grade (refreshed by the writes and the daily job); an entity's own page
shows it as of today (services/grades.grade_answer, read-only).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inspect_app.actor import Actor
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.models import (
    Complaint,
    Department,
    Entity,
    EntityGrade,
    Industry,
    Inspection,
    Licence,
    LicenceEvent,
    LicencePermit,
    Permit,
    SpotCheckTask,
    Street,
)
from inspect_app.services import entities, grades, tasks
from inspect_app.services.listing import Listing

UNGRADED = "none"  # the grade filter's value for entities without a stored grade (未分类)


def directory(args: dict[str, Any]) -> Listing:
    """Entities by street, industry, grade and a search text (name contains; credit code or
    licence number starts with), ordered by credit code, paged in the database."""
    query = entities.entity_list({k: v for k, v in args.items() if k != "q"})
    if args.get("q"):
        text = args["q"]
        numbered = Licence.select(Licence.holder).where(Licence.number.startswith(text.upper()))
        query = query.where(
            Entity.name.contains(text)
            | Entity.credit_code.startswith(text.upper())
            | Entity.id.in_(numbered)
        )
    grade = args.get("grade")
    if grade == UNGRADED:
        query = query.where(Entity.id.not_in(EntityGrade.select(EntityGrade.entity)))
    elif grade:
        graded = EntityGrade.select(EntityGrade.entity).where(EntityGrade.grade == grade)
        query = query.where(Entity.id.in_(graded))
    return Listing(query, with_grades_and_licences)


def with_grades_and_licences(rows: list[Entity]) -> list[Entity]:
    """Each row's stored grade (or None) and its licences with their industry: two queries."""
    ids = [row.id for row in rows]
    stored = dict(
        EntityGrade.select(EntityGrade.entity, EntityGrade.grade)
        .where(EntityGrade.entity.in_(ids))
        .tuples()
    )
    held: dict[int, list[Licence]] = defaultdict(list)
    for licence in (
        Licence.select(Licence, Industry)
        .join(Industry)
        .where(Licence.holder.in_(ids))
        .order_by(Licence.number)
    ):
        held[licence.holder_id].append(licence)
    for row in rows:
        # Plain values on the row, as peewee's prefetch leaves them: the page never queries.
        row.stored_grade, row.licence_rows = stored.get(row.id), held[row.id]
    return rows


@dataclass
class EntityPage:
    """What the entity's page shows."""

    entity: Entity
    licences: list[Licence]  # each with .permit_rows and .event_rows
    grade: Any  # an EntityGrade, or grade_answer's 未分类 dict
    inspections: list[Inspection] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)


def entity_page(actor: Actor, credit_code: str, now: datetime) -> EntityPage:
    """One entity with its licences (permits, events), its grade as of `now` and its history:
    the submitted inspections of the tasks the actor may see, its complaints."""
    entity = (
        Entity.select(Entity, Street)
        .join(Street)
        .where(Entity.id == entities.get_entity(credit_code).id)
        .get()
    )
    return EntityPage(
        entity=entity,
        licences=_licences_of(entity),
        grade=grades.grade_answer(credit_code, now),
        inspections=_results_of(actor, entity),
        complaints=list(
            Complaint.select().where(Complaint.entity == entity).order_by(Complaint.received_on)
        ),
    )


def _licences_of(entity: Entity) -> list[Licence]:
    licences = list(
        Licence.select(Licence, Industry)
        .join(Industry)
        .where(Licence.holder == entity)
        .order_by(Licence.number)
    )
    ids = [licence.id for licence in licences]
    permits: dict[int, list[LicencePermit]] = defaultdict(list)
    for row in (
        LicencePermit.select(LicencePermit, Permit, Department)
        .join(Permit)
        .join(Department)
        .where(LicencePermit.licence.in_(ids))
        .order_by(Permit.code)
    ):
        permits[row.licence_id].append(row)
    events: dict[int, list[LicenceEvent]] = defaultdict(list)
    for row in (
        LicenceEvent.select()
        .where(LicenceEvent.licence.in_(ids))
        .order_by(LicenceEvent.licence, LicenceEvent.seq)
    ):
        events[row.licence_id].append(row)
    for licence in licences:
        licence.permit_rows, licence.event_rows = permits[licence.id], events[licence.id]
    return licences


def _results_of(actor: Actor, entity: Entity) -> list[Inspection]:
    """The entity's submitted inspections under the tasks the actor may see (others' tasks stay
    hidden, as the task API hides them)."""
    visible = tasks.visible_tasks(actor).query.select(SpotCheckTask.id).order_by()
    return list(
        Inspection.select(Inspection, SpotCheckTask)
        .join(SpotCheckTask)
        .where(
            (Inspection.entity == entity)
            & (Inspection.status == InspectionStatus.SUBMITTED)
            & SpotCheckTask.id.in_(visible)
        )
        .order_by(Inspection.checked_on.desc(), Inspection.id.desc())
    )
