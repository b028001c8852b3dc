"""Schema migrations run on an existing database, keep its data and record themselves."""

from __future__ import annotations

import shutil
import uuid

import peewee
import pytest

from inspect_app import migrate
from inspect_app.db import database, open_database
from tests.conftest import POSTGRES_URL

ADD_NOTE = '''"""A later change: entities get a free-text note."""
from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("entity", "note", TextField(null=True)))
'''


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_db(request, tmp_path):
    """An empty database of each kind, of its own (PostgreSQL: a schema dropped afterwards)."""
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield db
        db.close()
        return
    request.getfixturevalue("postgres_schema")  # skips or fails as the suite's policy says
    name = f"lj_mig_{uuid.uuid4().hex[:8]}"
    admin = open_database(POSTGRES_URL)
    admin.execute_sql(f"CREATE SCHEMA {name}")
    db = open_database(f"{POSTGRES_URL}?options=-csearch_path%3D{name}")
    yield db
    db.close()
    admin.execute_sql(f"DROP SCHEMA {name} CASCADE")
    admin.close()


# The migrations the package ships, in the order they apply.
SHIPPED = [
    "0001_initial",
    "0002_supervision",
    "0003_fieldwork",
    "0004_followup",
    "0005_offline_copies",
    "0006_audit_checks",
    "0007_catalogue_rules",
    "0010_partner_answers",
    "0011_amendments_signed",
    "0012_sign_in_throttle",
    "0013_signed_audit_head",
    "0014_people",
    "0015_desks_and_inboxes",
    "0017_offline_team",
    "0019_commitment_ledger",
    "0020_sealed_audit_chain",
    "0021_typed_check_in",
    "0022_offline_copy_frame",
]


def test_migrations_upgrade_an_existing_database_and_keep_its_rows(fresh_db, tmp_path):
    database.initialize(fresh_db)
    assert migrate.migrate(fresh_db) == SHIPPED
    with fresh_db.connection_context():
        fresh_db.execute_sql(
            "INSERT INTO department (code, name, short_name, kind) VALUES ('CT', '区文化旅游局', '文旅局', 'bureau')"
        )
    later = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, later)
    (later / "9001_entity_note.py").write_text(ADD_NOTE, encoding="utf-8")

    assert migrate.migrate(fresh_db, later) == ["9001_entity_note"]
    assert migrate.migrate(fresh_db, later) == []
    with fresh_db.connection_context():
        columns = {c.name for c in fresh_db.get_columns("entity")}
        names = [r[0] for r in fresh_db.execute_sql("SELECT name FROM schema_version ORDER BY id")]
        kept = fresh_db.execute_sql("SELECT name FROM department WHERE code = 'CT'").fetchone()
    assert "note" in columns
    assert names == [*SHIPPED, "9001_entity_note"]
    assert kept == ("区文化旅游局",)


def test_the_models_match_the_migrated_schema(fresh_db):
    from playhouse.schema_diff import diff_models

    from inspect_app.models import ALL_MODELS

    database.initialize(fresh_db)
    migrate.migrate(fresh_db)
    with fresh_db.connection_context():
        assert not diff_models(fresh_db, ALL_MODELS), (
            "models and migrations disagree: generate a migration"
        )


def test_a_bad_database_url_fails_clearly():
    with pytest.raises((peewee.OperationalError, RuntimeError, ValueError)):
        open_database("postgresql://nobody@127.0.0.1:1/none").connect()
