"""The demo's fieldwork and licensing steps, done through the same services the API uses.

Outcomes are drawn from a fixed mix with a seeded Random: demo data only — the published
draw never uses `random`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker

from inspect_app import outbox
from inspect_app.auth import actor_for
from inspect_app.cli.base import system_actor
from inspect_app.config import DEFAULT_PUBLIC_URL
from inspect_app.db import database
from inspect_app.domain.inspection import (
    NO_ACCESS,
    PROBLEM_FOUND,
    CheckResult,
    InspectionStatus,
    Outcome,
)
from inspect_app.jobs import relay
from inspect_app.models import (
    Desk,
    Entity,
    Feedback,
    Inspection,
    InspectionMember,
    Inspector,
    Licence,
    RiskPoint,
    SpotCheckTask,
    TaskRiskPoint,
    User,
)
from inspect_app.services import desks, feedback, fieldwork, licence_codes
from inspect_app.services.fieldwork import FieldSettings

OUTCOME_MIX = {
    Outcome.OK: 60,
    Outcome.FIXED: 18,
    Outcome.CASE: 5,
    Outcome.NOBIZ: 6,
    Outcome.NOADDR: 5,
    Outcome.REFUSE: 3,
    Outcome.CLOSED: 3,
}
LICENSING_ANSWERS = {
    Outcome.NOBIZ: ("START_CANCELLATION", "经核实未开展许可经营活动，依法注销"),
    Outcome.CLOSED: ("START_CANCELLATION", "已关闭停业，依法注销"),
    Outcome.NOADDR: ("NO_ACTION", "已列入经营异常名录，待联系后处理"),
}


def run_jobs(config: Mapping[str, Any], now: datetime) -> dict[str, int]:
    """Hand the outbox to the queue: in-process by default, or Redis and a burst worker."""
    url = config.get("REDIS_URL")
    if not url:
        return outbox.run_here(
            now, resolve=relay.function_of, limit=config["OUTBOX_BATCH"]
        ).as_dict()
    connection = Redis.from_url(url)
    report = relay.run(connection, now, settings=config)
    SimpleWorker([Queue(config["JOB_QUEUE"], connection=connection)], connection=connection).work(
        burst=True, with_scheduler=False
    )
    return report.as_dict()


def carry_out(
    task: SpotCheckTask, now: datetime, settings: FieldSettings, rng: random.Random
) -> Counter:
    """Every staffed inspection of the task: check-in, items, outcome, signatures, submission."""
    outcomes: Counter = Counter()
    choices, weights = list(OUTCOME_MIX), list(OUTCOME_MIX.values())
    points = list(RiskPoint.select().join(TaskRiskPoint).where(TaskRiskPoint.task == task))
    for inspection in Inspection.select().where(
        (Inspection.task == task)
        & (Inspection.round == 0)
        & (Inspection.status != InspectionStatus.SUBMITTED)
    ):
        members = [
            m.inspector
            for m in InspectionMember.select(InspectionMember, Inspector)
            .join(Inspector)
            .where(InspectionMember.inspection == inspection)
        ]
        if inspection.shortfall or not members:
            continue
        outcome = rng.choices(choices, weights)[0]
        with database.atomic():
            _record(inspection, members, points, outcome, now, settings, rng)
        outcomes[outcome] += 1
    return outcomes


def _record(inspection, members, points, outcome, now, settings, rng) -> None:
    lead = members[0]
    entity = Entity.get_by_id(inspection.entity_id)
    if outcome not in NO_ACCESS:
        licence = (
            Licence.select()
            .where((Licence.holder == entity) & (Licence.industry == inspection.task.industry_id))
            .order_by(Licence.issued_at.desc())
            .first()
        )
        # what the inspector's camera reads off the certificate: the link holding the signed text
        qr = licence_codes.qr_link(licence, settings.keys_dir, DEFAULT_PUBLIC_URL)
        inspection = fieldwork.check_in(
            lead,
            inspection,
            qr,
            entity.lat + rng.uniform(-3e-4, 3e-4),
            entity.lon + rng.uniform(-3e-4, 3e-4),
            now,
            settings,
        )
        failing = rng.randrange(len(points)) if outcome in PROBLEM_FOUND else None
        for n, point in enumerate(points):
            recorder = next((m for m in members if m.department_id == point.department_id), lead)
            result = CheckResult.FAIL if n == failing else CheckResult.PASS
            inspection = fieldwork.record_item(
                recorder, inspection, point.code, result, "演示记录", 0, now
            )
    head = next((m for m in members if m.department_id == inspection.task.lead_id), lead)
    inspection = fieldwork.set_outcome(head, inspection, outcome, "演示：" + outcome, now)
    for member in members:
        inspection = fieldwork.sign(member, inspection, now)
    fieldwork.submit(lead, inspection, now)


def _at_the_default_desk(staff: User, now: datetime) -> None:
    """Feedback is seen at its desk (issue 13 §2): the district's default desks, the staff at
    the licensing one (open feedback moves to it when it is made)."""
    operator = system_actor()
    desks.ensure_default_desks(operator, now)
    licensing_desk = desks.DEFAULT_LAYOUT[0][0]
    if Desk.select().where(Desk.code == licensing_desk).exists():
        desks.add_member(operator, licensing_desk, staff.username, now)


def answer_licensing_feedback(now: datetime) -> Counter:
    """Licensing staff work through their inbox: acknowledge, then act on each item."""
    staff = User.select().where(User.role == "licensing").order_by(User.username).first()
    actor = actor_for(staff)
    _at_the_default_desk(staff, now)
    acted: Counter = Counter()
    for row in Feedback.select().where(
        (Feedback.kind == feedback.LICENSING) & (Feedback.status == "DELIVERED")
    ):
        action, reason = LICENSING_ANSWERS[row.outcome]
        row = feedback.acknowledge(actor, row.id, row.version, now)
        feedback.act(actor, row.id, action, reason, row.version, now)
        acted[action] += 1
    return acted


def keys_dir(config: Mapping[str, Any]) -> Path:
    return Path(config["KEYS_DIR"])
