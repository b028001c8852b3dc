"""Jobs of the follow-up: deliver feedback to its inbox, escalate unanswered licensing feedback,
flag tasks whose results were not published in time."""

from __future__ import annotations

import logging

from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import disclosure, feedback

log = logging.getLogger(__name__)


def deliver_feedback(outbox_id: int, feedback_id: int) -> bool:
    """Put one follow-up into its inbox (a re-run finds it there and changes nothing)."""
    with job_database():
        delivered = feedback.deliver_recorded(outbox_id, feedback_id, utcnow())
    log.info("job.deliver_feedback feedback_id=%s delivered=%s", feedback_id, delivered)
    return delivered


def escalate_feedback() -> int:
    """Cron: licensing feedback past its answer date escalates once."""
    with job_database():
        count = feedback.escalate_overdue(utcnow())
    log.info("job.escalate_feedback escalated=%s", count)
    return count


def flag_late_disclosures() -> int:
    """Cron: tasks not published within their working-day deadline are flagged once."""
    with job_database():
        count = disclosure.flag_late(utcnow())
    log.info("job.flag_late_disclosures flagged=%s", count)
    return count
