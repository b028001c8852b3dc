"""Tablet rules: team-only access on every route, read-only after submission, evidence limits,
delta sync, small gzip'd answers, revoked devices."""

from __future__ import annotations

import io
import uuid

import pytest

from inspect_app.models import Amendment, Evidence, Inspection
from tests.factories import PNG_1PX, if_match, inspector_with_login
from tests.tablet.conftest import submit_with

ROUTES = [
    ("get", "", None),
    ("post", "/check-in", {"base_version": 1, "qr_payload": "LJ1.X.Y", "lat": 31.4, "lon": 121.4}),
    ("put", "/items/IC-01", {"item_version": 0, "result": "PASS"}),
    ("put", "/outcome", {"base_version": 1, "outcome": "OK"}),
    ("post", "/signatures", {"content_hash": "0" * 64}),
    ("post", "/submit", {"base_version": 1}),
    ("post", "/amendments", {"base_version": 1, "reason": "更正", "changes": {"outcome": "OK"}}),
]


def op() -> str:
    return str(uuid.uuid4())


@pytest.mark.parametrize(("method", "tail", "body"), ROUTES)
def test_an_inspector_off_the_team_gets_404_on_every_route(client, joint, method, tail, body):
    _, stranger = inspector_with_login("PS0009", "PS", name="赵刚")
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}{tail}"
    kwargs = {"json": body | {"op_id": op()}} if body is not None else {}
    response = getattr(client, method)(url, headers=stranger, **kwargs)
    assert response.status_code == 404, response.get_json()
    assert joint.licence.holder.name not in response.get_data(as_text=True)
    assert Inspection.get_by_id(joint.inspection.id).version == joint.inspection.version


def test_evidence_upload_of_another_team_is_404(client, joint):
    _, stranger = inspector_with_login("PS0009", "PS")
    response = client.post(
        f"/api/v1/tablet/inspections/{joint.inspection.id}/evidence",
        headers=stranger,
        content_type="multipart/form-data",
        data={"op_id": op(), "photo": (io.BytesIO(PNG_1PX), "a.png")},
    )
    assert response.status_code == 404 and Evidence.select().count() == 0


def test_the_list_shows_only_my_inspections(client, joint):
    _, stranger = inspector_with_login("PS0009", "PS")
    assert client.get("/api/v1/tablet/inspections", headers=stranger).get_json()["items"] == []


@pytest.mark.parametrize("role", ["planner", "licensing"])
def test_other_roles_do_not_use_the_tablet_api(client, joint, role):
    from tests.factories import login

    assert client.get("/api/v1/tablet/inspections", headers=login(role, "CT")).status_code == 403


def _submit(client, joint):
    """FIXED, as a team would submit it: (url, the submitted inspection as the tablet sees it)."""
    submit_with(client, joint, "FIXED")
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}"
    return url, client.get(url, headers=joint.ct).get_json()


def test_a_submitted_inspection_is_read_only(client, joint):
    url, _ = _submit(client, joint)
    response = client.put(
        f"{url}/items/IC-01",
        headers=joint.fr,
        json={"op_id": op(), "item_version": 1, "result": "PASS"},
    )
    assert response.status_code == 409 and response.get_json()["status"] == "INSPECTION_SUBMITTED"
    photo = client.post(
        f"{url}/evidence",
        headers=joint.fr,
        content_type="multipart/form-data",
        data={"op_id": op(), "photo": (io.BytesIO(PNG_1PX), "late.png")},
    )
    assert photo.status_code == 409


def test_an_amendment_keeps_the_original(client, joint):
    url, submitted = _submit(client, joint)
    amended = client.post(
        f"{url}/amendments",
        headers=joint.ct,
        json={
            "op_id": op(),
            "base_version": submitted["version"],
            "reason": "录入错误，IC-01 实为符合",
            "changes": {"items": {"IC-01": {"result": "PASS", "notes": "复核照片后更正"}}},
        },
    )
    assert amended.status_code == 200, amended.get_json()
    record = Amendment.get()
    assert record.original["items"]["IC-01@v1"][0] == "FAIL"
    signed = amended.get_json()["amendments"][-1]["amended"]["content_hash"]
    for headers in (joint.ct, joint.fr):  # in force once the team has signed it again
        amended = client.post(
            f"{url}/signatures", headers=headers, json={"op_id": op(), "content_hash": signed}
        )
    ct_items = next(g for g in amended.get_json()["checklist"] if g["department"] == "CT")["items"]
    assert next(i for i in ct_items if i["code"] == "IC-01")["result"] == "PASS"
    assert amended.get_json()["status"] == "SUBMITTED"


def test_evidence_is_deduplicated_by_content(client, joint, app):
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}/evidence"
    for _ in range(2):
        response = client.post(
            url,
            headers=joint.ct,
            content_type="multipart/form-data",
            data={"op_id": op(), "photo": (io.BytesIO(PNG_1PX), "same.png")},
        )
        assert response.status_code == 201
    assert Evidence.select().count() == 1
    stored = list((__import__("pathlib").Path(app.config["EVIDENCE_DIR"])).rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 1


def test_evidence_must_be_a_real_photo(client, joint):
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}/evidence"
    fake = client.post(
        url,
        headers=joint.ct,
        content_type="multipart/form-data",
        data={"op_id": op(), "photo": (io.BytesIO(b"%PDF-1.7 not a photo" * 10), "x.jpg")},
    )
    assert fake.status_code == 415 and Evidence.select().count() == 0


def test_evidence_has_a_size_limit(client, joint, app):
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    big = PNG_1PX + b"\0" * 4096
    response = client.post(
        f"/api/v1/tablet/inspections/{joint.inspection.id}/evidence",
        headers=joint.ct,
        content_type="multipart/form-data",
        data={"op_id": op(), "photo": (io.BytesIO(big), "big.png")},
    )
    assert response.status_code == 413 and Evidence.select().count() == 0


def test_delta_sync_returns_only_what_changed(client, joint):
    first = client.get("/api/v1/tablet/inspections", headers=joint.ct).get_json()
    cursor = first["next_cursor"]
    assert (
        client.get(f"/api/v1/tablet/inspections?cursor={cursor}", headers=joint.ct).get_json()[
            "items"
        ]
        == []
    )
    client.put(
        f"/api/v1/tablet/inspections/{joint.inspection.id}/items/IC-08",
        headers=joint.fr,
        json={"op_id": op(), "item_version": 0, "result": "PASS"},
    )
    changed = client.get(f"/api/v1/tablet/inspections?cursor={cursor}", headers=joint.ct).get_json()
    assert [i["id"] for i in changed["items"]] == [joint.inspection.id]


def test_updated_since_filters(client, joint):
    response = client.get(
        "/api/v1/tablet/inspections",
        query_string={"updated_since": "2099-01-01T00:00:00+08:00"},
        headers=joint.ct,
    )
    assert response.get_json()["items"] == []


def test_a_bad_cursor_is_a_422(client, joint):
    response = client.get("/api/v1/tablet/inspections?cursor=not-a-cursor!!", headers=joint.ct)
    assert response.status_code == 422


@pytest.mark.parametrize("query", ["cursor=not-a-cursor!!", "limit=0", "updated_since=昨天"])
def test_the_list_answers_who_asks_before_its_bad_arguments(client, joint, query):
    """The list asks who asks in its own query; a request refused for its arguments is refused
    as any inspector's request first: 401 without a live token, 403 for another role."""
    from tests.factories import login

    url = f"/api/v1/tablet/inspections?{query}"
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        (login("planner", "CT"), 403),
        (joint.ct, 422),
    ):
        answer = client.get(url, headers=headers)
        assert answer.status_code == status, (headers, answer.get_json())
        error = answer.get_json()
        assert error["message"]["zh"] and error["message"]["en"], error


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/check-in"),
        ("put", "/items/IC-01"),
        ("put", "/outcome"),
        ("post", "/signatures"),
        ("post", "/submit"),
        ("post", "/amendments"),
        ("post", "/evidence"),
    ],
)
def test_a_write_answers_who_asks_before_its_bad_input(client, joint, method, path):
    """A write asks who asks in the query that looks for its op_id; a request refused for its
    body (or a missing photo) is refused as any inspector's request first."""
    from tests.factories import login

    url = f"/api/v1/tablet/inspections/{joint.inspection.id}{path}"
    send = getattr(client, method)
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        (login("planner", "CT"), 403),
        (joint.ct, 422),
    ):
        if path == "/evidence":  # an op_id but no photo
            answer = send(url, headers=headers, data={"op_id": op()})
        else:  # an op_id and nothing else
            answer = send(url, headers=headers, json={"op_id": op()})
        assert answer.status_code == status, (headers, answer.get_json())
        error = answer.get_json()
        assert error["message"]["zh"] and error["message"]["en"], error


def test_unchanged_list_is_304_and_answers_are_gzipped(client, joint):
    first = client.get("/api/v1/tablet/inspections", headers=joint.ct | {"Accept-Encoding": "gzip"})
    detail = client.get(
        f"/api/v1/tablet/inspections/{joint.inspection.id}",
        headers=joint.ct | {"Accept-Encoding": "gzip"},
    )
    assert detail.headers.get("Content-Encoding") == "gzip"
    again = client.get(
        "/api/v1/tablet/inspections", headers=joint.ct | {"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_revoked_tablet_is_refused_at_once(client, joint):
    devices = client.get("/api/v1/auth/devices", headers=joint.fr).get_json()
    assert (
        client.delete(f"/api/v1/auth/devices/{devices[0]['id']}", headers=joint.fr).status_code
        == 204
    )
    assert client.get("/api/v1/tablet/inspections", headers=joint.fr).status_code == 401


def test_a_detail_read_asks_who_asks_before_it_answers_304(client, joint):
    """The detail read signs in within its own query: a revoked token is 401 even holding the
    current ETag, an inspector whose record was deactivated 403, a planner 403, no token 401, a
    teammate's read of another team's inspection 404, each with the bilingual error."""
    from inspect_app.models import Inspector
    from tests.factories import login

    url = f"/api/v1/tablet/inspections/{joint.inspection.id}"
    held = {"If-None-Match": client.get(url, headers=joint.fr).headers["ETag"]}
    assert client.get(url, headers=joint.fr | held).status_code == 304
    _, stranger = inspector_with_login("PS0009", "PS")
    refused = {
        "stranger": client.get(url, headers=stranger | held),
        "planner": client.get(url, headers=login("planner", "CT") | held),
        "no token": client.get(url, headers=held),
        "bad token": client.get(url, headers={"Authorization": "Bearer 不是令牌"} | held),
    }
    Inspector.update(active=False).where(Inspector.code == "CT0001").execute()
    refused["deactivated"] = client.get(url, headers=joint.ct | held)
    devices = client.get("/api/v1/auth/devices", headers=joint.fr).get_json()
    client.delete(f"/api/v1/auth/devices/{devices[0]['id']}", headers=joint.fr)
    refused["revoked"] = client.get(url, headers=joint.fr | held)

    statuses = {who: (r.status_code, r.get_json()["status"]) for who, r in refused.items()}
    assert statuses == {
        "stranger": (404, "NOT_FOUND"),
        "planner": (403, "FORBIDDEN"),
        "no token": (401, "UNAUTHENTICATED"),
        "bad token": (401, "UNAUTHENTICATED"),
        "deactivated": (403, "FORBIDDEN"),
        "revoked": (401, "UNAUTHENTICATED"),
    }
    assert all(r.get_json()["message"]["zh"] for r in refused.values())


def test_an_unchanged_detail_is_304_until_the_licence_changes(client, joint):
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}"
    first = client.get(url, headers=joint.ct | {"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    assert client.get(url, headers=joint.ct | {"If-None-Match": etag}).status_code == 304
    from tests.factories import login

    client.post(
        f"/api/v1/licences/{joint.licence.number}/events",
        headers=login("licensing", "ASC") | if_match(client, joint.licence.number),
        json={
            "kind": "CHANGE",
            "reason": "名称变更",
            "changes": {"holder_name": "上海宝山区星际电竞有限公司"},
        },
    )
    changed = client.get(url, headers=joint.ct | {"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["entity"]["name"] == "上海宝山区星际电竞有限公司"
