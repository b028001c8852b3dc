"""Platform commands: `lianjian init`, `serve`, `audit verify`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from inspect_app import audit, migrate, serving
from inspect_app.app import create_app
from inspect_app.auth import hash_password
from inspect_app.cli.base import system_actor
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain import passwords, signing_keys
from inspect_app.models import AuditHead, User
from inspect_app.services import audit_chain


def refuse_weak_password(password: str, username: str, param_hint: str) -> None:
    """The password policy at the console: each problem in both languages, nothing written."""
    problems = passwords.problems(password, username)
    if problems:
        lines = "; ".join(f"{p['zh']} / {p['en']}" for p in problems)
        raise click.BadParameter(f"密码不符合要求 / weak password: {lines}", param_hint=param_hint)


@click.command("init")
@click.option(
    "--admin-password",
    envvar="LIANJIAN_ADMIN_PASSWORD",
    help="Password for user 'admin' (else one is generated and printed once).",
)
def init_command(admin_password: str | None) -> None:
    """Create or upgrade the database schema, the signing keys and the admin user."""
    if admin_password is not None:
        refuse_weak_password(admin_password, "admin", "--admin-password")
    applied = migrate.migrate(database.obj)
    click.echo(f"schema: {', '.join(applied) if applied else 'up to date'}")
    keys = Path(current_app.config["KEYS_DIR"])
    if not (keys / signing_keys.PRIVATE_KEY_FILE).exists():
        signing_keys.generate_key_pair(keys)
        click.echo(f"signing keys: created in {keys}")
    else:
        click.echo(f"signing keys: kept ({keys})")
    if signing_keys.generate_audit_key_pair(keys):
        click.echo(f"audit key: created in {keys}")
    with database.connection_context():
        if not User.select().where(User.username == "admin").exists():
            password = admin_password or passwords.generate()
            with database.atomic():
                user = User.create(
                    username="admin",
                    name="平台管理员",
                    role="admin",
                    password_hash=hash_password(password),
                )
                audit.record(
                    system_actor().label,
                    "user.create",
                    "user",
                    user.username,
                    after={"role": "admin"},
                    at=utcnow(),
                )
            shown = "(as given)" if admin_password else password
            click.echo(f"admin user: created, password {shown}")
        _adopt_unsigned_head()


def _adopt_unsigned_head() -> None:
    """A chain written before heads were signed is signed once, if it holds as it stands."""
    head = AuditHead.get()
    if head.seq == 0 or head.signature:
        return
    report = audit.verify()
    if report.ok and audit.sign_head():
        click.echo(f"audit head: signed ({report.checked} entries as they stand)")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=serving.default_workers(),
    show_default="2 per core",
    type=click.IntRange(min=1),
    help="worker processes",
)
@click.option(
    "--threads", default=1, show_default=True, type=click.IntRange(min=1), help="per worker"
)
@click.option(
    "--connection-limit",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="open connections per worker (tablets keep theirs alive)",
)
def serve_command(host: str, port: int, workers: int, threads: int, connection_limit: int) -> None:
    """Serve the API (and its OpenAPI document at /api/openapi.json) with gunicorn."""
    click.echo(
        f"serving on http://{host}:{port} with {workers} workers "
        "(docs: /api/docs, OpenAPI: /api/openapi.json)"
    )
    serving.serve(create_app, serving.options(host, port, workers, threads, connection_limit))


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Walk the chain, check its signed head and every head published; exit 1 on a cut,
    wiped, edited or recomputed chain."""
    with database.connection_context():
        report = audit_chain.check_chain(utcnow())
    if report.ok:
        click.echo(f"审计链完整 audit log intact: {report.checked} entries, signed head holds")
        return
    where = f"entry {report.first_bad_seq}" if report.first_bad_seq else "its head"
    click.echo(
        f"审计链已被破坏 audit log BROKEN at {where}: {report.reason} "
        f"({report.checked} entries checked before it)",
        err=True,
    )
    sys.exit(1)


COMMANDS = (init_command, serve_command, audit_group)  # `users …`: cli/people.py
