"""Job commands: `lianjian worker` (RQ worker, RQ's scheduler, the overdue cron) and
`lianjian outbox relay|status` (the transactional outbox, see scheduler/outbox.py)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from typing import Any

import click
from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq.cron import CronJob, CronScheduler
from rq.utils import import_attribute, now

from inspect_app import config
from inspect_app.clock import utcnow
from inspect_app.models import OutboxJob
from scheduler import followup_jobs, jobs, outbox

NO_REDIS = (
    "未设置 REDIS_URL：没有 Redis 时作业在应用进程内运行，无需 worker（可用 `lianjian outbox relay --once` 补跑）。"
    " / REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed "
    "(`lianjian outbox relay --once` runs any left). Set REDIS_URL=redis://host:6379/0 to run workers."
)
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


def build_cron(connection: Redis, queue_name: str, settings: dict[str, Any]) -> SlotCron:
    """The schedule, declared here and nowhere else: re-reading it at start-up is the reconciliation."""
    cron = SlotCron(connection=connection)
    cron.register(
        jobs.mark_overdue,
        queue_name,
        cron=settings["OVERDUE_CRON"],
        job_timeout=jobs.OVERDUE_TIMEOUT,
        name="mark_overdue",
    )
    for function in (followup_jobs.escalate_feedback, followup_jobs.flag_late_disclosures):
        cron.register(
            function,
            queue_name,
            cron=settings["FOLLOWUP_CRON"],
            job_timeout=followup_jobs.CRON_TIMEOUT,
            name=function.__name__,
        )
    return cron


def _run_cron(url: str, queue_name: str, parent_pid: int) -> None:
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


def _start_cron(url: str, queue_name: str) -> multiprocessing.Process:
    # fork, like RQ's own scheduler process; the child opens its own Redis connection
    process = multiprocessing.get_context("fork").Process(
        target=_run_cron, args=(url, queue_name, os.getpid()), name="lianjian-cron", daemon=True
    )
    process.start()
    return process


def _stop_cron(process: multiprocessing.Process | None) -> None:
    if process is not None and process.is_alive():
        process.terminate()
        process.join(CRON_STOP_WAIT_SECONDS)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit (no cron).")
@click.option("--queues", default=None, help="Comma-separated queue names (default: JOB_QUEUE).")
@click.option(
    "--worker-class",
    default="rq.Worker",
    show_default=True,
    help="Dotted path of an RQ worker class, e.g. rq.SimpleWorker (no fork).",
)
def worker_command(burst: bool, queues: str | None, worker_class: str) -> None:
    """Run an RQ worker on REDIS_URL with RQ's scheduler; it also runs the overdue cron."""
    settings = current_app.config
    url = settings["REDIS_URL"]
    if not url:
        raise click.ClickException(NO_REDIS)
    names = [q.strip() for q in (queues or settings["JOB_QUEUE"]).split(",") if q.strip()]
    worker = import_attribute(worker_class)(names, connection=Redis.from_url(url))
    cron = None if burst else _start_cron(url, names[0])
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        _stop_cron(cron)


@click.group("outbox")
def outbox_group() -> None:
    """The job outbox (作业发件箱): jobs recorded with the changes that cause them."""


def _relay_once(connection: Redis | None, check_lost: bool) -> outbox.RelayReport:
    settings = current_app.config
    with jobs.job_database():
        return outbox.relay(
            connection,
            utcnow(),
            limit=settings["OUTBOX_BATCH"],
            queue_name=settings["JOB_QUEUE"],
            check_lost=check_lost,
            max_requeues=settings["OUTBOX_MAX_REQUEUES"],
        )


@outbox_group.command("relay")
@click.option("--once", is_flag=True, help="One pass, then exit (exit 1 if Redis is unreachable).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True)
def outbox_relay(once: bool, interval: float) -> None:
    """Enqueue pending jobs to RQ and hand back what RQ lost; with no REDIS_URL, run them here."""
    url = current_app.config["REDIS_URL"]
    connection = outbox.connect(url) if url else None
    click.echo(f"relaying to {'RQ' if url else 'in-process (no REDIS_URL)'}", err=True)
    lost_every = current_app.config["OUTBOX_LOST_CHECK_SECONDS"]
    last_check = float("-inf")
    try:
        while True:
            check_lost = time.monotonic() - last_check >= lost_every
            report = _relay_once(connection, check_lost)
            if check_lost and report.error is None:
                last_check = time.monotonic()
            summary = report.as_dict()
            if summary or once:
                click.echo(summary or "nothing to relay")
            if once:
                sys.exit(1 if report.error else 0)
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("relay stopped", err=True)


@outbox_group.command("status")
def outbox_status() -> None:
    """Rows per status, and the failed ones with their last error."""
    with jobs.job_database():
        counts = {
            status: OutboxJob.select().where(OutboxJob.status == status).count()
            for status in (
                outbox.PENDING,
                outbox.ENQUEUED,
                outbox.RUNNING,
                outbox.DONE,
                outbox.FAILED,
            )
        }
        failed = list(
            OutboxJob.select().where(OutboxJob.status == outbox.FAILED).order_by(OutboxJob.id)
        )
    click.echo("  ".join(f"{status} {count}" for status, count in counts.items()))
    for row in failed:
        last = (row.last_error or "").strip().splitlines()[-1:] or [""]
        click.echo(f"  #{row.id} {row.dedup_key} attempts={row.attempts}: {last[0]}")


COMMANDS = (worker_command, outbox_group)
