"""Spot-check tasks (抽查任务): planned by a department while DRAFT, immutable once FROZEN."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import peewee

from inspect_app import audit, config
from inspect_app.access import Action, PartnershipAnswer, allows, ensure
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.domain import task as task_lifecycle
from inspect_app.domain.lifecycle import Status
from inspect_app.domain.task import PartnerAnswer, TaskStatus, TaskStep
from inspect_app.errors import AppError
from inspect_app.messages import pair
from inspect_app.models import (
    Department,
    Industry,
    RiskPoint,
    SpotCheckTask,
    Street,
    TaskPartnerAnswer,
    TaskRiskPoint,
)
from inspect_app.services.grades import grading_config
from inspect_app.services.listing import Listing

PLAN_FIELDS = (
    "name",
    "scope",
    "ratios",
    "fixed_count",
    "team_size",
    "workload_cap",
    "frequency_cap",
    "key_items_exempt",
    "period_start",
    "period_end",
    "deadline",
)


def _invalid(field_name: str, zh: str, en: str) -> AppError:
    return AppError("VALIDATION_FAILED", errors={field_name: [{"zh": zh, "en": en}]})


def get_task(code: str) -> SpotCheckTask:
    task = SpotCheckTask.get_or_none(SpotCheckTask.code == code)
    if task is None:
        raise AppError("NOT_FOUND", zh="未找到该抽查任务", en="No such spot-check task")
    return task


def get_public_task(code: str) -> SpotCheckTask:
    """A task the public may see: frozen or later (a draft is not public, as if absent)."""
    task = get_task(code)
    if task.status == TaskStatus.DRAFT:
        raise AppError("NOT_FOUND", zh="未找到该抽查任务", en="No such spot-check task")
    return task


def visible_tasks(actor: Actor) -> Listing:
    """Planners see the tasks their department leads or partners in; admins see all."""
    ensure(actor, Action.LIST_TASKS)
    query = (
        SpotCheckTask.select(SpotCheckTask, Industry, Department)
        .join(Industry)
        .switch(SpotCheckTask)
        .join(Department)
        .order_by(SpotCheckTask.id.desc())
    )
    if allows(actor, Action.READ_ALL_TASKS):
        return Listing(query, with_points)
    lead = Department.get_or_none(Department.code == actor.department)
    query = query.where((SpotCheckTask.lead == lead) | partnered_by(actor.department))
    return Listing(query, with_points)


def partnered_by(department: str | None):
    """Tasks naming `department` among their partners. The column is JSON text, so the pattern
    is the quoted code, given as it is (a field's `contains` would JSON-encode it, and match
    nothing)."""
    quoted = peewee.Value(f'%"{department}"%', converter=False)
    return peewee.Expression(SpotCheckTask.partners, peewee.OP.ILIKE, quoted)


def with_points(rows: list[SpotCheckTask]) -> list[SpotCheckTask]:
    """The tasks with their risk points (code order, owning department joined) in one query."""
    points: dict[int, list[RiskPoint]] = defaultdict(list)
    for link in (
        TaskRiskPoint.select(TaskRiskPoint, RiskPoint, Department)
        .join(RiskPoint)
        .join(Department)
        .where(TaskRiskPoint.task.in_([row.id for row in rows]))
        .order_by(RiskPoint.code)
    ):
        points[link.task_id].append(link.risk_point)
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for task_id, department, answer in (
        TaskPartnerAnswer.select(TaskPartnerAnswer.task, Department.code, TaskPartnerAnswer.answer)
        .join(Department)
        .where(TaskPartnerAnswer.task.in_([row.id for row in rows]))
        .tuples()
    ):
        answers[task_id][department] = answer
    for row in rows:
        # Plain values on the row, as peewee's prefetch leaves them: the schema never queries.
        row.point_rows = points[row.id]
        row.partner_states = {
            p: answers[row.id].get(p, PartnerAnswer.AWAITED.value) for p in row.partners
        }
    return rows


def visible_task(actor: Actor, code: str) -> SpotCheckTask:
    """A task the actor may see (others' answer 404, as if absent), with its risk points."""
    task = get_task(code)
    ensure_can_see(actor, task)
    return with_points([task])[0]


def ensure_can_see(actor: Actor, task: SpotCheckTask) -> None:
    ensure(actor, Action.READ_TASK, task)


def task_for_lead(actor: Actor, code: str) -> SpotCheckTask:
    """A task the actor may see and act on as its lead department's planner."""
    task = get_task(code)
    ensure(actor, Action.LEAD_TASK, task)
    return task


def task_snapshot(task: SpotCheckTask) -> dict[str, Any]:
    points = (
        RiskPoint.select(RiskPoint.code, RiskPoint.version)
        .join(TaskRiskPoint)
        .where(TaskRiskPoint.task == task)
        .order_by(RiskPoint.code)
        .tuples()
    )
    return {
        "code": task.code,
        "name": task.name,
        "industry": task.industry.code,
        "lead": task.lead.code,
        "partners": task.partners,
        "risk_points": [f"{c}@v{v}" for c, v in points],
        "scope": task.scope,
        "ratios": task.ratios,
        "fixed_count": task.fixed_count,
        "team_size": task.team_size,
        "workload_cap": task.workload_cap,
        "frequency_cap": task.frequency_cap,
        "key_items_exempt": task.key_items_exempt,
        "period_start": task.period_start.isoformat(),
        "period_end": task.period_end.isoformat(),
        "deadline": task.deadline.isoformat(),
        "status": task.status,
        "version": task.version,
    }


def create_task(actor: Actor, data: dict[str, Any], now: datetime) -> SpotCheckTask:
    """A DRAFT task led by the planner's own department."""
    lead_code = data.get("lead") or actor.department
    ensure(actor, Action.PLAN_TASK, lead_code)
    with database.atomic():
        industry = Industry.get_or_none(Industry.code == data["industry"])
        if industry is None:
            raise AppError("VALIDATION_FAILED", errors={"industry": [pair("Unknown industry.")]})
        lead, partners = _departments(industry, lead_code, data.get("partners", []))
        task = SpotCheckTask.create(
            code=_next_code(lead.code, data["period_start"].year),
            industry=industry,
            lead=lead,
            partners=partners,
            created_by=actor.label,
            created_at=now,
            updated_at=now,
            **_plan_values(data),
        )
        _set_points(task, data["risk_points"])
        audit.record(
            actor.label, "task.create", "task", task.code, after=task_snapshot(task), at=now
        )
    return with_points([task])[0]


def update_task(
    actor: Actor, code: str, changes: dict[str, Any], expected_version: int, now: datetime
) -> SpotCheckTask:
    """Change a DRAFT task (If-Match guarded); a frozen one is immutable."""
    with database.atomic():
        task = task_for_lead(actor, code)
        try:
            draft = task_lifecycle.next_status(task.status, TaskStep.EDIT)
        except task_lifecycle.TaskStepRefused as error:
            raise AppError(error.code) from error
        before = task_snapshot(task)
        merged = {f: getattr(task, f) for f in PLAN_FIELDS} | {
            k: v for k, v in changes.items() if k in PLAN_FIELDS
        }
        values = _plan_values(merged)
        if "partners" in changes:
            _, values["partners"] = _departments(task.industry, task.lead.code, changes["partners"])
        values.update(version=SpotCheckTask.version + 1, updated_at=now)
        updated = (
            SpotCheckTask.update(**values)
            .where(
                (SpotCheckTask.id == task.id)
                & (SpotCheckTask.version == expected_version)
                & (SpotCheckTask.status == draft)
            )
            .execute()
        )
        if not updated:
            raise AppError("STALE_VERSION")
        task = SpotCheckTask.get_by_id(task.id)
        if "risk_points" in changes:
            _set_points(task, changes["risk_points"])
        # a partner agreed to the plan as it stood: a changed plan asks again
        TaskPartnerAnswer.delete().where(TaskPartnerAnswer.task == task).execute()
        audit.record(
            actor.label,
            "task.update",
            "task",
            code,
            before=before,
            after=task_snapshot(task),
            at=now,
        )
    return with_points([task])[0]


def _departments(
    industry: Industry, lead_code: str, partner_codes: list[str]
) -> tuple[Department, list[str]]:
    allowed = {industry.lead.code, *(link.department.code for link in industry.partner_links)}
    if lead_code not in allowed:
        raise _invalid(
            "lead",
            "牵头部门须为该行业的牵头或协同部门",
            "The lead must be a lead or partner department of the industry",
        )
    strangers = sorted(set(partner_codes) - allowed)
    if strangers:
        raise _invalid(
            "partners",
            f"以下部门不是该行业的监管部门：{'、'.join(strangers)}",
            f"Not departments of this industry: {', '.join(strangers)}",
        )
    return Department.get(Department.code == lead_code), sorted(set(partner_codes) - {lead_code})


def _plan_values(data: dict[str, Any]) -> dict[str, Any]:
    config = grading_config()
    ratios = data.get("ratios")
    fixed = data.get("fixed_count")
    if ratios is None and fixed is None:
        # the configured defaults in their one canonical spelling ("0.40" -> "0.4"), which the
        # draw's commitment requires (docs/draw-algorithm.md §2.3)
        ratios = {grade: format(r.normalize(), "f") for grade, r in config.sampling_ratios.items()}
    if ratios is not None and fixed is not None:
        raise _invalid(
            "fixed_count", "抽取比例与固定数量只能二选一", "Give ratios or a fixed count, not both"
        )
    if data["period_end"] < data["period_start"] or data["deadline"] < data["period_start"]:
        raise _invalid(
            "period_end", "检查期限须晚于开始日期", "The period must end after it starts"
        )
    scope = dict(data.get("scope") or {})
    scope.setdefault("statuses", [Status.ACTIVE.value])  # live licences only, by default
    scope = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in scope.items()}
    unknown = sorted(set(scope.get("streets") or []) - {s.code for s in Street.select(Street.code)})
    if unknown:
        raise _invalid(
            "scope", f"未知的街镇：{'、'.join(unknown)}", f"Unknown streets: {', '.join(unknown)}"
        )
    return {
        "name": data["name"],
        "scope": scope,
        "ratios": ratios,
        "fixed_count": fixed,
        "team_size": data.get("team_size") or 2,
        "workload_cap": data.get("workload_cap") or config_default("workload_cap"),
        "frequency_cap": data.get("frequency_cap") or config.frequency_cap,
        "key_items_exempt": bool(data.get("key_items_exempt", False)),
        "period_start": data["period_start"],
        "period_end": data["period_end"],
        "deadline": data["deadline"],
    }


def config_default(name: str) -> int:
    return config.task_defaults()[name]


def _set_points(task: SpotCheckTask, codes: list[str]) -> None:
    """The task checks these points at their current versions; each must belong to the industry and
    be owned by the lead or a partner."""
    rows = list(
        RiskPoint.select().where(
            RiskPoint.code.in_(codes) & RiskPoint.current & (RiskPoint.industry == task.industry)
        )
    )
    found = {r.code for r in rows}
    missing = [c for c in codes if c not in found]
    if missing or not codes:
        raise _invalid(
            "risk_points",
            f"该行业没有这些风险点：{'、'.join(missing) or '（空）'}",
            f"Not risk points of this industry: {', '.join(missing) or '(none)'}",
        )
    departments = {task.lead.code, *task.partners}
    foreign = sorted({r.code for r in rows if r.department.code not in departments})
    if foreign:
        raise _invalid(
            "risk_points",
            f"这些风险点的责任部门不在任务中：{'、'.join(foreign)}",
            f"These points belong to departments not in the task: {', '.join(foreign)}",
        )
    TaskRiskPoint.delete().where(TaskRiskPoint.task == task).execute()
    for row in rows:
        TaskRiskPoint.create(task=task, risk_point=row)


def _next_code(lead: str, year: int) -> str:
    prefix = f"{lead}-{year}-"
    taken = SpotCheckTask.select().where(SpotCheckTask.code.startswith(prefix)).count()
    return f"{prefix}{taken + 1:04d}"


def task_departments_with_items(task: SpotCheckTask) -> list[str]:
    """Partners whose items are in the task: each sends one member to every team."""
    owners = {
        r.department.code
        for r in RiskPoint.select().join(TaskRiskPoint).where(TaskRiskPoint.task == task)
    }
    return sorted(p for p in task.partners if p in owners)


def partner_answers(task: SpotCheckTask) -> dict[str, str]:
    """Each partner's answer to the task: ACCEPTED, DECLINED or AWAITED."""
    given = dict(
        TaskPartnerAnswer.select(Department.code, TaskPartnerAnswer.answer)
        .join(Department)
        .where(TaskPartnerAnswer.task == task)
        .tuples()
    )
    return {p: given.get(p, PartnerAnswer.AWAITED.value) for p in task.partners}


def accepting_partners(task: SpotCheckTask) -> list[str]:
    """The partners that agreed to take part: only their inspectors may be drawn."""
    return sorted(p for p, a in partner_answers(task).items() if a == PartnerAnswer.ACCEPTED)


def ensure_partners_agreed(task: SpotCheckTask) -> None:
    """A joint task is frozen only once every partner has accepted (409 naming those awaited)."""
    awaited = sorted(p for p, a in partner_answers(task).items() if a != PartnerAnswer.ACCEPTED)
    if awaited:
        raise AppError(
            "PARTNERS_AWAITED",
            zh=f"以下协同部门尚未同意参加：{'、'.join(awaited)}（未答复或已拒绝），不能冻结",
            en=f"These partner departments have not accepted (no answer or declined): "
            f"{', '.join(awaited)}; the task cannot be frozen",
        )


def answer_partnership(
    actor: Actor, code: str, department: str, answer: PartnerAnswer, now: datetime
) -> SpotCheckTask:
    """A partner department accepts or declines a DRAFT joint task (one answer per department,
    changeable until the freeze); audited."""
    with database.atomic():
        task = get_task(code)
        ensure(actor, Action.ANSWER_PARTNERSHIP, PartnershipAnswer(task, department))
        try:
            task_lifecycle.next_status(task.status, TaskStep.EDIT)
        except task_lifecycle.TaskStepRefused as error:
            raise AppError(error.code) from error
        before = partner_answers(task).get(department)
        dept = Department.get(Department.code == department)
        values = {"answer": answer.value, "answered_by": actor.label, "answered_at": now}
        (
            TaskPartnerAnswer.insert(task=task, department=dept, **values)
            .on_conflict(
                conflict_target=[TaskPartnerAnswer.task, TaskPartnerAnswer.department],
                update=values,
            )
            .execute()
        )
        audit.record(
            actor.label,
            f"task.partner.{answer.value.lower()}",
            "task",
            code,
            before={"department": department, "answer": before},
            after={"department": department, "answer": answer.value},
            at=now,
        )
    return with_points([task])[0]
