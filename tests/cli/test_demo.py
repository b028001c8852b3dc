"""`lianjian demo` runs the whole loop on the embedded defaults (no Redis, no PostgreSQL), each
run in a fresh instance of its own: draws, dispatch, inspections, feedback, licensing,
publication, redraw, maps; its log goes to a file, not into the story."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import LIANJIAN


def _demo(home: Path, cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "LIANJIAN_HOME")
    }
    return subprocess.run(
        [LIANJIAN, "demo", "--entities", "400"],
        cwd=cwd,
        env=env | {"LIANJIAN_HOME": str(home)} | extra,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _draw_table(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = lines.index("⑨ 抽取 draws")
    return lines[start + 2 : start + 6]


@pytest.fixture(scope="module")
def two_demos(tmp_path_factory):
    """Two demos run one after the other on the same instance folder."""
    home, cwd = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("elsewhere")
    first, second = _demo(home, cwd), _demo(home, cwd)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    return home, first, second


@pytest.mark.slow  # the whole loop, in a process of its own
def test_demo_runs_on_embedded_defaults_and_verifies_its_draws(two_demos):
    home, first, _ = two_demos
    [folder, _] = sorted((home / "demos").iterdir())
    assert (folder / "lianjian.db").exists()
    assert first.stdout.count("一致 yes") == 4  # two tasks, drawn twice
    assert "audit chain: intact" in first.stdout
    assert "inspections submitted" in first.stdout and "licensing acted" in first.stdout
    for page in ("entities.html", "failures-by-street.html"):
        assert (folder / "maps" / page).stat().st_size > 10_000


@pytest.mark.slow  # the whole loop, twice, in processes of their own
def test_a_second_demo_starts_afresh_instead_of_piling_onto_the_first(two_demos):
    home, first, second = two_demos
    folders = sorted((home / "demos").iterdir())
    assert len(folders) == 2
    assert str(folders[1]) in second.stdout and str(folders[0]) not in second.stdout
    # the same task codes, the same picks and no shortfall: nothing left over from the first
    assert _draw_table(second.stdout) == _draw_table(first.stdout)
    assert "CT-2026-0003" not in second.stdout


@pytest.mark.slow  # the whole loop, in a process of its own
def test_the_demos_log_goes_to_a_file_not_into_the_story(two_demos):
    home, first, _ = two_demos
    folder = sorted((home / "demos").iterdir())[0]
    assert " INFO " not in first.stdout and " INFO " not in first.stderr
    log = (folder / "demo.log").read_text(encoding="utf-8")
    assert " INFO " in log and "job.dispatch_draw" in log


@pytest.mark.slow  # the whole loop, in a process of its own
def test_the_demos_visits_are_dated_inside_their_tasks_period(two_demos):
    home, _, _ = two_demos
    folder = sorted((home / "demos").iterdir())[0]
    with sqlite3.connect(folder / "lianjian.db") as db:
        rows = db.execute(
            "SELECT t.code, t.period_start, t.period_end, i.checked_on FROM inspection i "
            "JOIN spot_check_task t ON t.id = i.task_id WHERE i.checked_on IS NOT NULL"
        ).fetchall()
    assert rows, "the demo recorded no visit"
    for code, start, end, checked_on in rows:
        assert start <= checked_on <= end, (code, start, end, checked_on)


@pytest.mark.slow  # the console in a process of its own
def test_a_demo_on_a_database_that_holds_data_refuses_and_says_how_to_start_over(two_demos):
    home, _, _ = two_demos
    used = sorted((home / "demos").iterdir())[0] / "lianjian.db"
    other = home.parent / "other-home"
    result = _demo(other, home.parent, DATABASE_URL=f"sqlite:///{used}")
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "已有数据" in line and "empty database" in line and "unset it" in line
    assert not any((other / "demos").iterdir())


@pytest.mark.slow  # the whole loop, in a process of its own
def test_the_demo_ends_with_the_console_and_a_one_time_password_per_role(two_demos):
    _, first, second = two_demos
    assert "http://127.0.0.1:8000/console/" in first.stdout
    assert "http://127.0.0.1:8000/tablet/" in first.stdout  # the inspectors' app (issue 16)
    assert "lianjian demo --serve" in first.stdout
    passwords = {}
    for user in ("demo-planner", "demo-clerk", "demo-admin", "demo-inspector"):
        (line,) = [x for x in first.stdout.splitlines() if x.strip().startswith(user + " ")]
        passwords[user] = line.split()[1]
        assert len(passwords[user]) >= 12
        assert passwords[user] not in second.stdout  # made afresh for each demo
    assert len(set(passwords.values())) == 4
