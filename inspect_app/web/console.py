"""The console (管理端, SPEC §11): signed-in pages for planners, licensing staff and admins, on the
same services and policy as the API. This module holds what every signed-in page shares — sign
in, the first password, sign out, the home page — and the blueprint the areas add their pages to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from inspect_app import headers
from inspect_app.clock import utcnow
from inspect_app.errors import AppError
from inspect_app.services import auth, notifications, tasks
from inspect_app.web import forms, i18n, session


@dataclass(frozen=True)
class MenuItem:
    label: Any  # a lazy gettext string
    endpoint: str
    roles: tuple[str, ...]
    active: tuple[str, ...]  # the endpoints under this item (it shows as current on them)


# The console's menu: each area adds its entries (menu_item) when it is imported.
MENU: list[MenuItem] = []
ROLE_LABELS = {
    "planner": _l("计划人员"),
    "licensing": _l("许可审批人员"),
    "admin": _l("系统管理员"),
    "inspector": _l("检查人员"),
}

TASK_STATUS_LABELS = {
    "DRAFT": _l("草拟"),
    "FROZEN": _l("已冻结"),
    "DRAWN": _l("已抽取"),
    "VOIDED": _l("已作废"),
}


def menu_item(label, endpoint: str, *roles: str, active: tuple[str, ...] = ()) -> None:
    MENU.append(MenuItem(label, endpoint, roles, (endpoint, *active)))


def console_menu(who) -> list[dict[str, Any]]:
    return [
        {"label": item.label, "url": url_for(item.endpoint), "endpoints": item.active}
        for item in MENU
        if who.role in item.roles
    ]


bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Who the console is for (inspectors use the tablet app).
STAFF = ("planner", "licensing", "admin")


@bp.before_request
def _before():
    session.load_actor()
    if request.method in UNSAFE:
        session.csrf.protect()


@bp.after_request
def _after(response):
    response.headers.setdefault("Content-Security-Policy", headers.strict_page_policy())
    # Signed-in pages are nobody else's: no shared cache keeps them, the back button re-asks.
    response.headers.setdefault("Cache-Control", "no-store")
    # Over TLS, Flask-WTF also checks that a form came from this site by its Referer, which the
    # platform-wide no-referrer would withhold: here it goes to this site only, never elsewhere.
    response.headers["Referrer-Policy"] = "same-origin"
    return i18n.remember(response)


@bp.errorhandler(AppError)
def _app_error(error: AppError):
    return render_template("error.html", status=error.status, message=forms.message(error)), (
        error.status
    )


@bp.errorhandler(CSRFError)
def _csrf_error(_error: CSRFError):
    message = _("表单已过期或来源不明，请刷新页面后重试。")
    return render_template("error.html", status=400, message=message), 400


@bp.get("/sign-in")
def sign_in():
    if session.actor() is not None:
        return redirect(session.safe_next(request.args.get("next")) or url_for(".home"))
    return render_template("console/sign_in.html", values={}, errors={})


@bp.post("/sign-in")
def sign_in_post():
    values, errors = forms.parse(forms.SignInForm(), request.form)
    if errors:
        return render_template("console/sign_in.html", values=values, errors=errors), 422
    try:
        signed = auth.sign_in(
            values["username"], values["password"], session.device_name(), utcnow(),
            auth.lifetimes_from(current_app.config), address=request.remote_addr,
            limits=auth.limits_from(current_app.config),
        )  # fmt: skip
    except AppError as error:
        if error.code == "PASSWORD_CHANGE_REQUIRED":
            return redirect(url_for(".password", username=values["username"], first=1))
        shown = {"password": forms.message(error)}
        return render_template("console/sign_in.html", values=values, errors=shown), error.status
    session.start(signed.token)
    return redirect(session.safe_next(request.args.get("next")) or url_for(".home"))


@bp.post("/sign-out")
def sign_out():
    who = session.actor()
    if who is not None:
        auth.sign_out(who, g.token_id, utcnow())
    session.end()
    return redirect(url_for(".sign_in"))


@bp.get("/password")
def password():
    values = {"username": request.args.get("username", "")}
    first = request.args.get("first") == "1"
    return render_template("console/password.html", values=values, errors={}, first=first)


@bp.post("/password")
def password_post():
    values, errors = forms.parse(forms.PasswordForm(), request.form)
    if not errors and values["new_password"] != values["repeat"]:
        errors = {"repeat": _("两次输入的新密码不一致。")}
    if not errors:
        try:
            auth.change_password(
                values["username"], values["password"], values["new_password"], utcnow(),
                address=request.remote_addr, limits=auth.limits_from(current_app.config),
            )  # fmt: skip
        except AppError as error:
            errors = forms.errors_of(error, default_field="password")
    if errors:
        values.pop("password", None)
        return render_template(
            "console/password.html", values=values, errors=errors, first=False
        ), 422
    return redirect(url_for(".sign_in", changed=1))


@bp.get("/")
@session.signed_in(*STAFF)
def home():
    who = session.actor()
    listing = tasks.visible_tasks(who) if who.role in ("planner", "admin") else None
    recent = listing.page(1, 10) if listing is not None else []
    unread = notifications.inbox(who, {"acknowledged": False}).count()
    return render_template("console/home.html", tasks=recent, unread=unread)


def install_globals(app) -> None:
    """What every page's layout asks: who is signed in (None on public pages)."""
    app.jinja_env.globals.update(
        signed_in_actor=session.actor,
        console_menu=console_menu,
        role_labels=ROLE_LABELS,
        task_status_labels=TASK_STATUS_LABELS,
    )
