"""The licensing pages of the console (SPEC §11): everyone's inbox (notices addressed to me, my
desks, my group; deadlines and escalations), acknowledging a notice, acting on feedback (routed
to a permit's issuing department where the rules say, by the service), a licence's page (permits,
events, QR) and importing a file from the licensing side with a preview and its per-row report.

Views parse, call the same services the API calls, and render; policy stays in the services.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

import marshmallow as ma
import segno
from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from inspect_app.access import Action, allows
from inspect_app.api.fields import Day, Text
from inspect_app.clock import utcnow
from inspect_app.domain import licence_qr
from inspect_app.domain.lifecycle import EventKind, IllegalTransition
from inspect_app.errors import AppError
from inspect_app.services import (
    desks,
    feedback,
    importing,
    licence_codes,
    licences,
    notifications,
)
from inspect_app.web import forms, session
from inspect_app.web.console import STAFF, bp, menu_item
from inspect_app.web.labels import EVENT_LABELS, LICENCE_STATUS_LABELS

LICENSING_ROLES = ("licensing", "admin")
NOTICE_KINDS = {
    "LICENSING_FEEDBACK": _l("审批反馈"),
    "CREDIT_RECORD": _l("信用记录"),
    "REFERRAL": _l("案件移送"),
    "RECTIFICATION": _l("责令整改"),
    "ASSIGNED": _l("检查派发"),
    "REMINDER": _l("期限提醒"),
    "ESCALATED": _l("检查逾期"),
    "ESCALATION": _l("逾期升级"),
    "LICENCE_ROUTED": _l("转签发部门决定"),
    "DRAW_OVERDUE": _l("逾期未抽取"),
    "DISCLOSURE_LATE": _l("公示逾期"),
}
FEEDBACK_STATUS = {
    "DELIVERED": _l("待签收"),
    "ACKNOWLEDGED": _l("已签收"),
    "ESCALATED": _l("已升级"),
    "ACTED": _l("已处理"),
}
ACKNOWLEDGED = {"no": False, "yes": True}
MESSAGES = {
    "kind": _l("请从列表中选择通知类型。"),
    "desk": _l("请从列表中选择您所在的审批窗口。"),
    "acknowledged": _l("请选择“未确认”或“已确认”。"),
    "since": _l("请输入有效日期（年-月-日）。"),
    "until": _l("请输入有效日期（年-月-日），且不早于起始日期。"),
    "page": _l("页码须为正整数。"),
    "action": _l("请选择处理方式。"),
    "reason": _l("请填写理由（不超过 256 个字符）。"),
    "valid_until": _l("请输入有效日期（年-月-日）。"),
    "version": _l("页面已过期，请刷新后重试。"),
    "file": _l("请选择要导入的 CSV 或 JSON 文件。"),
}


class InboxQuery(forms.PageForm):
    kind = ma.fields.String(validate=ma.validate.OneOf(list(NOTICE_KINDS)))
    desk = Text(max_length=32)
    acknowledged = ma.fields.String(validate=ma.validate.OneOf(list(ACKNOWLEDGED)))
    since = Day()
    until = Day()
    page = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100_000), load_default=1)

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ma.ValidationError("until before since", "until")


class ActForm(forms.PageForm):
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(feedback.LICENSING_ACTIONS))
    reason = Text(max_length=256, required=True)
    version = ma.fields.Integer(required=True)


class EventForm(forms.PageForm):
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf([k.value for k in EventKind if k != "NEW"])
    )
    reason = Text(max_length=256, required=True)
    valid_until = Day()
    version = ma.fields.Integer(required=True)


menu_item(_l("收件箱"), "console.inbox", *STAFF, active=("console.notice",))
menu_item(_l("导入许可证"), "console.imports", *LICENSING_ROLES, active=("console.imports_post",))


# -- the inbox --


def _inbox_filters(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": values.get("kind"),
        "desk": values.get("desk"),
        "acknowledged": ACKNOWLEDGED.get(values.get("acknowledged")),
        "since": values.get("since"),
        "until": values.get("until"),
    }


@bp.get("/inbox")
@session.signed_in(*STAFF)
def inbox():
    values, errors = forms.parse(InboxQuery(), request.args, MESSAGES)
    my_desks = desks.desks_of(session.actor().user_id)
    if values.get("desk") and values["desk"] not in {desk.code for desk in my_desks}:
        errors["desk"] = MESSAGES["desk"]
        values.pop("desk")
    query = notifications.inbox(session.actor(), _inbox_filters(values))
    pager = forms.Pager(values["page"], forms.PAGE_SIZE, query.count())
    rows = list(query.paginate(pager.number, pager.size))
    return render_template(
        "console/inbox_list.html", values=values, errors=errors, rows=rows, pager=pager,
        kinds=NOTICE_KINDS, now=utcnow(), desks=my_desks,
    ), (422 if errors else 200)  # fmt: skip


@bp.get("/inbox/<int:notice_id>")
@session.signed_in(*STAFF)
def notice(notice_id: int):
    return _notice_page(notice_id, {}, {})


def _notice_page(notice_id: int, values: dict, errors: dict, status: int = 200):
    who = session.actor()
    row = notifications.get_notice(who, notice_id)
    followup = None
    if row.feedback_id is not None and who.role in LICENSING_ROLES and _about_licensing(row):
        followup = feedback.get_feedback(who, row.feedback_id)
    return render_template(
        "console/inbox_notice.html", row=row, followup=followup, values=values, errors=errors,
        escalations=notifications.escalations_of(row.id), kinds=NOTICE_KINDS, now=utcnow(),
        actions=feedback.rules()["licensing_actions"], statuses=FEEDBACK_STATUS,
    ), status  # fmt: skip


def _about_licensing(row) -> bool:
    """Feedback to licensing, or its escalation (which the desk's head or an admin may act on)."""
    kind = row.payload.get("original_kind") if row.kind == "ESCALATION" else row.kind
    return kind == "LICENSING_FEEDBACK"


@bp.post("/inbox/<int:notice_id>/acknowledge")
@session.signed_in(*STAFF)
def acknowledge(notice_id: int):
    row = notifications.acknowledge(session.actor(), notice_id, utcnow())
    if request.headers.get("HX-Request"):
        return render_template("console/inbox_row.html", row=row, kinds=NOTICE_KINDS, now=utcnow())
    return redirect(session.safe_next(request.form.get("back")) or url_for(".inbox"), 303)


@bp.post("/inbox/<int:notice_id>/act")
@session.signed_in(*LICENSING_ROLES)
def act(notice_id: int):
    who = session.actor()
    row = notifications.get_notice(who, notice_id)
    values, errors = forms.parse(ActForm(), request.form, MESSAGES)
    if not errors:
        if row.feedback_id is None:
            raise AppError("NOT_FOUND")
        try:
            feedback.act(
                who, row.feedback_id, values["action"], values["reason"], values["version"],
                utcnow(),
            )  # fmt: skip
        except AppError as error:
            field = "version" if error.code == "STALE_VERSION" else "action"
            errors = forms.errors_of(error, default_field=field)
    if errors:
        return _notice_page(notice_id, values, errors, 422)
    return redirect(url_for(".notice", notice_id=notice_id), 303)


# -- a licence's page --


def _qr_svg(number: str) -> str:
    """The printed licence's QR (the signed text the API's /qr answers) as inline SVG."""
    text = licence_codes.qr_text(licences.get_licence(number), Path(current_app.config["KEYS_DIR"]))
    symbol = segno.make(text, error=licence_qr.QR_ERROR_LEVEL, micro=False)
    return symbol.svg_inline(scale=3, title=number, omitsize=False)


def _event_kinds(licence) -> list[str]:
    """The events the policy lets the signed-in user post on this licence."""
    who = session.actor()
    return [
        kind.value
        for kind in EventKind
        if kind != EventKind.NEW
        and allows(who, Action.POST_LICENCE_EVENT, licences.event_request(licence, kind))
    ]


def _licence_page(number: str, values: dict, errors: dict, status: int = 200):
    licence = licences.licence_detail(number)
    return render_template(
        "console/licensing_licence.html", licence=licence, qr=_qr_svg(number),
        kinds=_event_kinds(licence), labels=EVENT_LABELS, values=values, errors=errors,
        statuses=LICENCE_STATUS_LABELS,
    ), status  # fmt: skip


@bp.get("/licences/<string:number>")
@session.signed_in(*STAFF)
def licence(number: str):
    return _licence_page(number, {}, {})


@bp.post("/licences/<string:number>/events")
@session.signed_in(*STAFF)
def licence_event(number: str):
    who = session.actor()
    values, errors = forms.parse(EventForm(), request.form, MESSAGES)
    if not errors:
        changes = {"valid_until": values["valid_until"]} if values.get("valid_until") else {}
        data = {"kind": values["kind"], "reason": values["reason"], "changes": changes}
        try:
            licences.licence_for_event(who, number, EventKind(values["kind"]))
            licences.record_event(who, number, data, values["version"], utcnow())
        except IllegalTransition as error:
            errors = {"kind": forms.in_page_language(error.message)}
        except AppError as error:
            field = {"STALE_VERSION": "version", "FORBIDDEN": "kind"}.get(error.code, "kind")
            errors = forms.errors_of(error, default_field=field)
            errors = {("valid_until" if k == "changes" else k): v for k, v in errors.items()}
    if errors:
        return _licence_page(number, values, errors, 422)
    return redirect(url_for(".licence", number=number), 303)


# -- importing a file from the licensing side --

FORMATS = {".csv": "text/csv", ".json": "application/json"}


def _uploaded() -> tuple[bytes, str, str] | None:
    """(content, mimetype, file name) of the uploaded file, or of the one the preview carried."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        mimetype = FORMATS.get(Path(upload.filename).suffix.lower())
        return (upload.read(), mimetype, upload.filename) if mimetype else None
    carried, mimetype = request.form.get("content", ""), request.form.get("mimetype", "")
    if carried and mimetype in FORMATS.values():
        try:
            return base64.b64decode(carried, validate=True), mimetype, request.form.get("name", "")
        except (binascii.Error, ValueError):
            return None
    return None


def preview_rows(content: bytes, mimetype: str) -> list[dict[str, Any]]:
    """Each row of the file as it reads, with what the import would refuse in it (nothing
    written: the schema alone, as the import applies it first)."""
    read = importing.read_file(content, importing.FORMATS[mimetype])
    schema = importing.ImportRowSchema()
    rows = []
    for line, raw in read.rows:
        data = raw if isinstance(raw, dict) else {"_": raw}
        try:
            schema.load(data)
            problems = []
        except ma.ValidationError as error:
            # the report's own wording of a bad row (the import's first step, nothing written)
            problems = [
                (e.field, forms.in_page_language(e.message))
                for e in importing._row_errors(line, error.messages, data)
            ]
        rows.append({"line": line, "raw": data, "problems": problems})
    return rows


@bp.get("/imports")
@session.signed_in(*LICENSING_ROLES)
def imports():
    return render_template("console/licensing_import.html", errors={}, rows=None, report=None)


@bp.post("/imports")
@session.signed_in(*LICENSING_ROLES)
def imports_post():
    uploaded = _uploaded()
    if uploaded is None:
        errors = {"file": str(MESSAGES["file"])}
        return render_template(
            "console/licensing_import.html", errors=errors, rows=None, report=None
        ), 422
    content, mimetype, name = uploaded
    committing = request.form.get("step") == "commit"
    try:
        if committing:
            report = importing.import_upload(session.actor(), content, mimetype, utcnow())
            return render_template(
                "console/licensing_import.html", errors={}, rows=None, report=report, name=name
            )
        rows = preview_rows(content, mimetype)
    except AppError as error:
        errors = {"file": forms.message(error)}
        return render_template(
            "console/licensing_import.html", errors=errors, rows=None, report=None
        ), 422
    return render_template(
        "console/licensing_import.html", errors={}, rows=rows, report=None, name=name,
        mimetype=mimetype, content=base64.b64encode(content).decode(),
        columns=list(importing.ImportRowSchema().fields),
    )  # fmt: skip
