"""A planner does the whole draw at the console: create, freeze, draw, show, verify."""

from __future__ import annotations

import json

from inspect_app.cli import lianjian
from inspect_app.models import Draw
from tests.factories import internet_cafes, login, make_inspector


def _district():
    internet_cafes(5)
    for n in range(1, 4):
        for department in ("CT", "PS", "FR"):
            make_inspector(f"{department}{n:04d}", department)


def _create(runner, period=("2026-12-01", "2026-12-31", "2027-01-10")):
    start, end, deadline = period
    result = runner.invoke(
        lianjian,
        args=[
            "task",
            "create",
            "--name",
            "网吧联合抽查（控制台）",
            "--industry",
            "IC",
            "--lead",
            "CT",
            "--partners",
            "PS,FR",
            "--points",
            "IC-01,IC-03,IC-08",
            "--fixed-count",
            "3",
            "--team-size",
            "3",
            "--period-start",
            start,
            "--period-end",
            end,
            "--deadline",
            deadline,
        ],
    )
    assert result.exit_code == 0, result.output
    code = json.loads(result.output)["code"]
    for partner in ("PS", "FR"):
        accepted = runner.invoke(lianjian, args=["task", "accept", code, partner])
        assert accepted.exit_code == 0 and f'"{partner}": "ACCEPTED"' in accepted.output
    return code


def test_console_draw_from_plan_to_verification(app, tmp_path):
    _district()
    runner = app.test_cli_runner()
    code = _create(runner)
    frozen = runner.invoke(lianjian, args=["task", "freeze", code])
    assert frozen.exit_code == 0 and len(json.loads(frozen.output)["commitment_hash"]) == 64
    drawn = runner.invoke(
        lianjian,
        args=[
            "draw",
            "run",
            code,
            "--values",
            "5 11 23 37 40",
            "--provenance",
            "上证指数收盘价 2026-11-30",
        ],
    )
    assert drawn.exit_code == 0, drawn.output
    assert drawn.output.count("CT:") == 3
    shown = runner.invoke(lianjian, args=["draw", "show", code])
    assert "exclusions:" in shown.output
    verified = runner.invoke(lianjian, args=["draw", "verify", code])
    assert verified.exit_code == 0 and "一致 match" in verified.output


def test_console_verify_of_a_published_record_file_detects_a_change(app, client, tmp_path):
    from tests.api.test_public_stages import ended_period

    _district()
    runner = app.test_cli_runner()
    ended = ended_period()  # publishable right after the draw (docs/domain.md)
    code = _create(runner, (ended["period_start"], ended["period_end"], ended["deadline"]))
    runner.invoke(lianjian, args=["task", "freeze", code])
    runner.invoke(
        lianjian,
        args=["draw", "run", code, "--values", "5 11 23 37 40", "--provenance", "公开摇号"],
    )
    before = client.get(f"/api/v1/public/draws/{code}").get_json()
    early = tmp_path / "drawn.json"
    early.write_text(json.dumps(before, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(lianjian, args=["draw", "verify", str(early)]).exit_code == 0
    client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    record = client.get(f"/api/v1/public/draws/{code}").get_json()
    good = tmp_path / "record.json"
    good.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(lianjian, args=["draw", "verify", str(good)]).exit_code == 0
    record["result"]["assignments"][0]["entity_id"] = record["result"]["assignments"][1][
        "entity_id"
    ]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(lianjian, args=["draw", "verify", str(bad)])
    assert result.exit_code == 1 and "result.assignments[0]" in result.output


def test_console_errors_are_clear_not_tracebacks(app):
    runner = app.test_cli_runner()
    result = runner.invoke(lianjian, args=["task", "freeze", "CT-2099-0001"])
    assert result.exit_code != 0
    assert "未找到该抽查任务" in result.output and "Traceback" not in result.output
    assert Draw.select().count() == 0


def test_console_grade_explains_itself(app):
    (licence,) = internet_cafes(1)
    result = app.test_cli_runner().invoke(
        lianjian, args=["risk", "grade", licence.holder.credit_code]
    )
    assert result.exit_code == 0
    assert "grade" in result.output and "信用" in result.output


def test_console_freeze_waits_for_every_partner(app):
    _district()
    runner = app.test_cli_runner()
    code = _create(runner)
    runner.invoke(lianjian, args=["task", "decline", code, "FR"])
    result = runner.invoke(lianjian, args=["task", "freeze", code])
    assert result.exit_code != 0 and "FR" in result.output and "Traceback" not in result.output
