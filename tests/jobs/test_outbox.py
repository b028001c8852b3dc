"""The outbox: jobs are recorded in the transaction of the change that causes them, once per
dedup key; with no REDIS_URL they run in-process, right after the request that recorded them."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import peewee
import pytest

from inspect_app import outbox
from inspect_app.clock import SHANGHAI, utcnow
from inspect_app.db import database
from inspect_app.jobs import relay
from inspect_app.models import Inspection, Notification, OutboxJob, SpotCheckTask
from inspect_app.services import dispatch
from tests import factories
from tests.factories import accept_partners, auth_header, joint_ic_task_body
from tests.jobs.conftest import (
    PICKED,
    assert_dispatched_exactly_once,
    dispatch_row,
    reminder_row,
)

QUICK = outbox.JobPolicy(timeout=10, max_retries=1, intervals=(0,))


def refuse(outbox_id: int, reason: str) -> None:
    """A job that always fails (recorded by name, like every job of the outbox)."""
    raise RuntimeError(reason)


@pytest.fixture(autouse=True)
def refuse_job(monkeypatch):
    """`refuse` registered in the outbox's registry, as the app's own jobs are."""
    spec = outbox.JobSpec(f"{__name__}.refuse", QUICK)
    monkeypatch.setitem(outbox.JOBS, "refuse", spec)
    return spec


def test_a_draw_records_its_dispatch_and_its_reminder(drawn):
    task, draw = drawn
    sent = dispatch_row(draw)
    assert (sent.status, sent.function, sent.args, sent.run_at) == (
        outbox.PENDING,
        "dispatch_draw",
        [draw.id],
        None,
    )
    policy = outbox.JOBS["dispatch_draw"].policy
    assert (sent.timeout, sent.max_retries, sent.retry_intervals) == (
        policy.timeout,
        policy.max_retries,
        list(policy.intervals),
    )
    three_days_before_at_nine = datetime.combine(
        task.deadline - timedelta(days=3), time(9), tzinfo=SHANGHAI
    )
    assert reminder_row(task).run_at == three_days_before_at_nine


def test_a_draw_that_fails_after_recording_its_jobs_leaves_none(
    app, client, district, ct_planners, monkeypatch
):
    headers = auth_header(ct_planners[0])
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=headers).get_json()[
        "code"
    ]
    accept_partners(client, code)
    factories.freeze(client, code, headers)

    def audit_fails(*args, **kwargs):
        raise peewee.OperationalError("disk I/O error")

    monkeypatch.setattr("inspect_app.services.draws.audit.record", audit_fails)
    with pytest.raises(peewee.OperationalError):
        factories.draw(client, code, headers)
    assert OutboxJob.select().count() == 0
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "FROZEN"


def test_recording_a_job_outside_a_transaction_is_refused(app):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.add("refuse", ["无"], dedup_key="refuse:outside")


def test_the_same_dedup_key_is_recorded_once(app):
    with database.atomic():
        first = outbox.add("refuse", ["第一次"], dedup_key="refuse:1")
        second = outbox.add("refuse", ["第二次"], dedup_key="refuse:1")
    assert (first, second) == (True, False)
    assert [row.args for row in OutboxJob.select()] == [["第一次"]]


def test_a_job_the_registry_does_not_name_is_refused(app):
    with database.atomic(), pytest.raises(KeyError, match="no job named"):
        outbox.add("tests.jobs.test_outbox.refuse", ["无"], dedup_key="refuse:by-path")
    assert OutboxJob.select().count() == 0


def test_every_job_of_the_registry_is_a_function_of_the_jobs_package():
    for name, spec in outbox.JOBS.items():
        if name == "refuse":
            continue
        function = relay.function_of(name)
        assert f"{function.__module__}.{function.__qualname__}" == spec.function
        assert function.__module__.startswith("inspect_app.jobs.")


def test_without_redis_drawing_through_the_api_dispatches_before_the_response(
    embedded_app, client, district, ct_planners
):
    headers = auth_header(ct_planners[0])
    code = client.post(
        "/api/v1/tasks", json=joint_ic_task_body(fixed_count=PICKED), headers=headers
    ).get_json()["code"]
    accept_partners(client, code)
    factories.freeze(client, code, headers)

    drawn = factories.draw(client, code, headers)

    assert drawn.status_code == 201
    task = SpotCheckTask.get(SpotCheckTask.code == code)
    assert Inspection.select().where(Inspection.task == task).count() == PICKED
    assert dispatch_row(task.draws.get()).status == outbox.DONE
    assert reminder_row(task).status == outbox.PENDING  # due three days before the deadline
    assert_dispatched_exactly_once(task.draws.get())


def test_without_redis_a_failed_job_is_recorded_and_run_again_by_the_next_relay(
    embedded_app, drawn, monkeypatch
):
    _, draw = drawn
    real = dispatch.create_inspections
    outage = iter([peewee.OperationalError("could not connect to server")])

    def flaky(draw_id, now):
        for error in outage:
            raise error
        return real(draw_id, now)

    monkeypatch.setattr(dispatch, "create_inspections", flaky)
    first = relay.run(None, utcnow())
    row = dispatch_row(draw)
    assert (first.failed, row.status, row.attempts) == (1, outbox.FAILED, 1)
    assert "could not connect to server" in row.last_error
    assert Inspection.select().count() == 0

    second = relay.run(None, utcnow())

    assert second.ran == 1 and dispatch_row(draw).status == outbox.DONE
    assert_dispatched_exactly_once(draw)


def test_without_redis_a_job_that_keeps_failing_stops_after_its_retries(app):
    with database.atomic():
        outbox.add("refuse", ["许可证系统无响应"], dedup_key="refuse:always")

    reports = [relay.run(None, utcnow()) for _ in range(3)]

    assert [r.failed for r in reports] == [1, 1, 0]
    row = OutboxJob.get()
    assert (row.status, row.attempts) == (outbox.FAILED, 1 + QUICK.max_retries)
    assert "许可证系统无响应" in row.last_error


def test_an_in_process_run_that_died_with_its_process_is_run_again(embedded_app, drawn):
    _, draw = drawn
    row = dispatch_row(draw)
    long_ago = utcnow() - timedelta(seconds=row.timeout + 1)
    OutboxJob.update(status=outbox.RUNNING, enqueued_at=long_ago, attempts=1).where(
        OutboxJob.id == row.id
    ).execute()

    relay.run(None, utcnow())

    assert dispatch_row(draw).status == outbox.DONE
    assert Notification.select().where(Notification.kind == "ASSIGNED").count() > 0
    assert_dispatched_exactly_once(draw)
