"""Ledger commands: `lianjian task void CODE --reason …` and `lianjian ledger` (the public ledger
of commitments, as JSON lines or CSV)."""

from __future__ import annotations

import json

import click

from inspect_app.cli.base import fail, system_actor
from inspect_app.cli.supervision import task_group
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain.task import LedgerState
from inspect_app.errors import AppError
from inspect_app.services import ledger


def _summary(entry: ledger.LedgerEntry) -> dict:
    row = ledger.csv_row(entry)
    return {k: v for k, v in row.items() if v != ""}


@task_group.command("void")
@click.argument("code")
@click.option("--reason", required=True, help="published on the ledger (6–500 characters)")
def task_void(code: str, reason: str) -> None:
    """Void frozen task CODE, publicly, with a reason (a drawn task cannot be voided)."""
    with database.connection_context():
        try:
            entry = ledger.void_task(system_actor(), code, reason, utcnow())
        except AppError as error:
            fail(error)
        click.echo(json.dumps(_summary(entry), ensure_ascii=False, indent=2))


@click.command("ledger")
@click.option("--state", type=click.Choice([s.value for s in LedgerState]))
@click.option("--department", help="lead or partner department code")
@click.option("--csv", "as_csv", is_flag=True, help="the public CSV instead of JSON lines")
def ledger_command(state: str | None, department: str | None, as_csv: bool) -> None:
    """The public ledger of commitments: every frozen task and where it stands."""
    filters = ledger.LedgerFilter(
        state=LedgerState(state) if state else None, department=department
    )
    with database.connection_context():
        if as_csv:
            click.echo(ledger.ledger_csv(filters, utcnow()).lstrip("\ufeff"), nl=False)
            return
        listing = ledger.ledger(filters, utcnow())
        page = 1
        while entries := listing.page(page, ledger.CSV_PAGE_ROWS):
            for entry in entries:
                click.echo(json.dumps(_summary(entry), ensure_ascii=False))
            page += 1


COMMANDS = (ledger_command,)
