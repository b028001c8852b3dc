"""A frozen task whose seed's time passed without a draw is flagged once by a job, its lead
department's planners told once (dedup), however often the job runs and by how many workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue

from inspect_app import config, outbox
from inspect_app.clock import local, utcnow
from inspect_app.jobs import ledger as ledger_jobs
from inspect_app.jobs.cron import build_cron
from inspect_app.models import AuditEntry, Notification, OverdueDraw, SpotCheckTask
from inspect_app.services import draws, ledger, tasks
from tests.factories import (
    TEST_SEED_SOURCE,
    accept_partners_as_planners,
    actor,
    joint_ic_task_body,
    make_user,
)
from tests.jobs.workers import run_worker


@pytest.fixture
def overdue(ct_planners) -> SpotCheckTask:
    """A joint check frozen a while ago, its seed's time long past, never drawn; a partner's
    (公安) planner exists too, who is not told."""
    today = local(utcnow()).date()
    data = joint_ic_task_body() | {
        "period_start": today - timedelta(days=20),
        "period_end": today + timedelta(days=10),
        "deadline": today + timedelta(days=15),
    }
    planner = actor(ct_planners[0])
    frozen_at = utcnow() - timedelta(days=30)
    task = tasks.create_task(planner, data, frozen_at)
    accept_partners_as_planners(task.code, frozen_at)
    _freeze(planner, task.code, frozen_at)
    outbox.take_written()
    make_user("planner", "PS")
    entry = ledger.entry_for(SpotCheckTask.get_by_id(task.id), utcnow())
    assert entry.state == "overdue", entry  # its round's time, 30 days ago, has long passed
    return SpotCheckTask.get_by_id(task.id)


def _freeze(planner, code: str, now) -> None:
    """Freeze through the service, announcing the suite's test chain (as tests/factories.freeze
    does over HTTP): the platform picks the first round after the freeze plus the delay."""
    draws.freeze_task(planner, code, TEST_SEED_SOURCE, now)


def _told() -> list[tuple[int, int]]:
    return sorted(
        (n.task_id, n.user_id)
        for n in Notification.select().where(Notification.kind == "DRAW_OVERDUE")
    )


def test_the_job_flags_once_and_tells_each_lead_planner_once(overdue, ct_planners):
    assert ledger_jobs.flag_overdue_draws() == 1
    assert ledger_jobs.flag_overdue_draws() == 0
    assert _told() == sorted((overdue.id, p.id) for p in ct_planners)
    assert OverdueDraw.select().where(OverdueDraw.task == overdue).count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "task.draw_overdue").count() == 1


@pytest.mark.redis
def test_the_overdue_draw_check_is_registered_with_rqs_cron(redis):
    registered = {
        job.name: job for job in build_cron(redis, "default", config.job_settings()).get_jobs()
    }
    cron_job = registered["flag_overdue_draws"]
    assert cron_job.func_name == "inspect_app.jobs.ledger.flag_overdue_draws"
    assert cron_job.cron == config.job_settings()["OVERDUE_CRON"]


@pytest.mark.redis
def test_a_real_worker_runs_the_check_twice_and_the_planners_are_told_once(
    redis, overdue, ct_planners, worker_env
):
    queue = Queue("default", connection=redis)
    for _ in range(2):
        queue.enqueue(outbox.JOBS["flag_overdue_draws"].function)
    run_worker(worker_env)
    assert _told() == sorted((overdue.id, p.id) for p in ct_planners)
    assert OverdueDraw.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "task.draw_overdue").count() == 1
