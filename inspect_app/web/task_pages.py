"""The planner's task flow in the console (SPEC §11), first part: the task list and page (with
the actions this actor has at this status), the wizard and editing a draft, a partner's answer,
publish and void. The freeze, draw and record are in task_draw_pages, progress and an
inspection's record in task_visit_pages. Every page calls the services the API calls, with the
API's own schemas; a refusal is shown beside the field it concerns."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from inspect_app.access import Action, PartnershipAnswer, allows
from inspect_app.api.tasks import TaskEditSchema, TaskPlanSchema, VoidArgs
from inspect_app.domain.task import PartnerAnswer, TaskStatus
from inspect_app.errors import AppError
from inspect_app.services import (
    catalogue_reads,
    disclosure,
    ledger,
    risk_points,
    task_progress,
    tasks,
)
from inspect_app.services.grades import grading_config
from inspect_app.web import forms, session
from inspect_app.web.console import bp, menu_item
from inspect_app.web.labels import PLANNERS
from inspect_app.web.task_forms import (
    ANSWER_LABELS,
    FIELD_ERRORS,
    GRADES,
    LICENCE_STATUSES,
    field_errors,
    now,
    refusal,
)

# -- the task list and page --


@bp.get("/tasks")
@session.signed_in(*PLANNERS)
def task_list():
    values, errors = forms.parse(forms.LedgerQuery(only=("page",)), request.args)
    listing = tasks.visible_tasks(session.actor())
    pager = forms.Pager(values["page"], forms.PAGE_SIZE, listing.count())
    rows = listing.page(pager.number, pager.size)
    return render_template(
        "console/task_list.html",
        tasks=rows,
        pager=pager,
        errors=errors,
        answer_labels=ANSWER_LABELS,
    )


def task_view(code: str, errors: dict[str, str] | None = None, values=None, status: int = 200):
    who = session.actor()
    task = tasks.visible_task(who, code)
    row = task_progress.light_draw(task) if task.status != TaskStatus.DRAFT else None
    context = {
        "sizes": task_progress.snapshot_sizes(task) if row is not None else (None, None),
        "task": task,
        "draw": row,
        "source": ledger.announced_source(row) if row is not None else None,
        "seed_due": ledger.seed_due_at(ledger.announced_source(row), task) if row else None,
        "leads": allows(who, Action.LEAD_TASK, task),
        "answers_for": [
            d
            for d in task.partners
            if allows(who, Action.ANSWER_PARTNERSHIP, PartnershipAnswer(task, d))
        ],
        "disclosure": disclosure.disclosure_as_it_stands(task)
        if task.status == TaskStatus.DRAWN
        else None,
        "errors": errors or {},
        "values": values or {},
        "answer_labels": ANSWER_LABELS,
        "licence_statuses": LICENCE_STATUSES,
    }
    return render_template("console/task_page.html", **context), status


@bp.get("/tasks/<code>")
@session.signed_in(*PLANNERS)
def task_page(code):
    return task_view(code)


# -- the wizard and editing a draft --


def plan_from_form(form) -> dict[str, Any]:
    """The form as the API's JSON body (TaskPlanSchema's shape); blank fields left out."""
    data: dict[str, Any] = {}
    for name in ("name", "industry", "lead", "period_start", "period_end", "deadline"):
        if form.get(name, "").strip():
            data[name] = form[name]
    for name in ("team_size", "workload_cap", "frequency_cap"):
        if form.get(name, "").strip():
            data[name] = form[name].strip()
    data["partners"] = form.getlist("partners")
    data["risk_points"] = form.getlist("risk_points")
    data["scope"] = {"streets": form.getlist("scope_streets")}
    data["scope"]["statuses"] = form.getlist("scope_statuses")
    data["key_items_exempt"] = form.get("key_items_exempt") == "1"
    if form.get("sampling") == "fixed":
        data["fixed_count"] = form.get("fixed_count", "").strip()
    else:
        ratios = {g: form.get(f"ratio_{g}", "").strip() for g in GRADES}
        if any(ratios.values()):
            data["ratios"] = {g: r for g, r in ratios.items() if r}
    return data


def form_values(form) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items()}
    for name in ("partners", "risk_points", "scope_streets", "scope_statuses"):
        values[name] = form.getlist(name)
    return values


def task_values(task) -> dict[str, Any]:
    """A draft's plan as the form's values."""
    ratios = task.ratios or {}
    return {
        "name": task.name,
        "industry": task.industry.code,
        "partners": list(task.partners),
        "risk_points": [p.code for p in task.point_rows],
        "scope_streets": task.scope.get("streets") or [],
        "scope_statuses": task.scope.get("statuses") or ["ACTIVE"],
        "sampling": "fixed" if task.fixed_count else "ratios",
        "fixed_count": task.fixed_count or "",
        **{f"ratio_{g}": ratios.get(g, "") for g in GRADES},
        "team_size": task.team_size,
        "workload_cap": task.workload_cap,
        "frequency_cap": task.frequency_cap,
        "key_items_exempt": "1" if task.key_items_exempt else "",
        "period_start": task.period_start.isoformat(),
        "period_end": task.period_end.isoformat(),
        "deadline": task.deadline.isoformat(),
        "version": task.version,
    }


def new_values(industry: str) -> dict[str, Any]:
    config = grading_config()
    ratios = {g: format(r.normalize(), "f") for g, r in config.sampling_ratios.items()}
    return {
        "industry": industry,
        "sampling": "ratios",
        **{f"ratio_{g}": ratios.get(g, "") for g in GRADES},
        "team_size": 2,
        "workload_cap": tasks.config_default("workload_cap"),
        "frequency_cap": config.frequency_cap,
        "scope_statuses": ["ACTIVE"],
        "partners": [],
        "risk_points": [],
        "scope_streets": [],
    }


def wizard(values, errors, task=None, status: int = 200):
    """The plan form for an industry: its departments, their check items, the district's
    streets; without an industry, the industry to choose first."""
    industry_code = values.get("industry") or ""
    plan = None
    if industry_code:
        try:
            plan = risk_points.industry_risk_map(industry_code)
        except AppError:
            errors = errors | {"industry": str(FIELD_ERRORS["industry"])}
    departments = {d.code: d for d in catalogue_reads.departments()}
    return render_template(
        "console/task_form.html",
        values=values,
        errors=errors,
        task=task,
        plan=plan,
        industries=catalogue_reads.industries(),
        departments=departments,
        streets=list(catalogue_reads.streets()),
        grades=GRADES,
        licence_statuses=LICENCE_STATUSES,
        is_admin=session.actor().role == "admin",
    ), status


@bp.get("/tasks/new")
@session.signed_in(*PLANNERS)
def task_new():
    industry = request.args.get("industry", "")
    return wizard(new_values(industry) if industry else {}, {})


@bp.post("/tasks/new")
@session.signed_in(*PLANNERS)
def task_create():
    values = form_values(request.form)
    try:
        data = TaskPlanSchema().load(plan_from_form(request.form))
    except ma.ValidationError as error:
        return wizard(values, field_errors(error.messages), status=422)
    try:
        task = tasks.create_task(session.actor(), data, now())
    except AppError as error:
        if error.status >= 500 or error.code == "FORBIDDEN":
            raise
        return wizard(values, refusal(error, "name"), status=error.status)
    return redirect(url_for(".task_page", code=task.code), 303)


@bp.get("/tasks/<code>/edit")
@session.signed_in(*PLANNERS)
def task_edit(code):
    task = tasks.task_for_lead(session.actor(), code)
    task = tasks.visible_task(session.actor(), task.code)
    return wizard(task_values(task), {}, task=task)


@bp.post("/tasks/<code>/edit")
@session.signed_in(*PLANNERS)
def task_update(code):
    who = session.actor()
    task = tasks.visible_task(who, tasks.task_for_lead(who, code).code)
    values = form_values(request.form) | {"industry": task.industry.code}
    body = plan_from_form(request.form)
    body.pop("industry", None)
    body.pop("lead", None)
    try:
        changes = TaskEditSchema(partial=True).load(body)
        version = int(request.form.get("version", ""))
    except ma.ValidationError as error:
        return wizard(values, field_errors(error.messages), task=task, status=422)
    except ValueError:
        return wizard(values, {"name": forms.message(AppError("STALE_VERSION"))}, task, 409)
    # the form says ratios or a fixed count: the other is cleared
    if "fixed_count" in changes:
        changes["ratios"] = None
    else:
        changes["fixed_count"] = None
    try:
        tasks.update_task(who, code, changes, version, now())
    except AppError as error:
        if error.status >= 500 or error.code == "FORBIDDEN":
            raise
        return wizard(values, refusal(error, "name"), task=task, status=error.status)
    return redirect(url_for(".task_page", code=code), 303)


# -- a partner's answer --


@bp.get("/tasks/<code>/partners/<department>")
@session.signed_in(*PLANNERS)
def task_answer(code, department):
    task = tasks.visible_task(session.actor(), code)
    return render_template(
        "console/task_answer.html",
        task=task,
        department=department,
        answer=task.partner_states.get(department),
        answer_labels=ANSWER_LABELS,
        errors={},
    )


@bp.post("/tasks/<code>/partners/<department>")
@session.signed_in(*PLANNERS)
def task_answer_post(code, department):
    choice = request.form.get("answer", "")
    if choice not in (PartnerAnswer.ACCEPTED.value, PartnerAnswer.DECLINED.value):
        task = tasks.visible_task(session.actor(), code)
        return render_template(
            "console/task_answer.html", task=task, department=department,
            answer=task.partner_states.get(department), answer_labels=ANSWER_LABELS,
            errors={"answer": str(forms.INVALID)},
        ), 422  # fmt: skip
    tasks.answer_partnership(session.actor(), code, department, PartnerAnswer(choice), now())
    return redirect(url_for(".task_page", code=code), 303)


# -- publish and void --


@bp.post("/tasks/<code>/publish")
@session.signed_in(*PLANNERS)
def task_publish(code):
    try:
        disclosure.publish(session.actor(), code, now())
    except AppError as error:
        if error.status >= 500 or error.code in ("FORBIDDEN", "NOT_FOUND"):
            raise
        return task_view(code, {"publish": forms.message(error)}, status=error.status)
    return redirect(url_for(".task_page", code=code), 303)


@bp.post("/tasks/<code>/void")
@session.signed_in(*PLANNERS)
def task_void(code):
    values = dict(request.form.items())
    try:
        data = VoidArgs().load({"reason": request.form.get("reason", "")})
    except ma.ValidationError:
        return task_view(code, {"reason": str(FIELD_ERRORS["reason"])}, values, 422)
    try:
        ledger.void_task(session.actor(), code, data["reason"], now())
    except AppError as error:
        if error.status >= 500 or error.code in ("FORBIDDEN", "NOT_FOUND"):
            raise
        return task_view(code, refusal(error, "reason"), values, error.status)
    return redirect(url_for(".task_page", code=code), 303)


TASK_PAGES = (
    "console.task_page", "console.task_new", "console.task_create", "console.task_edit",
    "console.task_update", "console.task_answer", "console.task_answer_post",
    "console.task_freeze", "console.task_freeze_post", "console.task_draw",
    "console.task_draw_post", "console.task_record", "console.task_progress_page",
    "console.inspection_page", "console.task_publish", "console.task_void",
    "console.inspection_staff",
)  # fmt: skip
menu_item(_l("抽查任务"), "console.task_list", *PLANNERS, active=TASK_PAGES)


# the other task pages, on the same blueprint
from inspect_app.web import task_draw_pages, task_visit_pages  # noqa: E402, F401
