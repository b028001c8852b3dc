"""The inspector directory each department keeps (执法检查人员名录库, one of the 两库): inspectors,
their qualifications per industry, declared recusals (回避) and current workload. The draw reads
these tables (services/draws.py pool_for); seed files only load them.

Who: an admin for any department, a planner for their own department's inspectors only. An
inspector's row carries a `version`; activation states the version read (If-Match), and every
change bumps it. Qualifications and recusals are sets that only grow or are withdrawn one by one,
so adding one needs no version. Recusals are personal data: never in a public answer.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from peewee import fn

from inspect_app import audit
from inspect_app.access import Action, allows, ensure
from inspect_app.actor import Actor
from inspect_app.clock import SHANGHAI, local
from inspect_app.db import database
from inspect_app.domain.inspection import OPEN
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Entity,
    Industry,
    Inspection,
    InspectionMember,
    Inspector,
    InspectorQualification,
    Recusal,
    User,
)
from inspect_app.services.listing import Listing


def _field_error(field: str, zh: str, en: str) -> AppError:
    return AppError("VALIDATION_FAILED", errors={field: [{"zh": zh, "en": en}]})


def _no_such_inspector(code: str) -> AppError:
    return AppError("NOT_FOUND", zh=f"未找到执法检查人员 {code}", en=f"No inspector {code}")


def _load(inspectors: list[Inspector]) -> list[Inspector]:
    """Attach department code, account, qualifications and open workload: four queries a page."""
    ids = [i.id for i in inspectors]
    departments = dict(Department.select(Department.id, Department.code).tuples())
    users = dict(
        User.select(User.id, User.username)
        .where(User.id.in_([i.user_id for i in inspectors if i.user_id]))
        .tuples()
    )
    qualified: dict[int, list[str]] = defaultdict(list)
    for inspector_id, code in (
        InspectorQualification.select(InspectorQualification.inspector, Industry.code)
        .join(Industry)
        .where(InspectorQualification.inspector.in_(ids))
        .order_by(Industry.code)
        .tuples()
    ):
        qualified[inspector_id].append(code)
    workload = dict(
        InspectionMember.select(InspectionMember.inspector, fn.COUNT(InspectionMember.id))
        .join(Inspection)
        .where(InspectionMember.inspector.in_(ids) & Inspection.status.in_(list(OPEN)))
        .group_by(InspectionMember.inspector)
        .tuples()
    )
    for inspector in inspectors:
        inspector.department_code = departments.get(inspector.department_id)
        inspector.username = users.get(inspector.user_id)
        inspector.industries = qualified[inspector.id]
        inspector.workload = workload.get(inspector.id, 0)
    return inspectors


def _with_recusals(inspector: Inspector) -> Inspector:
    inspector.recusal_rows = list(
        Recusal.select(Recusal, Entity)
        .join(Entity)
        .where(Recusal.inspector == inspector.id)
        .order_by(Recusal.id)
    )
    return inspector


def inspector_list(actor: Actor, args: dict[str, Any]) -> Listing:
    """A department's directory (a planner's own by default; an admin's: every department's),
    filtered by active, industry (qualified for) and q (code or name contains)."""
    department = args.get("department")
    if department is None and not allows(actor, Action.KEEP_ROSTER, None):
        department = actor.department  # the whole directory is an admin's (None: every one)
    ensure(actor, Action.KEEP_ROSTER, department)
    query = Inspector.select().join(Department)
    if department:
        query = query.where(Department.code == department)
    if "active" in args:
        query = query.where(Inspector.active == args["active"])
    if "industry" in args:
        qualified = (
            InspectorQualification.select(InspectorQualification.inspector)
            .join(Industry)
            .where(Industry.code == args["industry"])
        )
        query = query.where(Inspector.id.in_(qualified))
    if "q" in args:
        query = query.where(Inspector.code.contains(args["q"]) | Inspector.name.contains(args["q"]))
    return Listing(query.order_by(Inspector.code), _load)


def _find(actor: Actor, code: str) -> Inspector:
    """The inspector (404 when none), if the actor keeps its department's directory (403)."""
    inspector = Inspector.get_or_none(Inspector.code == code)
    if inspector is None:
        raise _no_such_inspector(code)
    ensure(actor, Action.KEEP_ROSTER, Department.get_by_id(inspector.department_id).code)
    return inspector


def get_inspector(actor: Actor, code: str) -> Inspector:
    """One inspector with qualifications, workload and every recusal (live and withdrawn)."""
    return _with_recusals(_load([_find(actor, code)])[0])


def snapshot(inspector: Inspector) -> dict[str, Any]:
    (inspector,) = _load([Inspector.get_by_id(inspector.id)])
    return {
        "code": inspector.code,
        "name": inspector.name,
        "department": inspector.department_code,
        "active": inspector.active,
        "user": inspector.username,
        "qualifications": inspector.industries,
        "version": inspector.version,
    }


def create_inspector(actor: Actor, data: dict[str, Any], now: datetime) -> Inspector:
    """A new inspector in a department's directory, qualified for the industries given."""
    ensure(actor, Action.KEEP_ROSTER, data["department"])
    with database.atomic():
        department = Department.get_or_none(Department.code == data["department"])
        if department is None:
            raise _field_error("department", "未知的部门", "Unknown department.")
        if Inspector.select().where(Inspector.code == data["code"]).exists():
            raise AppError(
                "DUPLICATE",
                zh=f"执法检查人员编号 {data['code']} 已存在",
                en=f"The inspector code {data['code']} is already taken",
            )
        industries = [_industry(code, "industries") for code in data.get("industries", [])]
        inspector = Inspector.create(code=data["code"], name=data["name"], department=department)
        for industry in industries:
            InspectorQualification.create(inspector=inspector, industry=industry)
        audit.record(
            actor.label, "inspector.create", "inspector", inspector.code,
            after=snapshot(inspector), at=now,
        )  # fmt: skip
    return get_inspector(actor, inspector.code)


def _industry(code: str, field: str) -> Industry:
    industry = Industry.get_or_none(Industry.code == code)
    if industry is None:
        raise _field_error(field, f"未知的行业 {code}", f"Unknown industry {code}")
    return industry


def _bump(inspector: Inspector, expected_version: int | None = None, **values) -> None:
    """Change the row and its version; with `expected_version`, only if nobody changed it since."""
    where = Inspector.id == inspector.id
    if expected_version is not None:
        where &= Inspector.version == expected_version
    updated = Inspector.update(version=Inspector.version + 1, **values).where(where).execute()
    if not updated:
        raise AppError("STALE_VERSION")


def set_active(
    actor: Actor, code: str, active: bool, expected_version: int, now: datetime
) -> Inspector:
    """Take an inspector out of (or back into) the draw's pool; inactive, their account's tablet
    access ends too (an inspector's account acts only through an active record)."""
    with database.atomic():
        inspector = _find(actor, code)
        if inspector.active != active:
            before = snapshot(inspector)
            _bump(inspector, expected_version, active=active)
            audit.record(
                actor.label, "inspector.activate" if active else "inspector.deactivate",
                "inspector", code, before=before, after=snapshot(inspector), at=now,
            )  # fmt: skip
    return get_inspector(actor, code)


def qualify(actor: Actor, code: str, industry_code: str, now: datetime) -> Inspector:
    """Qualify the inspector for an industry (again: nothing changes)."""
    with database.atomic():
        inspector = _find(actor, code)
        industry = _industry(industry_code, "industry")
        held = InspectorQualification.select().where(
            (InspectorQualification.inspector == inspector.id)
            & (InspectorQualification.industry == industry.id)
        )
        if not held.exists():
            before = snapshot(inspector)
            InspectorQualification.create(inspector=inspector, industry=industry)
            _bump(inspector)
            audit.record(
                actor.label, "inspector.qualify", "inspector", code,
                before=before, after=snapshot(inspector), at=now,
            )  # fmt: skip
    return get_inspector(actor, code)


def unqualify(actor: Actor, code: str, industry_code: str, now: datetime) -> Inspector:
    """Withdraw a qualification (one not held: nothing changes)."""
    with database.atomic():
        inspector = _find(actor, code)
        industry = _industry(industry_code, "industry")
        before = snapshot(inspector)
        removed = (
            InspectorQualification.delete()
            .where(
                (InspectorQualification.inspector == inspector.id)
                & (InspectorQualification.industry == industry.id)
            )
            .execute()
        )
        if removed:
            _bump(inspector)
            audit.record(
                actor.label, "inspector.unqualify", "inspector", code,
                before=before, after=snapshot(inspector), at=now,
            )  # fmt: skip
    return get_inspector(actor, code)


def recusal_snapshot(recusal: Recusal) -> dict[str, Any]:
    return {
        "id": recusal.id,
        "credit_code": Entity.get_by_id(recusal.entity_id).credit_code,
        "reason": recusal.reason,
        "declared_on": local(recusal.declared_at).date().isoformat(),
        "withdrawn_at": recusal.withdrawn_at.isoformat() if recusal.withdrawn_at else None,
        "withdrawn_reason": recusal.withdrawn_reason,
    }


def declare_recusal(actor: Actor, code: str, data: dict[str, Any], now: datetime) -> Recusal:
    """A declared conflict with an entity (回避): from now on the draw never puts them on its team."""
    declared_on: date = data.get("declared_on") or local(now).date()
    with database.atomic():
        inspector = _find(actor, code)
        entity = Entity.get_or_none(Entity.credit_code == data["credit_code"])
        if entity is None:
            raise _field_error("credit_code", "未知的市场主体", "Unknown entity.")
        live = Recusal.select().where(
            (Recusal.inspector == inspector.id)
            & (Recusal.entity == entity.id)
            & Recusal.withdrawn_at.is_null()
        )
        if live.exists():
            raise AppError(
                "DUPLICATE",
                zh="该检查人员已对此市场主体申报回避",
                en="This inspector has already declared a recusal for this entity",
            )
        recusal = Recusal.create(
            inspector=inspector,
            entity=entity,
            reason=data["reason"],
            declared_at=datetime.combine(declared_on, time(), SHANGHAI),
        )
        _bump(inspector)
        audit.record(
            actor.label, "inspector.recuse", "inspector", code,
            after=recusal_snapshot(recusal), at=now,
        )  # fmt: skip
    return Recusal.get_by_id(recusal.id)


def withdraw_recusal(
    actor: Actor, code: str, recusal_id: int, reason: str, now: datetime
) -> Recusal:
    """End a recusal, keeping it (and why it ended) as history."""
    with database.atomic():
        inspector = _find(actor, code)
        recusal = Recusal.get_or_none(
            (Recusal.id == recusal_id) & (Recusal.inspector == inspector.id)
        )
        if recusal is None:
            raise AppError("NOT_FOUND", zh="未找到该回避申报", en="No such recusal")
        before = recusal_snapshot(recusal)
        withdrawn = (
            Recusal.update(withdrawn_at=now, withdrawn_reason=reason, withdrawn_by=actor.label)
            .where((Recusal.id == recusal.id) & Recusal.withdrawn_at.is_null())
            .execute()
        )
        if not withdrawn:
            raise AppError(
                "CONFLICT", zh="该回避申报已撤回", en="This recusal is already withdrawn"
            )
        _bump(inspector)
        recusal = Recusal.get_by_id(recusal.id)
        audit.record(
            actor.label, "inspector.withdraw_recusal", "inspector", code,
            before=before, after=recusal_snapshot(recusal), at=now,
        )  # fmt: skip
    return recusal
