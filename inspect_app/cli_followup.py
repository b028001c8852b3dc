"""Follow-up commands: `lianjian publish TASK` and `lianjian maps …` (self-contained HTML files)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

import maps
from inspect_app.cli import system_actor
from inspect_app.clock import local, utcnow
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.services import disclosure, map_rows, tasks


def _fail(error: AppError) -> None:
    raise click.ClickException(f"{error.zh or error.kind.zh} / {error.en or error.kind.en}")


@click.command("publish")
@click.argument("code")
def publish_command(code: str) -> None:
    """Publish a drawn task's results (一公开) and print the public record's address."""
    with database.connection_context():
        try:
            row = disclosure.publish(system_actor(), code, utcnow())
        except AppError as error:
            _fail(error)
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


def _out(path: Path | None, name: str) -> Path:
    return path or Path(current_app.config["LIANJIAN_HOME"]) / "maps" / name


def _tiles_option(function):
    return click.option(
        "--tiles",
        type=click.Choice(sorted(maps.PROVIDERS)),
        default=None,
        help="tile provider (default: MAP_TILES); GCJ-02 ones convert coordinates",
    )(function)


def _output_option(function):
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))(function)


def _write(m, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    maps.write_html(m, path)
    click.echo(f"written {path} ({path.stat().st_size / 1024:.0f} KiB)")


@maps_group.command("entities")
@click.option("--industry", help="e.g. IC; default: every industry")
@_tiles_option
@_output_option
def maps_entities(industry: str | None, tiles: str | None, output: Path | None) -> None:
    """Entities by industry and risk grade."""
    with database.connection_context():
        rows = map_rows.entity_rows(industry)
    _write(
        maps.entities_map(
            rows, tiles=tiles or current_app.config["MAP_TILES"], labels=map_rows.labels()
        ),
        _out(output, f"entities-{industry or 'all'}.html"),
    )


@maps_group.command("draw")
@click.argument("code")
@_tiles_option
@_output_option
def maps_draw(code: str, tiles: str | None, output: Path | None) -> None:
    """A task's draw: frame, picks, teams."""
    with database.connection_context():
        try:
            rows = map_rows.draw_rows(tasks.get_task(code))
        except AppError as error:
            _fail(error)
    _write(
        maps.draw_map(
            rows, tiles=tiles or current_app.config["MAP_TILES"], labels=map_rows.labels()
        ),
        _out(output, f"draw-{code}.html"),
    )


@maps_group.command("progress")
@click.argument("code")
@_tiles_option
@_output_option
def maps_progress(code: str, tiles: str | None, output: Path | None) -> None:
    """A task's progress: to do, checked, overdue."""
    with database.connection_context():
        try:
            rows = map_rows.progress_rows(tasks.get_task(code), local(utcnow()).date())
        except AppError as error:
            _fail(error)
    _write(
        maps.progress_map(
            rows, tiles=tiles or current_app.config["MAP_TILES"], labels=map_rows.labels()
        ),
        _out(output, f"progress-{code}.html"),
    )


@maps_group.command("failures")
@_tiles_option
@_output_option
def maps_failures(tiles: str | None, output: Path | None) -> None:
    """Failures by street."""
    with database.connection_context():
        streets, counts, points = map_rows.failure_rows()
    _write(
        maps.failures_by_street(
            streets, counts, failing_points=points, tiles=tiles or current_app.config["MAP_TILES"]
        ),
        _out(output, "failures-by-street.html"),
    )


COMMANDS = (publish_command, maps_group)
