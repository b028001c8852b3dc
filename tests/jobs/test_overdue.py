"""Overdue: open inspections past their due date become OVERDUE and the lead department's
planners are told once; RQ's cron runs the check every quarter hour, once per slot however
many workers run it."""

from __future__ import annotations

import signal
import subprocess
from datetime import timedelta

import pytest
from rq import Queue
from rq.cron import CronScheduler, get_cron_job_ids

from inspect_app import config, outbox
from inspect_app.clock import local, utcnow
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.jobs import inspections as inspection_jobs
from inspect_app.jobs import relay
from inspect_app.jobs.cron import build_cron
from inspect_app.models import Inspection, InspectionMember, Inspector, Notification
from inspect_app.services import draws
from tests.factories import make_user
from tests.jobs.workers import LIANJIAN, WAIT_SECONDS, run_worker, wait_until


@pytest.fixture
def late(drawn):
    """The drawn check dispatched; two inspections a day late (one being recorded), one late but
    submitted, one due tomorrow. A partner (公安) planner exists too."""
    relay.run(None, utcnow())
    first, second, third, fourth = Inspection.select().order_by(Inspection.id)
    today = local(utcnow()).date()
    _set(first, InspectionStatus.ASSIGNED, today - timedelta(days=1))
    _set(second, InspectionStatus.RECORDING, today - timedelta(days=1))
    _set(third, InspectionStatus.SUBMITTED, today - timedelta(days=1))
    _set(fourth, InspectionStatus.ASSIGNED, today + timedelta(days=1))
    make_user("planner", "PS")
    return first, second, third, fourth


def _set(inspection: Inspection, status: InspectionStatus, due_on) -> None:
    Inspection.update(status=status, due_on=due_on).where(Inspection.id == inspection.id).execute()


def _statuses(rows) -> list[str]:
    return [Inspection.get_by_id(row.id).status for row in rows]


def _escalations() -> list[tuple[int, int]]:
    return sorted(
        (n.inspection_id, n.user_id)
        for n in Notification.select().where(Notification.kind == "ESCALATED")
    )


def test_only_open_inspections_past_their_due_date_become_overdue(late):
    first = late[0]
    counts = inspection_jobs.mark_overdue()
    assert counts["overdue"] == 2
    assert _statuses(late) == ["OVERDUE", "OVERDUE", "SUBMITTED", "ASSIGNED"]
    assert Inspection.get_by_id(first.id).version == first.version + 1


def test_an_overdue_inspection_is_not_marked_again(late):
    inspection_jobs.mark_overdue()
    versions = [Inspection.get_by_id(row.id).version for row in late]
    assert inspection_jobs.mark_overdue()["overdue"] == 0
    assert [Inspection.get_by_id(row.id).version for row in late] == versions


def test_an_overdue_inspection_still_counts_toward_its_inspectors_workload(late):
    first = late[0]
    member = InspectionMember.get(InspectionMember.inspection == first)
    inspector = Inspector.get_by_id(member.inspector_id)
    before = _workload(first, inspector)
    inspection_jobs.mark_overdue()
    assert Inspection.get_by_id(first.id).status == InspectionStatus.OVERDUE
    assert _workload(first, inspector) == before
    assert before == (
        InspectionMember.select()
        .join(Inspection)
        .where(
            (InspectionMember.inspector == inspector)
            & (Inspection.status != InspectionStatus.SUBMITTED)
        )
        .count()
    )


def _workload(inspection: Inspection, inspector: Inspector) -> int:
    task = inspection.task
    pool = draws.pool_for(task, [inspector.department.code])
    return next(p.workload for p in pool if p.inspector_id == inspector.code)


def test_overdue_is_escalated_once_to_each_planner_of_the_lead_department(late, ct_planners):
    first, second, _, _ = late
    inspection_jobs.mark_overdue()
    again = inspection_jobs.mark_overdue()
    assert again == {"overdue": 0, "notifications": 0}
    assert _escalations() == sorted(
        (inspection.id, planner.id) for inspection in (first, second) for planner in ct_planners
    )


@pytest.mark.redis
def test_the_overdue_check_is_registered_with_rqs_cron_every_quarter_hour(redis):
    registered = {
        job.name: job for job in build_cron(redis, "default", config.job_settings()).get_jobs()
    }
    cron_job = registered["mark_overdue"]
    assert (cron_job.func_name, cron_job.cron) == (
        "inspect_app.jobs.inspections.mark_overdue",
        "*/15 * * * *",
    )
    assert cron_job.job_options["job_timeout"] == outbox.JOBS["mark_overdue"].policy.timeout


@pytest.mark.redis
def test_feedback_escalation_and_late_disclosures_are_registered_hourly(redis):
    registered = {
        job.name: job for job in build_cron(redis, "default", config.job_settings()).get_jobs()
    }
    assert registered["escalate_notices"].func_name == "inspect_app.jobs.followup.escalate_notices"
    assert registered["flag_late_disclosures"].cron == "5 * * * *"


@pytest.mark.redis
def test_two_workers_enqueue_each_overdue_slot_once_and_a_worker_runs_it(redis, late, worker_env):
    crons = [build_cron(redis, "default", config.job_settings()) for _ in range(2)]
    due_slot = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    for cron in crons:
        cron.get_jobs()[0].next_enqueue_time = due_slot

    enqueued = [cron.enqueue_jobs() for cron in crons]

    assert [len(e) for e in enqueued] == [1, 0]
    assert (
        len(get_cron_job_ids("mark_overdue", redis))
        == Queue("default", connection=redis).count
        == 1
    )
    assert all(cron.get_jobs()[0].next_enqueue_time > utcnow() for cron in crons)
    run_worker(worker_env)
    assert _statuses(late) == ["OVERDUE", "OVERDUE", "SUBMITTED", "ASSIGNED"]


@pytest.mark.redis
def test_lianjian_worker_starts_the_cron_beside_it_and_stops_it_with_it(redis, worker_env):
    worker = subprocess.Popen(
        [LIANJIAN, "worker"],
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: CronScheduler.all(redis), "the worker's cron scheduler to register")
        (cron,) = CronScheduler.all(redis)
        assert [job.func_name for job in cron.get_jobs()] == [
            "inspect_app.jobs.inspections.mark_overdue",
            "inspect_app.jobs.followup.escalate_notices",
            "inspect_app.jobs.followup.flag_late_disclosures",
            "inspect_app.jobs.audit.check_audit_chain",
            "inspect_app.jobs.audit.seal_audit_chain",  # issue 17: the backstop seal
            "inspect_app.jobs.grades.regrade_stale",
            "inspect_app.jobs.ledger.flag_overdue_draws",
        ]
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=WAIT_SECONDS)
    wait_until(lambda: not CronScheduler.all(redis), "the cron scheduler to stop with its worker")
