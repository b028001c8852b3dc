"""Reminders before the deadline: held by RQ's scheduler until REMINDER_DAYS_BEFORE days ahead,
then one notice per member of every inspection still open, however often the job runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from inspect_app import outbox
from inspect_app.clock import utcnow
from inspect_app.domain.inspection import ON_SCHEDULE
from inspect_app.jobs import draws as draw_jobs
from inspect_app.jobs import relay
from inspect_app.models import Inspection, InspectionMember, Notification
from inspect_app.services import reminders
from tests.jobs.conftest import dispatch_row, reminder_row
from tests.jobs.workers import run_worker


def _reminders() -> list[str]:
    return [n.dedup_key for n in Notification.select().where(Notification.kind == "REMINDER")]


def _open_seats() -> int:
    return (
        InspectionMember.select().join(Inspection).where(Inspection.status.in_(ON_SCHEDULE)).count()
    )


@pytest.mark.redis
def test_the_reminder_waits_in_rqs_scheduler_until_days_before_the_deadline(
    queued_app, redis, drawn
):
    task, _ = drawn
    row = reminder_row(task)

    report = relay.run(outbox.connect(queued_app.config["REDIS_URL"]), utcnow())

    assert report.scheduled == 1
    registry = ScheduledJobRegistry("default", connection=redis)
    assert registry.get_scheduled_time(outbox.job_id(row.id)) == reminders.reminder_time(
        task.deadline
    )
    assert Job.fetch(outbox.job_id(row.id), connection=redis).get_status() == JobStatus.SCHEDULED
    assert reminder_row(task).status == outbox.ENQUEUED


@pytest.mark.redis
def test_a_due_reminder_is_run_by_the_workers_scheduler_for_open_inspections_only(
    queued_app, redis, drawn, worker_env
):
    task, draw = drawn
    relay.run(outbox.connect(queued_app.config["REDIS_URL"]), utcnow())
    run_worker(worker_env)  # the dispatch; the reminder stays scheduled
    assert dispatch_row(draw).status == outbox.DONE and _reminders() == []
    submitted = Inspection.select().order_by(Inspection.id).first()
    Inspection.update(status="SUBMITTED").where(Inspection.id == submitted.id).execute()
    reminder = Job.fetch(outbox.job_id(reminder_row(task).id), connection=redis)
    # the reminder's day has come: RQ's scheduler finds it due
    ScheduledJobRegistry("default", connection=redis).schedule(
        reminder, utcnow() - timedelta(seconds=1)
    )

    run_worker(worker_env)
    Queue("default", connection=redis).enqueue(
        "inspect_app.jobs.draws.remind_deadline",
        args=(reminder_row(task).id, task.id),
        job_id="again",
    )
    run_worker(worker_env)

    assert reminder_row(task).status == outbox.DONE
    assert len(_reminders()) == len(set(_reminders())) == _open_seats() > 0
    assert not [key for key in _reminders() if key.startswith(f"REMINDER:{submitted.id}:")]


def test_without_redis_the_reminder_runs_once_it_is_due(embedded_app, drawn):
    task, _ = drawn
    relay.run(None, utcnow())
    assert _reminders() == []

    relay.run(None, reminders.reminder_time(task.deadline))
    relay.run(None, reminders.reminder_time(task.deadline) + timedelta(days=1))

    assert reminder_row(task).status == outbox.DONE
    assert len(_reminders()) == _open_seats() > 0


def test_a_reminder_that_runs_before_its_dispatch_fails_so_it_is_retried(embedded_app, drawn):
    task, _ = drawn
    with pytest.raises(reminders.DispatchNotDone):
        draw_jobs.remind_deadline(reminder_row(task).id, task.id)
    assert _reminders() == []
    assert reminder_row(task).status == outbox.PENDING
