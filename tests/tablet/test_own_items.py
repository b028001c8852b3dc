"""Each department records its own items, the lead the outcome; evidence is checked before a
file is written, and a write that fails leaves no file behind."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from inspect_app.clock import utcnow
from inspect_app.models import Evidence, Inspection, ItemResult, User
from inspect_app.services import fieldwork, offline_copies, tablet_writes
from inspect_app.services.fieldwork import FieldSettings
from inspect_app.services.idempotency import Operation
from tests.factories import PNG_1PX


def op() -> str:
    return str(uuid.uuid4())


def _url(joint, tail=""):
    return f"/api/v1/tablet/inspections/{joint.inspection.id}{tail}"


def _files(app) -> list[Path]:
    return [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]


def _photo(client, joint, headers, risk_point=None):
    data = {"op_id": op(), "photo": (io.BytesIO(PNG_1PX), "现场.png")}
    if risk_point:
        data["risk_point"] = risk_point
    return client.post(
        _url(joint, "/evidence"), headers=headers, content_type="multipart/form-data", data=data
    )


def test_a_member_may_not_record_another_departments_item(client, joint):
    response = client.put(
        _url(joint, "/items/IC-08"),  # 消防's fire-safety item, by the 文化旅游局 member
        headers=joint.ct,
        json={"op_id": op(), "item_version": 0, "result": "PASS"},
    )
    assert response.status_code == 403, response.get_json()
    body = response.get_json()
    assert body["status"] == "FORBIDDEN"
    assert "IC-08" in body["message"]["zh"] and "FR" in body["message"]["en"]
    assert ItemResult.select().count() == 0
    assert Inspection.get_by_id(joint.inspection.id).version == joint.inspection.version


def test_each_member_records_their_own_departments_items(client, joint):
    for code, headers in (("IC-01", joint.ct), ("IC-08", joint.fr)):
        response = client.put(
            _url(joint, f"/items/{code}"),
            headers=headers,
            json={"op_id": op(), "item_version": 0, "result": "PASS"},
        )
        assert response.status_code == 200, response.get_json()
    assert ItemResult.select().count() == 2


def test_only_the_lead_departments_member_records_the_outcome(client, joint):
    version = client.get(_url(joint), headers=joint.fr).get_json()["version"]
    refused = client.put(
        _url(joint, "/outcome"),
        headers=joint.fr,
        json={"op_id": op(), "base_version": version, "outcome": "OK"},
    )
    assert refused.status_code == 403 and refused.get_json()["status"] == "FORBIDDEN"
    assert "牵头部门" in refused.get_json()["message"]["zh"]
    assert Inspection.get_by_id(joint.inspection.id).outcome is None
    accepted = client.put(
        _url(joint, "/outcome"),
        headers=joint.ct,
        json={"op_id": op(), "base_version": version, "outcome": "OK"},
    )
    assert accepted.status_code == 200


def test_evidence_for_an_item_only_by_its_departments_member(client, joint, app):
    refused = _photo(client, joint, joint.ct, risk_point="IC-08")
    assert refused.status_code == 403, refused.get_json()
    assert Evidence.select().count() == 0 and _files(app) == []
    assert _photo(client, joint, joint.fr, risk_point="IC-08").status_code == 201
    assert _photo(client, joint, joint.ct).status_code == 201  # a photo of no one item: any member


def test_evidence_for_an_unknown_risk_point_leaves_no_file(client, joint, app):
    response = _photo(client, joint, joint.ct, risk_point="NOPE-99")
    assert response.status_code == 404, response.get_json()
    assert Evidence.select().count() == 0 and _files(app) == []


def test_evidence_of_a_submitted_inspection_leaves_no_file(client, joint, app):
    from tests.tablet.conftest import submit_with

    submit_with(client, joint, "OK", result="PASS")
    assert _photo(client, joint, joint.ct).status_code == 409
    assert _files(app) == []


def test_a_failed_evidence_transaction_leaves_no_file(joint, app, monkeypatch):
    def broken(inspection, now):
        raise RuntimeError("disk full while writing the evidence's transaction")

    monkeypatch.setattr(fieldwork, "submit_if_requested", broken)
    user = User.get(User.username == "u-CT0001")
    from inspect_app.auth import actor_for

    with pytest.raises(RuntimeError):
        tablet_writes.add_evidence(
            actor_for(user),
            Operation(op(), "0" * 64),
            joint.inspection.id,
            photo=PNG_1PX,
            risk_point="IC-01",
            now=utcnow(),
            settings=FieldSettings.from_config(app.config),
        )
    assert Evidence.select().count() == 0 and _files(app) == []


def test_a_stored_photo_has_its_content_addressed_name(client, joint, app):
    import hashlib

    assert _photo(client, joint, joint.ct, risk_point="IC-01").status_code == 201
    digest = hashlib.sha256(PNG_1PX).hexdigest()
    assert [p.name for p in _files(app)] == [digest]


def test_a_write_whose_answer_failed_is_made_once_and_answered_on_replay(
    client, joint, app, db_url, monkeypatch
):
    """SQLite builds the answer (the offline copy) after the change commits: if building it
    fails, the change and its photo stand, once, and the replay is answered with the state as it
    stands, kept for every later replay. PostgreSQL builds it in the change's transaction: the
    failure leaves neither the photo's row nor its file, and the replay makes the change, once."""
    real_render = offline_copies.render_unkept

    def broken(inspection):
        raise RuntimeError("the worker died while rendering the answer")

    body = {"op_id": op()}
    monkeypatch.setattr(offline_copies, "render_unkept", broken)
    with pytest.raises(RuntimeError):
        client.post(
            _url(joint, "/evidence"),
            headers=joint.ct,
            content_type="multipart/form-data",
            data=body | {"photo": (io.BytesIO(PNG_1PX), "现场.png")},
        )
    committed = 1 if db_url.startswith("sqlite") else 0
    assert Evidence.select().count() == len(_files(app)) == committed  # committed and named
    monkeypatch.setattr(offline_copies, "render_unkept", real_render)
    answers = [
        client.post(
            _url(joint, "/evidence"),
            headers=joint.ct,
            content_type="multipart/form-data",
            data=body | {"photo": (io.BytesIO(PNG_1PX), "现场.png")},
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json() == answers[1].get_json()
    assert len(answers[0].get_json()["evidence"]) == 1
    assert Evidence.select().count() == len(_files(app)) == 1
