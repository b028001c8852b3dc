"""The daily regrade (RQ's cron): grades drift with time at constant inputs (failures decay), and a
retuned config makes every grade stale; this brings the stored grades up to date in bulk."""

from __future__ import annotations

import logging

from inspect_app import audit
from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import grades

log = logging.getLogger(__name__)


def regrade_stale() -> dict:
    """Cron: regrade what is stale, store missing grades, drop those of entities without inputs
    (a re-run the same day finds nothing stale and writes nothing but its audit entry)."""
    with job_database():
        counts = grades.refresh_all(audit.SYSTEM_ACTOR, utcnow())
    log.info(
        "job.regrade_stale entities=%s written=%s dropped=%s",
        counts.entities,
        counts.written,
        counts.dropped,
    )
    return counts.as_dict()
