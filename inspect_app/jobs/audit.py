"""The audit chain's whole check (RQ's cron): kept for the public draw verification to report."""

from __future__ import annotations

import logging

from inspect_app.clock import utcnow
from inspect_app.jobs.connection import job_database
from inspect_app.services import audit_chain

log = logging.getLogger(__name__)


def check_audit_chain() -> bool:
    """Cron: walk the chain, check its signed and published heads, keep the result."""
    with job_database():
        report = audit_chain.check_chain(utcnow())
    if report.ok:
        log.info("job.check_audit_chain ok checked=%s", report.checked)
    else:
        log.error(
            "job.check_audit_chain broken first_bad_seq=%s reason=%s",
            report.first_bad_seq,
            report.reason,
        )
    return report.ok
