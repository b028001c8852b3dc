"""Plain rows for the map builders (maps/), read from the registry in a few set-wise queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from peewee import JOIN

import maps
from inspect_app import catalogue
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.domain.inspection import FAILING, InspectionStatus
from inspect_app.domain.lifecycle import Status
from inspect_app.errors import AppError
from inspect_app.models import (
    Draw,
    Entity,
    EntityGrade,
    Industry,
    Inspection,
    Licence,
    SpotCheckTask,
    Street,
)
from inspect_app.services import grades, tasks
from risk.grading import NO_LIVE_LICENCE


def labels():
    """The maps' names for codes, from the registry's catalogue tables."""
    return catalogue.labels()


def entity_rows(industry: str | None = None) -> list[dict[str, Any]]:
    """Every holder of a live licence (of one industry, if given) with its grade and place; an
    ungraded one (未分类) with the reason (grades.unclassified_reasons)."""
    query = (
        Entity.select(
            Entity.id,
            Entity.credit_code,
            Entity.name,
            Entity.lat,
            Entity.lon,
            Street.code,
            Industry.code,
            EntityGrade.grade,
        )
        .join(Street)
        .switch(Entity)
        .join(Licence, on=(Licence.holder == Entity.id))
        .join(Industry)
        .switch(Entity)
        .join(EntityGrade, join_type=JOIN.LEFT_OUTER, on=(EntityGrade.entity == Entity.id))
        .where(Licence.status.in_([Status.ACTIVE, Status.SUSPENDED]))
    )
    if industry:
        query = query.where(Industry.code == industry)
    rows, ungraded = [], []
    for ident, code, name, lat, lon, street, ind, grade in query.tuples().iterator():
        rows.append(
            {
                "credit_code": code,
                "name": name,
                "lat": lat,
                "lon": lon,
                "street": street,
                "industry": ind,
                "grade": grade,
            }
        )
        if grade is None:
            ungraded.append((ident, rows[-1]))
    reasons = grades.unclassified_reasons([ident for ident, _ in ungraded])
    for ident, row in ungraded:
        row["ungraded_reason"] = reasons[ident]
    return rows


def off_map_rows() -> list[tuple[str, int]]:
    """The 未分类 entities the entity map does not draw: those without a live licence."""
    reason = NO_LIVE_LICENCE
    return [(f"{reason.zh} ({reason.en})", grades.count_without_live_licence())]


def _entities(codes: list[str]) -> dict[str, dict[str, Any]]:
    rows = {}
    for start in range(0, len(codes), 5000):
        query = (
            Entity.select(
                Entity.id, Entity.credit_code, Entity.name, Entity.lat, Entity.lon, Street.code
            )
            .join(Street)
            .where(Entity.credit_code.in_(codes[start : start + 5000]))
            .tuples()
        )
        for ident, code, name, lat, lon, street in query:
            rows[code] = {
                "id": ident,
                "credit_code": code,
                "name": name,
                "lat": lat,
                "lon": lon,
                "street": street,
            }
    return rows


def draw_rows(task: SpotCheckTask) -> list[dict[str, Any]]:
    """The task's frame, with the picked entities and their teams (once drawn). A draft has no
    frame yet: 409 TASK_NOT_FROZEN."""
    row = Draw.get_or_none(Draw.task == task)
    if row is None:
        raise AppError("TASK_NOT_FROZEN")
    industry = task.industry.code
    picked = {a["entity_id"]: a for a in (row.result or {}).get("assignments", [])}
    entities = _entities([e["entity_id"] for e in row.frame])
    return [
        entities[e["entity_id"]]
        | {
            "industry": industry,
            "grade": e["grade"],
            "picked": e["entity_id"] in picked,
            "team": picked[e["entity_id"]]["team"] if e["entity_id"] in picked else (),
            "shortfall": picked.get(e["entity_id"], {}).get("shortfall", False),
        }
        for e in row.frame
        if e["entity_id"] in entities
    ]


def progress_rows(task: SpotCheckTask, today: date) -> list[dict[str, Any]]:
    """Each inspection of the task: to do, checked, or overdue."""
    rows = []
    query = (
        Inspection.select(Inspection, Entity, Street)
        .join(Entity)
        .join(Street)
        .where(Inspection.task == task)
    )
    for inspection in query:
        if inspection.status == InspectionStatus.SUBMITTED:
            state = "checked"
        elif inspection.status == InspectionStatus.OVERDUE or (
            inspection.due_on and inspection.due_on < today
        ):
            state = "overdue"
        else:
            state = "todo"
        entity = inspection.entity
        rows.append(
            {
                "credit_code": entity.credit_code,
                "name": entity.name,
                "lat": entity.lat,
                "lon": entity.lon,
                "street": entity.street.code,
                "industry": task.industry.code,
                "state": state,
                "due": inspection.due_on.isoformat() if inspection.due_on else None,
                "result": inspection.outcome if state == "checked" else None,
            }
        )
    return rows


def failure_rows() -> tuple[list[dict[str, Any]], dict[str, int], list[dict[str, Any]]]:
    """Streets, failure counts per street, and the failing entities' points."""
    streets = [
        {"code": s.code, "name": s.name, "lat": s.lat, "lon": s.lon} for s in Street.select()
    ]
    counts: dict[str, int] = {}
    points = []
    query = (
        Inspection.select(Street.code, Entity.lat, Entity.lon)
        .join(Entity)
        .join(Street)
        .where((Inspection.status == InspectionStatus.SUBMITTED) & Inspection.outcome.in_(FAILING))
        .tuples()
    )
    for street, lat, lon in query:
        counts[street] = counts.get(street, 0) + 1
        points.append({"lat": lat, "lon": lon})
    return streets, counts, points


def build(
    kind: str,
    *,
    tiles: str,
    task: SpotCheckTask | None = None,
    industry: str | None = None,
    today: date | None = None,
):
    """One map page of a kind (entities, draw, progress, failures): rows from the registry, the
    pure builder from maps/. The app, the CLI and the demo all build maps here."""
    if kind == "entities":
        return maps.entities_map(
            entity_rows(industry),
            tiles=tiles,
            labels=labels(),
            off_map=() if industry else off_map_rows(),
        )
    if kind == "draw":
        return maps.draw_map(draw_rows(task), tiles=tiles, labels=labels())
    if kind == "progress":
        return maps.progress_map(progress_rows(task, today), tiles=tiles, labels=labels())
    streets, counts, points = failure_rows()
    return maps.failures_by_street(streets, counts, failing_points=points, tiles=tiles)


def district_map(actor: Actor, kind: str, *, tiles: str, industry: str | None = None):
    """A district-wide map (entities or failures) for those who read the supervision maps."""
    ensure(actor, Action.READ_MAPS)
    return build(kind, tiles=tiles, industry=industry)


def task_map(actor: Actor, code: str, kind: str, *, tiles: str, today: date):
    """A task's map (draw or progress) for a planner who may see the task."""
    ensure(actor, Action.READ_MAPS)
    return build(kind, tiles=tiles, task=tasks.visible_task(actor, code), today=today)
