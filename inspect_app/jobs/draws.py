"""The jobs a draw causes: dispatch its inspections, remind the teams before the deadline."""

from __future__ import annotations

import logging

from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import dispatch, reminders

log = logging.getLogger(__name__)


def dispatch_draw(outbox_id: int, draw_id: int) -> dict[str, int]:
    """Create the draw's inspections, tell every team member, render the offline copies."""
    with job_database():
        created = dispatch.dispatch_draw(outbox_id, draw_id, utcnow())
    log.info("job.dispatch_draw draw_id=%s outbox_id=%s created=%s", draw_id, outbox_id, created)
    return created


def remind_deadline(outbox_id: int, task_id: int) -> dict[str, int]:
    """A REMINDER to each member of every open inspection due by the task's deadline."""
    with job_database():
        sent = reminders.remind_deadline(outbox_id, task_id, utcnow())
    log.info("job.remind_deadline task_id=%s outbox_id=%s sent=%s", task_id, outbox_id, sent)
    return sent
