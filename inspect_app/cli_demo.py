"""`lianjian demo`: the loop on the embedded defaults, from an empty folder to a verified draw.

Each step goes through the same services the API uses, acting as the synthetic district's
own planners, so the demo shows the product rather than a script beside it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app

from inspect_app import audit, schema
from inspect_app.auth import actor_for
from inspect_app.cli_registry import progress_bar
from inspect_app.clock import local, utcnow
from inspect_app.db import database
from inspect_app.domain import signing_keys
from inspect_app.models import Entity, Inspector, Licence, User
from inspect_app.services import draws, seeding, tasks
from inspect_app.services.synthetic_load import DEMO_PASSWORD, load_synthetic_district
from seeds.catalogue_loader import load_catalogue

DEMO_TASKS = (
    {
        "name": "互联网上网服务营业场所 部门联合抽查（演示）",
        "industry": "IC",
        "lead": "CT",
        "partners": ["PS", "FR"],
        "risk_points": ["IC-01", "IC-02", "IC-03", "IC-05", "IC-08", "IC-09", "IC-10"],
        "team_size": 3,
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
# Public values fixed before the draw, as a public session would announce them (RFC 3797 style).
DEMO_SEED = (["7 13 21 28 34", "4 9"], "演示：宝山区双随机公开摇号（示例数值，非真实开奖）")


@click.command("demo")
@click.option(
    "--entities",
    type=click.IntRange(min=100),
    default=5000,
    show_default=True,
    help="size of the synthetic district",
)
@click.option("--seed", "seed_value", type=int, default=2021, show_default=True)
def demo_command(entities: int, seed_value: int) -> None:
    """Run the loop on the embedded defaults: registry, synthetic district, joint checks, verified draws."""
    started = time.monotonic()
    home = Path(current_app.config["LIANJIAN_HOME"])
    click.echo(
        f"数据目录 instance folder: {home}\n数据库 database: {current_app.config['DATABASE_URL']}"
    )
    schema.migrate(database.obj)
    keys = Path(current_app.config["KEYS_DIR"])
    if not (keys / signing_keys.PRIVATE_KEY_FILE).exists():
        signing_keys.generate_key_pair(keys)
    with database.connection_context():
        counts = seeding.load_catalogue(load_catalogue(), "demo", utcnow())
        click.echo("① 目录 catalogue: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        loaded = load_synthetic_district(load_catalogue(), entities, seed_value, progress_bar)
        click.echo(
            "② 模拟辖区 synthetic district: " + ", ".join(f"{v} {k}" for k, v in loaded.items())
        )
        rows = [_plan_and_draw(spec) for spec in DEMO_TASKS]
        chain = audit.verify()
        _summary(rows, chain, home, time.monotonic() - started)


def _plan_and_draw(spec: dict) -> dict:
    now = utcnow()
    planner = User.get((User.role == "planner") & (User.username == f"{spec['lead']}-user-01"))
    actor = actor_for(planner)
    start = local(now).date() + timedelta(days=7)
    data = spec | {
        "period_start": start,
        "period_end": start + timedelta(days=30),
        "deadline": start + timedelta(days=45),
    }
    task = tasks.create_task(actor, data, now)
    click.echo(f"③ 任务 task {task.code}: {task.name}")
    committed = draws.freeze_task(actor, task.code, utcnow())
    click.echo(f"   承诺值 commitment (published before the seed): {committed.commitment_hash}")
    values, provenance = DEMO_SEED
    drawn = draws.run_draw(actor, task.code, values, provenance, utcnow())
    verified = draws.verify_draw(drawn)
    assignments = drawn.result["assignments"]
    return {
        "task": task.code,
        "industry": spec["industry"],
        "frame": len(drawn.frame),
        "pool": len(drawn.pool),
        "picked": len(assignments),
        "shortfall": sum(a["shortfall"] for a in assignments),
        "exclusions": len(drawn.result["exclusions"]),
        "verified": verified["ok"],
    }


def _summary(rows: list[dict], chain, home: Path, seconds: float) -> None:
    click.echo("\n④ 抽取结果 draws")
    header = f"{'task':<14}{'industry':<9}{'frame':>7}{'pool':>6}{'picked':>8}{'shortfall':>10}{'excluded':>9}  verified"
    click.echo(header)
    for r in rows:
        click.echo(
            f"{r['task']:<14}{r['industry']:<9}{r['frame']:>7}{r['pool']:>6}{r['picked']:>8}"
            f"{r['shortfall']:>10}{r['exclusions']:>9}  {'一致 yes' if r['verified'] else 'NO'}"
        )
    click.echo(
        f"\n登记库 registry: {Entity.select().count()} entities, {Licence.select().count()} licences, "
        f"{Inspector.select().count()} inspectors"
    )
    click.echo(
        f"审计链 audit chain: {'intact' if chain.ok else 'BROKEN'} ({chain.checked} entries)"
    )
    click.echo(f"文件 files: {home} (database, signing keys)")
    click.echo(
        "下一步 next: `lianjian serve`, then sign in as e.g. CT-user-01 with password "
        f"'{DEMO_PASSWORD}'; public records at /api/v1/public/draws/<task>"
    )
    click.echo(f"用时 took {seconds:.1f} s")
