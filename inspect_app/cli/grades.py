"""Grade commands: `lianjian grades refresh [--stale|--all]` (风险分级批量更新)."""

from __future__ import annotations

import click

from inspect_app.cli.base import progress_bar, system_actor
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.services import grades


@click.group("grades")
def grades_group() -> None:
    """Risk grades of the whole directory (风险分级)."""


@grades_group.command("refresh")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Recompute and rewrite every grade (default: --stale, only what changed).",
)
@click.option("--stale", is_flag=True, help="Regrade only stale or missing grades (the default).")
def grades_refresh(everything: bool, stale: bool) -> None:
    """Regrade the directory: stale grades (inputs, config or day changed) and missing ones are
    stored anew, grades of entities without their inputs dropped; one audit entry."""
    if everything and stale:
        raise click.UsageError("--all 与 --stale 只能选一个 / choose --all or --stale, not both")
    now = utcnow()
    with database.connection_context():
        total = grades.entity_count()
        with progress_bar("评级 grading", total) as bar:
            counts = grades.refresh_all(
                system_actor().label, now, force=everything, progress=bar.update
            )
    click.echo(
        f"entities: {counts.entities}, graded: {counts.graded}, written: {counts.written}, "
        f"dropped: {counts.dropped}"
    )
    for code, count in sorted(counts.unclassified.items()):
        click.echo(f"  未分类 unclassified {code}: {count}")


COMMANDS = (grades_group,)
