"""The planner's task flow in the console (SPEC §11): the task list and page, the wizard (and
editing a draft), a partner's answer, freeze, draw, the draw record, progress, an inspection's
record with its photos, publish and void. Every page calls the services the API calls, with the
API's own schemas; a refusal is shown beside the field it concerns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import current_app, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l

from inspect_app.access import Action, PartnershipAnswer, allows
from inspect_app.api.fields import Text
from inspect_app.api.tasks import FreezeSchema, SeedSchema, TaskEditSchema, TaskPlanSchema, VoidArgs
from inspect_app.clock import local, utcnow
from inspect_app.domain.task import PartnerAnswer, TaskStatus
from inspect_app.errors import AppError
from inspect_app.services import (
    beacons,
    catalogue_reads,
    disclosure,
    draws,
    ledger,
    photos,
    risk_points,
    staffing,
    task_progress,
    tasks,
)
from inspect_app.services.grades import grading_config
from inspect_app.web import forms, session
from inspect_app.web.console import bp, menu_item

PLANNERS = ("planner", "admin")
GRADES = ("A", "B", "C", "D")
LICENCE_STATUSES = {"ACTIVE": _l("有效"), "SUSPENDED": _l("暂停")}
ANSWER_LABELS = {"ACCEPTED": _l("已同意"), "DECLINED": _l("已拒绝"), "AWAITED": _l("待答复")}
INSPECTION_STATUS_LABELS = {
    "ASSIGNED": _l("已分派"),
    "CHECKED_IN": _l("已签到"),
    "RECORDING": _l("检查中"),
    "OVERDUE": _l("已逾期"),
    "SUBMITTED": _l("已提交"),
}
OUTCOME_LABELS = {
    "OK": _l("未发现问题"),
    "FIXED": _l("发现问题已责令改正"),
    "CASE": _l("发现问题待后续处理"),
    "NOBIZ": _l("未发现开展本次抽查涉及的经营活动"),
    "NOADDR": _l("通过登记的住所（经营场所）无法联系"),
    "REFUSE": _l("不配合检查，情节严重"),
    "CLOSED": _l("已关闭停业或正在组织清算"),
}
EXCLUSION_LABELS = {
    "frequency_cap": _l("超过频次上限"),
    "not_qualified": _l("无该行业检查资格"),
    "workload_cap": _l("在办检查已达上限"),
    "recusal_applied": _l("回避"),
    "consecutive_inspection": _l("连续两次检查同一对象"),
    "shortfall": _l("人员不足"),
}
RESULT_LABELS = {"PASS": _l("符合"), "FAIL": _l("不符合"), "NA": _l("不适用")}
BEACON_MAX_BYTES = 16_384
# What the page says beside a field the schema refused, in the page's language.
FIELD_ERRORS = {
    "name": _l("请填写任务名称（不超过 128 个字）。"),
    "industry": _l("请选择行业。"),
    "lead": _l("请选择牵头部门。"),
    "partners": _l("协同部门无效。"),
    "risk_points": _l("请至少选择一项检查事项。"),
    "scope_streets": _l("街镇无效。"),
    "scope_statuses": _l("请至少选择一种许可证状态。"),
    "ratio": _l("须为 0 到 1 之间唯一写法的小数，如 0.05、0.4（不写 0.050、0.40、1.0）。"),
    "fixed_count": _l("固定数量须为 1 到 1000000 之间的整数。"),
    "team_size": _l("每组人数须为 2 到 10 之间的整数。"),
    "workload_cap": _l("工作量上限须为 1 到 1000 之间的整数。"),
    "frequency_cap": _l("频次上限须为 1 到 12 之间的整数。"),
    "period_start": _l("请填写日期（年-月-日）。"),
    "period_end": _l("请填写日期（年-月-日）。"),
    "deadline": _l("请填写日期（年-月-日）。"),
    "kind": _l("请选择随机源。"),
    "chain_hash": _l("请选择已固定的 drand 链。"),
    "round": _l("轮次须为正整数（留空则由平台选取）。"),
    "date": _l("请填写开奖日期（年-月-日）。"),
    "session_name": _l("请填写公开开奖的名称（不超过 200 个字）。"),
    "draws": _l("每行一次开奖：个数、最小号码、最大号码，如 5,1,35。"),
    "beacon": _l("请粘贴 drand 发布的该轮 JSON（含 round 与 signature）。"),
    "numbers": _l("每行一次开奖的号码，以逗号分隔，如 3,17,25,30,35。"),
    "reason": _l("请填写作废理由（6–500 个字）。"),
    "inspector": _l("请填写检查人员编号（不超过 16 个字符）。"),
}
# The form's names for the fields a service's refusal names.
SERVICE_FIELDS = {"scope": "scope_streets", "ratios": "ratio_A", "seed_source": "kind"}


def field_errors(messages: dict[str, Any], where: dict[str, str] | None = None) -> dict[str, str]:
    """marshmallow's messages as the page's messages beside the form's fields."""
    where = where or {}
    shown: dict[str, str] = {}
    for name, detail in messages.items():
        if name == "ratios" and isinstance(detail, dict):
            for grade in detail:
                shown[f"ratio_{grade}" if grade in GRADES else "ratio_A"] = str(
                    FIELD_ERRORS["ratio"]
                )
        elif name in ("scope", "seed_source") and isinstance(detail, dict):
            shown |= field_errors(detail, where)
        else:
            field = where.get(name, name if name != "scope" else "scope_streets")
            if name in ("streets", "statuses"):
                field = f"scope_{name}"
            shown[field] = str(FIELD_ERRORS.get(field, forms.INVALID))
    return shown


def refusal(error: AppError, default_field: str) -> dict[str, str]:
    """A service's refusal beside the fields it names, in the page's language (its message beside
    `default_field` when it names none, or names them without a message)."""
    shown: dict[str, str] = {}
    for name, detail in (error.errors or {}).items():
        text = forms.in_page_language(detail)
        if not isinstance(detail, list | dict) or (
            isinstance(detail, dict) and not {"zh", "en"} <= detail.keys()
        ):
            text = forms.message(error)
        shown[SERVICE_FIELDS.get(name, name)] = text
    return shown or {default_field: forms.message(error)}


def _now():
    return utcnow()


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
        task = tasks.create_task(session.actor(), data, _now())
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
        tasks.update_task(who, code, changes, version, _now())
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
    tasks.answer_partnership(session.actor(), code, department, PartnerAnswer(choice), _now())
    return redirect(url_for(".task_page", code=code), 303)


# -- freeze: the seed source to announce --

FREEZE_REFUSALS = {
    "SEED_ROUND_TOO_EARLY": "round",
    "SEED_SESSION_PAST": "date",
    "UNKNOWN_CHAIN": "chain_hash",
}


def seed_source_from_form(form) -> dict[str, Any]:
    """The freeze form as FreezeSchema's body: a pinned drand chain (the round picked by the
    platform unless given), or a public lottery session and its declared draws."""
    kind = form.get("kind", "")
    if kind == "drand":
        source: dict[str, Any] = {"kind": kind, "chain_hash": form.get("chain_hash", "")}
        round_text = form.get("round", "").strip()
        if round_text:
            source["round"] = int(round_text) if round_text.isdigit() else round_text
        return source
    if kind == "lottery":
        return {
            "kind": kind,
            "date": form.get("date", ""),
            "name": form.get("session_name", ""),
            "draws": _lottery_draws(form.get("draws", "")),
        }
    return {"kind": kind}


def _lottery_draws(text: str) -> list[Any]:
    draws_: list[Any] = []
    for line in text.splitlines():
        if line.strip():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                draws_.append({"count": int(parts[0]), "min": int(parts[1]), "max": int(parts[2])})
            else:
                draws_.append(line)  # refused by the schema, beside the field
    return draws_


def freeze_view(code, values, errors, status: int = 200):
    who = session.actor()
    task = tasks.visible_task(who, code)
    return render_template(
        "console/task_freeze.html",
        task=task,
        chains=list(beacons.pinned_chains().values()),
        values=values,
        errors=errors,
    ), status


@bp.get("/tasks/<code>/freeze")
@session.signed_in(*PLANNERS)
def task_freeze(code):
    task = tasks.task_for_lead(session.actor(), code)
    if task.status != TaskStatus.DRAFT:  # frozen already: its commitment is on the task page
        return redirect(url_for(".task_page", code=code), 303)
    return freeze_view(code, {"kind": "drand"}, {})


@bp.post("/tasks/<code>/freeze")
@session.signed_in(*PLANNERS)
def task_freeze_post(code):
    values = dict(request.form.items())
    try:
        data = FreezeSchema().load({"seed_source": seed_source_from_form(request.form)})
    except ma.ValidationError as error:
        where = {"name": "session_name"}
        return freeze_view(code, values, field_errors(error.messages, where), 422)
    try:
        draws.freeze_task(session.actor(), code, data["seed_source"], _now())
    except AppError as error:
        if error.status >= 500 or error.code in ("FORBIDDEN", "NOT_FOUND"):
            raise
        shown = refusal(error, FREEZE_REFUSALS.get(error.code, "kind"))
        if error.code in FREEZE_REFUSALS:  # the message says it all, beside its field
            shown = {FREEZE_REFUSALS[error.code]: forms.message(error)}
        return freeze_view(code, values, shown, error.status)
    return redirect(url_for(".task_page", code=code), 303)


# -- draw: the source's value, checked --


def draw_view(code, values, errors, status: int = 200):
    task = tasks.visible_task(session.actor(), code)
    row = task_progress.light_draw(task)
    if row is None:
        raise AppError("TASK_NOT_FROZEN")
    return render_template(
        "console/task_draw.html",
        task=task,
        draw=row,
        source=ledger.announced_source(row),
        seed_due=ledger.seed_due_at(ledger.announced_source(row), task),
        values=values,
        errors=errors,
    ), status


@bp.get("/tasks/<code>/draw")
@session.signed_in(*PLANNERS)
def task_draw(code):
    task = tasks.task_for_lead(session.actor(), code)
    if task.status == TaskStatus.DRAWN:
        return redirect(url_for(".task_record", code=code), 303)
    return draw_view(code, {}, {})


def _numbers(text: str) -> list[Any]:
    lines = []
    for line in text.splitlines():
        if line.strip():
            parts = [p.strip() for p in line.replace("，", ",").split(",") if p.strip()]
            lines.append([int(p) if p.isdigit() else p for p in parts])
    return lines


def _beacon_json(text: str) -> Any:
    """The pasted round; a key named twice is refused, not read as its last value."""
    return json.loads(text, object_pairs_hook=_no_repeats)


def _no_repeats(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice")
    return dict(pairs)


@bp.post("/tasks/<code>/draw")
@session.signed_in(*PLANNERS)
def task_draw_post(code):
    task = tasks.task_for_lead(session.actor(), code)
    row = task_progress.light_draw(task)
    if row is None:
        raise AppError("TASK_NOT_FROZEN")
    source = ledger.announced_source(row) or {}
    values = dict(request.form.items())
    field = "numbers" if source.get("kind") == "lottery" else "beacon"
    if field == "beacon":
        upload = request.files.get("beacon_file")
        text = request.form.get("beacon", "")
        if upload is not None and upload.filename:
            text = upload.read(BEACON_MAX_BYTES + 1).decode("utf-8", "replace")
        if len(text.encode()) > BEACON_MAX_BYTES:
            return draw_view(code, values, {field: str(FIELD_ERRORS[field])}, 422)
        values["beacon"] = text
        try:
            body = {"beacon": _beacon_json(text)}
        except ValueError:
            return draw_view(code, values, {field: str(FIELD_ERRORS[field])}, 422)
    else:
        body = {"numbers": _numbers(request.form.get("numbers", ""))}
    try:
        data = SeedSchema().load(body)
    except ma.ValidationError:
        return draw_view(code, values, {field: str(FIELD_ERRORS[field])}, 422)
    try:
        draws.run_draw(session.actor(), code, data, _now())
    except AppError as error:
        if error.status >= 500 or error.code in ("FORBIDDEN", "NOT_FOUND"):
            raise
        shown = refusal(error, field)
        return draw_view(code, values, {field: " ".join(shown.values())}, error.status)
    return redirect(url_for(".task_record", code=code), 303)


# -- the draw record --


class StaffForm(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # csrf_token

    inspector = Text(max_length=16, required=True)


def record_view(code, errors=None, values=None, status: int = 200):
    who = session.actor()
    task = tasks.visible_task(who, code)
    row = task_progress.light_draw(task)
    if row is None:
        raise AppError("TASK_NOT_FROZEN")
    result = row.result or {}
    codes = [a["entity_id"] for a in result.get("assignments", [])]
    codes += [x["entity_id"] for x in result.get("exclusions", []) if x.get("entity_id")]
    return render_template(
        "console/task_record.html",
        task=task,
        draw=row,
        result=result,
        names=task_progress.entity_names(sorted(set(codes))),
        inspections=task_progress.inspection_ids(task),
        by_hand=staffing.added_by_hand(task),
        exclusion_labels=EXCLUSION_LABELS,
        leads=allows(who, Action.LEAD_TASK, task),
        candidates=staffing.candidates(task) if row.result else [],
        source=ledger.announced_source(row),
        errors=errors or {},
        values=values or {},
    ), status


@bp.get("/tasks/<code>/record")
@session.signed_in(*PLANNERS)
def task_record(code):
    return record_view(code)


@bp.post("/inspections/<int:inspection_id>/staff")
@session.signed_in(*PLANNERS)
def inspection_staff(inspection_id):
    """Staff a shortfall by hand: the inspector named is checked as the draw checks its own."""
    code = task_progress.task_code_of(session.actor(), inspection_id)
    field = f"inspector-{inspection_id}"
    values = {field: request.form.get("inspector", "")}
    parsed, errors = forms.parse(StaffForm(), request.form)
    if errors:
        return record_view(code, {field: str(FIELD_ERRORS["inspector"])}, values, 422)
    try:
        staffing.staff_by_hand(session.actor(), inspection_id, parsed["inspector"], _now())
    except AppError as error:
        if error.status >= 500 or error.code in ("FORBIDDEN", "NOT_FOUND"):
            raise
        shown = refusal(error, "inspector")
        return record_view(code, {field: " ".join(shown.values())}, values, error.status)
    return redirect(url_for(".task_record", code=code), 303)


# -- progress and an inspection's record --


@bp.get("/tasks/<code>/progress")
@session.signed_in(*PLANNERS)
def task_progress_page(code):
    task, rows = task_progress.progress(session.actor(), code, local(_now()).date())
    return render_template(
        "console/task_progress.html",
        task=task,
        rows=rows,
        outcome_labels=OUTCOME_LABELS,
        overdue=sum(1 for r in rows if r.overdue),
        submitted=sum(1 for r in rows if r.inspection.status == "SUBMITTED"),
        status_labels=INSPECTION_STATUS_LABELS,
    )


@bp.get("/inspections/<int:inspection_id>")
@session.signed_in(*PLANNERS)
def inspection_page(inspection_id):
    task, detail = task_progress.inspection_record(session.actor(), inspection_id)
    return render_template(
        "console/task_inspection.html",
        task=task,
        detail=detail,
        status_labels=INSPECTION_STATUS_LABELS,
        outcome_labels=OUTCOME_LABELS,
        result_labels=RESULT_LABELS,
        overdue=task_progress.is_overdue(detail.inspection, local(_now()).date()),
    )


@bp.get("/inspections/<int:inspection_id>/photos/<sha256>")
@session.signed_in(*PLANNERS)
def inspection_photo(inspection_id, sha256):
    """A photo for whoever the API would show it to (services/photos.py), privately cached."""
    photo = photos.photo(
        session.actor(), inspection_id, sha256, Path(current_app.config["EVIDENCE_DIR"])
    )
    response = send_file(photo.path, mimetype=photo.content_type, conditional=False)
    response.set_etag(photo.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- publish and void --


@bp.post("/tasks/<code>/publish")
@session.signed_in(*PLANNERS)
def task_publish(code):
    try:
        disclosure.publish(session.actor(), code, _now())
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
        ledger.void_task(session.actor(), code, data["reason"], _now())
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
