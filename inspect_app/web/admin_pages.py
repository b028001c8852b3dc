"""The admin pages of the console (SPEC §9, §11): user accounts (a one-time password shown once),
the inspector directory (qualifications, recusals with their history, the linked account),
signed-in devices, licensing desks and the audit chain check.

Every page is an admin's; the services decide what each change may do (access.ensure) and the
views parse, call one service and render. A change of a shared record states the version the
page showed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import marshmallow as ma
from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from inspect_app.actor import ROLES
from inspect_app.api import desks as desks_api
from inspect_app.api import people as people_api
from inspect_app.api import roster as roster_api
from inspect_app.api.fields import Text
from inspect_app.clock import utcnow
from inspect_app.errors import AppError
from inspect_app.services import audit_chain, auth, catalogue_reads, desks, people, roster
from inspect_app.web import forms, session
from inspect_app.web.console import bp, menu_item
from inspect_app.web.forms import PageForm

ADMIN = "admin"
SECTIONS = (
    ("console.admin_users", _l("用户")),
    ("console.admin_inspectors", _l("执法检查人员")),
    ("console.admin_devices", _l("登录设备")),
    ("console.admin_desks", _l("审批窗口")),
    ("console.admin_audit", _l("审计链核验")),
)
MESSAGES = {
    "username": _l("用户名为 2–32 个字母、数字、汉字或 . _ -。"),
    "name": _l("请填写姓名（不超过 32 个字符）。"),
    "role": _l("请从列表中选择角色。"),
    "department": _l("请填写部门代码（不超过 8 个字符）。"),
    "inspector_code": _l("请填写检查人员编号。"),
    "code": _l("编号为 2–16 位大写字母、数字或连字符。"),
    "industries": _l("请填写行业代码，以逗号分隔。"),
    "industry": _l("请填写行业代码。"),
    "street": _l("请填写街镇代码。"),
    "credit_code": _l("请填写有效的 18 位统一社会信用代码。"),
    "reason": _l("请填写理由。"),
    "declared_on": _l("请输入有效日期（年-月-日）。"),
    "kind": _l("请从列表中选择窗口类型。"),
    "head": _l("请填写负责人的用户名。"),
    "page": _l("页码须为正整数。"),
    "q": _l("请输入不超过 32 个字符。"),
    "version": _l("页面已过期，请刷新后重试。"),
}

menu_item(
    _l("系统管理"), "console.admin_users", ADMIN,
    active=(*(endpoint for endpoint, _label in SECTIONS[1:]), "console.admin_user",
            "console.admin_inspector", "console.admin_desk"),
)  # fmt: skip


def refused(error: AppError, default_field: str) -> dict[str, str]:
    if error.code == "STALE_VERSION":
        return {"version": str(MESSAGES["version"])}
    return forms.errors_of(error, default_field=default_field)


class ListQuery(PageForm):
    q = Text(max_length=32)
    page = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100_000), load_default=1)


class UserForm(PageForm, people_api.UserCreateSchema):
    pass


class VersionForm(PageForm):
    version = ma.fields.Integer(required=True)


class LinkForm(VersionForm, people_api.LinkSchema):
    pass


class InspectorForm(PageForm, roster_api.InspectorCreateSchema):
    @ma.pre_load
    def _industries_list(self, data, **kwargs):
        """The form writes the industries as one text: "IC, FS"."""
        written = data.get("industries")
        if not isinstance(written, str):
            return data
        codes = [c.strip().upper() for c in written.replace("，", ",").split(",") if c.strip()]
        return {**data, "industries": codes}


class IndustryForm(PageForm):
    industry = Text(max_length=4, required=True)


class UsernameForm(PageForm):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))


class RecusalForm(PageForm, roster_api.RecusalCreateSchema):
    pass


class WithdrawForm(PageForm, roster_api.WithdrawSchema):
    pass


class DeskForm(PageForm, desks_api.DeskCreateSchema):
    pass


class HeadForm(PageForm):
    username = ma.fields.String(validate=ma.validate.Length(max=32))


class ScopeForm(PageForm):
    industry = ma.fields.String(validate=ma.validate.Length(max=4))
    street = ma.fields.String(validate=ma.validate.Length(max=8))


def _page(listing, number: int) -> tuple[forms.Pager, list]:
    pager = forms.Pager(number, forms.PAGE_SIZE, listing.count())
    if hasattr(listing, "page"):
        return pager, listing.page(pager.number, pager.size)
    return pager, list(listing.paginate(pager.number, pager.size))


def _render(template: str, status: int = 200, **context):
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render_template(f"console/{template}", sections=SECTIONS, **context), status


# -- users --


def _users_page(values: dict, errors: dict, status: int = 200):
    query, _ = forms.parse(ListQuery(), request.args, MESSAGES)
    filters = {"q": query["q"]} if query.get("q") else {}
    pager, rows = _page(people.user_list(session.actor(), filters), query["page"])
    return _render(
        "admin_users.html", status, rows=rows, pager=pager, query=query, values=values,
        errors=errors, roles=ROLES,
    )  # fmt: skip


@bp.get("/admin/users")
@session.signed_in(ADMIN)
def admin_users():
    return _users_page({}, {})


@bp.post("/admin/users")
@session.signed_in(ADMIN)
def admin_users_post():
    values, errors = forms.parse(UserForm(), request.form, MESSAGES)
    values.pop("password", None)
    if not errors:
        try:
            created = people.create_user(session.actor(), values, utcnow())
        except AppError as error:
            errors = refused(error, "username")
    if errors:
        return _users_page(values, errors, 422)
    return _render(
        "admin_password.html", 201, user=created.user, password=created.temporary_password
    )


@bp.get("/admin/users/<int:user_id>")
@session.signed_in(ADMIN)
def admin_user(user_id: int):
    return _user_page(user_id, {}, {})


def _user_page(user_id: int, values: dict, errors: dict, status: int = 200):
    who = session.actor()
    user = people.get_user(who, user_id)
    return _render(
        "admin_user.html", status, user=user, devices=list(people.user_devices(who, user_id)),
        values=values, errors=errors,
    )  # fmt: skip


@bp.post("/admin/users/<int:user_id>/password-reset")
@session.signed_in(ADMIN)
def admin_user_reset(user_id: int):
    values, errors = forms.parse(VersionForm(), request.form, MESSAGES)
    if not errors:
        try:
            reset = people.reset_password(session.actor(), user_id, values["version"], utcnow())
        except AppError as error:
            errors = refused(error, "version")
    if errors:
        return _user_page(user_id, values, errors, 422)
    return _render("admin_password.html", user=reset.user, password=reset.temporary_password)


@bp.post("/admin/users/<int:user_id>/active")
@session.signed_in(ADMIN)
def admin_user_active(user_id: int):
    values, errors = forms.parse(VersionForm(), request.form, MESSAGES)
    active = request.form.get("active") == "1"
    if not errors:
        try:
            people.set_active(session.actor(), user_id, active, values["version"], utcnow())
        except AppError as error:
            errors = refused(error, "version")
    if errors:
        return _user_page(user_id, values, errors, 422)
    return redirect(url_for(".admin_user", user_id=user_id), 303)


@bp.post("/admin/users/<int:user_id>/inspector")
@session.signed_in(ADMIN)
def admin_user_link(user_id: int):
    values, errors = forms.parse(LinkForm(), request.form, MESSAGES)
    if not errors:
        try:
            people.link_inspector(
                session.actor(), user_id, values["inspector_code"], values["version"], utcnow()
            )
        except AppError as error:
            errors = refused(error, "inspector_code")
    if errors:
        return _user_page(user_id, values, errors, 422)
    return redirect(url_for(".admin_user", user_id=user_id), 303)


# -- inspectors --


def _inspectors_page(values: dict, errors: dict, status: int = 200):
    query, _ = forms.parse(ListQuery(), request.args, MESSAGES)
    filters = {"q": query["q"]} if query.get("q") else {}
    pager, rows = _page(roster.inspector_list(session.actor(), filters), query["page"])
    return _render(
        "admin_inspectors.html", status, rows=rows, pager=pager, query=query, values=values,
        errors=errors, departments=catalogue_reads.departments(),
    )  # fmt: skip


@bp.get("/admin/inspectors")
@session.signed_in(ADMIN)
def admin_inspectors():
    return _inspectors_page({}, {})


@bp.post("/admin/inspectors")
@session.signed_in(ADMIN)
def admin_inspectors_post():
    values, errors = forms.parse(InspectorForm(), request.form, MESSAGES)
    if not errors:
        try:
            inspector = roster.create_inspector(session.actor(), values, utcnow())
        except AppError as error:
            errors = refused(error, "code")
    if errors:
        if isinstance(values.get("industries"), list):
            values["industries"] = ", ".join(values["industries"])
        return _inspectors_page(values, errors, 422)
    return redirect(url_for(".admin_inspector", code=inspector.code), 303)


@bp.get("/admin/inspectors/<string:code>")
@session.signed_in(ADMIN)
def admin_inspector(code: str):
    return _inspector_page(code, None, {}, {})


def _inspector_page(code: str, form: str | None, values: dict, errors: dict, status: int = 200):
    """`form`: which of the page's forms the values and errors belong to."""
    inspector = roster.get_inspector(session.actor(), code)
    return _render(
        "admin_inspector.html", status, inspector=inspector, form=form, values=values,
        errors=errors, industries=catalogue_reads.industries(),
    )  # fmt: skip


def _change(page, endpoint: str, code: str, form: str, schema: ma.Schema, change, default: str):
    """One of a record page's forms: parse it, `change(values)`, then back to the page at the
    form (`endpoint`'s anchor), or the page again (`page`) with the refusal beside the fields."""
    values, errors = forms.parse(schema, request.form, MESSAGES)
    if not errors:
        try:
            change(values)
        except AppError as error:
            errors = refused(error, default)
    if errors:
        return page(code, form, values, errors, 422)
    return redirect(url_for(endpoint, code=code, _anchor=form), 303)


def _inspector_change(code: str, form: str, schema: ma.Schema, change, default_field: str):
    return _change(_inspector_page, ".admin_inspector", code, form, schema, change, default_field)


@bp.post("/admin/inspectors/<string:code>/qualifications")
@session.signed_in(ADMIN)
def admin_inspector_qualify(code: str):
    def change(values):
        roster.qualify(session.actor(), code, values["industry"].upper(), utcnow())

    return _inspector_change(code, "qualify", IndustryForm(), change, "industry")


@bp.post("/admin/inspectors/<string:code>/qualifications/<string:industry>/withdraw")
@session.signed_in(ADMIN)
def admin_inspector_unqualify(code: str, industry: str):
    roster.unqualify(session.actor(), code, industry, utcnow())
    return redirect(url_for(".admin_inspector", code=code, _anchor="qualify"), 303)


@bp.post("/admin/inspectors/<string:code>/recusals")
@session.signed_in(ADMIN)
def admin_inspector_recuse(code: str):
    def change(values):
        roster.declare_recusal(session.actor(), code, values, utcnow())

    return _inspector_change(code, "recuse", RecusalForm(), change, "credit_code")


@bp.post("/admin/inspectors/<string:code>/recusals/<int:recusal_id>/withdraw")
@session.signed_in(ADMIN)
def admin_inspector_withdraw(code: str, recusal_id: int):
    def change(values):
        roster.withdraw_recusal(session.actor(), code, recusal_id, values["reason"], utcnow())

    return _inspector_change(code, f"withdraw-{recusal_id}", WithdrawForm(), change, "reason")


@bp.post("/admin/inspectors/<string:code>/account")
@session.signed_in(ADMIN)
def admin_inspector_link(code: str):
    """Link an account to this inspector (the account's version read just before)."""

    def change(values):
        who = session.actor()
        try:
            user = people.user_by_name(who, values["username"])
        except AppError as error:  # no such account: said beside the field, not as a 404 page
            message = error.payload()["message"]
            raise AppError("VALIDATION_FAILED", errors={"username": [message]}) from error
        people.link_inspector(who, user.id, code, user.version, utcnow())

    return _inspector_change(code, "link", UsernameForm(), change, "username")


# -- devices --


@bp.get("/admin/devices")
@session.signed_in(ADMIN)
def admin_devices():
    query, errors = forms.parse(ListQuery(), request.args, MESSAGES)
    pager, rows = _page(auth.signed_in_devices(session.actor()), query["page"])
    return _render("admin_devices.html", rows=rows, pager=pager, errors=errors)


@bp.post("/admin/devices/<int:token_id>/revoke")
@session.signed_in(ADMIN)
def admin_device_revoke(token_id: int):
    auth.revoke_device(session.actor(), token_id, utcnow())
    return redirect(url_for(".admin_devices"), 303)


# -- desks --


def _desks_page(values: dict, errors: dict, status: int = 200):
    query, _ = forms.parse(ListQuery(), request.args, MESSAGES)
    pager, rows = _page(desks.list_desks(session.actor()), query["page"])
    return _render(
        "admin_desks.html", status, rows=rows, pager=pager, values=values, errors=errors,
        kinds=desks.KINDS, describe=desks.describe,
    )  # fmt: skip


@bp.get("/admin/desks")
@session.signed_in(ADMIN)
def admin_desks():
    return _desks_page({}, {})


@bp.post("/admin/desks")
@session.signed_in(ADMIN)
def admin_desks_post():
    values, errors = forms.parse(DeskForm(), request.form, MESSAGES)
    if not errors:
        try:
            desk = desks.create_desk(session.actor(), values, utcnow())
        except AppError as error:
            errors = refused(error, "code")
    if errors:
        return _desks_page(values, errors, 422)
    return redirect(url_for(".admin_desk", code=desk.code), 303)


@bp.get("/admin/desks/<string:code>")
@session.signed_in(ADMIN)
def admin_desk(code: str):
    return _desk_page(code, None, {}, {})


def _desk_page(code: str, form: str | None, values: dict, errors: dict, status: int = 200):
    desk = desks.get_desk(session.actor(), code)
    return _render(
        "admin_desk.html", status, desk=desk, about=desks.describe(desk), form=form,
        values=values, errors=errors,
    )  # fmt: skip


def _desk_change(code: str, form: str, schema: ma.Schema, change, default_field: str):
    return _change(_desk_page, ".admin_desk", code, form, schema, change, default_field)


@bp.post("/admin/desks/<string:code>/scope")
@session.signed_in(ADMIN)
def admin_desk_scope(code: str):
    """Add a scope line (or, with `remove`, take one away): the whole scope is set anew."""

    def change(values):
        who = session.actor()
        lines = desks.describe(desks.get_desk(who, code))["scope"]
        line = {"industry": values.get("industry"), "street": values.get("street")}
        if request.form.get("remove"):
            lines = [kept for kept in lines if kept != line]
        elif line["industry"] or line["street"]:
            lines.append(line)
        else:
            raise AppError("VALIDATION_FAILED", errors={"industry": [MESSAGES["industry"]]})
        desks.set_scope(who, code, lines, utcnow())

    return _desk_change(code, "scope", ScopeForm(), change, "industry")


@bp.post("/admin/desks/<string:code>/head")
@session.signed_in(ADMIN)
def admin_desk_head(code: str):
    def change(values):
        desks.set_head(session.actor(), code, values.get("username"), utcnow())

    return _desk_change(code, "head", HeadForm(), change, "username")


@bp.post("/admin/desks/<string:code>/members")
@session.signed_in(ADMIN)
def admin_desk_member(code: str):
    def change(values):
        if request.form.get("remove"):
            desks.remove_member(session.actor(), code, values["username"], utcnow())
        else:
            desks.add_member(session.actor(), code, values["username"], utcnow())

    return _desk_change(code, "members", UsernameForm(), change, "username")


# -- the audit chain --


def report_fields(report: Any) -> list[tuple[str, Any]]:
    """Whatever the chain check reports, field by field (its shape is the audit module's)."""
    if dataclasses.is_dataclass(report):
        return [(f.name, getattr(report, f.name)) for f in dataclasses.fields(report)]
    return list(vars(report).items())


@bp.get("/admin/audit")
@session.signed_in(ADMIN)
def admin_audit():
    return _render("admin_audit.html", report=None)


@bp.post("/admin/audit")
@session.signed_in(ADMIN)
def admin_audit_post():
    report = audit_chain.check_chain(utcnow())
    return _render(
        "admin_audit.html", report=report, ok=getattr(report, "ok", None),
        fields=report_fields(report),
    )  # fmt: skip
