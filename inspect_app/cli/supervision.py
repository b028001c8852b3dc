"""Supervision commands: `lianjian risk`, `lianjian task`, `lianjian draw`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from inspect_app.cli.base import Refusal, fail, system_actor
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain.task import PartnerAnswer
from inspect_app.errors import AppError
from inspect_app.services import draws, grades, tasks
from scheduler import draw as published


@click.group("risk")
def risk_group() -> None:
    """Risk grades (风险分级)."""


@risk_group.command("grade")
@click.argument("credit_code")
def risk_grade(credit_code: str) -> None:
    """An entity's grade today, with the factors that explain it."""
    with database.connection_context():
        try:
            answer = grades.grade_answer(credit_code.upper(), utcnow())
        except AppError as error:
            fail(error)
    if isinstance(answer, dict):  # 未分类: an input is missing, and which
        reason = answer["unclassified"]
        raise click.ClickException(f"未分类：{reason['zh']} / unclassified: {reason['en']}")
    grade = answer
    click.echo(f"{credit_code}  grade {grade.grade}  score {grade.score}")
    for factor in grade.factors:
        click.echo(
            f"  {factor['points']:>7}  {factor['label_zh']} / {factor['label_en']}: {factor['detail']}"
        )


@click.group("task")
def task_group() -> None:
    """Spot-check tasks (抽查任务)."""


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@task_group.command("create")
@click.option("--name", required=True)
@click.option("--industry", required=True, help="e.g. IC")
@click.option("--lead", required=True, help="lead department, e.g. CT")
@click.option("--partners", default="", help="comma-separated, e.g. PS,FR")
@click.option("--points", required=True, help="risk point codes, comma-separated")
@click.option("--fixed-count", type=click.IntRange(min=1))
@click.option(
    "--ratio",
    "ratios",
    multiple=True,
    help="GRADE=RATIO, e.g. D=0.4 (one spelling: not 0.40; default: the configured ratios)",
)
@click.option("--team-size", type=click.IntRange(min=2), default=2, show_default=True)
@click.option("--workload-cap", type=click.IntRange(min=1))
@click.option("--street", "streets", multiple=True, help="limit the scope to these streets (codes)")
@click.option("--key-items-exempt", is_flag=True)
@click.option("--period-start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--period-end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), required=True)
def task_create(**options) -> None:
    """Plan a DRAFT task."""
    data = {
        "name": options["name"],
        "industry": options["industry"],
        "lead": options["lead"],
        "partners": _codes(options["partners"]),
        "risk_points": _codes(options["points"]),
        "fixed_count": options["fixed_count"],
        "team_size": options["team_size"],
        "workload_cap": options["workload_cap"],
        "key_items_exempt": options["key_items_exempt"],
        "scope": {"streets": list(options["streets"])} if options["streets"] else {},
        "period_start": options["period_start"].date(),
        "period_end": options["period_end"].date(),
        "deadline": options["deadline"].date(),
    }
    if options["ratios"]:
        data["ratios"] = dict(part.split("=", 1) for part in options["ratios"])
    with database.connection_context():
        try:
            task = tasks.create_task(system_actor(), data, utcnow())
        except AppError as error:
            fail(error)
        click.echo(json.dumps(tasks.task_snapshot(task), ensure_ascii=False, indent=2))


def _answer(code: str, department: str, answer: PartnerAnswer) -> None:
    with database.connection_context():
        try:
            task = tasks.answer_partnership(system_actor(), code, department, answer, utcnow())
        except AppError as error:
            fail(error)
        click.echo(json.dumps(task.partner_states, ensure_ascii=False, indent=2))


@task_group.command("accept")
@click.argument("code")
@click.argument("department")
def task_accept(code: str, department: str) -> None:
    """Record that partner DEPARTMENT agrees to take part in task CODE (as its planner would)."""
    _answer(code, department, PartnerAnswer.ACCEPTED)


@task_group.command("decline")
@click.argument("code")
@click.argument("department")
def task_decline(code: str, department: str) -> None:
    """Record that partner DEPARTMENT declines task CODE (the task cannot freeze with it)."""
    _answer(code, department, PartnerAnswer.DECLINED)


def _json_file(path: str) -> object:
    """A JSON file read with the draw's input grammar (integers only, no duplicate keys)."""
    try:
        return published.parse_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"无法读取 {path} / cannot read {path}: {error}") from error


@task_group.command("freeze")
@click.argument("code")
@click.option("--drand-chain", help="the seed from this pinned drand chain (its hash)")
@click.option(
    "--round",
    "round_number",
    type=click.IntRange(min=1),
    help="the drand round (default: the first after freeze + the minimum delay)",
)
@click.option(
    "--lottery",
    "lottery_file",
    type=click.Path(exists=True, dir_okay=False),
    help='a public session instead: JSON {"kind": "lottery", "date", "name", "draws": [...]}',
)
def task_freeze(
    code: str, drand_chain: str | None, round_number: int | None, lottery_file: str | None
) -> None:
    """Freeze a task and print its commitment and seed source (publish both before the seed)."""
    if (drand_chain is None) == (lottery_file is None):
        raise Refusal(
            "须给出 --drand-chain 或 --lottery 之一", "give one of --drand-chain, --lottery"
        )
    if lottery_file:
        source = _json_file(lottery_file)
    else:
        source = {"kind": "drand", "chain_hash": drand_chain, "round": round_number}
    with database.connection_context():
        try:
            row = draws.freeze_task(system_actor(), code, source, utcnow())
        except AppError as error:
            fail(error)
        click.echo(
            json.dumps(
                draws.commitment_of(row)
                | {
                    "seed_source": row.params.get("seed_source"),
                    "frame_size": len(row.frame),
                    "pool_size": len(row.pool),
                },
                ensure_ascii=False,
                indent=2,
            )
        )


@click.group("draw")
def draw_group() -> None:
    """The double-random draw (双随机)."""


@draw_group.command("run")
@click.argument("code")
@click.option(
    "--beacon",
    "beacon_file",
    type=click.Path(exists=True, dir_okay=False),
    help="the committed drand round, as drand publishes it (JSON file)",
)
@click.option(
    "--numbers",
    multiple=True,
    help="a lottery source: the numbers of one announced draw ('3 17 22 31 8'); repeatable",
)
@click.option(
    "--values",
    "source_values",
    multiple=True,
    help="version 1 only (a task frozen before version 2): public values; repeatable",
)
@click.option("--provenance", help="version 1 only: where the values come from")
def draw_run(
    code: str,
    beacon_file: str | None,
    numbers: tuple[str, ...],
    source_values: tuple[str, ...],
    provenance: str | None,
) -> None:
    """Check the announced source's value against the commitment, derive the seed, and draw."""
    if beacon_file:
        reveal: dict = {"beacon": _json_file(beacon_file)}
    elif numbers:
        reveal = {"numbers": [_numbers(n) for n in numbers]}
    else:
        reveal = {"source_values": list(source_values), "provenance": provenance}
    with database.connection_context():
        try:
            row = draws.run_draw(system_actor(), code, reveal, utcnow())
        except AppError as error:
            fail(error)
        _print_draw(row)


def _numbers(text: str) -> list[int]:
    parts = text.replace(",", " ").split()
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        raise Refusal(f"摇号数字须为整数：{text!r}", f"lottery numbers must be integers: {text!r}")
    return [int(p) for p in parts]


@draw_group.command("show")
@click.argument("code")
def draw_show(code: str) -> None:
    """Teams and the exclusion report of a drawn task."""
    with database.connection_context():
        try:
            _print_draw(draws.draw_of(tasks.get_task(code)))
        except AppError as error:
            fail(error)


def _print_draw(row) -> None:
    click.echo(
        f"commitment {row.commitment_hash}\nseed       {row.seed}\nresult     {row.result_hash}"
    )
    if not row.result:
        return
    for a in row.result["assignments"]:
        team = "  ".join(f"{dept}:{','.join(ids) or '—'}" for dept, ids in a["team"].items())
        flag = "  ⚠ 人员不足 shortfall" if a["shortfall"] else ""
        click.echo(f"{a['sequence']:>4}  {a['entity_id']}  {a['grade']}  {team}{flag}")
    exclusions = row.result["exclusions"]
    click.echo(f"exclusions: {len(exclusions)}")
    for x in exclusions[:40]:
        click.echo(
            f"  {x['reason']:<24} entity {x['entity_id'] or '-'}  inspector {x['inspector_id'] or '-'}"
        )


@draw_group.command("verify")
@click.argument("record")
@click.option(
    "--commitment",
    "announced",
    help="the commitment_hash announced at freeze: a re-sealed record then fails",
)
def draw_verify(record: str, announced: str | None) -> None:
    """Recompute a draw: RECORD is a task code here, or a published record (JSON file).

    A version-2 record's drand round is checked against the pinned chain (a re-seeded record
    fails); with --commitment, its commitment must be the one announced at freeze."""
    path = Path(record)
    if path.is_file():
        answer = draws.verify_record(_json_file(str(path)), announced)
    else:
        with database.connection_context():
            try:
                answer = draws.verify_draw(draws.draw_of(tasks.get_task(record)))
            except AppError as error:
                fail(error)
        if announced and answer.get("ok") and announced != _commitment_of(record):
            answer = {"ok": False, "problem": "the commitment differs from the one announced"}
    click.echo(json.dumps(answer, ensure_ascii=False, indent=2, default=str))
    if not answer["ok"]:
        click.echo("不一致 MISMATCH", err=True)
        sys.exit(1)
    click.echo("一致 match")


def _commitment_of(code: str) -> str:
    with database.connection_context():
        return draws.draw_of(tasks.get_task(code)).commitment_hash


COMMANDS = (risk_group, task_group, draw_group)
