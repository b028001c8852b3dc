"""Submitted joint inspections with each outcome, through the tablet API."""

from __future__ import annotations

import uuid

import pytest

from inspect_app.models import Inspection
from tests.tablet.conftest import joint  # noqa: F401 (the drawn joint inspection)
from tests.tablet.test_joint_inspection import BAOSHAN_SHOP


def op() -> str:
    return str(uuid.uuid4())


def submit_with(client, case, outcome: str, result: str = "FAIL") -> Inspection:
    """Record every item, the outcome, both signatures, submit; returns the stored inspection."""
    url = f"/api/v1/tablet/inspections/{case.inspection.id}"
    version = client.get(url, headers=case.ct).get_json()["version"]
    if outcome not in ("NOADDR", "CLOSED", "REFUSE"):
        client.post(
            f"{url}/check-in",
            headers=case.ct,
            json={
                "op_id": op(),
                "base_version": version,
                "qr_payload": case.qr,
                "lat": BAOSHAN_SHOP[0],
                "lon": BAOSHAN_SHOP[1],
            },
        )
        for code in ("IC-01", "IC-02", "IC-08"):
            client.put(
                f"{url}/items/{code}",
                headers=case.ct,
                json={"op_id": op(), "base_version": 0, "result": result},
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


@pytest.fixture
def submit(client, joint):  # noqa: F811
    return lambda outcome, result="FAIL": submit_with(client, joint, outcome, result)
