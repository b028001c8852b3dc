"""Nothing is lost: a worker killed mid-job, Redis unreachable when the change is made, Redis
losing its data, the same job run twice — each ends with every inspection created and every
assignment notice sent exactly once. Real Redis, real worker processes, RQ's own retries."""

from __future__ import annotations

import os
import signal

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from inspect_app import outbox
from inspect_app.clock import utcnow
from inspect_app.jobs import draws as draw_jobs
from inspect_app.jobs import relay
from inspect_app.models import Draw, Inspection, Notification, OutboxJob
from tests import factories
from tests.factories import accept_partners, auth_header, joint_ic_task_body
from tests.jobs.conftest import (
    PICKED,
    assert_dispatched_exactly_once,
    dispatch_row,
    shorten,
    snapshot,
)
from tests.jobs.workers import run_worker, start_stalling_worker, wait_for_stall, wait_until

pytestmark = pytest.mark.redis


def _status(row: OutboxJob) -> str:
    return OutboxJob.get_by_id(row.id).status


def test_a_worker_killed_mid_dispatch_is_retried_by_rq_and_creates_everything_once(
    queued_app, redis, drawn, worker_env, tmp_path
):
    _, draw = drawn
    row = dispatch_row(draw)
    shorten(row)
    assert relay.run(redis, utcnow()).enqueued == 1
    stall = tmp_path / "stalled.pid"
    worker = start_stalling_worker(
        worker_env, stall, "--worker-class", "tests.jobs.workers.ShortLeaseWorker"
    )
    os.kill(wait_for_stall(worker, stall), signal.SIGKILL)
    worker.wait()

    job = Job.fetch(outbox.job_id(row.id), connection=redis)
    assert job.get_status() == JobStatus.STARTED  # the worker died holding it
    assert Inspection.select().count() == 0  # its half-done transaction never committed
    started = StartedJobRegistry("default", connection=redis)
    wait_until(lambda: started.get_expired_job_ids(), "the killed worker's lease to run out")

    run_worker(worker_env)  # its start-up maintenance finds the abandoned job; RQ retries it

    assert _status(row) == outbox.DONE
    assert_dispatched_exactly_once(draw)


def test_a_killed_work_horse_is_retried_by_its_worker_and_creates_everything_once(
    queued_app, redis, drawn, worker_env, tmp_path
):
    _, draw = drawn
    row = dispatch_row(draw)
    shorten(row)
    relay.run(redis, utcnow())
    stall = tmp_path / "stalled.pid"
    worker = start_stalling_worker(worker_env, stall)  # rq.Worker: the job runs in a forked horse
    horse = wait_for_stall(worker, stall)
    assert horse != worker.pid
    os.kill(horse, signal.SIGKILL)

    assert worker.wait(timeout=60) == 0, worker.stdout.read()[-3000:]
    assert _status(row) == outbox.DONE
    assert Job.fetch(outbox.job_id(row.id), connection=redis).retries_left == 1
    assert_dispatched_exactly_once(draw)


def test_a_killed_job_with_no_retries_left_is_handed_back_by_the_relay(
    queued_app, redis, drawn, worker_env, tmp_path
):
    _, draw = drawn
    row = dispatch_row(draw)
    shorten(row, max_retries=0)
    relay.run(redis, utcnow())
    stall = tmp_path / "stalled.pid"
    worker = start_stalling_worker(
        worker_env, stall, "--worker-class", "tests.jobs.workers.ShortLeaseWorker"
    )
    os.kill(wait_for_stall(worker, stall), signal.SIGKILL)
    worker.wait()
    started = StartedJobRegistry("default", connection=redis)
    wait_until(lambda: started.get_expired_job_ids(), "the killed worker's lease to run out")
    run_worker(worker_env)  # RQ has no retry left: the job goes to its FailedJobRegistry
    assert outbox.job_id(row.id) in FailedJobRegistry("default", connection=redis)
    assert _status(row) == outbox.ENQUEUED

    report = relay.run(redis, utcnow())
    run_worker(worker_env)

    assert report.requeued == 1
    assert _status(row) == outbox.DONE
    assert_dispatched_exactly_once(draw)


def test_redis_unreachable_when_drawing_loses_nothing(
    app, client, district, ct_planners, worker_env, redis, redis_url, closed_redis_url
):
    app.config["REDIS_URL"] = closed_redis_url
    headers = auth_header(ct_planners[0])
    code = client.post(
        "/api/v1/tasks", json=joint_ic_task_body(fixed_count=PICKED), headers=headers
    ).get_json()["code"]
    accept_partners(client, code)
    assert factories.freeze(client, code, headers).status_code == 201
    drawn = factories.draw(client, code, headers)
    assert drawn.status_code == 201, drawn.get_json()
    rows = list(OutboxJob.select())
    assert {r.status for r in rows} == {outbox.PENDING} and len(rows) == 2
    failed = relay.run(outbox.connect(closed_redis_url), utcnow())
    assert failed.error and "Connection" in failed.error
    assert {r.status for r in OutboxJob.select()} == {outbox.PENDING}
    assert Inspection.select().count() == 0

    relayed = relay.run(outbox.connect(redis_url), utcnow())
    run_worker(worker_env)

    assert (relayed.enqueued, relayed.scheduled) == (1, 1)
    draw = Draw.get()
    assert _status(dispatch_row(draw)) == outbox.DONE
    assert_dispatched_exactly_once(draw)


def test_a_job_redis_lost_is_enqueued_again(queued_app, redis, drawn, worker_env):
    _, draw = drawn
    row = dispatch_row(draw)
    relay.run(redis, utcnow())
    redis.flushdb()  # Redis restarted without its data

    report = relay.run(redis, utcnow())
    run_worker(worker_env)

    assert report.requeued == 2  # the dispatch and the scheduled reminder
    assert _status(row) == outbox.DONE
    assert_dispatched_exactly_once(draw)


def test_running_the_same_dispatch_twice_through_rq_changes_nothing(
    queued_app, redis, drawn, worker_env
):
    _, draw = drawn
    row = dispatch_row(draw)
    relay.run(redis, utcnow())
    duplicate = Queue("default", connection=redis).enqueue(
        "inspect_app.jobs.draws.dispatch_draw", args=(row.id, draw.id), job_id="a-second-copy"
    )

    run_worker(worker_env)

    first = Job.fetch(outbox.job_id(row.id), connection=redis).return_value()
    assert first["inspections"] == PICKED
    assert first["offline_copies"] == PICKED
    assert Job.fetch(duplicate.id, connection=redis).return_value() == {
        "skipped": 1,
        "offline_copies": 0,  # the first run rendered them all
    }
    assert_dispatched_exactly_once(draw)


def test_a_dispatch_rerun_after_its_done_mark_was_lost_changes_nothing(embedded_app, drawn):
    _, draw = drawn
    row = dispatch_row(draw)
    relay.run(None, utcnow())
    before = snapshot()
    OutboxJob.update(status=outbox.PENDING).where(OutboxJob.id == row.id).execute()

    again = draw_jobs.dispatch_draw(row.id, draw.id)

    assert (again["inspections"], again["notifications"]) == (0, 0)
    assert snapshot() == before
    assert Notification.select().count() == len(before["notifications"])
