"""The whole loop over the HTTP API, with a real Redis and real RQ workers:
draw → dispatch job → tablets → submission → feedback job → licensing acts → publication →
the next draw no longer sees the cancelled licence."""

from __future__ import annotations

import uuid

from inspect_app.models import Draw, Inspection, Licence, SpotCheckTask
from tests import factories
from tests.factories import (
    accept_partners,
    desk_login,
    feedback_tag,
    inspector_with_login,
    internet_cafes,
    joint_ic_task_body,
    login,
)
from tests.jobs.workers import run_worker
from tests.tablet.conftest import SHOP as BAOSHAN_SHOP


def op() -> str:
    return str(uuid.uuid4())


def _draw(client, planner) -> str:
    body = joint_ic_task_body(
        partners=["FR"], risk_points=["IC-01", "IC-08"], fixed_count=1, team_size=2
    )
    code = client.post("/api/v1/tasks", json=body, headers=planner).get_json()["code"]
    accept_partners(client, code)
    assert factories.freeze(client, code, planner).status_code == 201
    assert factories.draw(client, code, planner).status_code == 201
    return code


def test_the_loop_over_http_with_redis_and_workers(client, queued_app, worker_env):
    (licence,) = internet_cafes(1)
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    _, fr = inspector_with_login("FR0001", "FR", name="陈立")
    planner, licensing = login("planner", "CT"), desk_login()  # at the default desk
    code = _draw(client, planner)
    assert Inspection.select().count() == 0  # the dispatch job waits in Redis
    run_worker(worker_env)
    (inspection,) = Inspection.select()
    url = f"/api/v1/tablet/inspections/{inspection.id}"

    qr = client.get(f"/api/v1/licences/{licence.number}/qr", headers=licensing).get_json()[
        "payload"
    ]
    version = client.get(url, headers=ct).get_json()["version"]
    assert (
        client.post(
            f"{url}/check-in",
            headers=ct,
            json={
                "op_id": op(),
                "base_version": version,
                "qr_payload": qr,
                "lat": BAOSHAN_SHOP[0],
                "lon": BAOSHAN_SHOP[1],
            },
        ).status_code
        == 200
    )
    for code_, headers in (("IC-01", ct), ("IC-08", fr)):
        assert (
            client.put(
                f"{url}/items/{code_}",
                headers=headers,
                json={"op_id": op(), "item_version": 0, "result": "NA"},
            ).status_code
            == 200
        )
    version = client.get(url, headers=ct).get_json()["version"]
    detail = client.put(
        f"{url}/outcome",
        headers=ct,
        json={
            "op_id": op(),
            "base_version": version,
            "outcome": "NOBIZ",
            "notes": "现场已改作他用",
        },
    ).get_json()
    for headers in (ct, fr):
        detail = client.post(
            f"{url}/signatures",
            headers=headers,
            json={"op_id": op(), "content_hash": detail["content_hash"]},
        ).get_json()
    assert (
        client.post(
            f"{url}/submit", headers=ct, json={"op_id": op(), "base_version": detail["version"]}
        ).status_code
        == 200
    )

    assert (
        client.get("/api/v1/licensing/feedback", headers=licensing).get_json() == []
    )  # delivery is a job
    run_worker(worker_env)
    (item,) = client.get("/api/v1/licensing/feedback", headers=licensing).get_json()
    acted = client.post(
        f"/api/v1/licensing/feedback/{item['id']}/act",
        headers=licensing | feedback_tag(client, item["id"], licensing),
        json={
            "action": "START_CANCELLATION",
            "reason": "未开展经营活动，依法注销",
        },
    )
    assert acted.status_code == 200
    assert Licence.get_by_id(licence.id).status == "CANCELLED"

    assert client.post(f"/api/v1/tasks/{code}/publish", headers=planner).status_code == 200
    pick = client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"][0]
    assert pick["outcome"] == "NOBIZ"

    internet_cafes(1)  # a newly licensed café joins the directory
    second = _draw(client, planner)
    frame = {
        e["entity_id"]
        for e in Draw.get(Draw.task == SpotCheckTask.get(SpotCheckTask.code == second)).frame
    }
    assert licence.holder.credit_code not in frame and len(frame) == 1
