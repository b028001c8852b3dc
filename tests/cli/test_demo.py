"""`lianjian demo` runs the whole loop on the embedded defaults in an empty folder (no Redis, no
PostgreSQL): draws, dispatch, inspections, feedback, licensing, publication, redraw, maps."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.cli.test_cli import LIANJIAN


@pytest.mark.slow  # the whole loop, in a process of its own
def test_demo_runs_on_embedded_defaults_and_verifies_its_draws(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "LIANJIAN_HOME")
    }
    result = subprocess.run(
        [LIANJIAN, "demo", "--entities", "400"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "lianjian.db").exists()
    assert result.stdout.count("一致 yes") == 4  # two tasks, drawn twice
    assert "audit chain: intact" in result.stdout
    assert "inspections submitted" in result.stdout and "licensing acted" in result.stdout
    for page in ("entities.html", "failures-by-street.html"):
        assert (tmp_path / "instance" / "maps" / page).stat().st_size > 10_000
