"""`lianjian worker` and `lianjian outbox relay|status` at the console."""

from __future__ import annotations

from inspect_app import outbox
from inspect_app.cli import lianjian
from inspect_app.models import OutboxJob
from tests.jobs.conftest import assert_dispatched_exactly_once, dispatch_row


def test_worker_refuses_without_redis_and_says_why_in_both_languages(embedded_app):
    result = embedded_app.test_cli_runner().invoke(lianjian, args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "未设置 REDIS_URL" in result.output and "REDIS_URL is not set" in result.output


def test_relay_once_without_redis_runs_the_due_jobs_here(embedded_app, drawn):
    _, draw = drawn
    result = embedded_app.test_cli_runner().invoke(lianjian, args=["outbox", "relay", "--once"])
    assert result.exit_code == 0, result.output
    assert dispatch_row(draw).status == outbox.DONE
    assert_dispatched_exactly_once(draw)


def test_relay_once_with_redis_unreachable_exits_1_and_keeps_the_jobs(app, drawn, closed_redis_url):
    app.config["REDIS_URL"] = closed_redis_url
    result = app.test_cli_runner().invoke(lianjian, args=["outbox", "relay", "--once"])
    assert result.exit_code == 1
    assert "error" in result.output
    assert {row.status for row in OutboxJob.select()} == {outbox.PENDING}


def test_status_lists_failed_jobs_with_their_last_error(embedded_app, drawn):
    _, draw = drawn
    OutboxJob.update(
        status=outbox.FAILED, attempts=6, last_error="Traceback …\nOperationalError: 数据库连接中断"
    ).where(OutboxJob.id == dispatch_row(draw).id).execute()
    result = embedded_app.test_cli_runner().invoke(lianjian, args=["outbox", "status"])
    assert "FAILED 1" in result.output and "PENDING 1" in result.output
    assert f"dispatch_draw:{draw.id} attempts=6: OperationalError: 数据库连接中断" in result.output
