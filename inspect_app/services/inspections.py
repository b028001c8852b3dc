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

from peewee import fn

from inspect_app.auth import Actor
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Entity,
    Evidence,
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

SUBMITTED = "SUBMITTED"
RESULTS = ("PASS", "FAIL", "NA")  # 符合 / 不符合 / 不适用
RESULT_LABELS = {"PASS": "符合", "FAIL": "不符合", "NA": "不适用"}
OUTCOMES = ("OK", "FIXED", "CASE", "NOBIZ", "NOADDR", "REFUSE", "CLOSED")


def inspector_of(actor: Actor) -> Inspector:
    """The inspector record behind a signed-in inspector."""
    inspector = (
        Inspector.get_or_none(Inspector.user == actor.user_id)
        if actor.role == "inspector"
        else None
    )
    if inspector is None or not inspector.active:
        raise AppError(
            "FORBIDDEN",
            zh="只有在册执法检查人员可以使用平板端",
            en="Only active inspectors use the tablet API",
        )
    return inspector


def my_inspections(inspector: Inspector):
    """Inspections whose team this inspector is on."""
    return (
        Inspection.select(Inspection, Entity, SpotCheckTask)
        .join(Entity)
        .switch(Inspection)
        .join(SpotCheckTask)
        .switch(Inspection)
        .join(InspectionMember)
        .where(InspectionMember.inspector == inspector)
    )


def get_for(inspector: Inspector, inspection_id: int) -> Inspection:
    """One of my inspections, or 404 (another team's id tells nothing)."""
    inspection = my_inspections(inspector).where(Inspection.id == inspection_id).first()
    if inspection is None:
        raise AppError("NOT_FOUND", zh="未找到该检查任务", en="No such inspection")
    return inspection


def ensure_version(inspection: Inspection, base_version: int) -> None:
    if inspection.version != base_version:
        raise AppError("STALE_WRITE", errors={"current": summary(inspection)})


def ensure_open(inspection: Inspection) -> None:
    if inspection.status == SUBMITTED:
        raise AppError("INSPECTION_SUBMITTED")


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


def version_stamp(inspector: Inspector, inspection_id: int) -> tuple | None:
    """What a tablet's copy of one of my inspections depends on, in one narrow query: its own
    version, the entity's, its licences' and its other submitted results'. None: not mine."""
    licences = Licence.select(fn.MAX(Licence.updated_at)).where(Licence.holder == Entity.id)
    others = Inspection.alias()
    results = others.select(fn.MAX(others.updated_at)).where(
        (others.entity == Entity.id) & (others.status == SUBMITTED)
    )
    return (
        Inspection.select(
            Inspection.version, Inspection.updated_at, Entity.version, licences, results
        )
        .join(Entity)
        .switch(Inspection)
        .join(InspectionMember)
        .where((Inspection.id == inspection_id) & (InspectionMember.inspector == inspector))
        .tuples()
        .first()
    )


def checklist(inspection: Inspection) -> list[dict[str, Any]]:
    """The task's risk points (at the versions the task chose), grouped by owning department, lead first."""
    task = inspection.task
    lead = Department.get_by_id(task.lead_id).code
    recorded = {
        r.risk_point_id: r for r in ItemResult.select().where(ItemResult.inspection == inspection)
    }
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
        result = recorded.get(point.id)
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
    signed = {
        s.inspector_id: s for s in Signature.select().where(Signature.inspection == inspection)
    }
    members = (
        InspectionMember.select(InspectionMember, Inspector, Department)
        .join(Inspector)
        .switch(InspectionMember)
        .join(Department)
        .where(InspectionMember.inspection == inspection)
        .order_by(Department.code, Inspector.code)
    )
    return [
        {
            "code": m.inspector.code,
            "name": m.inspector.name,
            "department": m.department.code,
            "signed": m.inspector_id in signed and signed[m.inspector_id].content_hash == current,
        }
        for m in members
    ]


def detail(inspection: Inspection) -> dict[str, Any]:
    """Everything a tablet needs offline: entity, licence and permits, past results, checklist, team."""
    entity, task = inspection.entity, inspection.task
    digest = content_hash(inspection)
    licence = (
        Licence.select()
        .where((Licence.holder == entity) & (Licence.industry == task.industry_id))
        .order_by(Licence.issued_at.desc())
        .first()
    )
    history = (
        Inspection.select(Inspection, SpotCheckTask)
        .join(SpotCheckTask)
        .where(
            (Inspection.entity == entity)
            & (Inspection.id != inspection.id)
            & (Inspection.status == SUBMITTED)
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
        "checklist": checklist(inspection),
        "evidence": [
            {
                "sha256": e.sha256,
                "size": e.size,
                "content_type": e.content_type,
                "risk_point": e.risk_point.code if e.risk_point_id else None,
            }
            for e in Evidence.select()
            .where(Evidence.inspection == inspection)
            .order_by(Evidence.id)
        ],
        "outcome_notes": inspection.outcome_notes,
        "team": team(inspection, digest),
        "content_hash": digest,
        "submitted_at": inspection.submitted_at.isoformat() if inspection.submitted_at else None,
    }


def content(inspection: Inspection) -> dict[str, Any]:
    """What the team signs: check-in, every item, the evidence, the outcome."""
    items = {
        f"{p.code}@v{p.version}": [r.result, r.notes]
        for r, p in (
            (r, r.risk_point)
            for r in ItemResult.select(ItemResult, RiskPoint)
            .join(RiskPoint)
            .where(ItemResult.inspection == inspection)
        )
    }
    evidence = sorted(
        e.sha256 for e in Evidence.select(Evidence.sha256).where(Evidence.inspection == inspection)
    )
    return {
        "inspection": inspection.id,
        "checked_in_at": inspection.checked_in_at.isoformat() if inspection.checked_in_at else None,
        "distance_m": inspection.check_in_distance_m,
        "items": items,
        "evidence": evidence,
        "outcome": inspection.outcome,
        "outcome_notes": inspection.outcome_notes,
    }


def content_hash(inspection: Inspection) -> str:
    canonical = json.dumps(
        content(inspection), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
