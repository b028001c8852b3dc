"""Risk points in the registry: seeded from the catalogue, edited by their owning department.

An edit never changes a row: it adds the next version and retires the current one, so a
task drawn with version 2 keeps version 2 whatever happens to the point afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from inspect_app import audit
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.models import Department, Industry, RiskPoint
from risk import points as catalogue

EDITABLE = ("title", "content", "method", "legal_basis", "severity", "key_item")


def as_domain(row: RiskPoint) -> catalogue.RiskPoint:
    """The plain value the pure risk code works with."""
    return catalogue.RiskPoint(
        code=row.code,
        industry=row.industry.code,
        title=row.title,
        content=row.content,
        method=row.method,
        legal_basis=tuple(catalogue.LegalBasis(**basis) for basis in row.legal_basis),
        severity=row.severity,
        key_item=row.key_item,
        department=row.department.code,
    )


def snapshot(row: RiskPoint) -> dict[str, Any]:
    return {
        "code": row.code,
        "version": row.version,
        "department": row.department.code,
        "title": row.title,
        "severity": row.severity,
        "key_item": row.key_item,
        "content_hash": row.content_hash,
    }


def seed_risk_points(points: list[catalogue.RiskPoint], actor: str, now: datetime) -> int:
    """Add catalogue points whose code is new; never overwrite a department's edits."""
    industries = {i.code: i for i in Industry.select()}
    departments = {d.code: d for d in Department.select()}
    existing = {code for (code,) in RiskPoint.select(RiskPoint.code).distinct().tuples()}
    added = 0
    with database.atomic():
        for point in points:
            if point.code in existing:
                continue
            RiskPoint.create(
                code=point.code,
                version=1,
                industry=industries[point.industry],
                department=departments[point.department],
                title=point.title,
                content=point.content,
                method=point.method,
                legal_basis=[
                    {"citation": b.citation, "provisional": b.provisional}
                    for b in point.legal_basis
                ],
                severity=point.severity,
                key_item=point.key_item,
                content_hash=catalogue.content_hash(point),
                current=True,
                created_by=actor,
                created_at=now,
            )
            added += 1
        if added:
            audit.record(
                actor, "risk_point.seed", "risk_point", "catalogue", after={"added": added}, at=now
            )
    return added


def current_point(code: str) -> RiskPoint:
    row = (
        RiskPoint.select(RiskPoint, Industry, Department)
        .join(Industry)
        .switch(RiskPoint)
        .join(Department)
        .where((RiskPoint.code == code) & RiskPoint.current)
        .first()
    )
    if row is None:
        raise AppError("NOT_FOUND", zh="未找到该风险点", en="No such risk point")
    return row


def ensure_owner(actor: Actor, row: RiskPoint) -> None:
    """Only planners of the owning department (or an admin) edit a point."""
    ensure(actor, Action.EDIT_RISK_POINT, row)


def point_to_edit(actor: Actor, code: str) -> RiskPoint:
    """The current version of a point the actor's department owns."""
    row = current_point(code)
    ensure_owner(actor, row)
    return row


def edit_risk_point(
    actor: Actor, code: str, changes: dict[str, Any], expected_version: int, now: datetime
) -> RiskPoint:
    """Add the next version of a point with `changes`; the old version stays for the tasks using it."""
    with database.atomic():
        row = current_point(code)
        ensure_owner(actor, row)
        if row.version != expected_version:
            raise AppError("STALE_VERSION")
        domain = replace(
            as_domain(row),
            **{
                k: (tuple(catalogue.LegalBasis(**b) for b in v) if k == "legal_basis" else v)
                for k, v in changes.items()
                if k in EDITABLE
            },
        )
        retired = (
            RiskPoint.update(current=False)
            .where((RiskPoint.id == row.id) & RiskPoint.current)
            .execute()
        )
        if not retired:
            raise AppError("STALE_VERSION")
        new = RiskPoint.create(
            code=row.code,
            version=row.version + 1,
            industry=row.industry,
            department=row.department,
            title=domain.title,
            content=domain.content,
            method=domain.method,
            legal_basis=[
                {"citation": b.citation, "provisional": b.provisional} for b in domain.legal_basis
            ],
            severity=domain.severity,
            key_item=domain.key_item,
            content_hash=catalogue.content_hash(domain),
            current=True,
            created_by=actor.label,
            created_at=now,
        )
        audit.record(
            actor.label,
            "risk_point.edit",
            "risk_point",
            code,
            before=snapshot(row),
            after=snapshot(new),
            at=now,
        )
    return new


def current_points(industry: str | None = None, department: str | None = None):
    query = (
        RiskPoint.select(RiskPoint, Industry, Department)
        .join(Industry)
        .switch(RiskPoint)
        .join(Department)
        .where(RiskPoint.current)
    )
    if industry:
        query = query.where(Industry.code == industry)
    if department:
        query = query.where(Department.code == department)
    return query.order_by(RiskPoint.code)


@dataclass(frozen=True)
class DepartmentPoints:
    """What one department checks in an industry: its current risk points."""

    department: str
    role: str  # "lead" or "partner"
    points: list[RiskPoint]


@dataclass(frozen=True)
class RiskMap:
    """Which department checks what in an industry, lead first."""

    industry: str
    name: str
    lead: str
    partners: list[str]
    departments: list[DepartmentPoints]


def industry_risk_map(code: str) -> RiskMap:
    industry = Industry.get_or_none(Industry.code == code)
    if industry is None:
        raise AppError("NOT_FOUND", zh="未找到该行业", en="No such industry")
    return risk_map(industry)


def risk_map(industry: Industry) -> RiskMap:
    """Which department checks what in an industry, lead first."""
    partners = tuple(link.department.code for link in industry.partner_links)
    roles = catalogue.IndustryDepartments(industry.code, industry.lead.code, partners)
    rows = {r.code: r for r in current_points(industry=industry.code)}
    grouped = catalogue.risk_map([as_domain(r) for r in rows.values()], roles)
    return RiskMap(
        industry=industry.code,
        name=industry.name,
        lead=industry.lead.code,
        partners=list(partners),
        departments=[
            DepartmentPoints(
                department=code,
                role="lead" if code == industry.lead.code else "partner",
                points=[rows[p.code] for p in points],
            )
            for code, points in grouped.items()
        ],
    )
