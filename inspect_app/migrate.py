"""Bring a database up to the current schema: migrations recorded in a version table."""

from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.migrations import Runner

from inspect_app import audit

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "schema_version"


def migrate(db: peewee.Database, directory: Path = MIGRATIONS) -> list[str]:
    """Apply pending migrations in order; returns their names (none when up to date)."""
    with db.connection_context():
        applied = Runner(db, str(directory), table_name=VERSION_TABLE).up()
        with db.atomic():
            audit.ensure_head()
    return applied


def status(db: peewee.Database) -> list[tuple[str, bool]]:
    with db.connection_context():
        return [
            (m.name, bool(m.applied))
            for m in Runner(db, str(MIGRATIONS), table_name=VERSION_TABLE).status()
        ]
