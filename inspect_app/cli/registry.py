"""Registry commands: `lianjian seed` and `lianjian import licences`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app

from inspect_app import catalogue as district
from inspect_app.cli.base import InputPath, progress_bar, system_actor
from inspect_app.cli.synthetic import load_synthetic_district, staff_password
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.services import desks, grades, importing, seeding


@click.command("seed")
@click.option(
    "--catalogue",
    "catalogue_path",
    type=InputPath(folder=True),
    help="A catalogue folder replacing the configured one (CATALOGUE_DIR, else the packaged one).",
)
@click.option(
    "--synthetic",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also generate a synthetic district of N entities.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=2021,
    show_default=True,
    help="Seed of the synthetic generator (same N and seed, same district).",
)
def seed_command(catalogue_path: Path | None, synthetic: int, seed_value: int) -> None:
    """Load the catalogue (registry tables, holidays, rules); optionally a synthetic district."""
    try:
        catalogue = district.read_folder(catalogue_path or current_app.config["CATALOGUE_DIR"])
        with database.connection_context():
            counts = seeding.load_catalogue(catalogue, system_actor().label, utcnow())
    except district.CatalogueError as error:
        raise click.ClickException(f"目录数据有误 / catalogue is invalid: {error}") from error
    click.echo("catalogue: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    with database.connection_context():  # a district with no desk gets the default layout
        made = desks.ensure_default_desks(system_actor(), utcnow())
    if made:
        click.echo("desks: " + ", ".join(made) + " (default)")
    _regrade_stale()  # retuned grading rules make every stored grade stale
    if synthetic:
        password = staff_password(Path(current_app.config["LIANJIAN_HOME"]))
        with database.connection_context():
            summary = load_synthetic_district(
                catalogue, synthetic, seed_value, progress_bar, password
            )
        click.echo("synthetic district: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
        if summary["users"] or not password.new:
            click.echo(password.notice())


def _regrade_stale() -> None:
    """Regrade what the catalogue just made stale (nothing, when its grading rules and the day
    are unchanged: then this only reads)."""
    with database.connection_context():
        total = grades.entity_count()
        if not total:
            return
        with progress_bar("评级 grading", total) as bar:
            counts = grades.refresh_all(system_actor().label, utcnow(), progress=bar.update)
    if counts.written or counts.dropped:
        click.echo(f"grades: {counts.written} written, {counts.dropped} dropped")


@click.group("import")
def import_group() -> None:
    """Import from the licensing side."""


def _print_template(ctx: click.Context, _param: click.Parameter, wanted: bool) -> None:
    if wanted and not ctx.resilient_parsing:
        click.echo(importing.template_csv(), nl=False)
        ctx.exit()


@import_group.command("licences")
@click.argument("file", type=InputPath())
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), help="Default: from the file's suffix."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full report (with every bad row) as JSON here.",
)
@click.option(
    "--template",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_template,
    help="Print a CSV template (every column, one example row) and exit; see docs/import-format.md.",
)
def import_licences(file: Path, fmt: str | None, report_path: Path | None) -> None:
    """Import licences (CSV or JSON); idempotent; bad rows are reported, good rows kept.

    CSV in UTF-8 (with or without BOM) or GB18030/GBK, as Excel saves it; exit 2 when a row
    was refused."""
    fmt = fmt or ("json" if file.suffix.lower() == ".json" else "csv")
    read = importing.read_file(file.read_bytes(), fmt)
    with database.connection_context(), progress_bar("导入 importing", len(read.rows)) as bar:
        report = importing.import_licences(system_actor(), read.rows, utcnow(), progress=bar.update)
    report.encoding = read.encoding
    result = report.as_dict()
    if report_path:
        report_path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(
        ", ".join(f"{k}: {result[k]}" for k in ("rows", *importing.OUTCOMES, "rejected"))
        + f" (problems: {len(report.errors)}; encoding: {report.encoding})"
    )
    for error in report.errors[:50]:
        click.echo(
            f"  line {error.line} [{error.field}] {error.message['zh']} / {error.message['en']}",
            err=True,
        )
    if len(report.errors) > 50:
        click.echo(f"  … {len(report.errors) - 50} more (see --report)", err=True)
    if report.errors:
        sys.exit(2)


COMMANDS = (seed_command, import_group)
