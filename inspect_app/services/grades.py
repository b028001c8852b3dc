"""Risk grades in the registry: gather an entity's inputs, grade it (risk/), store it with why.

A stored grade is recomputed when its inputs or the grading configuration change, and on
the day it is read (failures decay with time, so yesterday's grade may be stale).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from inspect_app.catalogue import grading_config
from inspect_app.clock import local
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.domain.lifecycle import Status
from inspect_app.models import Complaint, Entity, EntityGrade, Industry, Inspection, Licence
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


def refresh_grades(
    entities: Iterable[Entity], now: datetime, batch: int = 500
) -> dict[int, EntityGrade]:
    """Grades of these entities as of `now`, recomputing the stale ones; entities without a live
    licence have no grade."""
    config = grading_config()
    conf_hash = config_hash(config)
    today = local(now).date()
    graded: dict[int, EntityGrade] = {}
    entities = list(entities)
    for start in range(0, len(entities), batch):
        chunk = entities[start : start + batch]
        stored = {
            g.entity_id: g
            for g in EntityGrade.select().where(EntityGrade.entity.in_([e.id for e in chunk]))
        }
        for entity_id, inputs in gather_inputs(chunk).items():
            digest = grade_inputs_hash(inputs)
            current = stored.get(entity_id)
            if (
                current
                and current.inputs_hash == digest
                and current.config_hash == conf_hash
                and local(current.computed_at).date() == today
            ):
                graded[entity_id] = current
                continue
            grade = grade_entity(inputs, config, now)
            values = {
                "grade": grade.grade,
                "score": grade.score,
                "factors": grade.to_dict()["factors"],
                "inputs_hash": digest,
                "config_hash": conf_hash,
                "computed_at": now,
            }
            if current is None:
                graded[entity_id] = EntityGrade.create(entity=entity_id, **values)
            else:
                EntityGrade.update(**values).where(EntityGrade.id == current.id).execute()
                graded[entity_id] = EntityGrade.get_by_id(current.id)
    return graded


def grade_of(entity: Entity, now: datetime) -> EntityGrade | None:
    return refresh_grades([entity], now).get(entity.id)
