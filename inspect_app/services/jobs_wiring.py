"""After a request or console command has committed, hand on the jobs it recorded: to Redis when
REDIS_URL is set (if that fails the rows stay PENDING for `lianjian outbox relay`), otherwise
run them here, so the API and the demo work with no queue server."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from redis import Redis

from scheduler import outbox
from scheduler.jobs import job_database

log = logging.getLogger(__name__)
_clients: dict[str, Redis] = {}


def redis_client(url: str) -> Redis:
    """One client (and connection pool) per URL for the life of the process."""
    if url not in _clients:
        _clients[url] = outbox.connect(url)
    return _clients[url]


def relay_written(config: Mapping[str, Any], now: datetime) -> outbox.RelayReport | None:
    """Relay if this context wrote outbox rows; never raises into the request that caused them."""
    if not outbox.take_written():
        return None
    url = config.get("REDIS_URL")
    try:
        with job_database():
            report = outbox.relay(
                redis_client(url) if url else None,
                now,
                limit=config["OUTBOX_BATCH"],
                queue_name=config["JOB_QUEUE"],
                check_lost=False,
            )
    except Exception:  # the change is committed; the outbox keeps the job for the next relay
        log.exception("outbox.after_commit failed")
        return None
    log.info("outbox.after_commit redis=%s report=%s", bool(url), report.as_dict())
    return report
