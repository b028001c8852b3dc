"""A drawn joint inspection of one internet café: a 文化旅游局 and a 消防 inspector on the team."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from inspect_app.clock import utcnow
from inspect_app.models import Inspection
from inspect_app.services import dispatch
from tests.factories import inspector_with_login, internet_cafes, joint_ic_task_body, login

SEED = {"source_values": ["3 17 22 31 8"], "provenance": "2026-11-30 公开摇号"}


@dataclass
class Joint:
    inspection: Inspection
    licence: object
    ct: dict
    fr: dict
    qr: str


def draw_joint_check(client, cafes: int = 1) -> list[Inspection]:
    planner = login("planner", "CT")
    body = joint_ic_task_body(
        partners=["FR"], risk_points=["IC-01", "IC-02", "IC-08"], fixed_count=cafes, team_size=2
    )
    code = client.post("/api/v1/tasks", json=body, headers=planner).get_json()["code"]
    client.post(f"/api/v1/tasks/{code}/freeze", headers=planner)
    drawn = client.post(f"/api/v1/tasks/{code}/draw", json=SEED, headers=planner)
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
