"""Writing the registry: 新办, lifecycle events with legal and illegal transitions, entity updates."""

from __future__ import annotations

from inspect_app.models import AuditEntry, Licence, LicenceEvent
from inspect_app.services.licences import replay_status
from tests.factories import credit_code, if_match, login, make_entity, make_licence


def _licence_body(entity_code: str, number: str = "BS-IC-2026-000001") -> dict:
    return {
        "number": number,
        "holder_code": entity_code,
        "industry": "IC",
        "valid_until": "2031-04-30",
        "permits": [
            {
                "permit_code": "IC-P1",
                "permit_number": "WWW310113000123",
                "valid_from": "2026-05-01",
                "valid_until": "2031-04-30",
            },
            {
                "permit_code": "IC-P2",
                "permit_number": "XF310113000123",
                "valid_from": "2026-05-01",
                "valid_until": "2031-04-30",
            },
        ],
    }


def test_licensing_issues_a_new_licence(client):
    entity = make_entity()
    response = client.post(
        "/api/v1/licences",
        json=_licence_body(entity.credit_code),
        headers=login("licensing", "ASC"),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "ACTIVE" and body["holder_name"] == entity.name
    assert [e["kind"] for e in body["events"]] == ["NEW"]


def test_event_history_folds_to_the_stored_status(client):
    licence = make_licence()
    headers = login("licensing", "CT")  # CT issues the IC permit
    for kind in ("SUSPEND", "RESUME", "REPLACE", "CANCEL"):
        response = client.post(
            f"/api/v1/licences/{licence.number}/events",
            json={"kind": kind, "reason": "依申请办理"},
            headers=headers | if_match(client, licence.number),
        )
        assert response.status_code == 201, (kind, response.get_json())
    stored = Licence.get_by_id(licence.id)
    assert stored.status == "CANCELLED"
    assert replay_status(stored).status == "CANCELLED"
    assert [
        e.kind
        for e in LicenceEvent.select()
        .where(LicenceEvent.licence == licence)
        .order_by(LicenceEvent.seq)
    ] == ["NEW", "SUSPEND", "RESUME", "REPLACE", "CANCEL"]


def test_renewing_a_cancelled_licence_is_refused(client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "CANCEL", "reason": "申请注销"},
        headers=headers | if_match(client, licence.number),
    )
    response = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "RENEW", "reason": "延续", "changes": {"valid_until": "2035-01-01"}},
        headers=headers | if_match(client, licence.number),
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["status"] == "ILLEGAL_TRANSITION"
    assert "注销" in body["message"]["zh"] and "CANCELLED" in body["message"]["en"]
    assert Licence.get_by_id(licence.id).valid_until.isoformat() != "2035-01-01"


def test_changing_a_suspended_licence_is_refused(client):
    licence = make_licence()
    headers = login("licensing", "CT")  # CT issues the IC permit
    client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "停业整顿"},
        headers=headers | if_match(client, licence.number),
    )
    response = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={
            "kind": "CHANGE",
            "reason": "名称变更",
            "changes": {"holder_name": "上海宝山区新名称网络有限公司"},
        },
        headers=headers | if_match(client, licence.number),
    )
    assert response.status_code == 409
    assert response.get_json()["status"] == "ILLEGAL_TRANSITION"


def test_renewal_moves_validity_of_licence_and_permits(client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    response = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "RENEW", "reason": "到期延续", "changes": {"valid_until": "2034-04-30"}},
        headers=headers | if_match(client, licence.number),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["valid_until"] == "2034-04-30"
    assert {p["valid_until"] for p in body["permits"]} == {"2034-04-30"}


def test_change_event_records_who_when_why_and_what(client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={
            "kind": "CHANGE",
            "reason": "经营场所地址变更",
            "changes": {"address": "上海市宝山区友谊路街道同济路99号"},
        },
        headers=headers | if_match(client, licence.number),
    )
    event = (
        LicenceEvent.select()
        .where(LicenceEvent.licence == licence, LicenceEvent.kind == "CHANGE")
        .get()
    )
    assert event.reason == "经营场所地址变更"
    assert event.changes == {"address": "上海市宝山区友谊路街道同济路99号"}
    assert event.actor.startswith("licensing-ASC") and event.at is not None
    entity = client.get(
        f"/api/v1/entities/{licence.holder.credit_code}", headers=headers
    ).get_json()
    assert entity["address"] == "上海市宝山区友谊路街道同济路99号"


def test_entity_update_needs_the_current_etag(client):
    entity = make_entity()
    headers = login("licensing", "ASC")
    url = f"/api/v1/entities/{entity.credit_code}"
    etag = client.get(url, headers=headers).headers["ETag"]
    missing = client.patch(url, json={"credit_class": "C"}, headers=headers)
    assert missing.status_code == 428
    ok = client.patch(url, json={"credit_class": "C"}, headers=headers | {"If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["credit_class"] == "C"
    stale = client.patch(url, json={"credit_class": "D"}, headers=headers | {"If-Match": etag})
    assert stale.status_code == 412
    assert stale.get_json()["status"] == "STALE_VERSION"
    assert client.get(url, headers=headers).get_json()["credit_class"] == "C"


def test_registering_an_entity_twice_is_a_conflict(client):
    headers = login("licensing", "ASC")
    body = {
        "credit_code": credit_code(),
        "name": "上海宝山区顾村便利店",
        "address": "上海市宝山区顾村镇菊联路88号",
        "street": "BS09",
        "lat": 31.352,
        "lon": 121.383,
    }
    assert client.post("/api/v1/entities", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/entities", json=body, headers=headers)
    assert again.status_code == 409 and again.get_json()["status"] == "DUPLICATE"


def test_every_write_is_audited(client):
    before = AuditEntry.select().count()
    licence = make_licence()
    client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "停业整顿"},
        # CT issues the IC permit, so its desk decides the suspension
        headers=login("licensing", "CT") | if_match(client, licence.number),
    )
    actions = [
        e.action
        for e in AuditEntry.select().where(AuditEntry.seq > before).order_by(AuditEntry.seq)
    ]
    assert actions == ["entity.create", "licence.NEW", "licence.SUSPEND"]
    last = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert last.before["status"] == "ACTIVE" and last.after["status"] == "SUSPENDED"


def test_a_licence_event_without_if_match_is_refused_with_428(client):
    licence = make_licence()
    response = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "停业整顿"},
        headers=login("licensing", "ASC"),
    )
    assert response.status_code == 428
    body = response.get_json()
    assert body["status"] == "PRECONDITION_REQUIRED" and body["message"]["zh"]
    assert Licence.get_by_id(licence.id).status == "ACTIVE"


def test_a_licence_event_on_a_stale_read_is_refused_with_412(client):
    licence = make_licence()
    headers = login("licensing", "CT")  # CT issues the IC permit
    seen = if_match(client, licence.number)
    first = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "停业整顿"},
        headers=headers | seen,
    )
    assert first.status_code == 201
    stale = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "CANCEL", "reason": "申请注销"},
        headers=headers | seen,
    )
    assert stale.status_code == 412
    assert stale.get_json()["status"] == "STALE_VERSION"
    assert Licence.get_by_id(licence.id).status == "SUSPENDED"
    again = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "CANCEL", "reason": "申请注销"},
        headers=headers | {"If-Match": first.headers["ETag"]},
    )
    assert again.status_code == 201


def test_the_event_history_is_served_as_stored(client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    steps = [
        {
            "kind": "CHANGE",
            "reason": "名称变更",
            "changes": {"holder_name": "上海宝山区星河网络有限公司"},
        },
        {"kind": "RENEW", "reason": "到期延续", "changes": {"valid_until": "2034-04-30"}},
        {"kind": "SUSPEND", "reason": "停业整顿"},
    ]
    for step in steps:
        response = client.post(
            f"/api/v1/licences/{licence.number}/events",
            json=step,
            headers=headers | if_match(client, licence.number),
        )
        assert response.status_code == 201, response.get_json()
    served = [e["changes"] for e in response.get_json()["events"]]
    stored = [
        e.changes
        for e in LicenceEvent.select()
        .where(LicenceEvent.licence == licence)
        .order_by(LicenceEvent.seq)
    ]
    assert served == stored and len(stored) == 4 and stored[0]["permits"]


def test_the_etag_of_a_compressed_read_is_a_valid_if_match(client):
    """flask-compress spells a gzip'd answer's ETag '<tag>:gzip': that is what such a client holds."""
    licence = make_licence()
    headers = login("licensing", "ASC")
    read = client.get(
        f"/api/v1/licences/{licence.number}", headers=headers | {"Accept-Encoding": "gzip"}
    )
    assert read.headers["Content-Encoding"] == "gzip" and read.headers["ETag"].endswith(':gzip"')
    posted = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "停业整顿"},
        headers=headers | {"If-Match": read.headers["ETag"]},
    )
    assert posted.status_code == 201, posted.get_json()
    url = f"/api/v1/entities/{licence.holder.credit_code}"
    entity = client.get(url, headers=headers | {"Accept-Encoding": "gzip"})
    changed = client.patch(
        url, json={"credit_class": "C"}, headers=headers | {"If-Match": entity.headers["ETag"]}
    )
    assert changed.status_code == 200, changed.get_json()
