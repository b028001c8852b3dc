"""Jobs of the follow-up: deliver feedback to its inbox, escalate every notice left unsettled
past its due time (licensing feedback among them), flag tasks whose results were not published
in time."""

from __future__ import annotations

import logging

from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import disclosure, feedback, notifications

log = logging.getLogger(__name__)


def deliver_feedback(outbox_id: int, feedback_id: int) -> bool:
    """Put one follow-up into its inbox (a re-run finds it there and changes nothing)."""
    with job_database():
        delivered = feedback.deliver_recorded(outbox_id, feedback_id, utcnow())
    log.info("job.deliver_feedback feedback_id=%s delivered=%s", feedback_id, delivered)
    return delivered


def escalate_notices() -> dict[str, int]:
    """Cron: every notice unsettled past its due time escalates once (licensing feedback past
    its answer date among them)."""
    with job_database():
        counts = notifications.escalate_overdue(utcnow())
    log.info("job.escalate_notices counts=%s", counts)
    return counts


def flag_late_disclosures() -> int:
    """Cron: tasks not published within their working-day deadline are flagged once."""
    with job_database():
        count = disclosure.flag_late(utcnow())
    log.info("job.flag_late_disclosures flagged=%s", count)
    return count
