"""Two inspectors of different departments carry out one joint inspection from their tablets."""

from __future__ import annotations

import uuid

from inspect_app.models import ClientOperation, Evidence, Inspection, ItemResult
from tests.factories import PNG_1PX
from tests.tablet.conftest import SHOP as BAOSHAN_SHOP


def op() -> str:
    return str(uuid.uuid4())


def _url(joint, tail=""):
    return f"/api/v1/tablet/inspections/{joint.inspection.id}{tail}"


def _version(client, joint, headers):
    return client.get(_url(joint), headers=headers).get_json()["version"]


def test_the_joint_inspection_from_draw_to_submission(client, joint):
    # Both members see it in their own list.
    for headers in (joint.ct, joint.fr):
        items = client.get("/api/v1/tablet/inspections", headers=headers).get_json()["items"]
        assert [i["id"] for i in items] == [joint.inspection.id]
    # The checklist is grouped by department, lead first.
    detail = client.get(_url(joint), headers=joint.ct).get_json()
    assert [g["department"] for g in detail["checklist"]] == ["CT", "FR"]
    assert detail["licence"]["number"] == joint.licence.number
    # Check-in with the scanned QR code and GPS.
    checked = client.post(
        _url(joint, "/check-in"),
        headers=joint.ct,
        json={
            "op_id": op(),
            "base_version": detail["version"],
            "qr_payload": joint.qr,
            "lat": BAOSHAN_SHOP[0],
            "lon": BAOSHAN_SHOP[1],
        },
    )
    assert checked.status_code == 200, checked.get_json()
    assert (
        checked.get_json()["check_in"]["distance_m"] < 50
        and not checked.get_json()["check_in"]["far"]
    )
    # Each records the items of their own department, side by side.
    for code, headers in (("IC-01", joint.ct), ("IC-02", joint.ct), ("IC-08", joint.fr)):
        response = client.put(
            _url(joint, f"/items/{code}"),
            headers=headers,
            json={"op_id": op(), "item_version": 0, "result": "PASS", "notes": "现场核查"},
        )
        assert response.status_code == 200, response.get_json()
    # A photo of the fire exit.
    photo = client.post(
        _url(joint, "/evidence"),
        headers=joint.fr,
        content_type="multipart/form-data",
        data={
            "op_id": op(),
            "risk_point": "IC-08",
            "photo": (__import__("io").BytesIO(PNG_1PX), "exit.png"),
        },
    )
    assert photo.status_code == 201, photo.get_json()
    version = _version(client, joint, joint.ct)
    outcome = client.put(
        _url(joint, "/outcome"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": version, "outcome": "OK", "notes": "未发现问题"},
    )
    assert outcome.status_code == 200
    content_hash = outcome.get_json()["content_hash"]
    # Both sign the same content, each with their own token.
    for headers in (joint.ct, joint.fr):
        signed = client.post(
            _url(joint, "/signatures"),
            headers=headers,
            json={"op_id": op(), "content_hash": content_hash},
        )
        assert signed.status_code == 200, signed.get_json()
    assert all(m["signed"] for m in signed.get_json()["team"])
    # Submit; the tablet's retry of the same operation changes nothing.
    submission = {"op_id": op(), "base_version": signed.get_json()["version"]}
    first = client.post(_url(joint, "/submit"), headers=joint.ct, json=submission)
    assert first.status_code == 200, first.get_json()
    replay = client.post(_url(joint, "/submit"), headers=joint.ct, json=submission)
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    stored = Inspection.get_by_id(joint.inspection.id)
    assert stored.status == "SUBMITTED" and stored.version == first.get_json()["version"]
    assert ClientOperation.select().where(ClientOperation.op_id == submission["op_id"]).count() == 1
    assert Evidence.select().count() == 1 and ItemResult.select().count() == 3


def test_a_stale_edit_gets_409_with_the_current_version(client, joint):
    version = _version(client, joint, joint.ct)
    client.put(
        _url(joint, "/outcome"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": version, "outcome": "FIXED"},
    )
    stale = client.put(  # the lead's second tablet, which had not synced
        _url(joint, "/outcome"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": version, "outcome": "OK"},
    )
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["status"] == "STALE_VERSION" and body["errors"]["current"]["version"] == version + 1
    assert Inspection.get_by_id(joint.inspection.id).outcome == "FIXED"


def test_a_stale_item_edit_is_refused(client, joint):
    client.put(
        _url(joint, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": op(), "item_version": 0, "result": "FAIL"},
    )
    stale = client.put(  # another tablet of the same member, which had not synced
        _url(joint, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": op(), "item_version": 0, "result": "PASS"},
    )
    assert stale.status_code == 409 and stale.get_json()["status"] == "STALE_VERSION"
    assert stale.get_json()["errors"]["current"]["item"]["version"] == 1
    assert ItemResult.get().result == "FAIL"


def test_an_item_is_written_on_its_item_version_not_on_a_base_version(client, joint):
    detail = client.get(_url(joint, ""), headers=joint.ct).get_json()
    (item,) = [i for g in detail["checklist"] for i in g["items"] if i["code"] == "IC-01"]
    assert item["item_version"] == 0

    named_old = client.put(
        _url(joint, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": detail["version"], "result": "PASS"},
    )

    assert named_old.status_code == 422
    assert set(named_old.get_json()["errors"]["json"]) == {"base_version", "item_version"}
    assert ItemResult.select().count() == 0


def test_the_same_op_id_with_other_content_is_refused(client, joint):
    op_id = op()
    client.put(
        _url(joint, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": op_id, "item_version": 0, "result": "PASS"},
    )
    other = client.put(
        _url(joint, "/items/IC-02"),
        headers=joint.ct,
        json={"op_id": op_id, "item_version": 0, "result": "PASS"},
    )
    assert other.status_code == 409 and other.get_json()["status"] == "OPERATION_REUSED"
    assert ItemResult.select().count() == 1


def test_replaying_an_item_many_times_has_one_effect(client, joint):
    body = {"op_id": op(), "item_version": 0, "result": "NA", "notes": "本场所不售食品"}
    answers = [
        client.put(_url(joint, "/items/IC-01"), headers=joint.ct, json=body).get_json()
        for _ in range(5)
    ]
    assert all(a == answers[0] for a in answers)
    assert ItemResult.get().version == 1


def test_submission_needs_every_signature(client, joint):
    version = _version(client, joint, joint.ct)
    for code, headers in (("IC-01", joint.ct), ("IC-02", joint.ct), ("IC-08", joint.fr)):
        client.put(
            _url(joint, f"/items/{code}"),
            headers=headers,
            json={"op_id": op(), "item_version": 0, "result": "PASS"},
        )
    client.post(
        _url(joint, "/check-in"),
        headers=joint.ct,
        json={
            "op_id": op(),
            "base_version": _version(client, joint, joint.ct),
            "qr_payload": joint.qr,
            "lat": BAOSHAN_SHOP[0],
            "lon": BAOSHAN_SHOP[1],
        },
    )
    outcome = client.put(
        _url(joint, "/outcome"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": _version(client, joint, joint.ct), "outcome": "OK"},
    ).get_json()
    signed = client.post(
        _url(joint, "/signatures"),
        headers=joint.ct,
        json={"op_id": op(), "content_hash": outcome["content_hash"]},
    ).get_json()
    response = client.post(
        _url(joint, "/submit"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": signed["version"]},
    )
    assert (
        response.status_code == 409
        and "FR0001" in response.get_json()["errors"]["signatures"][0]["en"]
    )
    assert version < signed["version"]


def test_a_change_after_signing_voids_the_signature(client, joint):
    detail = client.get(_url(joint), headers=joint.ct).get_json()
    client.post(
        _url(joint, "/signatures"),
        headers=joint.ct,
        json={"op_id": op(), "content_hash": detail["content_hash"]},
    )
    changed = client.put(
        _url(joint, "/items/IC-08"),
        headers=joint.fr,
        json={"op_id": op(), "item_version": 0, "result": "FAIL"},
    )
    ct_member = next(m for m in changed.get_json()["team"] if m["code"] == "CT0001")
    assert ct_member["signed"] is False


def test_a_far_check_in_is_flagged(client, joint):
    response = client.post(
        _url(joint, "/check-in"),
        headers=joint.ct,
        json={
            "op_id": op(),
            "base_version": _version(client, joint, joint.ct),
            "qr_payload": joint.qr,
            "lat": 31.3101,
            "lon": 121.4142,
        },
    )  # 大场镇, ~11 km away
    assert response.status_code == 200
    assert response.get_json()["check_in"]["far"] is True
    assert response.get_json()["check_in"]["distance_m"] > 5000


def test_a_qr_code_of_another_licence_is_refused(client, joint):
    from tests.factories import login, make_entity, make_licence

    other = make_licence(make_entity(2))
    qr = client.get(
        f"/api/v1/licences/{other.number}/qr", headers=login("licensing", "ASC")
    ).get_json()["payload"]
    response = client.post(
        _url(joint, "/check-in"),
        headers=joint.ct,
        json={
            "op_id": op(),
            "base_version": _version(client, joint, joint.ct),
            "qr_payload": qr,
            "lat": BAOSHAN_SHOP[0],
            "lon": BAOSHAN_SHOP[1],
        },
    )
    assert response.status_code == 422 and response.get_json()["status"] == "QR_REJECTED"
    assert Inspection.get_by_id(joint.inspection.id).checked_in_at is None
