"""A drawn joint inspection of one internet café: a 文化旅游局 and a 消防 inspector on the team,
and the way a team submits it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from inspect_app.clock import utcnow
from inspect_app.domain.inspection import NO_ACCESS
from inspect_app.models import Inspection
from inspect_app.services import dispatch
from tests import factories
from tests.factories import (
    accept_partners,
    inspector_with_login,
    internet_cafes,
    joint_ic_task_body,
    login,
)

SHOP = (31.40525, 121.48935)  # a few metres from the registered 友谊路街道 address
# The task's check items and the member who records each: 文化旅游局 owns IC-01/02, 消防 IC-08.
OWNERS = (("IC-01", "ct"), ("IC-02", "ct"), ("IC-08", "fr"))


@dataclass
class Joint:
    inspection: Inspection
    licence: object
    ct: dict
    fr: dict
    qr: str


def draw_joint_check(client, cafes: int = 1, **overrides) -> list[Inspection]:
    planner = login("planner", "CT")
    body = (
        joint_ic_task_body(
            partners=["FR"], risk_points=["IC-01", "IC-02", "IC-08"], fixed_count=cafes, team_size=2
        )
        | overrides
    )
    code = client.post("/api/v1/tasks", json=body, headers=planner).get_json()["code"]
    accept_partners(client, code)
    factories.freeze(client, code, planner)
    drawn = factories.draw(client, code, planner)
    assert drawn.status_code == 201, drawn.get_json()
    from inspect_app.models import Draw, SpotCheckTask

    draw = Draw.get(Draw.task == SpotCheckTask.get(SpotCheckTask.code == code))
    dispatch.create_inspections(draw.id, utcnow())
    return list(Inspection.select().order_by(Inspection.id))


@pytest.fixture
def joint(client):
    (licence,) = internet_cafes(1)
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    _, fr = inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    (inspection,) = draw_joint_check(client)
    qr = client.get(
        f"/api/v1/licences/{licence.number}/qr", headers=login("licensing", "ASC")
    ).get_json()["payload"]
    return Joint(inspection, licence, ct, fr, qr)


def op() -> str:
    return str(uuid.uuid4())


def submit_with(client, case, outcome: str, result: str = "FAIL") -> Inspection:
    """Record every item, the outcome, both signatures, submit; returns the stored inspection."""
    url = f"/api/v1/tablet/inspections/{case.inspection.id}"
    version = client.get(url, headers=case.ct).get_json()["version"]
    if outcome not in NO_ACCESS:
        client.post(
            f"{url}/check-in",
            headers=case.ct,
            json={
                "op_id": op(),
                "base_version": version,
                "qr_payload": case.qr,
                "lat": SHOP[0],
                "lon": SHOP[1],
            },
        )
        for code, headers in OWNERS:  # each department records its own items
            client.put(
                f"{url}/items/{code}",
                headers=getattr(case, headers),
                json={"op_id": op(), "item_version": 0, "result": result},
            )
    version = client.get(url, headers=case.ct).get_json()["version"]
    detail = client.put(
        f"{url}/outcome",
        headers=case.ct,
        json={"op_id": op(), "base_version": version, "outcome": outcome},
    ).get_json()
    for headers in (case.ct, case.fr):
        detail = client.post(
            f"{url}/signatures",
            headers=headers,
            json={"op_id": op(), "content_hash": detail["content_hash"]},
        ).get_json()
    response = client.post(
        f"{url}/submit", headers=case.ct, json={"op_id": op(), "base_version": detail["version"]}
    )
    assert response.status_code == 200, response.get_json()
    return Inspection.get_by_id(case.inspection.id)
