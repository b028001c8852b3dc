"""Reads of the catalogue tables: departments, industries (with permits and partners), streets."""

from __future__ import annotations

from collections import defaultdict

from inspect_app.errors import AppError
from inspect_app.models import Department, Industry, IndustryPartner, Permit, RiskPoint, Street


def departments():
    return Department.select().order_by(Department.code)


def department(code: str) -> Department:
    row = Department.get_or_none(Department.code == code)
    if row is None:
        raise AppError("NOT_FOUND", zh="未找到该部门", en="No such department")
    return row


def industries() -> list[Industry]:
    """Every industry with its lead, partner codes and permits loaded: three queries in all."""
    rows = list(Industry.select(Industry, Department).join(Department).order_by(Industry.code))
    return _with_links(rows)


def industry(code: str) -> Industry:
    rows = list(Industry.select(Industry, Department).join(Department).where(Industry.code == code))
    if not rows:
        raise AppError("NOT_FOUND", zh="未找到该行业", en="No such industry")
    return _with_links(rows)[0]


def streets():
    return Street.select().order_by(Street.code)


def _with_links(rows: list[Industry]) -> list[Industry]:
    ids = [row.id for row in rows]
    partners: dict[int, list[str]] = defaultdict(list)
    for industry_id, code in (
        IndustryPartner.select(IndustryPartner.industry, Department.code)
        .join(Department)
        .where(IndustryPartner.industry.in_(ids))
        .order_by(Department.code)
        .tuples()
    ):
        partners[industry_id].append(code)
    permits: dict[int, list[Permit]] = defaultdict(list)
    for permit in (
        Permit.select(Permit, Department)
        .join(Department)
        .where(Permit.industry.in_(ids))
        .order_by(Permit.code)
    ):
        permits[permit.industry_id].append(permit)
    for row in rows:
        # Plain lists on the rows, as peewee's prefetch leaves them: the schema never queries.
        row.partner_codes, row.permits = partners[row.id], permits[row.id]
    return rows


def industry_with_points(code: str) -> tuple[Industry, list[RiskPoint]]:
    """An industry and its current check items (risk points), for the public catalogue page."""
    row = industry(code)
    points = list(
        RiskPoint.select(RiskPoint, Department)
        .join(Department)
        .where(RiskPoint.industry == row, RiskPoint.current)
        .order_by(RiskPoint.code)
    )
    return row, points
