"""`lianjian`: the operator's console, the app's own click commands.

A plain click group (not Flask's, whose `--app`, `--env-file`, `--debug` and `run`/`shell`/
`routes` are not ours). Each command runs inside the app's context, as `app.cli` commands do,
so its jobs are relayed when it ends; every command but `init` and `demo` first checks that the
instance is initialised. An error reaches the operator as one line in Chinese and English,
never as a traceback (`--traceback` shows one for a bug report).
"""

from __future__ import annotations

import functools

import click
import peewee
from flask import current_app
from flask.cli import ScriptInfo

from inspect_app import config
from inspect_app.app import create_app
from inspect_app.cli import admin, demo, followup, instance, jobs, registry, supervision
from inspect_app.cli import beacon as beacon_cli
from inspect_app.cli.base import Refusal, refusal_for
from inspect_app.errors import AppError

# `init` makes the instance rather than needs one; `demo` makes an instance of its own.
WITHOUT_INSTANCE = {"init", "beacon"}  # beacon: files only, no database


def _in_app_context(command: click.Command, *, initialised: bool = True) -> click.Command:
    """Wrap a command (each command of a group) to run in the app's context."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _in_app_context(subcommand, initialised=initialised)
    elif command.callback is not None:
        command.callback = _with_app(command.callback, initialised)
    return command


def _with_app(callback, initialised: bool):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        if current_app:  # a test's runner, inside its app's context
            if initialised:
                instance.require_schema(current_app.config)
            return callback(*args, **kwargs)
        given = click.get_current_context().find_object(ScriptInfo)
        if given is not None:
            app = given.load_app()
        elif initialised:
            app = instance.initialised_app()
        else:
            app = create_app()
        with app.app_context():
            return callback(*args, **kwargs)

    return run


class Console(click.Group):
    """Our commands only; whatever goes wrong is said in one bilingual line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except AppError as error:
            raise refusal_for(error) from error
        except Exception as error:
            if ctx.params.get("traceback"):
                raise
            raise _said(error) from error


def _said(error: Exception) -> Refusal:
    if isinstance(error, peewee.OperationalError | peewee.InterfaceError):
        url = (current_app.config if current_app else config.from_environment())["DATABASE_URL"]
        return instance.unreachable(url, error)
    if isinstance(error, OSError):
        where = f" {error.filename}" if error.filename else ""
        return Refusal(
            f"文件或网络错误{where}：{error.strerror or error}",
            f"File or network error{where}: {error.strerror or error}",
        )
    return Refusal(
        f"意外错误 {type(error).__name__}：{error}（加 --traceback 可看详情）",
        f"Unexpected error {type(error).__name__}: {error} (add --traceback for details)",
    )


@click.group(
    "lianjian",
    cls=Console,
    help="一业一证 综合监管平台 (联检): registry, risk map, double-random draw, joint inspections.",
)
@click.option("--traceback", is_flag=True, help="Show the Python traceback of an unexpected error.")
def lianjian(traceback: bool) -> None:
    pass


for _command in (
    *admin.COMMANDS,
    *registry.COMMANDS,
    *supervision.COMMANDS,
    *jobs.COMMANDS,
    *followup.COMMANDS,
    *beacon_cli.COMMANDS,
):
    lianjian.add_command(
        _in_app_context(_command, initialised=_command.name not in WITHOUT_INSTANCE)
    )
lianjian.add_command(demo.demo_command)  # builds the app of its own fresh instance


def main() -> None:
    lianjian.main(prog_name="lianjian")
