"""What every console command shares: the operator as an actor, a refusal said in both languages."""

from __future__ import annotations

import getpass
import json
import sys
from typing import NoReturn

import click

from inspect_app.actor import Actor
from inspect_app.errors import AppError


def system_actor() -> Actor:
    """The operator at the console acts as an admin named after their OS account."""
    return Actor(user_id=0, username=f"cli:{getpass.getuser()}"[:32], role="admin", department=None)


def fail(error: AppError) -> NoReturn:
    """A service's refusal, said at the console in both languages (and its field errors)."""
    kind = error.kind
    details = json.dumps(error.errors, ensure_ascii=False) if error.errors else ""
    raise click.ClickException(f"{error.zh or kind.zh} / {error.en or kind.en} {details}".strip())


def progress_bar(label: str, total: int):
    """A click progress bar; the caller feeds it with .update(n)."""
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
