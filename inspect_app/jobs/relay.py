"""The relay: hands outbox rows to RQ, or runs them here with no Redis.

After a request or console command has committed, `relay_written` hands on the jobs it
recorded: to Redis when REDIS_URL is set (if that fails the rows stay PENDING for
`lianjian outbox relay`), otherwise it runs them here, so the API and the demo work with no
queue server. This module sits above the job functions: it gives the outbox the lookup of a
job's function by name, so the outbox (below the services) never imports job code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from redis import Redis
from rq.utils import import_attribute

from inspect_app import config, outbox
from inspect_app.jobs.connection import job_database

log = logging.getLogger(__name__)
_clients: dict[str, Redis] = {}


def function_of(name: str) -> Callable[..., Any]:
    """The function of the job named `name`, imported from its registry path as RQ's worker
    imports it, so an in-process run and a worker run the same code."""
    return import_attribute(outbox.JOBS[name].function)


def redis_client(url: str) -> Redis:
    """One client (and connection pool) per URL for the life of the process."""
    if url not in _clients:
        _clients[url] = outbox.connect(url)
    return _clients[url]


def run(
    connection: Redis | None,
    now: datetime,
    *,
    check_lost: bool = True,
    settings: Mapping[str, Any] | None = None,
) -> outbox.RelayReport:
    """One relay pass (`outbox.relay`) with the job settings (batch, queue, requeues)."""
    settings = settings if settings is not None else config.job_settings()
    with job_database():
        return outbox.relay(
            connection,
            now,
            resolve=function_of,
            limit=settings["OUTBOX_BATCH"],
            queue_name=settings["JOB_QUEUE"],
            max_requeues=settings["OUTBOX_MAX_REQUEUES"],
            check_lost=check_lost,
        )


def relay_written(settings: Mapping[str, Any], now: datetime) -> outbox.RelayReport | None:
    """Relay if this context wrote outbox rows; never raises into the request that caused them."""
    if not outbox.take_written():
        return None
    url = settings.get("REDIS_URL")
    try:
        report = run(redis_client(url) if url else None, now, check_lost=False, settings=settings)
    except Exception:  # the change is committed; the outbox keeps the job for the next relay
        log.exception("outbox.after_commit failed")
        return None
    log.info("outbox.after_commit redis=%s report=%s", bool(url), report.as_dict())
    return report
