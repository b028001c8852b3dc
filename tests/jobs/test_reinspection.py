"""Re-inspection after a rectification period: recorded with the rectification order, run the
morning after its deadline, creating the next round once with the same team."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from rq.registry import ScheduledJobRegistry

from inspect_app import config, outbox
from inspect_app.clock import SHANGHAI, utcnow
from inspect_app.db import database
from inspect_app.jobs import inspections as inspection_jobs
from inspect_app.jobs import relay
from inspect_app.models import Inspection, InspectionMember, Notification, OutboxJob
from inspect_app.services import reinspection
from tests.jobs.conftest import snapshot

RECTIFY_BY = date(2027, 2, 26)


@pytest.fixture
def ordered(embedded_app, drawn) -> tuple[Inspection, OutboxJob]:
    """A dispatched inspection with a rectification order (整改) due RECTIFY_BY."""
    relay.run(None, utcnow())
    inspection = Inspection.select().order_by(Inspection.id).first()
    with database.atomic():
        reinspection.record_reinspection(inspection.id, RECTIFY_BY)
    outbox.take_written()
    return inspection, OutboxJob.get(
        OutboxJob.dedup_key == f"schedule_reinspection:{inspection.id}"
    )


def _team(inspection_id: int) -> set[tuple[int, int]]:
    return {
        (m.inspector_id, m.department_id)
        for m in InspectionMember.select().where(InspectionMember.inspection == inspection_id)
    }


def test_a_reinspection_is_due_the_morning_after_the_rectification_deadline(ordered):
    _, row = ordered
    assert row.run_at == datetime.combine(RECTIFY_BY + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    relay.run(None, row.run_at - timedelta(seconds=1))
    assert OutboxJob.get_by_id(row.id).status == outbox.PENDING
    assert Inspection.select().where(Inspection.round == 1).count() == 0


def test_the_reinspection_job_creates_the_next_round_once_with_the_same_team(ordered):
    parent, row = ordered
    relay.run(None, row.run_at)
    child = Inspection.get(Inspection.parent == parent.id)
    days = config.job_settings()["REINSPECTION_DAYS"]
    assert (child.round, child.kind, child.task_id, child.entity_id) == (
        1,
        "REINSPECTION",
        parent.task_id,
        parent.entity_id,
    )
    assert child.due_on == RECTIFY_BY + timedelta(days=days)
    assert _team(child.id) == _team(parent.id)
    assert Notification.select().where(Notification.inspection == child.id).count() == len(
        _team(parent.id)
    )
    before = snapshot()

    OutboxJob.update(status=outbox.PENDING).where(OutboxJob.id == row.id).execute()
    again = inspection_jobs.schedule_reinspection(row.id, parent.id, RECTIFY_BY.isoformat())

    assert again == {"inspections": 0, "notifications": 0}
    assert snapshot() == before


@pytest.mark.redis
def test_with_redis_the_reinspection_waits_in_rqs_scheduler(ordered, redis, redis_url):
    _, row = ordered
    relay.run(outbox.connect(redis_url), utcnow())
    registry = ScheduledJobRegistry("default", connection=redis)
    assert registry.get_scheduled_time(outbox.job_id(row.id)) == row.run_at
