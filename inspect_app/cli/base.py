"""What every console command shares: the operator as an actor, a refusal said in both languages."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from inspect_app.actor import Actor
from inspect_app.errors import AppError


class Refusal(click.ClickException):
    """One line on stderr, Chinese and English, and exit 1 (or the code given): no traceback,
    no usage text."""

    def __init__(self, zh: str, en: str, exit_code: int = 1) -> None:
        super().__init__(f"{zh} / {en}")
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def refusal_for(error: AppError) -> Refusal:
    """A service's refusal as the console says it (with its field errors, if any)."""
    kind = error.kind
    details = json.dumps(error.errors, ensure_ascii=False) if error.errors else ""
    return Refusal(error.zh or kind.zh, f"{error.en or kind.en} {details}".strip())


def system_actor() -> Actor:
    """The operator at the console acts as an admin named after their OS account."""
    return Actor(user_id=0, username=f"cli:{getpass.getuser()}"[:32], role="admin", department=None)


def fail(error: AppError) -> NoReturn:
    """A service's refusal, said at the console in both languages (and its field errors)."""
    raise refusal_for(error)


def progress_bar(label: str, total: int):
    """A click progress bar; the caller feeds it with .update(n)."""
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)


class InputPath(click.Path):
    """An existing file (or folder) to read; a missing one is one bilingual line, not usage text."""

    def __init__(self, *, folder: bool = False) -> None:
        super().__init__(dir_okay=folder, file_okay=not folder, path_type=Path)
        self.folder = folder

    def convert(self, value, param, ctx):
        path = Path(value)
        kind_zh, kind_en = ("文件夹", "folder") if self.folder else ("文件", "file")
        if not (path.is_dir() if self.folder else path.is_file()):
            raise Refusal(f"找不到{kind_zh} {path}", f"No such {kind_en}: {path}")
        return super().convert(value, param, ctx)
