"""Jobs on inspections: the overdue check (RQ's cron) and the re-inspection round."""

from __future__ import annotations

import logging
from datetime import date, datetime

from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import overdue, reinspection

log = logging.getLogger(__name__)


def mark_overdue(now: datetime | None = None) -> dict[str, int]:
    """Cron: open inspections past their due date become OVERDUE, their planners are told."""
    with job_database():
        counts = overdue.mark_overdue(now or utcnow())
    log.info("job.mark_overdue counts=%s", counts)
    return counts


def schedule_reinspection(outbox_id: int, inspection_id: int, rectify_by: str) -> dict[str, int]:
    """The next round after a rectification period (`rectify_by` an ISO date)."""
    with job_database():
        return reinspection.schedule_reinspection(
            outbox_id, inspection_id, date.fromisoformat(rectify_by), utcnow()
        )
