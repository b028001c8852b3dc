"""The tablet load benchmark's world: a registry with a drawn joint IC task, and two servers.

Built through the services (entities, licences, tasks, draws, dispatch) so the rows are the
ones the app makes itself. Inspectors and their accounts are created with the models (the app
has no service for them) and share one cheap password hash: signing in is not what is measured,
tokens are issued with auth.issue_token. Both servers are the same gunicorn with the same
settings, each in a process of its own.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from inspect_app import audit, migrate
from inspect_app.actor import Actor
from inspect_app.auth import issue_token
from inspect_app.clock import local, utcnow
from inspect_app.db import bind, open_database
from inspect_app.domain import signing_keys
from inspect_app.domain.credit_code import complete
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.domain.task import PartnerAnswer
from inspect_app.jobs.draws import dispatch_draw
from inspect_app.models import (
    Department,
    Industry,
    Inspection,
    InspectionMember,
    Inspector,
    InspectorQualification,
    Licence,
    OfflineCopy,
    OutboxJob,
    Street,
    User,
)
from inspect_app.services import draws, entities, licence_codes, licences, seeding, tasks
from seeds.catalogue_loader import load_catalogue

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
LEAD, PARTNER = "CT", "FR"  # 文化旅游局 leads the IC joint check, 消防救援支队 partners
# The task's check items; each member records the items of their own department.
ITEMS = {"CT": ("IC-01", "IC-02"), "FR": ("IC-08", "IC-09")}
TOKEN_TTL = timedelta(hours=12)
ADMIN = Actor(user_id=0, username="bench:tablet-load", role="admin", department=None)
PLANNER = Actor(user_id=0, username="bench:planner-CT", role="planner", department=LEAD)
PARTNER_PLANNER = Actor(user_id=0, username="bench:planner-FR", role="planner", department=PARTNER)
# A public-session source (6 draws of 6 from 49, about 142 bits) with fixed numbers: a benchmark
# needs no beacon; the record says the platform cannot check such numbers.
LOTTERY_DRAWS = [{"count": 6, "min": 1, "max": 49}] * 6
NUMBERS = [[7, 19, 23, 30, 41, 44]] * 6
CODE_PREFIX = "91310113MA1T"  # Baoshan (310113) companies, a series of their own
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "建国",
    "晓明",
    "立",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
]
BRANDS = ("星际", "极速", "蓝海", "云端", "飞扬", "天翼", "网鱼", "聚能", "电竞", "逐梦", "光年")
ROADS = ("牡丹江路", "淞兴路", "场中路", "友谊路", "沪太路", "共和新路", "长江西路", "殷高西路")
SPREAD_DEGREES = 0.004  # cafés sit within ~400 m of their street's centre
READY_SECONDS = 30
BASELINE_PATH = "/bench/sync"


@dataclass
class TabletSpec:
    """One inspector signed in on one tablet."""

    code: str
    department: str
    token: str
    inspections: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Visit:
    """One drawn joint inspection: where it is, its licence's QR text, its two members."""

    id: int
    qr: str
    lat: float
    lon: float
    lead: str
    partner: str


@dataclass
class World:
    """Where the registry lives and what the tablets need to know about it."""

    home: Path
    database_url: str
    keys_dir: Path
    tablets: list[TabletSpec]
    visits: dict[int, Visit]
    seconds: float
    drop_schema: str | None = None

    def workload(self) -> tuple[int, float, int]:
        """Fewest, median and most inspections per inspector."""
        counts = [len(t.inspections) for t in self.tablets]
        return min(counts), statistics.median(counts), max(counts)


def build_world(tablets: int, cafes: int, workload_cap: int, seed: int, cold: bool) -> World:
    """A fresh registry in a temp folder (or a fresh PostgreSQL schema from DATABASE_URL).
    `cold`: drop the offline copies the dispatch job rendered, so every first read renders."""
    started = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="lianjian-tablet-bench-"))
    url, drop = _database_url(home)
    keys = home / "keys"
    signing_keys.generate_key_pair(keys)
    signing_keys.generate_audit_key_pair(keys)  # the audit head is signed, as in production
    world = World(home, url, keys, [], {}, 0.0, drop)
    try:
        db = bind(url)
        audit.use_keys(keys)
        migrate.migrate(db)
        with db.connection_context():
            now = utcnow()
            seeding.load_catalogue(load_catalogue(), ADMIN.label, now)
            numbers = _cafes(cafes, random.Random(seed), now)
            world.tablets = _inspectors(tablets, now)
            draw_id = _joint_task(cafes, workload_cap, now)
            _dispatch(draw_id, cold)
            world.visits = _visits(numbers, keys, world.tablets)
        db.close()
    except BaseException:
        drop_world(world, keep=False)
        raise
    world.seconds = time.perf_counter() - started
    return world


def _database_url(home: Path) -> tuple[str, str | None]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{home / 'lianjian.db'}", None
    if url.startswith("sqlite:///"):
        if Path(url.removeprefix("sqlite:///")).exists():
            raise SystemExit(f"DATABASE_URL {url}: the file exists; give a new SQLite path")
        return url, None
    name = f"bench_{uuid.uuid4().hex[:12]}"  # a schema of its own, dropped afterwards
    admin = open_database(url)
    with admin.connection_context():
        admin.execute_sql(f"CREATE SCHEMA {name}")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{name}", name


def drop_world(world: World, keep: bool) -> None:
    if world.drop_schema and not keep:
        admin = open_database(os.environ["DATABASE_URL"])
        with admin.connection_context():
            admin.execute_sql(f"DROP SCHEMA {world.drop_schema} CASCADE")
    if not keep:
        shutil.rmtree(world.home, ignore_errors=True)


def _cafes(count: int, rng: random.Random, now) -> list[str]:
    """`count` internet cafés over Baoshan's streets, each with a live IC licence."""
    streets = list(Street.select().order_by(Street.code))
    start = date(2024, 5, 1)
    until = start.replace(year=start.year + 5) - timedelta(days=1)
    numbers = []
    for n in range(count):
        street = streets[n % len(streets)]
        brand = BRANDS[n % len(BRANDS)] + BRANDS[(n // len(BRANDS)) % len(BRANDS)]
        entity = entities.create_entity(ADMIN, {
            "credit_code": complete(f"{CODE_PREFIX}{n:05d}"),
            "name": f"上海宝山区{brand}网络会所有限公司",
            "address": f"上海市宝山区{street.name}{ROADS[n % len(ROADS)]}{100 + n}号",
            "street": street.code,
            "lat": round(street.lat + rng.uniform(-SPREAD_DEGREES, SPREAD_DEGREES), 6),
            "lon": round(street.lon + rng.uniform(-SPREAD_DEGREES, SPREAD_DEGREES), 6),
            "credit_class": "B",
        }, now)  # fmt: skip
        permits = [
            {"permit_code": "IC-P1", "permit_number": f"WWW310113{n:06d}",
             "valid_from": start, "valid_until": until},
            {"permit_code": "IC-P2", "permit_number": f"XF310113{n:06d}",
             "valid_from": start, "valid_until": until},
        ]  # fmt: skip
        number = f"BS-IC-2024-{n + 1:06d}"
        licences.issue_licence(ADMIN, {
            "number": number, "holder_code": entity.credit_code, "industry": "IC",
            "valid_until": until, "permits": permits,
        }, now)  # fmt: skip
        numbers.append(number)
    return numbers


def _inspectors(count: int, now) -> list[TabletSpec]:
    """Half 文化旅游局, half 消防 (the lead gets the odd one), IC-qualified, signed in on a tablet."""
    password = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(uuid.uuid4().hex)
    departments = {d.code: d for d in Department.select()}
    industry = Industry.get(Industry.code == "IC")
    specs = []
    for n in range(count):
        department = LEAD if n % 2 == 0 else PARTNER
        code = f"{department}{n // 2 + 1:04d}"
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        user = User.create(username=f"u-{code}", name=name, role="inspector",
                           department=departments[department], password_hash=password)  # fmt: skip
        inspector = Inspector.create(code=code, name=name, department=departments[department],
                                     active=True, user=user)  # fmt: skip
        InspectorQualification.create(inspector=inspector, industry=industry)
        raw, _ = issue_token(user, f"平板-{n + 1:03d}", now, TOKEN_TTL)
        specs.append(TabletSpec(code, department, raw))
    return specs


def _joint_task(cafes: int, workload_cap: int, now) -> int:
    """Plan, freeze and draw a joint IC check of every café (1 CT + 1 FR per team)."""
    task = tasks.create_task(PLANNER, {
        "name": "2026年第四季度互联网上网服务营业场所联合抽查（负载测试）",
        "industry": "IC", "lead": LEAD, "partners": [PARTNER],
        "risk_points": [code for codes in ITEMS.values() for code in codes],
        "fixed_count": cafes, "team_size": 2, "workload_cap": workload_cap,
        "period_start": date(2026, 12, 1), "period_end": date(2026, 12, 31),
        "deadline": date(2027, 1, 15),
    }, now)  # fmt: skip
    tasks.answer_partnership(PARTNER_PLANNER, task.code, PARTNER, PartnerAnswer.ACCEPTED, now)
    source = {"kind": "lottery", "date": local(now).date().isoformat(), "name": "负载测试 tablet load",
              "draws": LOTTERY_DRAWS}  # fmt: skip
    draws.freeze_task(PLANNER, task.code, source, now)
    return draws.run_draw(PLANNER, task.code, {"numbers": NUMBERS}, now).id


def _dispatch(draw_id: int, cold: bool) -> None:
    """What the worker does after a draw: the dispatch job, from its outbox row."""
    row = OutboxJob.get(OutboxJob.dedup_key == f"dispatch_draw:{draw_id}")
    dispatch_draw(row.id, draw_id)
    if cold:
        OfflineCopy.delete().execute()


def _visits(numbers: list[str], keys: Path, specs: list[TabletSpec]) -> dict[int, Visit]:
    by_code = {s.code: s for s in specs}
    members: dict[int, dict[str, str]] = defaultdict(dict)
    for inspection_id, code, department in (
        InspectionMember.select(InspectionMember.inspection, Inspector.code, Department.code)
        .join(Inspector)
        .switch(InspectionMember)
        .join(Department)
        .tuples()
    ):
        members[inspection_id][department] = code
        by_code[code].inspections.append(inspection_id)
    licence_of = {lic.holder_id: lic for lic in Licence.select().where(Licence.number.in_(numbers))}
    visits = {}
    for inspection in Inspection.select(Inspection.id, Inspection.entity).order_by(Inspection.id):
        team = members[inspection.id]
        if LEAD not in team or PARTNER not in team:
            continue  # a shortfall team cannot be signed by both: it is only read
        entity = inspection.entity
        visits[inspection.id] = Visit(
            inspection.id,
            licence_codes.qr_text(licence_of[entity.id], keys),
            entity.lat,
            entity.lon,
            team[LEAD],
            team[PARTNER],
        )
    for spec in specs:
        spec.inspections.sort()
    return visits


def baseline_app():
    """A bare Flask app: one endpoint answering a sync-page-sized JSON, nothing else."""
    from flask import Flask, jsonify

    app = Flask("bench_baseline")
    app.json.ensure_ascii = False
    page = baseline_page()

    @app.get(BASELINE_PATH)
    def sync():
        return jsonify(page)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app


def baseline_page() -> dict[str, Any]:
    """Three items shaped like the tablet's sync page (what a tablet with three visits gets)."""
    items = [
        {
            "id": n, "task": "CT-2026-0001", "kind": "RANDOM", "round": 0,
            "entity": {"credit_code": complete(f"{CODE_PREFIX}{n:05d}"),
                       "name": "上海宝山区星际网络会所有限公司",
                       "address": f"上海市宝山区友谊路街道牡丹江路{100 + n}号",
                       "lat": 31.405_123, "lon": 121.489_456},
            "status": "ASSIGNED", "due_on": "2027-01-15", "shortfall": False, "outcome": None,
            "version": 0, "updated_at": "2026-11-24T23:40:11.123456+00:00",
        }
        for n in range(1, 4)
    ]  # fmt: skip
    return {
        "items": items,
        "next_cursor": "MjAyNi0xMS0yNFQyMzo0MDoxMSswMDowMHwz",
        "has_more": False,
    }


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU so far of the server process and its workers (Linux /proc)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that ended while we looked
                continue
            if stat.parent.name == str(self.process.pid) or fields[1] == str(self.process.pid):
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LIANJIAN = Path(sys.executable).with_name("lianjian")
BASELINE_SERVER = """
import sys
sys.path.insert(0, {bench!r})
import _tablet_setup
from inspect_app import serving
serving.serve(_tablet_setup.baseline_app, serving.options("127.0.0.1", {port}, {w}, {t}, {c}))
"""


def server_command(name: str, port: int, workers: int, threads: int, connections: int) -> list:
    """The app exactly as `lianjian serve` runs it; the baseline through the same serving code."""
    if name == "app":
        return [
            str(LIANJIAN), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--threads", str(threads),
            "--connection-limit", str(connections),
        ]  # fmt: skip
    code = BASELINE_SERVER.format(
        bench=str(BENCH_DIR), port=port, w=workers, t=threads, c=connections
    )
    return [sys.executable, "-c", code]


def start_server(name: str, world: World, settings: dict[str, int]) -> Server:
    """The app (or the baseline) in a process of its own, on a free loopback port."""
    port = free_port()
    env = os.environ | {
        "LIANJIAN_HOME": str(world.home),
        "DATABASE_URL": world.database_url,
        "LIANJIAN_KEYS_DIR": str(world.keys_dir),
    }
    env.pop("REDIS_URL", None)  # jobs run in-process: the bench measures the API alone
    log = world.home / f"{name}-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            server_command(name, port, **settings),
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=out,
        )
    started = Server(name, port, process, log)
    _wait_ready(started)
    return started


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} server died:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{server.name} server not ready in {READY_SECONDS} s: see {server.log}")


def state_check(world: World, submitted_expected: int) -> str:
    """What the registry holds after the run: each operation had exactly one effect."""
    from inspect_app.models import ClientOperation, ItemResult, Signature

    db = bind(world.database_url)
    with db.connection_context():
        submitted = (
            Inspection.select().where(Inspection.status == InspectionStatus.SUBMITTED).count()
        )
        items = ItemResult.select().count()
        versions = Counter(r.version for r in ItemResult.select(ItemResult.version))
        line = (
            f"state: {submitted}/{submitted_expected} inspections submitted, {items} item results "
            f"(expected {len(world.visits) * sum(map(len, ITEMS.values()))}, versions "
            f"{dict(versions)}), {Signature.select().count()} signatures, "
            f"{ClientOperation.select().count()} client operations recorded"
            f" ({ClientOperation.select().where(ClientOperation.response.is_null()).count()}"
            " without their answer kept)"
        )
        line += "\n" + _audit_check()
    db.close()
    return line


def _audit_check() -> str:
    """The audit chain after the run: entries left unsealed by the writers, then the whole check
    (which seals them first): every write's entry is in a chain that verifies."""
    from inspect_app.clock import utcnow
    from inspect_app.models import AuditEntry
    from inspect_app.services import audit_chain

    unsealed = AuditEntry.select().where(AuditEntry.seq.is_null()).count()
    report = audit_chain.check_chain(utcnow(), keep=False)
    verdict = "intact" if report.ok else f"BROKEN at {report.first_bad_seq}: {report.reason}"
    return (
        f"audit chain: {AuditEntry.select().count()} entries, {unsealed} left unsealed by the "
        f"writers at the end; whole check: {verdict} ({report.checked} checked)"
    )
