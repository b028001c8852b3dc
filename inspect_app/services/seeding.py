"""Load a catalogue folder into the database: registry tables, risk points, holidays and the
rule documents the app reads at run time; idempotent, by natural keys."""

from __future__ import annotations

from datetime import datetime

from inspect_app import audit
from inspect_app import catalogue as district
from inspect_app.db import database
from inspect_app.models import Department, Holiday, Industry, IndustryPartner, Permit, Street
from inspect_app.services.risk_points import seed_risk_points
from risk.points import IndustryDepartments, validate_risk_points


def load_catalogue(catalogue: district.Catalogue, actor: str, now: datetime) -> dict[str, int]:
    """Upsert departments, streets, industries (lead, partners), permits and the stored rules;
    returns counts."""
    problems = district.validate_folder(catalogue)
    if problems:
        raise district.CatalogueError("; ".join(problems))
    with database.atomic():
        departments = {
            d.code: _upsert(Department, d.code, name=d.name, short_name=d.short_name, kind=d.kind)
            for d in catalogue.departments
        }
        for s in catalogue.streets:
            _upsert(
                Street,
                s.code,
                name=s.name,
                kind=s.kind,
                lat=s.lat,
                lon=s.lon,
                radius_km=s.radius_km,
            )
        for i in catalogue.industries:
            industry = _upsert(
                Industry,
                i.code,
                name=i.name,
                lead=departments[i.lead_department],
                provisional=i.provisional,
                batch_month=i.batch_month,
            )
            _set_partners(industry, [departments[c] for c in i.partner_departments])
        industries = {i.code: i for i in Industry.select()}
        for p in catalogue.permits:
            _upsert(
                Permit,
                p.code,
                industry=industries[p.industry],
                name=p.name,
                issuing_department=departments[p.issuing_department],
                conditional=p.conditional,
                condition=p.condition or None,
            )
        rules = district.store_rules(catalogue, now)
        counts = {
            "departments": len(catalogue.departments),
            "streets": len(catalogue.streets),
            "industries": len(catalogue.industries),
            "permits": len(catalogue.permits),
        }
        audit.record(
            actor,
            "catalogue.load",
            "catalogue",
            str(catalogue.source.name),
            after=counts | {"rules": rules},
            at=now,
        )
    counts["risk_points"] = _seed_risk_points(catalogue, actor, now)
    counts["holidays"] = _load_holidays(catalogue)
    return counts


def _seed_risk_points(catalogue: district.Catalogue, actor: str, now: datetime) -> int:
    """The risk-point catalogue beside the industries (risk_points.json), checked against them."""
    points = district.risk_points(catalogue)
    roles = [
        IndustryDepartments(i.code, i.lead_department, i.partner_departments)
        for i in catalogue.industries
    ]
    problems = validate_risk_points(points, roles, [d.code for d in catalogue.departments])
    if problems:
        raise district.CatalogueError("; ".join(problems))
    return seed_risk_points(points, actor, now)


def _upsert(model, code: str, **values):
    row = model.get_or_none(model.code == code)
    if row is None:
        return model.create(code=code, **values)
    model.update(**values).where(model.id == row.id).execute()
    return model.get_by_id(row.id)


def _set_partners(industry: Industry, partners: list[Department]) -> None:
    wanted = {d.id for d in partners}
    IndustryPartner.delete().where(
        (IndustryPartner.industry == industry) & IndustryPartner.department.not_in(wanted)
    ).execute()
    present = {link.department_id for link in industry.partner_links}
    for department_id in wanted - present:
        IndustryPartner.create(industry=industry, department=department_id)


def _load_holidays(catalogue: district.Catalogue) -> int:
    """The working-day calendar: the catalogue's holidays and make-up working days replace the table's."""
    with database.atomic():
        Holiday.delete().execute()
        for row in catalogue.holidays:
            Holiday.create(date=row.date, kind=row.kind, name=row.name)
    return len(catalogue.holidays)
