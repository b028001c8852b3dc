"""`lianjian demo`: the whole loop on the embedded defaults (or on DATABASE_URL and REDIS_URL).

Registry → synthetic district → two joint checks committed and drawn → dispatched through the
queue → inspections recorded with a mix of outcomes → feedback → licensing acts → results
published → a redraw that sees the changed grades → maps. Each step goes through the
services the API uses, acting as the district's own planners, inspectors and licensing staff.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import random
import shutil
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from werkzeug.serving import make_server

import maps
from inspect_app import audit, config, migrate
from inspect_app.app import create_app
from inspect_app.auth import actor_for
from inspect_app.cli import demo_steps
from inspect_app.cli.base import Refusal, progress_bar
from inspect_app.cli.synthetic import (
    STAFF_PASSWORD_FILE,
    load_synthetic_district,
    staff_password,
)
from inspect_app.clock import local, utcnow
from inspect_app.db import database
from inspect_app.domain import signing_keys
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.domain.lifecycle import Status
from inspect_app.domain.task import PartnerAnswer
from inspect_app.models import Department, Draw, Entity, Inspection, Inspector, Licence, User
from inspect_app.services import disclosure, draws, map_rows, people, seeding, tasks
from inspect_app.services.fieldwork import FieldSettings
from scheduler.beacon import TestChain
from scheduler.beacon import first_round_at_or_after as _first_round
from seeds.catalogue_loader import load_catalogue

DEMO_TASKS = (
    {
        "name": "互联网上网服务营业场所 部门联合抽查（演示）",
        "industry": "IC",
        "lead": "CT",
        "partners": ["PS", "FR"],
        "risk_points": ["IC-01", "IC-02", "IC-03", "IC-05", "IC-08", "IC-09", "IC-10"],
        "team_size": 3,
        "ratios": {"A": "0.1", "B": "0.15", "C": "0.3", "D": "0.6"},
    },
    {
        "name": "现制现售食品 部门联合抽查（演示）",
        "industry": "FS",
        "lead": "MS",
        "partners": ["EE", "FR"],
        "risk_points": ["FS-01", "FS-02", "FS-03", "FS-10", "FS-12"],
        "team_size": 3,
    },
)
# The demo's seed source: a local test chain generated for each run and pinned in the demo's own
# instance, signed like drand quicknet and labelled as a test chain: not a public beacon.
DEMO_CHAIN_FOLDER = "drand-chains"
DEMO_GENESIS = 1_577_836_800  # 2020-01-01T00:00:00Z
OUTCOME_SEED = 2026
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


@click.command("demo")
@click.option(
    "--entities",
    type=click.IntRange(min=100),
    default=5000,
    show_default=True,
    help="size of the synthetic district",
)
@click.option("--seed", "seed_value", type=int, default=2021, show_default=True)
@click.option("--verbose", is_flag=True, help="also show the log on stderr (always in demo.log)")
@click.option("--serve", is_flag=True, help="then serve the console and portal on the demo's data")
@click.option("--host", default="127.0.0.1", show_default=True, help="with --serve")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo_command(
    entities: int, seed_value: int, verbose: bool, serve: bool, host: str, port: int
) -> None:
    """Run the whole loop: registry, draw, inspections, feedback, licensing, publication, redraw, maps.

    Each run is a fresh instance in a new folder under the instance folder's demos/ (on
    DATABASE_URL, when set, only if that database is empty). It ends with one-time passwords
    for a demo planner, clerk, admin and inspector; with --serve it then serves the app on the
    demo's data until Ctrl-C."""
    started = time.monotonic()
    home = _new_folder(config.instance_dir() / "demos")
    _log_to(home / "demo.log", verbose)
    app = create_app(
        {
            "LIANJIAN_HOME": str(home),
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{home / 'lianjian.db'}",
            "KEYS_DIR": str(home / "keys"),
            "EVIDENCE_DIR": str(home / "evidence"),
        }
    )
    with app.app_context(), _demo_chain(home):
        _refuse_a_used_database(app.config["DATABASE_URL"], home)
        _run(app.config, home, entities, seed_value, started)
        with database.connection_context():
            _console_users(home, f"http://{host}:{port}", serve)
    if serve:
        _serve(app, host, port)


_CHAIN: list[TestChain] = []


@contextlib.contextmanager
def _demo_chain(home: Path):
    """A local test chain pinned for this run only (its /info in the demo's instance folder)."""
    # Fixed key and genesis, so two demos of one day commit to the same round and draw alike.
    secret = hashlib.sha256(b"lianjian demo: a local test chain, not a public beacon").digest()
    chain = TestChain.generate(genesis_time=DEMO_GENESIS, period=3, secret=secret)
    folder = home / DEMO_CHAIN_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo-test-chain.json").write_text(json.dumps(chain.info.to_info()), "utf-8")
    before = os.environ.get("LIANJIAN_DRAND_CHAINS")
    os.environ["LIANJIAN_DRAND_CHAINS"] = str(folder)
    _CHAIN[:] = [chain]
    try:
        yield chain
    finally:
        _CHAIN.clear()
        if before is None:
            os.environ.pop("LIANJIAN_DRAND_CHAINS", None)
        else:
            os.environ["LIANJIAN_DRAND_CHAINS"] = before


def _new_folder(parent: Path) -> Path:
    """demos/20261201-224501 (-2, -3 … when two start in the same second)."""
    stamp = local(utcnow()).strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise AssertionError("unreachable")


def _log_to(path: Path, verbose: bool) -> None:
    """The story on stdout; the log (migrations, jobs) in a file, on stderr only when asked."""
    handlers: list[logging.Handler] = [logging.FileHandler(path, encoding="utf-8")]
    if verbose:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, handlers=handlers, force=True)


def _refuse_a_used_database(url: str, home: Path) -> None:
    if any(applied for _name, applied in migrate.status(database.obj)):
        shutil.rmtree(home, ignore_errors=True)
        raise Refusal(
            f"DATABASE_URL 所指的数据库（{url.split('@')[-1]}）已有数据：演示须从空库开始。"
            "请换一个空数据库，或不设 DATABASE_URL（每次演示在新文件夹中使用自己的 SQLite）",
            f"The database at DATABASE_URL ({url.split('@')[-1]}) already holds data, and a demo "
            "starts from an empty one: point DATABASE_URL at an empty database, or unset it "
            "(each demo then gets its own SQLite file in a new folder)",
        )


def _run(settings: dict, home: Path, entities: int, seed_value: int, started: float) -> None:
    click.echo(
        f"数据目录 instance folder: {home}\n数据库 database: {settings['DATABASE_URL'].split('@')[-1]}"
        f"\n队列 queue: {'Redis ' + settings['REDIS_URL'].split('@')[-1] if settings['REDIS_URL'] else 'in-process'}"
        f"\n日志 log: {home / 'demo.log'}"
    )
    migrate.migrate(database.obj)
    (chain,) = _CHAIN
    click.echo(f"随机源 seed source: {chain.info.label}, chain {chain.info.hash[:16]}…")
    if not (Path(settings["KEYS_DIR"]) / signing_keys.PRIVATE_KEY_FILE).exists():
        signing_keys.generate_key_pair(Path(settings["KEYS_DIR"]))
    signing_keys.generate_audit_key_pair(Path(settings["KEYS_DIR"]))
    with database.connection_context():
        _registry(entities, seed_value)
        first = [_plan_and_draw(spec) for spec in DEMO_TASKS]
        before = _grades([row["task"] for row in first])
        click.echo(f"④ 派单 dispatch: {demo_steps.run_jobs(settings, utcnow())}")
        outcomes = _inspect(first)
        click.echo(f"⑥ 反馈送达 feedback delivered: {demo_steps.run_jobs(settings, utcnow())}")
        acted = demo_steps.answer_licensing_feedback(utcnow())
        click.echo(f"⑦ 审批处置 licensing acted: {dict(acted) or 'nothing to do'}")
        for row in first:
            disclosure.publish(_planner(row["lead"]), row["task"], utcnow())
        click.echo(
            "⑧ 结果公示 published: " + ", ".join(f"/api/v1/public/tasks/{r['task']}" for r in first)
        )
        second = [_plan_and_draw(spec) for spec in DEMO_TASKS]
        demo_steps.run_jobs(settings, utcnow())
        written = _maps(home / "maps", first[0]["task"])
        chain = audit.verify()
        _summary(first, second, before, outcomes, chain, home, written, time.monotonic() - started)


def _registry(entities: int, seed_value: int) -> None:
    counts = seeding.load_catalogue(load_catalogue(), "demo", utcnow())
    click.echo("① 目录 catalogue: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    password = staff_password(Path(current_app.config["LIANJIAN_HOME"]))
    loaded = load_synthetic_district(load_catalogue(), entities, seed_value, progress_bar, password)
    click.echo("② 模拟辖区 synthetic district: " + ", ".join(f"{v} {k}" for k, v in loaded.items()))
    click.echo(f"   {password.notice()}")


def _planner(department: str):
    return actor_for(
        User.get((User.role == "planner") & (User.username == f"{department}-user-01"))
    )


def _plan_and_draw(spec: dict) -> dict:
    now = utcnow()
    actor = _planner(spec["lead"])
    # The period opens today, so the visits the demo records now fall inside it.
    start = local(now).date()
    data = spec | {
        "period_start": start,
        "period_end": start + timedelta(days=30),
        "deadline": start + timedelta(days=45),
    }
    task = tasks.create_task(actor, data, now)
    for partner in task.partners:  # each partner department agrees through its own planner
        tasks.answer_partnership(_planner(partner), task.code, partner, PartnerAnswer.ACCEPTED, now)
    (chain,) = _CHAIN
    # the first round of the next UTC day: after freeze + the delay, and the same all day long
    earliest = now.timestamp() + config.draw_min_delay_seconds()
    next_day = (int(earliest) // 86_400 + 1) * 86_400
    source = {
        "kind": "drand",
        "chain_hash": chain.info.hash,
        "round": _first_round(chain.info, next_day),
    }
    committed = draws.freeze_task(actor, task.code, source, utcnow())
    round_number = committed.params["seed_source"]["round"]
    click.echo(
        f"③ {task.code} {task.name}\n   承诺值 commitment: {committed.commitment_hash}"
        f"\n   随机源 seed: round {round_number} of the local test chain (signed ahead: demo only)"
    )
    drawn = draws.run_draw(actor, task.code, {"beacon": chain.sign(round_number)}, utcnow())
    assignments = drawn.result["assignments"]
    return {
        "task": task.code,
        "lead": spec["lead"],
        "industry": spec["industry"],
        "frame": len(drawn.frame),
        "pool": len(drawn.pool),
        "picked": len(assignments),
        "shortfall": sum(a["shortfall"] for a in assignments),
        "verified": draws.verify_draw(drawn)["ok"],
    }


def _grades(codes: list[str]) -> dict[str, str]:
    """Grades in the frames of these tasks' draws, by credit code."""
    found: dict[str, str] = {}
    for row in Draw.select().join(tasks.SpotCheckTask).where(tasks.SpotCheckTask.code.in_(codes)):
        found |= {e["entity_id"]: e["grade"] for e in row.frame}
    return found


def _inspect(first: list[dict]) -> Counter:
    config = current_app.config
    settings = FieldSettings.from_config(config)
    rng = random.Random(OUTCOME_SEED)
    outcomes: Counter = Counter()
    for row in first:
        outcomes += demo_steps.carry_out(tasks.get_task(row["task"]), utcnow(), settings, rng)
    click.echo(f"⑤ 检查结果 outcomes: { {str(k): v for k, v in outcomes.items()} }")
    return outcomes


def _maps(folder: Path, task_code: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    tiles, task, today = (
        current_app.config["MAP_TILES"],
        tasks.get_task(task_code),
        local(utcnow()).date(),
    )
    pages = {
        "entities.html": ("entities", {}),
        f"draw-{task_code}.html": ("draw", {"task": task}),
        f"progress-{task_code}.html": ("progress", {"task": task}),
        "failures-by-street.html": ("failures", {}),
    }
    return [
        maps.write_html(map_rows.build(kind, tiles=tiles, today=today, **scope), folder / name)
        for name, (kind, scope) in pages.items()
    ]


def _summary(first, second, before, outcomes, chain, home: Path, written, seconds: float) -> None:
    click.echo("\n⑨ 抽取 draws")
    click.echo(
        f"{'task':<14}{'industry':<9}{'frame':>7}{'pool':>6}{'picked':>8}{'shortfall':>10}  verified"
    )
    for r in (*first, *second):
        click.echo(
            f"{r['task']:<14}{r['industry']:<9}{r['frame']:>7}{r['pool']:>6}{r['picked']:>8}"
            f"{r['shortfall']:>10}  {'一致 yes' if r['verified'] else 'NO'}"
        )
    after = _grades([r["task"] for r in second])
    inspected = {
        e.credit_code
        for e in Entity.select()
        .join(Inspection, on=(Inspection.entity == Entity.id))
        .where(Inspection.status == InspectionStatus.SUBMITTED)
    }
    changed = sorted(
        code
        for code in inspected
        if code in before and code in after and before[code] != after[code]
    )
    left = sorted(code for code in before if code not in after and code in _cancelled())
    click.echo(
        f"\n⑩ 闭环 the loop closes: {sum(outcomes.values())} inspections submitted; "
        f"{len(changed)} inspected entities changed grade in the redraw; "
        f"{len(left)} cancelled licences left the frame"
    )
    for code in changed[:8]:
        click.echo(f"   {code}  {before[code]} → {after[code]}")
    click.echo(
        f"\n审计链 audit chain: {'intact' if chain.ok else 'BROKEN'} ({chain.checked} entries)"
    )
    click.echo(f"地图 maps: {', '.join(str(p) for p in written)}")
    click.echo(f"文件 files: {home} (database, signing keys, evidence, maps)")
    click.echo(
        f"其他职员 other staff: CT-user-01 (planner), ASC-user-01 (licensing) … with the staff "
        f"password kept in {home / STAFF_PASSWORD_FILE}"
    )
    click.echo(f"用时 took {seconds:.1f} s")


# The newcomer's accounts (issue 15): one per role, each with a one-time password, so the first
# sign-in asks for a password of their own. (username, role, department, label)
DEMO_USERS = (
    ("demo-planner", "planner", "CT", "计划人员 planner, 区文化旅游局"),
    ("demo-clerk", "licensing", "ASC", "许可审批 licensing clerk"),
    ("demo-admin", "admin", None, "系统管理员 admin"),
    ("demo-inspector", "inspector", "CT", "检查人员 inspector (tablet app)"),
)


def _console_users(home: Path, url: str, serving: bool) -> None:
    """Create the demo's four accounts and tell how to open the console on the demo's data."""
    now = utcnow()
    admin = actor_for(User.get((User.role == "admin") & User.active))
    made = []
    for username, role, department, label in DEMO_USERS:
        data = {"username": username, "name": "演示用户", "role": role, "department": department}
        created = people.create_user(admin, data, now)
        if role == "inspector":
            _link_to_an_inspector(admin, created.user, department, now)
        made.append((username, label, created.temporary_password))
    click.echo("\n⑪ 管理端 the console")
    if serving:
        click.echo(f"   打开 open {url}/console/ (门户 portal: {url}/) — serving until Ctrl-C")
    else:
        click.echo(
            f"   打开 open {url}/console/ after `lianjian demo --serve` (a new demo, served), or "
            f"serve this one: `LIANJIAN_HOME={home} lianjian serve`"
        )
    click.echo("   一次性密码 one-time passwords (the first sign-in asks for a new one):")
    for username, label, password in made:
        click.echo(f"   {username:<16}{password}   {label}")
    click.echo(
        f"   平板 tablet app: {url}/tablet/ — demo-inspector sets a password at {url}/console/password"
        " first, then signs in on the tablet (docs/tablet-app.md)"
    )


def _link_to_an_inspector(admin, user: User, department: str, now) -> None:
    inspector = (
        Inspector.select()
        .join(Department)
        .where((Department.code == department) & Inspector.user.is_null())
        .order_by(Inspector.code)
        .first()
    )
    if inspector is not None:
        people.link_inspector(admin, user.id, inspector.code, user.version, now)


def _serve(app, host: str, port: int) -> None:
    """The demo's app on a threaded development server, until Ctrl-C."""
    server = make_server(host, port, app, threaded=True)
    click.echo(f"   serving http://{host}:{server.server_port}/ (Ctrl-C stops)", nl=True)
    try:
        server.serve_forever()  # werkzeug's returns on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    click.echo("\n   stopped")


def _cancelled() -> set[str]:
    return {
        code
        for (code,) in Licence.select(Entity.credit_code)
        .join(Entity)
        .where(Licence.status == Status.CANCELLED)
        .tuples()
    }
