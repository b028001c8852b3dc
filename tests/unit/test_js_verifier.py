"""The draw verifier that runs in the visitor's browser (inspect_app/static/verify/*.js).

Its own tests run under Node's test runner (`node --test`, Web Crypto as in a browser): every
vector of docs/draw-vectors/ step by step, and each kind of tampering failing its step. This
wrapper runs them and fails on a non-zero exit; it skips only when `node` is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.models import Entity, Inspector, Recusal
from tests import factories
from tests.factories import internet_cafes, joint_ic_task_body, login, make_inspector

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "inspect_app" / "static" / "verify"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(
    NODE is None, reason="node (>= 20) is not installed: the JS verifier's tests need it"
)


@needs_node
def test_node_test_suite_of_the_js_verifier_passes() -> None:
    tests = sorted(str(p) for p in (VERIFY / "test").glob("*.test.mjs"))
    assert tests, "no JS verifier tests found"
    run = subprocess.run(
        [NODE, "--test", *tests], capture_output=True, text=True, timeout=300, cwd=VERIFY
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


# -- a real record: planned, accepted, frozen, drawn and published by the app --


def _verify_in_node(tmp_path: Path, record: dict, *args: str) -> tuple[int, dict]:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run(
        [NODE, str(VERIFY / "verify-cli.mjs"), str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stderr == "", run.stderr
    return run.returncode, json.loads(run.stdout)


def _steps(report: dict) -> dict[str, bool | None]:
    return {step["name"]: step["ok"] for step in report["steps"]}


def _disclosed_record(client) -> dict:
    """A joint IC task of the app, with two recusals, drawn and its results published."""
    cafes = internet_cafes(5)
    for n in range(1, 5):
        make_inspector(f"CT{n:04d}", "CT", name=f"王{n}明")
        make_inspector(f"PS{n:04d}", "PS")
        make_inspector(f"FR{n:04d}", "FR")
    cafe = Entity.get(Entity.id == cafes[0].holder_id)
    for inspector in ("CT0001", "PS0002"):
        Recusal.create(
            inspector=Inspector.get(Inspector.code == inspector), entity=cafe, reason="亲属"
        )
    planner = login("planner", "CT")
    today = local(utcnow()).date()
    period = {
        "period_start": (today - timedelta(days=40)).isoformat(),
        "period_end": (today - timedelta(days=10)).isoformat(),
        "deadline": (today - timedelta(days=5)).isoformat(),
    }
    planned = client.post("/api/v1/tasks", json=joint_ic_task_body(**period), headers=planner)
    assert planned.status_code == 201, planned.get_json()
    code = planned.get_json()["code"]
    for partner in client.get(f"/api/v1/tasks/{code}", headers=planner).get_json()["partners"]:
        accepted = client.post(
            f"/api/v1/tasks/{code}/partners/{partner}/accept", headers=login("planner", partner)
        )
        assert accepted.status_code == 200, accepted.get_json()
    assert factories.freeze(client, code, planner).status_code == 201
    assert factories.draw(client, code, planner).status_code == 201
    assert client.post(f"/api/v1/tasks/{code}/publish", headers=planner).status_code == 200
    record = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert record["stage"] == "disclosed"
    return record


@needs_node
def test_the_js_verifier_re_derives_a_real_disclosed_record(client, tmp_path):
    record = _disclosed_record(client)
    announced = record["commitment"]["commitment_hash"]
    code, report = _verify_in_node(tmp_path, record, "--commitment", announced)
    assert code == 0, report
    steps = _steps(report)
    assert steps["2 inputs valid (§2)"] is True  # the recusal digests restored from the frame
    for name in (
        "3 commitment.frame_hash",
        "3 commitment.pool_hash",
        "3 commitment.commitment_hash",
        "4 commitment announced at freeze",
        "5 seed source value",
        "6 seed.value",
        "7 result re-derived",
        "8 result_hash",
    ):
        assert steps[name] is True, (name, report)
    assert steps["5 drand BLS signature"] is None  # never claimed in the browser
    assert report["ok"] is True and report["complete"] is False


@needs_node
def test_the_js_verifier_catches_a_change_in_a_real_record(client, tmp_path):
    record = _disclosed_record(client)
    announced = record["commitment"]["commitment_hash"]
    changed = json.loads(json.dumps(record))
    changed["frame"][0]["checks_last_12m"] += 1
    code, report = _verify_in_node(tmp_path, changed, "--commitment", announced)
    assert code == 1 and _steps(report)["3 commitment.frame_hash"] is False
    wrong = "0" * 64
    code, report = _verify_in_node(tmp_path, record, "--commitment", wrong)
    assert code == 1 and _steps(report)["4 commitment announced at freeze"] is False
    picks = next(s["picks"] for s in record["result"]["strata"] if s["picks"])
    picks[0] = "91310113MA1G99999X"
    code, report = _verify_in_node(tmp_path, record)
    assert code == 1 and _steps(report)["7 result re-derived"] is False


@needs_node
def test_the_js_verifier_checks_a_drawn_record_seed_before_disclosure(client, tmp_path):
    cafes = internet_cafes(3)
    assert cafes
    for n in range(1, 3):
        make_inspector(f"CT{n:04d}", "CT")
        make_inspector(f"PS{n:04d}", "PS")
        make_inspector(f"FR{n:04d}", "FR")
    planner = login("planner", "CT")
    planned = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=planner)
    code = planned.get_json()["code"]
    for partner in client.get(f"/api/v1/tasks/{code}", headers=planner).get_json()["partners"]:
        client.post(
            f"/api/v1/tasks/{code}/partners/{partner}/accept", headers=login("planner", partner)
        )
    assert factories.freeze(client, code, planner).status_code == 201
    assert factories.draw(client, code, planner).status_code == 201
    record = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert record["stage"] == "drawn"
    rc, report = _verify_in_node(tmp_path, record)
    steps = _steps(report)
    assert rc == 0 and steps["6 seed.value"] is True and steps["7 result re-derived"] is None
    record["seed"]["value"] = "0" * 64
    rc, report = _verify_in_node(tmp_path, record)
    assert rc == 1 and _steps(report)["6 seed.value"] is False
