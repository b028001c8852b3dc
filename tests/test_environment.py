"""The suite runs the same whatever the caller's shell exports (REDIS_URL, DATABASE_URL, ...)."""

from __future__ import annotations

import os

import pytest

from inspect_app import config
from tests.conftest import is_app_setting


@pytest.mark.parametrize(
    "name", ["REDIS_URL", "DATABASE_URL", "LIANJIAN_HOME", "LIANJIAN_CATALOGUE_DIR"]
)
def test_app_settings_are_removed_for_the_session(name):
    assert is_app_setting(name)
    assert name not in os.environ


@pytest.mark.parametrize("name", ["LIANJIAN_TEST_POSTGRES_URL", "LIANJIAN_REQUIRE_REDIS", "CI"])
def test_the_suites_own_knobs_are_kept(name):
    assert not is_app_setting(name)


def test_the_app_sees_only_what_the_test_gave_it(app, db_url, tmp_path):
    assert app.config["DATABASE_URL"] == db_url
    assert app.config["REDIS_URL"] is None  # jobs in-process unless a test names a Redis
    assert app.config["EVIDENCE_DIR"] == str(tmp_path / "evidence")
    assert config.from_environment()["CATALOGUE_DIR"] == str(config.PACKAGED_CATALOGUE)
