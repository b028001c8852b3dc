"""`lianjian`: the operator's console, the app's own click commands (flask-style).

The console group registers its commands itself and builds the app with `create_app`; the app
does not know its console. Every command runs inside the app's context, as `app.cli` commands
do, so its jobs are relayed when it ends.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from inspect_app.app import create_app
from inspect_app.cli import admin, demo, followup, jobs, registry, supervision


def _in_app_context(command: click.Command) -> click.Command:
    """Wrap a command (each command of a group) to run in the app's context."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _in_app_context(subcommand)
    elif command.callback is not None:
        command.callback = with_appcontext(command.callback)
    return command


lianjian = FlaskGroup(
    name="lianjian",
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="一业一证 综合监管平台 (联检): registry, risk map, double-random draw, joint inspections.",
)
for _command in (
    *admin.COMMANDS,
    demo.demo_command,
    *registry.COMMANDS,
    *supervision.COMMANDS,
    *jobs.COMMANDS,
    *followup.COMMANDS,
):
    lianjian.add_command(_in_app_context(_command))


def main() -> None:
    lianjian.main(prog_name="lianjian")
