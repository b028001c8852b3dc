"""Follow-up commands: `lianjian publish TASK` and `lianjian maps …` (self-contained HTML files)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

import maps
from inspect_app.cli.base import fail, system_actor
from inspect_app.clock import local, utcnow
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.services import disclosure, map_rows, tasks


@click.command("publish")
@click.argument("code")
def publish_command(code: str) -> None:
    """Publish a drawn task's results (一公开) and print the public record's address."""
    with database.connection_context():
        try:
            row = disclosure.publish(system_actor(), code, utcnow())
        except AppError as error:
            fail(error)
    click.echo(
        json.dumps(
            {
                "task": code,
                "due_on": row.due_on.isoformat(),
                "published_at": row.published_at.isoformat(),
                "json": f"/api/v1/public/tasks/{code}",
                "csv": f"/api/v1/public/tasks/{code}/results.csv",
            },
            ensure_ascii=False,
            indent=2,
        )
    )


@click.group("maps")
def maps_group() -> None:
    """Write map pages (self-contained HTML, open them in any browser)."""


def _tiles_option(function):
    return click.option(
        "--tiles",
        type=click.Choice(sorted(maps.PROVIDERS)),
        default=None,
        help="tile provider (default: MAP_TILES); GCJ-02 ones convert coordinates",
    )(function)


def _output_option(function):
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))(function)


def _write(kind: str, output: Path | None, name: str, tiles: str | None, **scope) -> None:
    with database.connection_context():
        try:
            m = map_rows.build(
                kind,
                tiles=tiles or current_app.config["MAP_TILES"],
                today=local(utcnow()).date(),
                **scope,
            )
        except AppError as error:
            fail(error)
    path = output or Path(current_app.config["LIANJIAN_HOME"]) / "maps" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    maps.write_html(m, path)
    click.echo(f"written {path} ({path.stat().st_size / 1024:.0f} KiB)")


@maps_group.command("entities")
@click.option("--industry", help="e.g. IC; default: every industry")
@_tiles_option
@_output_option
def maps_entities(industry: str | None, tiles: str | None, output: Path | None) -> None:
    """Entities by industry and risk grade."""
    _write("entities", output, f"entities-{industry or 'all'}.html", tiles, industry=industry)


@maps_group.command("draw")
@click.argument("code")
@_tiles_option
@_output_option
def maps_draw(code: str, tiles: str | None, output: Path | None) -> None:
    """A task's draw: frame, picks, teams."""
    _write("draw", output, f"draw-{code}.html", tiles, task=_task(code))


@maps_group.command("progress")
@click.argument("code")
@_tiles_option
@_output_option
def maps_progress(code: str, tiles: str | None, output: Path | None) -> None:
    """A task's progress: to do, checked, overdue."""
    _write("progress", output, f"progress-{code}.html", tiles, task=_task(code))


@maps_group.command("failures")
@_tiles_option
@_output_option
def maps_failures(tiles: str | None, output: Path | None) -> None:
    """Failures by street."""
    _write("failures", output, "failures-by-street.html", tiles)


def _task(code: str):
    with database.connection_context():
        try:
            return tasks.get_task(code)
        except AppError as error:
            fail(error)


COMMANDS = (publish_command, maps_group)
