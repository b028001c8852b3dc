"""Job commands: `lianjian worker` (RQ worker, RQ's scheduler, the cron jobs) and
`lianjian outbox relay|status` (the transactional outbox, see inspect_app/outbox.py)."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from redis import Redis
from rq.utils import import_attribute

from inspect_app import outbox
from inspect_app.clock import utcnow
from inspect_app.jobs import cron, relay
from inspect_app.jobs.connection import job_database
from inspect_app.models import OutboxJob

NO_REDIS = (
    "未设置 REDIS_URL：没有 Redis 时作业在应用进程内运行，无需 worker（可用 `lianjian outbox relay --once` 补跑）。"
    " / REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed "
    "(`lianjian outbox relay --once` runs any left). Set REDIS_URL=redis://host:6379/0 to run workers."
)


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
    beside = None if burst else cron.start_cron(url, names[0])
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        cron.stop_cron(beside)


@click.group("outbox")
def outbox_group() -> None:
    """The job outbox (作业发件箱): jobs recorded with the changes that cause them."""


def _relay_once(connection: Redis | None, check_lost: bool) -> outbox.RelayReport:
    return relay.run(connection, utcnow(), check_lost=check_lost, settings=current_app.config)


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
    with job_database():
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
