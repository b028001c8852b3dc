"""RQ's cron beside every worker: the overdue check, feedback escalation, late disclosures.

Each due slot of a cron job is claimed once in Redis, so any number of workers may run it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Mapping
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.cron import CronJob, CronScheduler
from rq.utils import import_attribute, now

from inspect_app import config, outbox

CRON_TICK_SECONDS = 5  # how often the cron process checks its parent worker is alive
CRON_CLAIM_TTL_SECONDS = 24 * 3600
CRON_STOP_WAIT_SECONDS = 5

log = logging.getLogger(__name__)


class SlotCron(CronScheduler):
    """RQ's cron scheduler, safe to run beside every worker: each due slot of a cron job is
    claimed once in Redis (SET NX), so starting two workers never enqueues a slot twice."""

    def enqueue_jobs(self) -> list[CronJob]:
        enqueue_time = now()
        enqueued = []
        for job in self._cron_jobs:
            if job.should_run():
                if self.claim(job):
                    job.enqueue(self.connection)
                    enqueued.append(job)
                job.set_enqueue_time(enqueue_time)
        return enqueued

    def claim(self, job: CronJob) -> bool:
        slot = int(job.next_enqueue_time.timestamp()) if job.next_enqueue_time else 0
        key = f"lianjian:cron:{job.name}:{slot}"
        return bool(self.connection.set(key, self.name, nx=True, ex=CRON_CLAIM_TTL_SECONDS))


def build_cron(connection: Redis, queue_name: str, settings: Mapping[str, Any]) -> SlotCron:
    """The schedule, read from the outbox's registry (its cron jobs, each with its timeout):
    re-reading it at start-up is the reconciliation."""
    cron = SlotCron(connection=connection)
    for name, spec in outbox.JOBS.items():
        if spec.cron is not None:
            cron.register(
                import_attribute(spec.function),
                queue_name,
                cron=settings[spec.cron],
                job_timeout=spec.policy.timeout,
                name=name,
            )
    return cron


def run_cron(url: str, queue_name: str, parent_pid: int) -> None:
    """The cron loop of one worker; it ends with its worker (or an orphaned parent)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cron = build_cron(Redis.from_url(url), queue_name, config.job_settings())
    cron.register_birth()
    try:
        while os.getppid() == parent_pid:
            try:
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
            except RedisError as error:
                log.warning("cron redis_unreachable error=%r", error)
            time.sleep(min(cron.calculate_sleep_interval(), CRON_TICK_SECONDS))
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        with contextlib.suppress(RedisError):
            cron.register_death()


def start_cron(url: str, queue_name: str) -> multiprocessing.Process:
    # fork, like RQ's own scheduler process; the child opens its own Redis connection
    process = multiprocessing.get_context("fork").Process(
        target=run_cron, args=(url, queue_name, os.getpid()), name="lianjian-cron", daemon=True
    )
    process.start()
    return process


def stop_cron(process: multiprocessing.Process | None) -> None:
    if process is not None and process.is_alive():
        process.terminate()
        process.join(CRON_STOP_WAIT_SECONDS)
