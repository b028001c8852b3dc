"""Staffing a shortfall by hand (SPEC §3, §11): the draw reports a team it could not fill and never
fills it silently; the lead department's planner may then name an inspector, who must meet the
same conditions the draw applies (the task's departments, qualification for the industry, no
declared recusal for the entity, the workload cap). The member is recorded as added by hand: the
drawn teams stay in the draw record, so every member not among them is one added by a person,
and the audit log says who added whom, when.
"""

from __future__ import annotations

from datetime import datetime

from inspect_app import audit
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Draw,
    Entity,
    Inspection,
    InspectionMember,
    Inspector,
    InspectorQualification,
    Recusal,
    SpotCheckTask,
)
from inspect_app.services import inspections, notifications, task_progress, tasks


def _not_eligible(zh: str, en: str) -> AppError:
    return AppError(
        "INSPECTOR_NOT_ELIGIBLE", errors={"inspector": [{"zh": zh, "en": en}]}, zh=zh, en=en
    )


def drawn_teams(row: Draw) -> dict[str, set[str]]:
    """The inspector codes the draw put on each entity's team, by credit code."""
    return {
        assignment["entity_id"]: {code for codes in assignment["team"].values() for code in codes}
        for assignment in (row.result or {}).get("assignments", [])
    }


def added_by_hand(task: SpotCheckTask) -> dict[int, set[str]]:
    """For each drawn inspection of the task, the members not drawn: those staffed by hand."""
    row = task_progress.light_draw(task)  # not the frame and pool snapshots: megabytes
    if row is None or not row.result:
        return {}
    drawn = drawn_teams(row)
    teams: dict[int, tuple[str, set[str]]] = {}
    for inspection_id, entity_code, inspector in (
        InspectionMember.select(InspectionMember.inspection, Entity.credit_code, Inspector.code)
        .join(Inspection)
        .join(Entity)
        .switch(InspectionMember)
        .join(Inspector)
        .where((Inspection.task == task) & (Inspection.round == 0))
        .tuples()
    ):
        teams.setdefault(inspection_id, (entity_code, set()))[1].add(inspector)
    return {
        inspection_id: codes - drawn.get(entity_code, set())
        for inspection_id, (entity_code, codes) in teams.items()
    }


def candidates(task: SpotCheckTask) -> list[Inspector]:
    """Active inspectors of the task's departments qualified for its industry: whom a planner
    may name (each is checked again when named)."""
    departments = [task.lead.code, *tasks.accepting_partners(task)]
    return list(
        Inspector.select(Inspector, Department)
        .join(Department)
        .switch(Inspector)
        .join(InspectorQualification)
        .where(
            Inspector.active
            & Department.code.in_(departments)
            & (InspectorQualification.industry == task.industry)
        )
        .order_by(Inspector.code)
    )


def _eligible(task: SpotCheckTask, inspection: Inspection, code: str) -> Inspector:
    inspector = Inspector.get_or_none(Inspector.code == code)
    departments = {task.lead.code, *tasks.accepting_partners(task)}
    if inspector is None or not inspector.active or inspector.department.code not in departments:
        raise _not_eligible(
            f"{code} 不是本任务各部门在册的执法检查人员",
            f"{code} is not an active inspector of the task's departments",
        )
    if not (
        InspectorQualification.select()
        .where(
            (InspectorQualification.inspector == inspector)
            & (InspectorQualification.industry == task.industry)
        )
        .exists()
    ):
        raise _not_eligible(f"{code} 没有该行业的检查资格", f"{code} is not qualified here")
    if (
        Recusal.select()
        .where(
            (Recusal.inspector == inspector)
            & (Recusal.entity == inspection.entity_id)
            & Recusal.withdrawn_at.is_null()
        )
        .exists()
    ):
        raise _not_eligible(f"{code} 对该检查对象须回避", f"{code} is recused from this entity")
    members = InspectionMember.select().where(InspectionMember.inspection == inspection)
    if members.where(InspectionMember.inspector == inspector).exists():
        raise _not_eligible(f"{code} 已在该检查组内", f"{code} is already on the team")
    workload = (
        InspectionMember.select()
        .join(Inspection)
        .where(
            (InspectionMember.inspector == inspector)
            & Inspection.status.in_(inspection_lifecycle.OPEN)
        )
        .count()
    )
    if workload >= task.workload_cap:
        raise _not_eligible(
            f"{code} 在办检查已达上限 {task.workload_cap}",
            f"{code} already has {task.workload_cap} open inspections (the cap)",
        )
    return inspector


def staff_by_hand(actor: Actor, inspection_id: int, inspector_code: str, now: datetime):
    """Add an eligible inspector to a drawn team the draw left short (the lead's planner or an
    admin); audited as `inspection.staff_by_hand`, and the inspector told as any member is."""
    with database.atomic():
        inspection = Inspection.get_or_none(Inspection.id == inspection_id)
        if inspection is None:
            raise AppError("NOT_FOUND", zh="未找到该检查", en="No such inspection")
        task = tasks.task_for_lead(actor, SpotCheckTask.get_by_id(inspection.task_id).code)
        inspections.ensure_open(inspection)
        if not inspection.shortfall:
            raise AppError("NOT_A_SHORTFALL")
        inspector = _eligible(task, inspection, inspector_code)
        InspectionMember.create(
            inspection=inspection, inspector=inspector, department=inspector.department_id
        )
        inspection = inspections.bump_any(inspection, now)  # the tablets' copies are stale
        notifications.notify(
            f"ASSIGNED:{inspection.id}:{inspector.id}",
            "ASSIGNED",
            inspector=inspector.id,
            inspection=inspection.id,
            task=task.id,
            now=now,
            payload={
                "task": task.code,
                "entity": Entity.get_by_id(inspection.entity_id).credit_code,
                "due_on": task.deadline.isoformat(),
                "by_hand": True,
            },
        )
        audit.record(
            actor.label,
            "inspection.staff_by_hand",
            "inspection",
            str(inspection.id),
            after={
                "task": task.code,
                "inspector": inspector.code,
                "department": inspector.department.code,
                "by_hand": True,
            },
            at=now,
        )
    return inspection
