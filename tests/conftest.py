"""Fixtures: every database test runs on SQLite and on PostgreSQL.

The suite does not read the caller's app settings: REDIS_URL, DATABASE_URL and every
LIANJIAN_* setting are removed for the session (the LIANJIAN_TEST_* and LIANJIAN_REQUIRE_*
knobs below stay), so a test states what it needs and subprocesses inherit a clean
environment.

PostgreSQL (127.0.0.1:5432, database `test`, or LIANJIAN_TEST_POSTGRES_URL) gets one
schema per test session, emptied between tests. Without a reachable server its tests are
skipped with a reason — unless CI (CI=true) or LIANJIAN_REQUIRE_POSTGRES=1 asks for it,
in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import peewee
import pytest

from inspect_app import audit, migrate
from inspect_app.clock import utcnow
from inspect_app.db import database, open_database, release
from inspect_app.domain import signing_keys
from inspect_app.services import seeding
from seeds.catalogue_loader import load_catalogue

POSTGRES_URL = os.environ.get(
    "LIANJIAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = (
    os.environ.get("CI", "").lower() == "true" or os.environ.get("LIANJIAN_REQUIRE_POSTGRES") == "1"
)
# Catalogue tables survive between tests; everything else is emptied.
KEPT_TABLES = {
    "department",
    "street",
    "industry",
    "industry_partner",
    "permit",
    "risk_point",
    "holiday",
    "catalogue_rule",
    "schema_version",
}
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
# Settings the app reads from the environment (inspect_app/config.py), and the suite's own knobs.
APP_SETTINGS = ("DATABASE_URL", "REDIS_URL")
TEST_KNOBS = ("LIANJIAN_TEST_", "LIANJIAN_REQUIRE_")


def is_app_setting(name: str) -> bool:
    """An environment variable the app would read as configuration."""
    if name in APP_SETTINGS:
        return True
    return name.startswith("LIANJIAN_") and not name.startswith(TEST_KNOBS)


# Fixtures that make a test slow whatever it checks: a headless browser, worker processes.
SLOW_FIXTURES = {"chromium", "worker_env"}


def pytest_collection_modifyitems(items):
    """Mark database tests `db`, and browser or worker-process tests `slow`, by their fixtures."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "db_url" in used:
            item.add_marker(pytest.mark.db)
        if used & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def clean_environment(tmp_path_factory):
    """The caller's app settings are out of reach of every test and every subprocess; the
    user-level default instance folder points into the session's temporary folder."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if is_app_setting(n)]:
            patch.delenv(name)
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
        patch.setenv("LIANJIAN_DRAND_CHAINS", str(_pin_test_chain(tmp_path_factory)))
        yield


def _pin_test_chain(tmp_path_factory) -> Path:
    """The suite's drand chain (tests/factories.TEST_CHAIN) pinned as a district pins one: its
    /info JSON in a folder the platform reads (docs/beacons.md)."""
    import json

    from tests.factories import TEST_CHAIN

    folder = tmp_path_factory.mktemp("drand-chains")
    (folder / "test-chain.json").write_text(json.dumps(TEST_CHAIN.info.to_info()), "utf-8")
    return folder


def _prepare(url: str) -> None:
    db = open_database(url)
    database.initialize(db)
    migrate.migrate(db)
    with db.connection_context():
        seeding.load_catalogue(load_catalogue(), "pytest", utcnow())


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    signing_keys.generate_key_pair(directory)
    signing_keys.generate_audit_key_pair(directory)
    return directory


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, keys_dir) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    audit.use_keys(keys_dir)  # the catalogue's entry is authenticated, as `lianjian seed`'s is
    _prepare(f"sqlite:///{path}")
    database.obj.close()
    return path


@pytest.fixture(scope="session")
def postgres_schema():
    """A fresh schema in the `test` database for this session, dropped at the end."""
    try:
        admin = open_database(POSTGRES_URL)
        admin.connect()
    except peewee.OperationalError as error:
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {error}".strip()
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (CI requires PostgreSQL)")
        pytest.skip(message)
    name = f"lj_{uuid.uuid4().hex[:12]}"
    admin.execute_sql(f"CREATE SCHEMA {name}")
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{name}"
    _prepare(url)
    database.obj.close()
    yield url
    admin.execute_sql(f"DROP SCHEMA {name} CASCADE")
    admin.close()


def _empty_postgres(url: str) -> None:
    db = open_database(url)
    with db.connection_context():
        tables = [t for t in db.get_tables() if t not in KEPT_TABLES]
        db.execute_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
        db.execute_sql("INSERT INTO audit_head (seq, hash) VALUES (0, %s)", ("0" * 64,))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """The URL of an empty registry (catalogue loaded), once per database."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "lianjian.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema")
    _empty_postgres(url)
    return url


@pytest.fixture
def app(db_url, tmp_path, keys_dir):
    from inspect_app.app import create_app

    app = create_app(
        {
            "DATABASE_URL": db_url,
            "LIANJIAN_HOME": str(tmp_path),
            "KEYS_DIR": str(keys_dir),
            "EVIDENCE_DIR": str(tmp_path / "evidence"),
            "ARGON2": CHEAP_ARGON2,
            "TESTING": True,
        }
    )
    with app.app_context():
        database.connect(reuse_if_open=True)
        yield app
        if not database.is_closed():
            database.close()
    release(database.obj)


@pytest.fixture
def client(app):
    return app.test_client()
