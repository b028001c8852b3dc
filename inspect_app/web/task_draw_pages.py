"""The console's freeze, draw and draw record (SPEC §11, §14): the seed source announced at the
freeze (a pinned drand chain, or a public lottery session), its value given at the draw and
checked by the platform, the record with picks, teams, shortfalls and exclusions, and a
shortfall staffed by hand."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import redirect, render_template, request, url_for

from inspect_app.access import Action, allows
from inspect_app.api.fields import Text
from inspect_app.api.tasks import FreezeSchema, SeedSchema
from inspect_app.domain.task import TaskStatus
from inspect_app.errors import AppError
from inspect_app.services import beacons, draws, ledger, staffing, task_progress, tasks
from inspect_app.web import forms, session
from inspect_app.web.console import bp
from inspect_app.web.labels import PLANNERS
from inspect_app.web.task_forms import (
    EXCLUSION_LABELS,
    FIELD_ERRORS,
    field_errors,
    now,
    refusal,
)

BEACON_MAX_BYTES = 16_384


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
        draws.freeze_task(session.actor(), code, data["seed_source"], now())
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
        draws.run_draw(session.actor(), code, data, now())
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
        staffing.staff_by_hand(session.actor(), inspection_id, parsed["inspector"], now())
    except AppError as error:
        if error.status >= 500 or error.code in ("FORBIDDEN", "NOT_FOUND"):
            raise
        shown = refusal(error, "inspector")
        return record_view(code, {field: " ".join(shown.values())}, values, error.status)
    return redirect(url_for(".task_record", code=code), 303)
