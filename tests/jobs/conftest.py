"""Fixtures for the job layer: a real Redis (a database of 1–15 claimed by this run, unless
LIANJIAN_TEST_REDIS_URL names one; emptied around each test), worker processes that see the test database, and a drawn joint check
of internet cafés (文化旅游局 leads, 公安 and 消防 partner).

Without a Redis answering, the Redis tests are skipped with the reason; under CI (CI=true) or
LIANJIAN_REQUIRE_REDIS=1 they fail instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from redis import Redis
from redis.exceptions import RedisError

from inspect_app import outbox
from inspect_app.clock import local, utcnow
from inspect_app.models import (
    Draw,
    Inspection,
    InspectionMember,
    Notification,
    OutboxJob,
    SpotCheckTask,
)
from inspect_app.services import tasks
from tests.factories import (
    accept_partners_as_planners,
    actor,
    freeze_and_draw,
    internet_cafes,
    joint_ic_task_body,
    make_inspector,
    make_user,
)

REDIS_SERVER = "redis://127.0.0.1:6379"
# Each test run claims a database of its own (1–15) in db 0, so runs on one machine never collide.
CLAIM_KEY = "lianjian:test-run:db:{}"
CLAIM_SECONDS = 3600
REQUIRE_REDIS = (
    os.environ.get("CI", "").lower() == "true" or os.environ.get("LIANJIAN_REQUIRE_REDIS") == "1"
)
PICKED = 4


def _claim_database(server: Redis) -> int:
    """A Redis database number no other test run on this machine holds."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    for number in range(1, 16):
        if server.set(CLAIM_KEY.format(number), owner, nx=True, ex=CLAIM_SECONDS):
            return number
    pytest.fail("every Redis test database (1–15) is claimed by another test run")


@pytest.fixture(scope="session")
def redis_url() -> str:
    explicit = os.environ.get("LIANJIAN_TEST_REDIS_URL")
    try:
        server = Redis.from_url(explicit or REDIS_SERVER + "/0", socket_connect_timeout=1)
        server.ping()
    except RedisError as error:
        message = f"Redis not reachable at {explicit or REDIS_SERVER}: {error}"
        if REQUIRE_REDIS:
            pytest.fail(message + " (CI requires Redis)")
        pytest.skip(message)
    if explicit:
        yield explicit
        return
    number = _claim_database(server)
    try:
        yield f"{REDIS_SERVER}/{number}"
    finally:
        server.delete(CLAIM_KEY.format(number))
        server.close()


@pytest.fixture
def redis(redis_url):
    """The test Redis database, empty at the start and the end of the test."""
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def closed_redis_url() -> str:
    """A Redis URL nothing listens on (a port just released by the OS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def queued_app(app, redis, redis_url):
    """The app with REDIS_URL set: after a commit it enqueues its jobs to the test Redis."""
    app.config["REDIS_URL"] = redis_url
    return app


@pytest.fixture
def embedded_app(app):
    """The app on the embedded default: no REDIS_URL, jobs run in-process."""
    app.config["REDIS_URL"] = None
    return app


@pytest.fixture
def worker_env(db_url, redis_url, tmp_path) -> dict[str, str]:
    """The environment of a worker process: the test database (with its PostgreSQL search_path
    option) and the test Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_TEST_STALL")}
    return env | {"DATABASE_URL": db_url, "REDIS_URL": redis_url, "LIANJIAN_HOME": str(tmp_path)}


@pytest.fixture
def district(app):
    """Six internet cafés; four inspectors each of 文化旅游局, 公安 and 消防; two CT planners."""
    cafes = internet_cafes(6)
    for n in range(1, 5):
        for department in ("CT", "PS", "FR"):
            make_inspector(f"{department}{n:04d}", department)
    return cafes


@pytest.fixture
def ct_planners(district):
    return [make_user("planner", "CT"), make_user("planner", "CT")]


@pytest.fixture
def drawn(ct_planners) -> tuple[SpotCheckTask, Draw]:
    """A joint check planned, frozen and drawn through the services; the jobs it recorded wait
    in the outbox (the test relays them itself)."""
    today = local(utcnow()).date()
    data = joint_ic_task_body() | {
        "period_start": today + timedelta(days=1),
        "period_end": today + timedelta(days=20),
        "deadline": today + timedelta(days=30),
        "fixed_count": PICKED,
    }
    planner = actor(ct_planners[0])
    now = utcnow()
    task = tasks.create_task(planner, data, now)
    accept_partners_as_planners(task.code, now)
    row = freeze_and_draw(planner, task.code, now)
    outbox.take_written()
    return SpotCheckTask.get_by_id(task.id), row


def dispatch_row(draw: Draw) -> OutboxJob:
    return OutboxJob.get(OutboxJob.dedup_key == f"dispatch_draw:{draw.id}")


def reminder_row(task: SpotCheckTask) -> OutboxJob:
    return OutboxJob.get(OutboxJob.dedup_key == f"remind_deadline:{task.id}")


def shorten(row: OutboxJob, *, timeout: int = 30, max_retries: int = 2, intervals=(0,)) -> None:
    """Test policy: retries come at once, so one burst worker sees them through."""
    OutboxJob.update(
        timeout=timeout, max_retries=max_retries, retry_intervals=list(intervals)
    ).where(OutboxJob.id == row.id).execute()


def assert_dispatched_exactly_once(draw: Draw) -> None:
    """One inspection per picked entity, one member per drawn team seat, one ASSIGNED notice per
    member, and nothing else."""
    draw = Draw.get_by_id(draw.id)
    assignments = draw.result["assignments"]
    inspections = list(Inspection.select().where(Inspection.draw == draw))
    per_entity = Counter((i.task_id, i.entity.credit_code, i.round) for i in inspections)
    assert sorted(code for _, code, _ in per_entity) == sorted(a["entity_id"] for a in assignments)
    assert set(per_entity.values()) == {1}
    seats = sum(len(ids) for a in assignments for _, ids in _team(a["team"]))
    members = list(InspectionMember.select().join(Inspection).where(Inspection.draw == draw))
    assert len(members) == seats
    notices = list(Notification.select().where(Notification.kind == "ASSIGNED"))
    assert Counter(n.dedup_key for n in notices).most_common(1)[0][1] == 1
    assert Counter((n.inspection_id, n.inspector_id) for n in notices) == Counter(
        (m.inspection_id, m.inspector_id) for m in members
    )


def _team(team):
    return team.items() if isinstance(team, dict) else team


def snapshot() -> dict[str, list]:
    """Everything a re-run could visibly change."""
    return {
        "inspections": list(
            Inspection.select(
                Inspection.id, Inspection.status, Inspection.version, Inspection.updated_at
            )
            .order_by(Inspection.id)
            .tuples()
        ),
        "members": list(
            InspectionMember.select(InspectionMember.inspection, InspectionMember.inspector)
            .order_by(InspectionMember.id)
            .tuples()
        ),
        "notifications": list(
            Notification.select(Notification.dedup_key, Notification.created_at)
            .order_by(Notification.id)
            .tuples()
        ),
    }
