"""The planner's entity directory (主体名录): the filters of services/entities.entity_list with a
grade filter, a search that also finds licence numbers, and each row's stored grade and licences, in a
fixed number of queries a page; and one entity's page (identity, licences with permits, grade
with its factors, history).

The rows show the stored grade (refreshed by the writes and the daily job); an entity's own page
shows it as of today (services/grades.grade_answer, read-only).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import peewee

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


@dataclass(frozen=True)
class Directory(Listing):
    """The page's rows (street joined) and a count of the same entities without the join."""

    counted: peewee.ModelSelect | None = None

    def count(self) -> int:
        return self.counted.count()


def directory(args: dict[str, Any]) -> Directory:
    """Entities by street, industry, grade and a search text, ordered by credit code, paged in
    the database (the filters of services/entities.entity_list, plus the grade and licence
    numbers). A page costs a count, the page and two loads, whatever the district's size."""
    where = _conditions(args)
    rows = _filtered(Entity.select(Entity, Street).join(Street), where)
    counted = _filtered(Entity.select(Entity.id), where)
    return Directory(rows.order_by(Entity.credit_code), with_grades_and_licences, counted)


def _filtered(query: peewee.ModelSelect, where: list) -> peewee.ModelSelect:
    return query.where(*where) if where else query


def _conditions(args: dict[str, Any]) -> list:
    where = []
    if args.get("street"):
        where.append(
            Entity.street.in_(Street.select(Street.id).where(Street.code == args["street"]))
        )
    if args.get("industry"):
        holders = (
            Licence.select(Licence.holder).join(Industry).where(Industry.code == args["industry"])
        )
        where.append(Entity.id.in_(holders))
    grade = args.get("grade")
    if grade == UNGRADED:
        graded = EntityGrade.select(EntityGrade.id).where(EntityGrade.entity == Entity.id)
        where.append(~peewee.fn.EXISTS(graded))
    elif grade:
        graded = EntityGrade.select(EntityGrade.entity).where(EntityGrade.grade == grade)
        where.append(Entity.id.in_(graded))
    if args.get("q"):
        where.append(_search(args["q"]))
    return where


CODE_LIKE = re.compile(r"[0-9A-Za-z-]{2,32}")
# Six or more code characters, a digit among them: a credit code or licence number, not a name
# (names are Chinese; their Latin words carry no run of digits that long in a code's shape).
CODE_ONLY = re.compile(r"(?=.*[0-9])[0-9A-Za-z-]{6,32}")
CREDIT_CODE_CHARS = 18
HIGHEST = "Z"  # above every character of a credit code (digits and capitals, GB 32100)


def _search(text: str):
    """Name contains `text`; a text that may be a code (Latin letters, digits, dashes) also finds
    credit codes and licence numbers starting with it, and one that can only be a code (CODE_ONLY)
    finds those alone. LIKE throughout, never ILIKE: Chinese has
    no case, and ILIKE costs five times as much on PostgreSQL (Latin letters in names are found
    as typed or in capitals). A credit code prefix is a range on its unique index (codes are
    digits and capitals of one length, so the range holds in any collation), not a scan."""
    found = _like(Entity.name, "%{}%", text)
    if not CODE_LIKE.fullmatch(text):
        return found
    prefix = text.upper()
    if prefix != text:
        found = found | _like(Entity.name, "%{}%", prefix)
    coded = Entity.select(Entity.id).where(
        Entity.credit_code.between(prefix, prefix.ljust(CREDIT_CODE_CHARS, HIGHEST))
    )
    numbered = Licence.select(Licence.holder).where(_like(Licence.number, "{}%", prefix))
    ids = coded | numbered
    if not CODE_ONLY.fullmatch(text):  # a short text or letters only may be part of a name
        ids = ids | Entity.select(Entity.id).where(found)
    # One set of ids (a few, for a code): the page sorts those, rather than walking every
    # entity in credit code order looking for them.
    return Entity.id.in_(ids)


def _like(column, template: str, text: str) -> peewee.NodeList:
    """`column LIKE pattern ESCAPE '\\'` with `text` taken literally (its % and _ escaped);
    written out, since peewee turns its LIKE into GLOB on SQLite."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return peewee.NodeList(
        (
            column,
            peewee.SQL("LIKE"),
            peewee.Value(template.format(escaped), converter=False),
            peewee.SQL("ESCAPE"),
            peewee.Value("\\", converter=False),
        )
    )


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
