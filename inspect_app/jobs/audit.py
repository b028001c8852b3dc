"""The audit chain's jobs (RQ's cron): the whole check, kept for the public draw verification to
report, and the sealer's backstop, which chains entries a writer's own seal left behind."""

from __future__ import annotations

import logging

from inspect_app import audit
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


def seal_audit_chain() -> int:
    """Cron: chain every unsealed entry and sign the head (a writer on PostgreSQL seals after its
    commit and gives up when another sealer is at work; this bounds how long an entry waits)."""
    with job_database():
        sealed = audit.seal()
    if sealed:
        log.info("job.seal_audit_chain sealed=%s", sealed)
    return sealed
