"""Joint checks need consent: a partner department takes part only after one of its planners
accepts; the freeze waits for every partner, and the draw takes only accepting departments."""

from __future__ import annotations

import pytest

from inspect_app.models import AuditEntry, Draw, SpotCheckTask
from tests import factories
from tests.factories import internet_cafes, joint_ic_task_body, login, make_inspector


@pytest.fixture
def district():
    cafes = internet_cafes(4)
    for n in range(1, 5):
        for department in ("CT", "PS", "FR"):
            make_inspector(f"{department}{n:04d}", department)
    return cafes


@pytest.fixture
def lead():
    return login("planner", "CT")


def _plan(client, lead, **overrides) -> str:
    response = client.post("/api/v1/tasks", json=joint_ic_task_body(**overrides), headers=lead)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def _answer(client, code, department, answer, headers=None):
    return client.post(
        f"/api/v1/tasks/{code}/partners/{department}/{answer}",
        headers=headers or login("planner", department),
    )


def test_the_freeze_waits_for_every_partner_and_names_them(client, district, lead):
    code = _plan(client, lead)
    assert _answer(client, code, "PS", "accept").status_code == 200
    refused = factories.freeze(client, code, lead)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["status"] == "PARTNERS_AWAITED"
    assert "FR" in body["message"]["zh"] and "FR" in body["message"]["en"]
    assert "PS" not in body["message"]["en"].split(":")[-1]
    assert Draw.select().count() == 0
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "DRAFT"


def test_a_declined_partner_keeps_the_task_from_freezing(client, district, lead):
    code = _plan(client, lead)
    _answer(client, code, "PS", "accept")
    declined = _answer(client, code, "FR", "decline")
    assert declined.get_json()["partner_answers"] == {"FR": "DECLINED", "PS": "ACCEPTED"}
    refused = factories.freeze(client, code, lead)
    assert refused.status_code == 409 and "FR" in refused.get_json()["message"]["zh"]


def test_once_all_accept_the_draw_takes_only_the_lead_and_accepting_partners(
    client, district, lead
):
    code = _plan(client, lead)
    assert client.get(f"/api/v1/tasks/{code}", headers=lead).get_json()["partner_answers"] == {
        "FR": "AWAITED",
        "PS": "AWAITED",
    }
    for partner in ("PS", "FR"):
        assert _answer(client, code, partner, "accept").status_code == 200
    frozen = factories.freeze(client, code, lead)
    assert frozen.status_code == 201, frozen.get_json()
    row = Draw.get(Draw.task == SpotCheckTask.get(SpotCheckTask.code == code))
    assert {p["department"] for p in row.pool} == {"CT", "PS", "FR"}
    assert row.params["partner_departments"] == ["FR", "PS"]
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.object_id == code)]
    assert actions.count("task.partner.accepted") == 2


def test_a_lead_cannot_accept_for_a_partner(client, district, lead):
    code = _plan(client, lead)
    response = _answer(client, code, "FR", "accept", headers=lead)
    assert response.status_code == 403
    assert AuditEntry.select().where(AuditEntry.action == "task.partner.accepted").count() == 0


def test_an_outsider_and_a_stranger_department_get_404(client, district, lead):
    code = _plan(client, lead)
    assert _answer(client, code, "FR", "accept", headers=login("planner", "SP")).status_code == 404
    assert _answer(client, code, "SP", "accept").status_code == 404


def test_no_answer_after_the_freeze(client, district, lead):
    code = _plan(client, lead)
    for partner in ("PS", "FR"):
        _answer(client, code, partner, "accept")
    factories.freeze(client, code, lead)
    late = _answer(client, code, "FR", "decline")
    assert late.status_code == 409 and late.get_json()["status"] == "TASK_NOT_DRAFT"


def test_a_task_without_partners_freezes_at_once(client, district, lead):
    code = _plan(client, lead, partners=[], risk_points=["IC-01", "IC-02"])
    assert factories.freeze(client, code, lead).status_code == 201


def test_a_changed_plan_asks_the_partners_again(client, district, lead):
    code = _plan(client, lead)
    for partner in ("PS", "FR"):
        _answer(client, code, partner, "accept")
    etag = client.get(f"/api/v1/tasks/{code}", headers=lead).headers["ETag"]
    changed = client.patch(
        f"/api/v1/tasks/{code}", json={"workload_cap": 50}, headers=lead | {"If-Match": etag}
    )
    assert changed.get_json()["partner_answers"] == {"FR": "AWAITED", "PS": "AWAITED"}
    assert factories.freeze(client, code, lead).status_code == 409


def test_a_partner_departments_planner_finds_the_joint_task_in_their_list(client, lead):
    code = _plan(client, lead)
    listed = client.get("/api/v1/tasks", headers=login("planner", "FR")).get_json()
    assert code in [task["code"] for task in listed]
    elsewhere = client.get("/api/v1/tasks", headers=login("planner", "MS")).get_json()
    assert code not in [task["code"] for task in elsewhere]
