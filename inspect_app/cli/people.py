"""People and roster at the console: `lianjian users …`, `lianjian inspectors …`,
`lianjian devices …` — the same services and policy as the API, the operator acting as an admin
(system_actor). Each change states the version just read, as the API's If-Match does. Every
record printed is one line of JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from inspect_app.actor import ROLES
from inspect_app.cli.admin import refuse_weak_password
from inspect_app.cli.base import Refusal, system_actor
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain import credit_code as codes
from inspect_app.services import auth, people, roster


def _echo(record: dict[str, Any]) -> None:
    click.echo(json.dumps(record, ensure_ascii=False, default=str))


def _active_option(what: str):
    return click.option(
        "--active/--inactive", default=None, help=f"Only active (or inactive) {what}."
    )


# -- users ---------------------------------------------------------------------------------------


@click.group("users")
def users_group() -> None:
    """Platform users (an admin's)."""


@users_group.command("list")
@click.option("--role", type=click.Choice([role.value for role in ROLES]))
@click.option("--department", help="Department code, e.g. CT")
@_active_option("accounts")
@click.option("--q", "text", help="username or name contains")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--page-size", default=50, show_default=True, type=click.IntRange(1, 1000))
def users_list(role, department, active, text, page, page_size) -> None:
    """Users by username, filtered like GET /api/v1/users."""
    args = {"role": role, "department": department, "active": active, "q": text}
    args = {k: v for k, v in args.items() if v is not None}
    with database.connection_context():
        listing = people.user_list(system_actor(), args)
        for user in listing.page(page, page_size):
            _echo(people.snapshot(user))


@users_group.command("create")
@click.argument("username")
@click.option("--name", required=True, help="姓名")
@click.option("--role", type=click.Choice([role.value for role in ROLES]), required=True)
@click.option("--department", help="Department code, e.g. CT")
@click.option("--password", help="12 characters or more, of two kinds (asked for when omitted)")
@click.option(
    "--temporary",
    is_flag=True,
    help="Make up a one-time password (printed once); the user sets their own at first use.",
)
def users_create(username, name, role, department, password, temporary) -> None:
    """Create a user bound to a department."""
    if password is None and not temporary:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
        refuse_weak_password(password, username, "--password")
    data = {"username": username, "name": name, "role": role, "department": department}
    if password is not None:
        data["password"] = password
    with database.connection_context():
        created = people.create_user(system_actor(), data, utcnow())
        record = people.snapshot(created.user)
    if created.temporary_password:
        record["temporary_password"] = created.temporary_password
    _echo(record)


def _user_change(username: str, change) -> None:
    actor = system_actor()
    with database.connection_context():
        user = people.user_by_name(actor, username)
        changed = change(actor, user)
        _echo(people.snapshot(getattr(changed, "user", changed)))
        if getattr(changed, "temporary_password", None):
            click.echo(
                f"临时密码（仅显示一次）/ temporary password (shown once): "
                f"{changed.temporary_password}"
            )


@users_group.command("deactivate")
@click.argument("username")
def users_deactivate(username) -> None:
    """Deactivate an account: its tokens are revoked at once."""
    _user_change(username, lambda a, u: people.set_active(a, u.id, False, u.version, utcnow()))


@users_group.command("activate")
@click.argument("username")
def users_activate(username) -> None:
    """Reactivate an account."""
    _user_change(username, lambda a, u: people.set_active(a, u.id, True, u.version, utcnow()))


@users_group.command("reset-password")
@click.argument("username")
def users_reset_password(username) -> None:
    """A one-time temporary password (printed once); the user must set a new one before any
    sign-in (POST /api/v1/auth/password). Their tokens are revoked."""
    _user_change(username, lambda a, u: people.reset_password(a, u.id, u.version, utcnow()))


@users_group.command("link")
@click.argument("username")
@click.argument("inspector_code")
def users_link(username, inspector_code) -> None:
    """Link an inspector's account to their inspector record (same department)."""
    _user_change(
        username,
        lambda a, u: people.link_inspector(a, u.id, inspector_code, u.version, utcnow()),
    )


@users_group.command("unlink")
@click.argument("username")
def users_unlink(username) -> None:
    """Unlink an account from its inspector record."""
    _user_change(username, lambda a, u: people.unlink_inspector(a, u.id, u.version, utcnow()))


# -- inspectors ----------------------------------------------------------------------------------


@click.group("inspectors")
def inspectors_group() -> None:
    """The inspector directory of each department (执法检查人员名录库)."""


def _inspector_record(inspector) -> dict[str, Any]:
    return {
        "code": inspector.code,
        "name": inspector.name,
        "department": inspector.department_code,
        "active": inspector.active,
        "qualifications": inspector.industries,
        "workload": inspector.workload,
        "user": inspector.username,
        "version": inspector.version,
    }


@inspectors_group.command("list")
@click.option("--department", help="Department code, e.g. CT")
@_active_option("inspectors")
@click.option("--industry", help="qualified for this industry, e.g. IC")
@click.option("--q", "text", help="code or name contains")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--page-size", default=50, show_default=True, type=click.IntRange(1, 1000))
def inspectors_list(department, active, industry, text, page, page_size) -> None:
    """Inspectors by code, filtered like GET /api/v1/inspectors."""
    args = {"department": department, "active": active, "industry": industry, "q": text}
    args = {k: v for k, v in args.items() if v is not None}
    with database.connection_context():
        for inspector in roster.inspector_list(system_actor(), args).page(page, page_size):
            _echo(_inspector_record(inspector))


@inspectors_group.command("create")
@click.argument("code")
@click.option("--name", required=True, help="姓名")
@click.option("--department", required=True, help="Department code, e.g. CT")
@click.option("--industry", "industries", multiple=True, help="qualified for (repeatable)")
def inspectors_create(code, name, department, industries) -> None:
    """Add an inspector to a department's directory."""
    data = {"code": code, "name": name, "department": department, "industries": list(industries)}
    with database.connection_context():
        _echo(_inspector_record(roster.create_inspector(system_actor(), data, utcnow())))


@inspectors_group.command("show")
@click.argument("code")
def inspectors_show(code) -> None:
    """One inspector with qualifications, workload and every recusal (live and withdrawn)."""
    with database.connection_context():
        inspector = roster.get_inspector(system_actor(), code)
        record = _inspector_record(inspector)
        record["recusals"] = [roster.recusal_snapshot(r) for r in inspector.recusal_rows]
    _echo(record)


def _inspector_change(code: str, change) -> None:
    with database.connection_context():
        _echo(_inspector_record(change(system_actor())))


@inspectors_group.command("deactivate")
@click.argument("code")
def inspectors_deactivate(code) -> None:
    """Take an inspector out of the draw's pool."""

    def change(actor):
        version = roster.get_inspector(actor, code).version
        return roster.set_active(actor, code, False, version, utcnow())

    _inspector_change(code, change)


@inspectors_group.command("activate")
@click.argument("code")
def inspectors_activate(code) -> None:
    """Put an inspector back into the draw's pool."""

    def change(actor):
        version = roster.get_inspector(actor, code).version
        return roster.set_active(actor, code, True, version, utcnow())

    _inspector_change(code, change)


@inspectors_group.command("qualify")
@click.argument("code")
@click.argument("industry")
def inspectors_qualify(code, industry) -> None:
    """Qualify an inspector for an industry."""
    _inspector_change(code, lambda actor: roster.qualify(actor, code, industry, utcnow()))


@inspectors_group.command("unqualify")
@click.argument("code")
@click.argument("industry")
def inspectors_unqualify(code, industry) -> None:
    """Withdraw an inspector's qualification for an industry."""
    _inspector_change(code, lambda actor: roster.unqualify(actor, code, industry, utcnow()))


def _day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refusal(
            f"日期格式应为 YYYY-MM-DD：{value}", f"A date is written YYYY-MM-DD: {value}"
        ) from None


@inspectors_group.command("recuse")
@click.argument("code")
@click.argument("credit_code")
@click.option("--reason", required=True, help="为何回避")
@click.option("--declared-on", callback=_day, help="YYYY-MM-DD (default: today)")
def inspectors_recuse(code, credit_code, reason, declared_on) -> None:
    """Declare an inspector's recusal (回避) for an entity, by its credit code."""
    credit_code = credit_code.strip().upper()
    if not codes.is_valid(credit_code):
        raise Refusal(f"统一社会信用代码无效：{credit_code}", f"Invalid credit code: {credit_code}")
    data = {"credit_code": credit_code, "reason": reason, "declared_on": declared_on}
    with database.connection_context():
        recusal = roster.declare_recusal(system_actor(), code, data, utcnow())
        _echo(roster.recusal_snapshot(recusal))


@inspectors_group.command("withdraw-recusal")
@click.argument("code")
@click.argument("recusal_id", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="为何撤回")
def inspectors_withdraw_recusal(code, recusal_id, reason) -> None:
    """Withdraw a recusal; it stays in the inspector's history."""
    with database.connection_context():
        recusal = roster.withdraw_recusal(system_actor(), code, recusal_id, reason, utcnow())
        _echo(roster.recusal_snapshot(recusal))


# -- devices -------------------------------------------------------------------------------------


@click.group("devices")
def devices_group() -> None:
    """Users' signed-in devices (tokens)."""


@devices_group.command("list")
@click.argument("username")
def devices_list(username) -> None:
    """A user's live tokens, oldest first."""
    actor = system_actor()
    with database.connection_context():
        user = people.user_by_name(actor, username)
        for token in people.user_devices(actor, user.id):
            _echo(
                {
                    "id": token.id,
                    "device": token.device,
                    "created_at": token.created_at.isoformat(),
                    "expires_at": token.expires_at.isoformat(),
                }
            )


@devices_group.command("revoke")
@click.argument("username")
@click.argument("token_id", type=click.IntRange(min=1), required=False)
@click.option("--all", "every", is_flag=True, help="every device of the user")
def devices_revoke(username, token_id, every) -> None:
    """Revoke one device of a user (by its id, see `devices list`) or --all of them."""
    if (token_id is not None) == every:
        raise Refusal(
            "请给出设备编号，或使用 --all（二者选一）", "Give a device id, or --all (one of them)"
        )
    actor = system_actor()
    with database.connection_context():
        user = people.user_by_name(actor, username)
        if every:
            revoked = people.revoke_all_devices(actor, user.id, utcnow())
        else:
            auth.revoke_device(actor, token_id, utcnow(), of_user=user.id)
            revoked = [token_id]
    _echo({"username": username, "revoked": revoked})


COMMANDS = (users_group, inspectors_group, devices_group)
