"""Risk grades in the registry: gather an entity's inputs, grade it (risk/), store it with why.

A stored grade is recomputed by the writes that change its inputs and by the draw, and is stale
when its inputs, the grading configuration or the day change (failures decay with time). A read
never writes: it answers a stale grade computed afresh, without storing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from inspect_app.catalogue import grading_config
from inspect_app.clock import local
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.domain.lifecycle import Status
from inspect_app.errors import AppError
from inspect_app.models import Complaint, Entity, EntityGrade, Industry, Inspection, Licence
from inspect_app.services.entities import get_entity
from risk.grading import GradeInputs, grade_entity, grade_inputs_hash
from risk.grading_config import config_hash


def _industries(entity_ids: list[int]) -> dict[int, list[str]]:
    rows = (
        Licence.select(Licence.holder, Industry.code)
        .join(Industry)
        .where(
            Licence.holder.in_(entity_ids)
            & (Licence.status != Status.CANCELLED)
            & (Licence.status != Status.REVOKED)
        )
        .tuples()
    )
    found: dict[int, list[str]] = defaultdict(list)
    for holder, code in rows:
        found[holder].append(code)
    return found


def gather_inputs(entities: list[Entity]) -> dict[int, GradeInputs]:
    """Each entity's grading inputs; its industry is the riskiest it holds a live licence in."""
    ids = [e.id for e in entities]
    base = grading_config().industry_base_points
    industries = _industries(ids)
    results: dict[int, list] = defaultdict(list)
    for entity_id, checked_on, outcome in (
        Inspection.select(Inspection.entity, Inspection.checked_on, Inspection.outcome)
        .where(
            Inspection.entity.in_(ids)
            & (Inspection.status == InspectionStatus.SUBMITTED)
            & Inspection.outcome.is_null(False)
        )
        .tuples()
    ):
        results[entity_id].append((checked_on, outcome))
    complaints: dict[int, list] = defaultdict(list)
    for entity_id, received_on in (
        Complaint.select(Complaint.entity, Complaint.received_on)
        .where(Complaint.entity.in_(ids))
        .tuples()
    ):
        complaints[entity_id].append(received_on)
    inputs = {}
    for entity in entities:
        held = industries.get(entity.id) or []
        industry = max(held, key=lambda code: (base.get(code, 0), code)) if held else None
        if industry is None:
            continue
        done = results.get(entity.id, [])
        inputs[entity.id] = GradeInputs(
            industry=industry,
            credit_class=entity.credit_class,
            results=tuple(done),
            complaints=tuple(complaints.get(entity.id, [])),
            last_checked=max((d for d, _ in done), default=None),
        )
    return inputs


def _values(
    inputs: GradeInputs, current: EntityGrade | None, now: datetime
) -> dict[str, Any] | None:
    """A fresh grade's column values, or None while the stored one still holds today."""
    config = grading_config()
    conf_hash = config_hash(config)
    digest = grade_inputs_hash(inputs)
    if (
        current
        and current.inputs_hash == digest
        and current.config_hash == conf_hash
        and local(current.computed_at).date() == local(now).date()
    ):
        return None
    grade = grade_entity(inputs, config, now)
    return {
        "grade": grade.grade,
        "score": grade.score,
        "factors": grade.to_dict()["factors"],
        "inputs_hash": digest,
        "config_hash": conf_hash,
        "computed_at": now,
    }


def refresh_grades(
    entities: Iterable[Entity], now: datetime, batch: int = 500
) -> dict[int, EntityGrade]:
    """Grades of these entities as of `now`, storing the stale ones anew; entities without a live
    licence have no grade. Writers and jobs call this, never a read."""
    graded: dict[int, EntityGrade] = {}
    entities = list(entities)
    for start in range(0, len(entities), batch):
        chunk = entities[start : start + batch]
        stored = {
            g.entity_id: g
            for g in EntityGrade.select().where(EntityGrade.entity.in_([e.id for e in chunk]))
        }
        for entity_id, inputs in gather_inputs(chunk).items():
            current = stored.get(entity_id)
            values = _values(inputs, current, now)
            if values is None:
                graded[entity_id] = current
            elif current is None:
                graded[entity_id] = EntityGrade.create(entity=entity_id, **values)
            else:
                EntityGrade.update(**values).where(EntityGrade.id == current.id).execute()
                graded[entity_id] = EntityGrade.get_by_id(current.id)
    return graded


def refresh_grade(entity: Entity, now: datetime) -> EntityGrade | None:
    """One entity's grade, stored anew if stale (after a write that changes its inputs)."""
    return refresh_grades([entity], now).get(entity.id)


def grade_of(entity: Entity, now: datetime) -> EntityGrade | None:
    """The entity's grade as of `now`, read-only: a stale or missing grade is computed, not stored."""
    inputs = gather_inputs([entity]).get(entity.id)
    if inputs is None:
        return None
    current = EntityGrade.get_or_none(EntityGrade.entity == entity.id)
    values = _values(inputs, current, now)
    if values is None:
        return current
    return EntityGrade(entity=entity, **values)


def graded_entity(credit_code: str, now: datetime) -> EntityGrade:
    """The grade of a registered entity; one without a live licence has none (404)."""
    grade = grade_of(get_entity(credit_code), now)
    if grade is None:
        raise no_grade()
    return grade


def no_grade() -> AppError:
    return AppError(
        "NOT_FOUND",
        zh="该市场主体没有有效许可证，不参与分级",
        en="This entity holds no live licence and has no grade",
    )


def has_grade(entity: Entity) -> bool:
    """Whether the entity is graded at all: it holds a live licence."""
    return bool(_industries([entity.id]))
