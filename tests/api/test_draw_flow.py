"""A planner plans a joint check, freezes it (commitment), supplies the seed, draws; anyone verifies."""

from __future__ import annotations

import pytest

from inspect_app.db import database
from inspect_app.models import AuditEntry, Draw
from tests import factories
from tests.factories import (
    TEST_CHAIN,
    accept_partners,
    internet_cafes,
    joint_ic_task_body,
    login,
    make_inspector,
)


@pytest.fixture
def district():
    """Six internet cafés; inspectors of 文化旅游局, 公安 and 消防 qualified for them."""
    cafes = internet_cafes(6)
    for n in range(1, 5):
        make_inspector(f"CT{n:04d}", "CT")
        make_inspector(f"PS{n:04d}", "PS")
        make_inspector(f"FR{n:04d}", "FR")
    return cafes


@pytest.fixture
def ct_planner():
    return login("planner", "CT")


def _plan_freeze_draw(client, headers, **overrides):
    task = client.post("/api/v1/tasks", json=joint_ic_task_body(**overrides), headers=headers)
    assert task.status_code == 201, task.get_json()
    code = task.get_json()["code"]
    accept_partners(client, code)
    frozen = factories.freeze(client, code, headers)
    assert frozen.status_code == 201, frozen.get_json()
    drawn = factories.draw(client, code, headers)
    assert drawn.status_code == 201, drawn.get_json()
    return code, frozen.get_json(), drawn.get_json()


def test_joint_check_is_planned_frozen_drawn_and_publicly_verified(client, district, ct_planner):
    code, commitment, drawn = _plan_freeze_draw(client, ct_planner)
    assert code.startswith("CT-2026-")
    assert len(commitment["commitment_hash"]) == 64 and commitment["frame_size"] == 6
    assert drawn["commitment_hash"] == commitment["commitment_hash"]
    assignments = drawn["result"]["assignments"]
    assert len(assignments) == 4
    for assignment in assignments:
        team = assignment["team"]
        departments = {dept for dept in team} if isinstance(team, dict) else {d for d, _ in team}
        assert departments == {"CT", "PS", "FR"}
    verify = client.get(f"/api/v1/public/draws/{code}/verify")
    assert verify.status_code == 200
    assert verify.get_json()["ok"] is True, verify.get_json()
    public = client.get(f"/api/v1/public/draws/{code}").get_json()
    announced = commitment["seed_source"]
    assert announced["kind"] == "drand" and announced["chain_hash"] == TEST_CHAIN.info.hash
    assert public["seed_source"] == announced == public["params"]["seed_source"]
    assert public["seed"]["reveal"]["round"] == announced["round"]
    assert public["committed_at"] and public["drawn_at"] and public["checkable_by_platform"]


def test_commitment_is_published_before_any_seed(client, district, ct_planner):
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    accept_partners(client, code)
    factories.freeze(client, code, ct_planner)
    record = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert record["commitment"]["commitment_hash"] and "seed" not in record
    freeze_entry = AuditEntry.select().where(AuditEntry.action == "task.freeze").get()
    assert freeze_entry.after["commitment_hash"] == record["commitment"]["commitment_hash"]


def test_frozen_task_is_immutable(client, district, ct_planner):
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    etag = client.get(f"/api/v1/tasks/{code}", headers=ct_planner).headers["ETag"]
    accept_partners(client, code)
    factories.freeze(client, code, ct_planner)
    etag = client.get(f"/api/v1/tasks/{code}", headers=ct_planner).headers["ETag"]
    response = client.patch(
        f"/api/v1/tasks/{code}", json={"fixed_count": 5}, headers=ct_planner | {"If-Match": etag}
    )
    assert response.status_code == 409 and response.get_json()["status"] == "TASK_NOT_DRAFT"


def test_draft_task_is_edited_with_if_match(client, district, ct_planner):
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    etag = client.get(f"/api/v1/tasks/{code}", headers=ct_planner).headers["ETag"]
    ok = client.patch(
        f"/api/v1/tasks/{code}", json={"fixed_count": 5}, headers=ct_planner | {"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.get_json()["fixed_count"] == 5
    stale = client.patch(
        f"/api/v1/tasks/{code}", json={"fixed_count": 3}, headers=ct_planner | {"If-Match": etag}
    )
    assert stale.status_code == 412


def test_drawing_twice_is_refused(client, district, ct_planner):
    code, _, _ = _plan_freeze_draw(client, ct_planner)
    again = factories.draw(client, code, ct_planner)
    assert again.status_code == 409 and again.get_json()["status"] == "ALREADY_DRAWN"


def test_draw_before_freeze_is_refused(client, district, ct_planner):
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    response = factories.draw(client, code, ct_planner)
    assert response.status_code == 409 and response.get_json()["status"] == "TASK_NOT_FROZEN"


def test_a_round_with_a_bad_signature_is_a_bilingual_422(client, district, ct_planner):
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    accept_partners(client, code)
    factories.freeze(client, code, ct_planner)
    forged = factories.beacon_round(code)
    forged["signature"] = factories.beacon_round(code, 7)["signature"]
    forged.pop("randomness")
    response = factories.draw(client, code, ct_planner, beacon=forged)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["status"] == "SEED_REFUSED" and body["errors"]["beacon"][0]["zh"]


def test_shortfall_is_reported_when_no_fire_inspector_is_qualified(client, ct_planner):
    internet_cafes(3)
    for n in range(1, 4):
        make_inspector(f"CT{n:04d}", "CT")
        make_inspector(f"PS{n:04d}", "PS")
    make_inspector("FR0001", "FR", industries=("FS",))
    _, _, drawn = _plan_freeze_draw(client, ct_planner, fixed_count=2)
    assert all(a["shortfall"] for a in drawn["result"]["assignments"])
    reasons = {x["reason"] for x in drawn["result"]["exclusions"]}
    assert "shortfall" in reasons and "not_qualified" in reasons


def test_recusal_is_applied_and_reported(client, ct_planner):
    from inspect_app.models import Recusal

    cafes = internet_cafes(2)
    ct = [make_inspector(f"CT{n:04d}", "CT") for n in range(1, 4)]
    for n in range(1, 3):
        make_inspector(f"PS{n:04d}", "PS")
        make_inspector(f"FR{n:04d}", "FR")
    for inspector in ct[:2]:
        Recusal.create(inspector=inspector, entity=cafes[0].holder, reason="亲属关系")
    _, _, drawn = _plan_freeze_draw(client, ct_planner, fixed_count=2)
    first = next(
        a for a in drawn["result"]["assignments"] if a["entity_id"] == cafes[0].holder.credit_code
    )
    team = dict(first["team"]) if not isinstance(first["team"], dict) else first["team"]
    assert set(team["CT"]) == {"CT0003"}
    # A recusal is reported where it changed the pick: a recused inspector the order reached first.
    recusals = [x for x in drawn["result"]["exclusions"] if x["reason"] == "recusal_applied"]
    assert {x["inspector_id"] for x in recusals} <= {"CT0001", "CT0002"}
    assert all(x["entity_id"] == cafes[0].holder.credit_code for x in recusals)


def test_verify_detects_a_changed_snapshot(client, district, ct_planner):
    code, _, _ = _plan_freeze_draw(client, ct_planner)
    row = Draw.get()
    frame = row.frame
    frame[0]["grade"] = "D" if frame[0]["grade"] != "D" else "A"
    Draw.update(frame=frame).where(Draw.id == row.id).execute()
    answer = client.get(f"/api/v1/public/draws/{code}/verify").get_json()
    assert answer["ok"] is False
    assert answer["difference"]["path"] == "commitment.frame_hash"


def test_verify_detects_a_changed_seed(client, district, ct_planner):
    code, frozen, _ = _plan_freeze_draw(client, ct_planner)
    other = factories.beacon_round(code, frozen["seed_source"]["round"] + 1)
    Draw.update(seed_source={"reveal": other, "source_values": [other["randomness"]]}).execute()
    answer = client.get(f"/api/v1/public/draws/{code}/verify").get_json()
    assert answer["ok"] is False and "announced round" in answer["problem"]


def test_verify_detects_a_consistent_rewrite_with_another_round(client, district, ct_planner):
    """Someone redraws with the next round (signed, genuine) and rewrites the row consistently:
    the round is not the one committed at freeze."""
    from scheduler import draw as published

    code, frozen, _ = _plan_freeze_draw(client, ct_planner)
    row = Draw.get()
    other = factories.beacon_round(code, frozen["seed_source"]["round"] + 1)
    seed = published.derive_seed_2(row.commitment_hash, [other["randomness"]])
    result = published.draw(
        published.frame_from_dicts(row.frame),
        published.pool_from_dicts(row.pool),
        published.params_from_dict(row.params),
        seed,
    )
    Draw.update(
        seed_source={"reveal": other, "source_values": [other["randomness"]]},
        seed=seed.hex(),
        result=published.result_to_dict(result),
        result_hash=published.result_hash(result),
    ).execute()
    answer = client.get(f"/api/v1/public/draws/{code}/verify").get_json()
    assert answer["ok"] is False and "announced round" in answer["problem"]
    assert any("seed" in problem for problem in answer["audit_matches"])


def test_verify_detects_a_tampered_audit_row(client, district, ct_planner):
    code, _, _ = _plan_freeze_draw(client, ct_planner)
    entry = AuditEntry.select().where(AuditEntry.action == "draw.run").get()
    database.execute_sql("UPDATE audit_entry SET actor = 'someone' WHERE id = " + str(entry.id))
    answer = client.get(f"/api/v1/public/draws/{code}/verify").get_json()
    assert answer["ok"] is False and answer["audit_chain"]["ok"] is False


def test_other_departments_do_not_see_the_task(client, district, ct_planner):
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    assert client.get(f"/api/v1/tasks/{code}", headers=login("planner", "MS")).status_code == 404
    assert client.get(f"/api/v1/tasks/{code}", headers=login("planner", "PS")).status_code == 200
    assert factories.freeze(client, code, login("planner", "PS")).status_code == 403
    assert factories.freeze(client, code, login("planner", "MS")).status_code == 404
    listed = client.get("/api/v1/tasks", headers=login("planner", "MS")).get_json()
    assert listed == []


@pytest.mark.parametrize(("role", "department"), [("licensing", "ASC"), ("inspector", "CT")])
def test_only_planners_plan_tasks(client, district, role, department):
    response = client.post(
        "/api/v1/tasks", json=joint_ic_task_body(), headers=login(role, department)
    )
    assert response.status_code == 403


def test_a_planner_cannot_plan_for_another_lead(client, district):
    response = client.post(
        "/api/v1/tasks", json=joint_ic_task_body(lead="CT"), headers=login("planner", "PS")
    )
    assert response.status_code == 403


def test_points_of_departments_outside_the_task_are_refused(client, district, ct_planner):
    response = client.post(
        "/api/v1/tasks", json=joint_ic_task_body(partners=["PS"]), headers=ct_planner
    )
    assert response.status_code == 422
    assert "IC-08" in response.get_json()["errors"]["risk_points"][0]["en"]


def test_the_published_records_are_served_whole(client, district, ct_planner):
    """The schemas that type the public records drop nothing the services put in them."""
    import json

    from inspect_app.services import disclosure, draws, tasks
    from tests.api.test_public_stages import ended_period

    code, _, drawn = _plan_freeze_draw(client, ct_planner, **ended_period())
    row = Draw.get(Draw.task == tasks.get_task(code))
    plain = json.loads(json.dumps(draws.record_of(row), default=str))
    assert drawn["result"] == plain["result"]
    for disclosed in (False, True):
        if disclosed:
            client.post(f"/api/v1/tasks/{code}/publish", headers=ct_planner)
        staged = json.loads(json.dumps(draws.public_view(plain, disclosed), default=str))
        assert client.get(f"/api/v1/public/draws/{code}").get_json() == staged
    public = json.loads(json.dumps(disclosure.public_record(tasks.get_task(code)), default=str))
    page = client.get(f"/api/v1/public/tasks/{code}").get_json()
    assert page.pop("ledger")["commitment_hash"] == row.commitment_hash  # dumped from the ledger
    assert page == public
    verify = json.loads(json.dumps(draws.verify_draw(row), default=str))
    assert client.get(f"/api/v1/public/draws/{code}/verify").get_json() == verify


def _entries_checked(monkeypatch, client, url) -> int:
    """How many audit entries one verification hashes again."""
    from inspect_app import audit

    calls = {"n": 0}
    real = audit._check

    def counting(row, prev, expected_seq):
        calls["n"] += 1
        return real(row, prev, expected_seq)

    monkeypatch.setattr(audit, "_check", counting)
    answer = client.get(url).get_json()
    monkeypatch.setattr(audit, "_check", real)
    assert answer["ok"] is True, answer
    return calls["n"]


def _more_audit_entries(count: int) -> None:
    from inspect_app import audit
    from inspect_app.clock import utcnow

    with database.atomic():
        for n in range(count):
            audit.record("planner-CT", "note.add", "note", n, after={"n": n}, at=utcnow())


def test_public_verify_reads_the_same_few_audit_rows_however_long_the_chain(
    client, district, ct_planner, monkeypatch
):
    """Anonymous verification checks the draw's own entries, the signed heads and the latest
    kept chain check: it never walks the chain, and it keeps nothing."""
    from inspect_app.models import AuditCheck

    code, _, _ = _plan_freeze_draw(client, ct_planner)
    url = f"/api/v1/public/draws/{code}/verify"
    first = _entries_checked(monkeypatch, client, url)
    _more_audit_entries(300)
    longer = _entries_checked(monkeypatch, client, url)
    assert first == longer == 2  # the freeze and draw entries only
    assert AuditCheck.select().count() == 0


def test_public_verify_reports_a_tampered_entry_once_the_chain_is_checked(
    app, client, district, ct_planner
):
    from inspect_app.cli import lianjian

    code, _, _ = _plan_freeze_draw(client, ct_planner)
    url = f"/api/v1/public/draws/{code}/verify"
    assert client.get(url).get_json()["ok"] is True
    _more_audit_entries(5)
    entry = (
        AuditEntry.select().where(AuditEntry.action == "note.add").order_by(AuditEntry.seq).get()
    )
    database.execute_sql("UPDATE audit_entry SET actor = 'someone' WHERE id = " + str(entry.id))
    assert app.test_cli_runner().invoke(lianjian, args=["audit", "verify"]).exit_code == 1
    answer = client.get(url).get_json()
    assert answer["ok"] is False and answer["audit_chain"]["first_bad_seq"] == entry.seq
