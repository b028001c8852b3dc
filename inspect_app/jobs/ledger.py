"""Job of the commitment ledger: flag frozen tasks whose seed round passed without a draw."""

from __future__ import annotations

import logging

from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import ledger

log = logging.getLogger(__name__)


def flag_overdue_draws() -> int:
    """Cron: a frozen task whose seed's time passed by the grace period is flagged once and its
    lead department's planners told (the public ledger shows it overdue whether or not this ran)."""
    with job_database():
        count = ledger.flag_overdue(utcnow())
    log.info("job.flag_overdue_draws flagged=%s", count)
    return count
