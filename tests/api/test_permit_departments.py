"""The permit's own department acts on it (实施主体不变): a suspension or revocation asked by a
licensing desk that issues none of the licence's permits is recorded as routed to the issuing
departments, not applied; the issuing department's own desk or planner decides it."""

from __future__ import annotations

import pytest

from inspect_app.models import AuditEntry, Licence, LicenceEvent, Notification
from tests.factories import if_match, login, make_licence, make_user


def _post(client, licence, kind, headers):
    return client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": kind, "reason": "违规接纳未成年人，责令停业整顿"},
        headers=headers | if_match(client, licence.number),
    )


@pytest.mark.parametrize("kind", ["SUSPEND", "REVOKE"])
def test_a_desk_outside_the_issuing_departments_only_routes_the_step(client, kind):
    licence = make_licence()  # IC: 网络文化经营许可证 by CT, 消防 by FR
    ct_planner = make_user("planner", "CT")
    response = _post(client, licence, kind, login("licensing", "ASC"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "ACTIVE" and Licence.get_by_id(licence.id).status == "ACTIVE"
    last = body["events"][-1]
    assert last["kind"] == "NOTE"
    assert last["changes"]["routed"] == kind and last["changes"]["routed_to"] == ["CT", "FR"]
    assert Notification.get(Notification.user == ct_planner.id).kind == "LICENCE_ROUTED"
    assert AuditEntry.select().where(AuditEntry.action == "licence.routed").count() == 1


@pytest.mark.parametrize("headers", [("licensing", "FR"), ("planner", "CT")])
def test_the_issuing_department_decides_the_suspension(client, headers):
    licence = make_licence()
    response = _post(client, licence, "SUSPEND", login(*headers))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "SUSPENDED"
    event = LicenceEvent.select().order_by(LicenceEvent.id.desc()).get()
    assert event.kind == "SUSPEND" and event.department.code == headers[1]


def test_the_routed_request_then_decided_by_the_issuing_department(client):
    licence = make_licence()
    _post(client, licence, "SUSPEND", login("licensing", "ASC"))
    decided = _post(client, licence, "SUSPEND", login("planner", "CT"))
    assert decided.get_json()["status"] == "SUSPENDED"
    assert [e["kind"] for e in decided.get_json()["events"]] == ["NEW", "NOTE", "SUSPEND"]


def test_other_licensing_steps_stay_with_the_licensing_desk(client):
    licence = make_licence()
    response = _post(client, licence, "CANCEL", login("licensing", "ASC"))
    assert response.status_code == 201 and response.get_json()["status"] == "CANCELLED"
