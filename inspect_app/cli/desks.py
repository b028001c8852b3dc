"""`lianjian desks …`: licensing desks — create, list, scope, members (the operator acts as admin)."""

from __future__ import annotations

import json

import click

from inspect_app.cli.base import Refusal, fail, system_actor
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.services import desks


def _show(desk) -> None:
    click.echo(json.dumps(desks.describe(desk), ensure_ascii=False))


def _run(call):
    with database.connection_context():
        try:
            return call()
        except AppError as error:
            fail(error)


@click.group("desks")
def desks_group() -> None:
    """Licensing desks (审批窗口): which licences each handles, and who works there."""


@desks_group.command("create")
@click.argument("code")
@click.option("--name", required=True, help="名称, e.g. 区行政服务中心文旅审批窗口")
@click.option("--department", required=True, help="Department code, e.g. ASC")
@click.option("--kind", type=click.Choice(desks.KINDS), default=desks.LICENSING, show_default=True)
@click.option("--default", "is_default", is_flag=True, help="takes what no desk's scope matches")
@click.option("--head", help="username of the desk's head (escalations go to them)")
def desks_create(code, name, department, kind, is_default, head) -> None:
    """Create a desk."""
    data = {
        "code": code,
        "name": name,
        "department": department,
        "kind": kind,
        "is_default": is_default,
        "head": head,
    }
    _show(_run(lambda: desks.create_desk(system_actor(), data, utcnow())))


@desks_group.command("list")
def desks_list() -> None:
    """Every desk, one JSON line each."""
    with database.connection_context():
        for desk in desks.list_desks(system_actor()):
            _show(desk)


def _line(text: str) -> dict[str, str | None]:
    """INDUSTRY, INDUSTRY@STREET or @STREET."""
    industry, _, street = text.partition("@")
    if not industry and not street:
        raise Refusal(
            f"范围写法有误：{text}", f"Bad scope line {text!r}: INDUSTRY, @STREET or both"
        )
    return {"industry": industry or None, "street": street or None}


@desks_group.command("scope")
@click.argument("code")
@click.argument("lines", nargs=-1)
def desks_scope(code, lines) -> None:
    """Replace a desk's scope: each LINE is INDUSTRY, @STREET or INDUSTRY@STREET (e.g. IC, @BS01,
    FS@BS05); no line leaves it none."""
    scope = [_line(text) for text in lines]
    _show(_run(lambda: desks.set_scope(system_actor(), code, scope, utcnow())))


@desks_group.command("head")
@click.argument("code")
@click.argument("username", required=False)
def desks_head(code, username) -> None:
    """Name USERNAME the head of desk CODE (escalations go to them); without one, the admins."""
    _show(_run(lambda: desks.set_head(system_actor(), code, username, utcnow())))


@desks_group.group("member")
def member_group() -> None:
    """Who works at a desk."""


@member_group.command("add")
@click.argument("code")
@click.argument("username")
def member_add(code, username) -> None:
    """USERNAME joins desk CODE."""
    _show(_run(lambda: desks.add_member(system_actor(), code, username, utcnow())))


@member_group.command("remove")
@click.argument("code")
@click.argument("username")
def member_remove(code, username) -> None:
    """USERNAME leaves desk CODE."""
    _show(_run(lambda: desks.remove_member(system_actor(), code, username, utcnow())))


COMMANDS = (desks_group,)
