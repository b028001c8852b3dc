"""The bulk regrade: a job by name (RQ's cron, daily) run by a real worker, and
`lianjian grades refresh [--stale|--all]`: stale grades (old day, changed inputs or config)
and missing ones are stored anew, grades of entities that lost their inputs dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue

from inspect_app import config, outbox
from inspect_app.cli import lianjian
from inspect_app.clock import utcnow
from inspect_app.jobs.cron import build_cron
from inspect_app.models import AuditEntry, Entity, EntityGrade, Licence
from tests.factories import internet_cafes, make_entity
from tests.jobs.workers import run_worker


def _make_stale() -> dict[str, int]:
    """Three cafés graded on entry, then: one grade from yesterday, one missing, and one
    entity whose only licence was cancelled behind the services' back (its grade is lost)."""
    cafes = internet_cafes(3)
    yesterday = utcnow() - timedelta(days=1)
    old, missing, lost = (licence.holder_id for licence in cafes)
    EntityGrade.update(computed_at=yesterday, inputs_hash="0" * 64).where(
        EntityGrade.entity == old
    ).execute()
    EntityGrade.delete().where(EntityGrade.entity == missing).execute()
    Licence.update(status="CANCELLED").where(Licence.holder == lost).execute()
    make_entity(5)  # holds nothing: never graded
    return {"old": old, "missing": missing, "lost": lost}


def _assert_up_to_date(ids: dict[str, int]) -> None:
    today = utcnow().date()
    rows = {g.entity_id: g for g in EntityGrade.select()}
    assert set(rows) == {ids["old"], ids["missing"]}
    assert rows[ids["old"]].inputs_hash != "0" * 64
    assert all(abs((g.computed_at.date() - today).days) <= 1 for g in rows.values())


@pytest.mark.redis
def test_the_regrade_job_run_by_a_worker_brings_every_grade_up_to_date(
    queued_app, redis, worker_env
):
    ids = _make_stale()
    Queue("default", connection=redis).enqueue(outbox.JOBS["regrade_stale"].function)
    run_worker(worker_env)
    _assert_up_to_date(ids)
    entry = AuditEntry.select().where(AuditEntry.action == "grades.refresh").get()
    assert entry.actor == "system:jobs"
    assert entry.after["written"] == 2 and entry.after["dropped"] == 1
    assert entry.after["unclassified"] == {"NO_LIVE_LICENCE": 2}


@pytest.mark.redis
def test_the_regrade_is_registered_with_rqs_cron_daily(redis):
    registered = {
        job.name: job for job in build_cron(redis, "default", config.job_settings()).get_jobs()
    }
    job = registered["regrade_stale"]
    assert (job.func_name, job.cron) == ("inspect_app.jobs.grades.regrade_stale", "20 0 * * *")


def test_grades_refresh_regrades_the_stale_and_a_second_run_writes_nothing(app):
    ids = _make_stale()
    runner = app.test_cli_runner()
    first = runner.invoke(lianjian, args=["grades", "refresh"])
    assert first.exit_code == 0, first.output
    assert "written: 2, dropped: 1" in first.output
    assert "NO_LIVE_LICENCE: 2" in first.output
    _assert_up_to_date(ids)
    kept = {g.entity_id: (g.id, g.computed_at) for g in EntityGrade.select()}
    again = runner.invoke(lianjian, args=["grades", "refresh", "--stale"])
    assert again.exit_code == 0 and "written: 0, dropped: 0" in again.output
    assert {g.entity_id: (g.id, g.computed_at) for g in EntityGrade.select()} == kept
    everything = runner.invoke(lianjian, args=["grades", "refresh", "--all"])
    assert everything.exit_code == 0 and "written: 2, dropped: 0" in everything.output
    assert Entity.select().count() == 4


def test_grades_refresh_refuses_both_flags_in_both_languages(app):
    result = app.test_cli_runner().invoke(lianjian, args=["grades", "refresh", "--all", "--stale"])
    assert result.exit_code != 0 and "只能选一个" in result.output and "not both" in result.output
