"""Inspections in the field: what a team member sees and records, version by version.

Every write names the version it was based on; a write on an old version is refused with
the current one (StaleWrite → 409), never silently merged. Access is by team: an inspector
reaches only inspections whose team they are on, and anything else is 'not found'.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from peewee import JOIN

from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain.inspection import CheckResult, InspectionStatus, Outcome
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Entity,
    Evidence,
    Industry,
    Inspection,
    InspectionMember,
    Inspector,
    ItemResult,
    Licence,
    RiskPoint,
    Signature,
    SpotCheckTask,
    Street,
    TaskRiskPoint,
)
from inspect_app.services.licences import licence_snapshot

# The choices the tablet's schemas offer (as plain strings, so the OpenAPI document lists them).
RESULTS = tuple(result.value for result in CheckResult)
OUTCOMES = tuple(outcome.value for outcome in Outcome)


def inspector_id_of(actor: Actor) -> int:
    """The inspector record behind a signed-in, active inspector (found at sign-in)."""
    ensure(actor, Action.USE_TABLET)
    return actor.inspector_id


def inspector_of(actor: Actor) -> Inspector:
    return Inspector.get_by_id(inspector_id_of(actor))


def _with_entity_and_task():
    return (
        Inspection.select(Inspection, Entity, SpotCheckTask)
        .join(Entity)
        .switch(Inspection)
        .join(SpotCheckTask)
        .switch(Inspection)
    )


def my_inspections(inspector: Inspector | int):
    """Inspections whose team this inspector is on."""
    return (
        _with_entity_and_task()
        .join(InspectionMember)
        .where(InspectionMember.inspector == inspector)
    )


def not_found() -> AppError:
    """What any inspection that is not mine looks like: another team's id tells nothing."""
    return AppError("NOT_FOUND", zh="未找到该检查任务", en="No such inspection")


def get_for(inspector: Inspector | int, inspection_id: int) -> Inspection:
    """One of my inspections, or 404."""
    inspection = my_inspections(inspector).where(Inspection.id == inspection_id).first()
    if inspection is None:
        raise not_found()
    return inspection


def get(inspection_id: int) -> Inspection:
    """An inspection with its entity and task (for jobs, which act for no inspector)."""
    return _with_entity_and_task().where(Inspection.id == inspection_id).get()


def ensure_version(inspection: Inspection, base_version: int) -> None:
    if inspection.version != base_version:
        raise AppError("STALE_WRITE", errors={"current": summary(inspection)})


def ensure_open(inspection: Inspection) -> None:
    try:
        inspection_lifecycle.ensure_open(inspection.status)
    except inspection_lifecycle.InspectionSubmitted as error:
        raise AppError(error.code) from error


def bump(inspection: Inspection, now: datetime, **values) -> Inspection:
    """Write `values` and the next version, only if nobody wrote in between."""
    updated = (
        Inspection.update(**values, version=Inspection.version + 1, updated_at=now)
        .where((Inspection.id == inspection.id) & (Inspection.version == inspection.version))
        .execute()
    )
    if not updated:
        raise AppError(
            "STALE_WRITE", errors={"current": summary(Inspection.get_by_id(inspection.id))}
        )
    return Inspection.get_by_id(inspection.id)


def bump_any(inspection: Inspection, now: datetime, **values) -> Inspection:
    """Next version whatever the current one: for writes checked at a finer grain (items)."""
    Inspection.update(**values, version=Inspection.version + 1, updated_at=now).where(
        Inspection.id == inspection.id
    ).execute()
    return Inspection.get_by_id(inspection.id)


# What summary() reads: a sync page selects only these.
SUMMARY_COLUMNS = (
    *(Inspection.id, Inspection.kind, Inspection.round, Inspection.status, Inspection.due_on),
    *(Inspection.shortfall, Inspection.outcome, Inspection.version, Inspection.updated_at),
    *(Entity.id, Entity.credit_code, Entity.name, Entity.address, Entity.lat, Entity.lon),
    *(SpotCheckTask.id, SpotCheckTask.code),
)


def summary(inspection: Inspection) -> dict[str, Any]:
    entity = inspection.entity  # joined by my_inspections(); loaded once otherwise
    return {
        "id": inspection.id,
        "task": inspection.task.code,
        "kind": inspection.kind,
        "round": inspection.round,
        "entity": {
            "credit_code": entity.credit_code,
            "name": entity.name,
            "address": entity.address,
            "lat": entity.lat,
            "lon": entity.lon,
        },
        "status": inspection.status,
        "due_on": inspection.due_on.isoformat() if inspection.due_on else None,
        "shortfall": inspection.shortfall,
        "outcome": inspection.outcome,
        "version": inspection.version,
        "updated_at": inspection.updated_at.isoformat(),
    }


def _recorded(inspection: Inspection) -> list[ItemResult]:
    return list(
        ItemResult.select(ItemResult, RiskPoint)
        .join(RiskPoint)
        .where(ItemResult.inspection == inspection)
    )


def _evidence(inspection: Inspection) -> list[Evidence]:
    return list(
        Evidence.select(Evidence, RiskPoint)
        .join(RiskPoint, JOIN.LEFT_OUTER)
        .where(Evidence.inspection == inspection)
        .order_by(Evidence.id)
    )


def checklist(inspection: Inspection, recorded: list[ItemResult]) -> list[dict[str, Any]]:
    """The task's risk points (at the versions the task chose), grouped by owning department, lead first."""
    task = inspection.task
    lead = Department.get_by_id(task.lead_id).code
    results = {r.risk_point_id: r for r in recorded}
    points = (
        RiskPoint.select(RiskPoint, Department)
        .join(TaskRiskPoint)
        .switch(RiskPoint)
        .join(Department)
        .where(TaskRiskPoint.task == task)
        .order_by(RiskPoint.code)
    )
    groups: dict[str, list] = {}
    for point in points:
        result = results.get(point.id)
        groups.setdefault(point.department.code, []).append(
            {
                "code": point.code,
                "version": point.version,
                "title": point.title,
                "content": point.content,
                "method": point.method,
                "key_item": point.key_item,
                "result": result.result if result else None,
                "notes": result.notes if result else "",
                "item_version": result.version if result else 0,
            }
        )
    order = sorted(groups, key=lambda code: (code != lead, code))
    return [
        {"department": code, "role": "lead" if code == lead else "partner", "items": groups[code]}
        for code in order
    ]


def team(inspection: Inspection, current: str | None = None) -> list[dict[str, Any]]:
    """The members, each with whether they signed the content as it stands (`current`)."""
    current = current or content_hash(inspection)
    members = (
        InspectionMember.select(InspectionMember, Inspector, Department, Signature.content_hash)
        .join(Inspector)
        .switch(InspectionMember)
        .join(Department)
        .switch(InspectionMember)
        .join(
            Signature,
            JOIN.LEFT_OUTER,
            on=(Signature.inspection == InspectionMember.inspection)
            & (Signature.inspector == InspectionMember.inspector),
            attr="signature",
        )
        .where(InspectionMember.inspection == inspection)
        .order_by(Department.code, Inspector.code)
    )
    return [
        {
            "code": m.inspector.code,
            "name": m.inspector.name,
            "department": m.department.code,
            "signed": m.signature is not None and m.signature.content_hash == current,
        }
        for m in members
    ]


def detail(inspection: Inspection) -> dict[str, Any]:
    """Everything a tablet needs offline: entity, licence and permits, past results, checklist, team."""
    entity, task = inspection.entity, inspection.task
    recorded, evidence = _recorded(inspection), _evidence(inspection)
    digest = _digest(_content(inspection, recorded, evidence))
    licence = (
        Licence.select(Licence, Industry)
        .join(Industry)
        .where((Licence.holder == entity) & (Licence.industry == task.industry_id))
        .order_by(Licence.issued_at.desc())
        .first()
    )
    if licence is not None:
        licence.holder = entity
    history = (
        Inspection.select(Inspection, SpotCheckTask)
        .join(SpotCheckTask)
        .where(
            (Inspection.entity == entity)
            & (Inspection.id != inspection.id)
            & (Inspection.status == InspectionStatus.SUBMITTED)
        )
        .order_by(Inspection.checked_on.desc())
        .limit(5)
    )
    return summary(inspection) | {
        "street": Street.get_by_id(entity.street_id).name,
        "licence": licence_snapshot(licence) if licence else None,
        "last_results": [
            {
                "task": h.task.code,
                "checked_on": h.checked_on.isoformat() if h.checked_on else None,
                "outcome": h.outcome,
            }
            for h in history
        ],
        "check_in": {
            "at": inspection.checked_in_at.isoformat() if inspection.checked_in_at else None,
            "distance_m": inspection.check_in_distance_m,
            "far": inspection.far_check_in,
        },
        "checklist": checklist(inspection, recorded),
        "evidence": [
            {
                "sha256": e.sha256,
                "size": e.size,
                "content_type": e.content_type,
                "risk_point": e.risk_point.code if e.risk_point_id else None,
            }
            for e in evidence
        ],
        "outcome_notes": inspection.outcome_notes,
        "team": team(inspection, digest),
        "content_hash": digest,
        "submitted_at": inspection.submitted_at.isoformat() if inspection.submitted_at else None,
    }


def content(inspection: Inspection) -> dict[str, Any]:
    """What the team signs: check-in, every item, the evidence, the outcome."""
    return _content(inspection, _recorded(inspection), _evidence(inspection))


def _content(
    inspection: Inspection, recorded: list[ItemResult], evidence: list[Evidence]
) -> dict[str, Any]:
    return {
        "inspection": inspection.id,
        "checked_in_at": inspection.checked_in_at.isoformat() if inspection.checked_in_at else None,
        "distance_m": inspection.check_in_distance_m,
        "items": {
            f"{r.risk_point.code}@v{r.risk_point.version}": [r.result, r.notes] for r in recorded
        },
        "evidence": sorted(e.sha256 for e in evidence),
        "outcome": inspection.outcome,
        "outcome_notes": inspection.outcome_notes,
    }


def content_hash(inspection: Inspection) -> str:
    return _digest(content(inspection))


def _digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
