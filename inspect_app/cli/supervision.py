"""Supervision commands: `lianjian risk`, `lianjian task`, `lianjian draw`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from inspect_app.cli.base import fail, system_actor
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain.task import PartnerAnswer
from inspect_app.errors import AppError
from inspect_app.services import draws, grades, tasks


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
    help="GRADE=RATIO, e.g. D=0.40 (default: the configured ratios)",
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


@task_group.command("freeze")
@click.argument("code")
def task_freeze(code: str) -> None:
    """Freeze a task and print its commitment (publish it before the seed exists)."""
    with database.connection_context():
        try:
            row = draws.freeze_task(system_actor(), code, utcnow())
        except AppError as error:
            fail(error)
        click.echo(
            json.dumps(
                draws.commitment_of(row)
                | {"frame_size": len(row.frame), "pool_size": len(row.pool)},
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
    "--values",
    "source_values",
    multiple=True,
    required=True,
    help="a set of public numbers ('3 17 22 31 8') or a beacon value (hex); repeatable",
)
@click.option("--provenance", required=True, help="where the values come from")
def draw_run(code: str, source_values: tuple[str, ...], provenance: str) -> None:
    """Derive the seed from the public values and the commitment, and draw."""
    with database.connection_context():
        try:
            row = draws.run_draw(system_actor(), code, list(source_values), provenance, utcnow())
        except AppError as error:
            fail(error)
        _print_draw(row)


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
def draw_verify(record: str) -> None:
    """Recompute a draw: RECORD is a task code here, or a published record (JSON file)."""
    path = Path(record)
    if path.is_file():
        try:
            answer = draws.verify_record(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError) as error:
            raise click.ClickException(f"无法读取记录 / cannot read the record: {error}") from error
    else:
        with database.connection_context():
            try:
                answer = draws.verify_draw(draws.draw_of(tasks.get_task(record)))
            except AppError as error:
                fail(error)
    click.echo(json.dumps(answer, ensure_ascii=False, indent=2, default=str))
    if not answer["ok"]:
        click.echo("不一致 MISMATCH", err=True)
        sys.exit(1)
    click.echo("一致 match")


COMMANDS = (risk_group, task_group, draw_group)
