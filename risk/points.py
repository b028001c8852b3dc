"""Supervision risk points (监管风险点): what each department checks in each industry.

The catalogue is seed data (a district's risk_points.json), reconstructed and marked
provisional, so a district corrects it by import, never by a release. This module only
parses, checks and arranges the document it is given; it reads no file, and never touches
Flask or the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from risk.canonical import sha256_hex

SEVERITIES = ("high", "medium", "low")

_CODE_PATTERN = r"{industry}-\d{{2,3}}"


@dataclass(frozen=True)
class LegalBasis:
    """One citation (法律依据); `provisional` marks an article we could not confirm."""

    citation: str
    provisional: bool = False


@dataclass(frozen=True)
class RiskPoint:
    """One supervision risk point of one industry, owned by one department."""

    code: str
    industry: str
    title: str
    content: str
    method: str
    legal_basis: tuple[LegalBasis, ...]
    severity: str
    key_item: bool
    department: str


class IndustryRoles(Protocol):
    """What the risk map needs of an industry: its lead and partner departments."""

    @property
    def code(self) -> str: ...

    @property
    def lead(self) -> str: ...

    @property
    def partners(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class IndustryDepartments:
    """A plain IndustryRoles, for callers that hold the registry's rows as dicts."""

    code: str
    lead: str
    partners: tuple[str, ...]


def parse_risk_points(document: Mapping[str, Any]) -> list[RiskPoint]:
    """Turn the catalogue's JSON document into RiskPoints, in file order."""
    points = []
    for block in document["industries"]:
        industry = block["industry"]
        for index, raw in enumerate(block["points"]):
            try:
                points.append(_point_from_dict(industry, raw))
            except (KeyError, TypeError) as exc:
                raise ValueError(
                    f"风险点目录 {industry} 第 {index + 1} 项格式错误: {exc!r}"
                ) from exc
    return points


def is_provisional_catalogue(document: Mapping[str, Any]) -> bool:
    """True when the catalogue says it is a reconstruction still to be confirmed."""
    return bool(document.get("provisional", False))


def validate_risk_points(
    points: Iterable[RiskPoint],
    industries: Iterable[IndustryRoles],
    departments: Iterable[str],
) -> list[str]:
    """Every problem found, as messages; an empty list means the catalogue is usable.

    Checks: known industry and department, owner is the industry's lead or a partner,
    unique code shaped like 'IC-01', known severity, non-empty texts and legal basis, and
    every industry having at least one point.
    """
    roles = {industry.code: industry for industry in industries}
    known = frozenset(departments)
    problems: list[str] = []
    seen: set[str] = set()
    covered: set[str] = set()
    for point in points:
        covered.add(point.industry)
        if point.code in seen:
            problems.append(f"{point.code}: 编号重复 (duplicate code)")
        seen.add(point.code)
        problems.extend(_point_problems(point, roles, known))
    problems.extend(
        f"{code}: 行业没有风险点 (industry has no risk point)"
        for code in roles
        if code not in covered
    )
    return problems


def risk_map(points: Iterable[RiskPoint], industry: IndustryRoles) -> dict[str, list[RiskPoint]]:
    """Which department checks what in one industry: the lead first, then partners.

    The lead is always present (it leads a joint check even with no item of its own);
    partners appear in the industry's order when they own points; an owner outside the
    industry's departments (an invalid catalogue) comes last rather than being hidden.
    """
    own = sorted((p for p in points if p.industry == industry.code), key=lambda p: p.code)
    grouped = _group(own)
    ordered: dict[str, list[RiskPoint]] = {industry.lead: grouped.pop(industry.lead, [])}
    for partner in industry.partners:
        if partner in grouped:
            ordered[partner] = grouped.pop(partner)
    for stray in sorted(grouped):
        ordered[stray] = grouped[stray]
    return ordered


def checklist_by_department(
    points: Iterable[RiskPoint], lead: str | None = None
) -> dict[str, list[RiskPoint]]:
    """A task's check items grouped by owning department, for the inspector's tablet.

    Departments keep the order of their first item and items keep the task's order, so
    the tablet shows what the planner chose; `lead`, when given, goes first.
    """
    grouped = _group(points)
    if lead is None or lead not in grouped:
        return grouped
    return {lead: grouped[lead], **{dept: items for dept, items in grouped.items() if dept != lead}}


def points_by_code(points: Iterable[RiskPoint]) -> dict[str, RiskPoint]:
    """Index by code: how a task refers to its chosen items."""
    return {point.code: point for point in points}


def content_hash(point: RiskPoint) -> str:
    """SHA-256 over the canonical JSON of every field: an edited point gets a new identity."""
    return sha256_hex(asdict(point))


def _point_from_dict(industry: str, raw: Mapping[str, Any]) -> RiskPoint:
    basis = tuple(
        LegalBasis(citation=item["citation"], provisional=bool(item.get("provisional", False)))
        for item in raw["legal_basis"]
    )
    return RiskPoint(
        code=raw["code"],
        industry=industry,
        title=raw["title"],
        content=raw["content"],
        method=raw["method"],
        legal_basis=basis,
        severity=raw["severity"],
        key_item=bool(raw["key_item"]),
        department=raw["department"],
    )


def _point_problems(
    point: RiskPoint, roles: Mapping[str, IndustryRoles], known: frozenset[str]
) -> list[str]:
    problems = []
    if not re.fullmatch(_CODE_PATTERN.format(industry=re.escape(point.industry)), point.code):
        problems.append(f"{point.code}: 编号应为 {point.industry}-NN (code must match industry)")
    if point.department not in known:
        problems.append(f"{point.code}: 未知部门 {point.department} (unknown department)")
    industry = roles.get(point.industry)
    if industry is None:
        problems.append(f"{point.code}: 未知行业 {point.industry} (unknown industry)")
    elif point.department != industry.lead and point.department not in industry.partners:
        problems.append(
            f"{point.code}: {point.department} 不是 {point.industry} 的牵头或协同部门 "
            "(owner is neither lead nor partner)"
        )
    if point.severity not in SEVERITIES:
        problems.append(f"{point.code}: 风险等级 {point.severity!r} 无效 (unknown severity)")
    for name in ("title", "content", "method"):
        if not getattr(point, name).strip():
            problems.append(f"{point.code}: {name} 为空 (empty)")
    if not point.legal_basis or any(not b.citation.strip() for b in point.legal_basis):
        problems.append(f"{point.code}: 缺少法律依据 (missing legal basis)")
    return problems


def _group(points: Iterable[RiskPoint]) -> dict[str, list[RiskPoint]]:
    grouped: dict[str, list[RiskPoint]] = {}
    for point in points:
        grouped.setdefault(point.department, []).append(point)
    return grouped
