"""A planner does the whole draw at the console: create, freeze, draw, show, verify."""

from __future__ import annotations

import json

import pytest

from inspect_app.cli import lianjian
from inspect_app.models import Draw
from scheduler import draw as published
from tests.factories import (
    TEST_CHAIN,
    beacon_round,
    committed_round,
    internet_cafes,
    login,
    make_inspector,
)


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


def _ended_task(runner) -> str:
    """A task whose period has ended, so publishable right after the draw (docs/domain.md)."""
    from tests.api.test_public_stages import ended_period

    ended = ended_period()
    return _create(runner, (ended["period_start"], ended["period_end"], ended["deadline"]))


def _freeze(runner, code: str, *extra: str):
    return runner.invoke(
        lianjian, args=["task", "freeze", code, "--drand-chain", TEST_CHAIN.info.hash, *extra]
    )


def _round_file(tmp_path, code: str, round_number: int | None = None):
    path = tmp_path / f"round-{code}-{round_number}.json"
    path.write_text(json.dumps(beacon_round(code, round_number)), encoding="utf-8")
    return str(path)


def _draw(runner, tmp_path, code: str, round_number: int | None = None):
    return runner.invoke(
        lianjian, args=["draw", "run", code, "--beacon", _round_file(tmp_path, code, round_number)]
    )


def test_console_draw_from_plan_to_verification(app, tmp_path):
    _district()
    runner = app.test_cli_runner()
    code = _create(runner)
    frozen = _freeze(runner, code)
    assert frozen.exit_code == 0, frozen.output
    answer = json.loads(frozen.output)
    assert len(answer["commitment_hash"]) == 64
    assert answer["seed_source"]["round"] == committed_round(code)
    drawn = _draw(runner, tmp_path, code)
    assert drawn.exit_code == 0, drawn.output
    assert drawn.output.count("CT:") == 3
    shown = runner.invoke(lianjian, args=["draw", "show", code])
    assert "exclusions:" in shown.output
    verified = runner.invoke(lianjian, args=["draw", "verify", code])
    assert verified.exit_code == 0 and "一致 match" in verified.output


def test_console_refuses_another_round_a_forged_one_and_another_chains(app, tmp_path):
    _district()
    runner = app.test_cli_runner()
    code = _create(runner)
    assert _freeze(runner, code).exit_code == 0
    committed = committed_round(code)
    other = _draw(runner, tmp_path, code, committed + 1)
    assert other.exit_code == 1 and "announced round" in other.output
    forged = beacon_round(code) | {"signature": beacon_round(code, 5)["signature"]}
    forged.pop("randomness")
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    refused = runner.invoke(lianjian, args=["draw", "run", code, "--beacon", str(path)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    stranger = published_round_of_another_chain(committed)
    path.write_text(json.dumps(stranger), encoding="utf-8")
    refused = runner.invoke(lianjian, args=["draw", "run", code, "--beacon", str(path)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert Draw.get().seed is None
    assert _draw(runner, tmp_path, code).exit_code == 0


def published_round_of_another_chain(round_number: int) -> dict:
    from scheduler.beacon import TestChain

    other = TestChain.generate(TEST_CHAIN.info.genesis_time, 3, b"another district's chain!")
    return other.sign(round_number)


def test_console_freeze_refuses_a_round_before_freeze_plus_the_delay(app):
    _district()
    runner = app.test_cli_runner()
    code = _create(runner)
    result = _freeze(runner, code, "--round", "1000")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "最早可用轮次" in result.output and "first allowed round" in result.output
    assert Draw.select().count() == 0
    unknown = runner.invoke(lianjian, args=["task", "freeze", code, "--drand-chain", "ab" * 32])
    assert unknown.exit_code == 1 and Draw.select().count() == 0


@pytest.fixture
def published_record(app, client, tmp_path):
    """A console draw published (disclosed), and the commitment announced at its freeze."""
    _district()
    runner = app.test_cli_runner()
    code = _ended_task(runner)
    announced = json.loads(_freeze(runner, code).output)["commitment_hash"]
    assert _draw(runner, tmp_path, code).exit_code == 0
    client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    return runner, code, announced, client.get(f"/api/v1/public/draws/{code}").get_json()


def _verify_file(runner, tmp_path, record: dict, *extra: str):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(lianjian, args=["draw", "verify", str(path), *extra])


def _resealed(record: dict, frame: list[dict], params: dict, beacon: dict) -> dict:
    """Everything recomputed over changed inputs: what a forger would publish."""
    remade = published.build_record_2(
        published.frame_from_dicts(frame),
        published.pool_from_dicts(record["pool"]),
        published.params_from_dict(params),
        beacon,
        TEST_CHAIN.info,
    )
    return (
        record
        | {k: remade[k] for k in ("params", "frame", "commitment", "seed", "result")}
        | {
            "result_hash": remade["result_hash"],
            "seed_source": remade["params"]["seed_source"],
        }
    )


def test_verify_with_the_announced_commitment_catches_a_resealed_file(published_record, tmp_path):
    runner, _code, announced, record = published_record
    ok = _verify_file(runner, tmp_path, record, "--commitment", announced)
    assert ok.exit_code == 0, ok.output
    frame = [row for row in record["frame"] if row["entity_id"] != record["frame"][0]["entity_id"]]
    resealed = _resealed(record, frame, record["params"], record["seed"]["reveal"])
    assert _verify_file(runner, tmp_path, resealed).exit_code == 0  # the file alone agrees
    caught = _verify_file(runner, tmp_path, resealed, "--commitment", announced)
    assert caught.exit_code == 1 and "commitment (announced)" in caught.output


def test_verify_catches_a_reseeded_file(published_record, tmp_path):
    runner, _code, announced, record = published_record
    later = record["params"]["seed_source"]["round"] + 20
    params = record["params"] | {"seed_source": record["params"]["seed_source"] | {"round": later}}
    reseeded = _resealed(record, record["frame"], params, TEST_CHAIN.sign(later))
    assert _verify_file(runner, tmp_path, reseeded).exit_code == 0  # a genuine round, resealed
    caught = _verify_file(runner, tmp_path, reseeded, "--commitment", announced)
    assert caught.exit_code == 1 and "commitment (announced)" in caught.output
    swapped = record | {"seed": record["seed"] | {"reveal": TEST_CHAIN.sign(later)}}
    refused = _verify_file(runner, tmp_path, swapped, "--commitment", announced)
    assert refused.exit_code == 1 and "announced round" in refused.output
    forged = dict(record["seed"]["reveal"])
    forged["signature"] = TEST_CHAIN.sign(later)["signature"]
    forged.pop("randomness")
    bad = record | {"seed": record["seed"] | {"reveal": forged}}
    assert _verify_file(runner, tmp_path, bad, "--commitment", announced).exit_code == 1


def test_verify_of_a_record_file_before_and_after_disclosure_detects_a_change(
    app, client, tmp_path
):
    _district()
    runner = app.test_cli_runner()
    code = _ended_task(runner)
    _freeze(runner, code)
    _draw(runner, tmp_path, code)
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


def test_verify_refuses_a_record_file_with_a_duplicate_key(published_record, tmp_path):
    runner, _, _announced, record = published_record
    text = json.dumps(record, ensure_ascii=False)
    path = tmp_path / "twice.json"
    path.write_text(text[:-1] + ', "result_hash": "' + "0" * 64 + '"}', encoding="utf-8")
    result = runner.invoke(lianjian, args=["draw", "verify", str(path)])
    assert result.exit_code == 1 and "duplicate key" in result.output


def test_console_errors_are_clear_not_tracebacks(app):
    runner = app.test_cli_runner()
    result = _freeze(runner, "CT-2099-0001")
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
    result = _freeze(runner, code)
    assert result.exit_code != 0 and "FR" in result.output and "Traceback" not in result.output
