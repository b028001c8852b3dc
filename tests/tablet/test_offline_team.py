"""An offline team syncs in any order (docs/concurrency.md, "An offline team").

The lead (文化旅游局, CT0001) and the partner (消防, FR0001) each download the inspection, work a
whole visit with no network — check-in, their own items, a photo, the lead's outcome, their
signatures, the lead's submission — and queue every write against the offline copy they hold.
The two queues are then replayed in every order that keeps each queue's own order, each write
sent twice (a retry after a lost answer): no 409, one effect per write, the same record at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import threading
import uuid
from datetime import timedelta

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.db import database
from inspect_app.models import (
    AuditEntry,
    ClientOperation,
    Evidence,
    Inspection,
    Inspector,
    ItemResult,
    RiskPoint,
)
from inspect_app.services import inspections
from tests.factories import PNG_1PX, inspector_with_login, internet_cafes, login
from tests.tablet.conftest import SHOP, draw_joint_check

PHOTO_CT = PNG_1PX + b"ct"  # two different photos, each still a PNG
PHOTO_FR = PNG_1PX + b"fr"
SHA_CT = hashlib.sha256(PHOTO_CT).hexdigest()
SHA_FR = hashlib.sha256(PHOTO_FR).hexdigest()


def _orders(a: int, b: int):
    """Every merge of a queue of `a` writes with one of `b` writes, each kept in its own order."""
    for slots in itertools.combinations(range(a + b), a):
        order, i, j = [], 0, 0
        for position in range(a + b):
            if position in slots:
                order.append(("ct", i))
                i += 1
            else:
                order.append(("fr", j))
                j += 1
        yield order


def _url(inspection_id: int, tail: str = "") -> str:
    return f"/api/v1/tablet/inspections/{inspection_id}{tail}"


def _queues(ct_copy: dict, fr_copy: dict, qr: str, visit) -> dict[str, list[dict]]:
    """The two tablets' queues, written offline from the copies they downloaded: each write
    names the version of its own part as the copy shows it, plus what the tablet itself did."""
    at = [(visit + timedelta(minutes=n)).isoformat() for n in range(20)]
    ct_items = {i["code"]: i["item_version"] for i in ct_copy["team"][0]["parts"]["items"]}
    ct_part = next(m for m in ct_copy["team"] if m["code"] == "CT0001")["parts"]
    fr_part = next(m for m in fr_copy["team"] if m["code"] == "FR0001")["parts"]
    ct = [
        ("post", "/check-in", {"part_version": ct_copy["check_in"]["version"], "qr_payload": qr,
                               "lat": ct_copy["entity"]["lat"], "lon": ct_copy["entity"]["lon"], "device_at": at[0]}),
        ("put", "/items/IC-01", {"item_version": ct_items["IC-01"], "result": "PASS",
                                 "device_at": at[1]}),
        ("put", "/items/IC-02", {"item_version": ct_items["IC-02"], "result": "FAIL",
                                 "notes": "未悬挂禁止未成年人进入标志", "device_at": at[2]}),
        ("photo", PHOTO_CT, {"risk_point": "IC-02", "device_at": at[3]}),
        ("put", "/outcome", {"part_version": ct_copy["outcome_version"], "outcome": "FIXED",
                             "notes": "当场责令改正", "device_at": at[4]}),
        ("post", "/signatures", {"parts": {
            "items": [{"code": i["code"], "item_version": i["item_version"] + 1}
                      for i in ct_part["items"]],
            "check_in": ct_part["check_in"] + 1, "outcome": ct_part["outcome"] + 1,
            "evidence": [SHA_CT]}, "device_at": at[5]}),
        ("post", "/submit", {"when_ready": True, "device_at": at[6]}),
    ]  # fmt: skip
    fr = [
        ("put", "/items/IC-08", {"item_version": 0, "result": "PASS", "device_at": at[2]}),
        ("photo", PHOTO_FR, {"risk_point": "IC-08", "device_at": at[3]}),
        ("post", "/signatures", {"parts": {
            "items": [{"code": i["code"], "item_version": i["item_version"] + 1}
                      for i in fr_part["items"]],
            "evidence": [SHA_FR]}, "device_at": at[7]}),
    ]  # fmt: skip
    return {
        name: [(m, tail, body | {"op_id": str(uuid.uuid4())}) for m, tail, body in queue]
        for name, queue in (("ct", ct), ("fr", fr))
    }


def _send(client, inspection_id: int, headers, write):
    method, tail, body = write
    if method == "photo":
        form = {k: v for k, v in body.items()}
        form["photo"] = (io.BytesIO(tail), "photo.png")
        return client.post(
            _url(inspection_id, "/evidence"),
            headers=headers,
            data=form,
            content_type="multipart/form-data",
        )
    return getattr(client, method)(_url(inspection_id, tail), headers=headers, json=body)


RECEIPT_TIMES = {"at", "recorded_at", "uploaded_at", "outcome_at", "signed_at", "submitted_at"}
PER_INSPECTION = {"id", "entity", "licence", "street", "updated_at", "url", "task"}
PER_INSPECTION |= {"content_hash", "signed_hash"}  # hashes name the inspection's id


def _record(value):
    """The record without what differs by inspection (ids, entity) or by arrival (receipt times)."""
    if isinstance(value, dict):
        return {k: _record(v) for k, v in value.items() if k not in RECEIPT_TIMES | PER_INSPECTION}
    if isinstance(value, list):
        return [_record(v) for v in value]
    return value


ALL_ORDERS = list(_orders(7, 3))  # 120
# The edit-test loop's share: one queue entirely before the other, both ways, and a spread between.
SOME_ORDERS = [ALL_ORDERS[0], ALL_ORDERS[-1], *ALL_ORDERS[7:-1:16]]


@pytest.fixture
def team_of_many(client, request):
    """One joint task drawn over many cafés, all with the same two-member team, so every order
    of the queues runs on an inspection of its own."""
    orders = request.param
    licences = internet_cafes(len(orders))
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    _, fr = inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    drawn = draw_joint_check(client, cafes=len(orders), workload_cap=1000)
    by_entity = {i.entity_id: i for i in drawn}
    qr_of = {
        licence.holder_id: client.get(
            f"/api/v1/licences/{licence.number}/qr", headers=login("licensing", "ASC")
        ).get_json()["payload"]
        for licence in licences
    }
    return orders, [(by_entity[e], qr) for e, qr in qr_of.items()], ct, fr


@pytest.mark.parametrize(
    "team_of_many",
    [
        pytest.param(ALL_ORDERS, id="every-order", marks=pytest.mark.slow),
        pytest.param(SOME_ORDERS, id="some-orders"),
    ],
    indirect=True,
)
def test_two_offline_queues_replayed_in_every_order_and_twice_agree(client, team_of_many):
    orders, cases, ct, fr = team_of_many
    assert len(cases) == len(orders) and len(ALL_ORDERS) == 120 == len(set(map(tuple, ALL_ORDERS)))
    visit = utcnow() - timedelta(hours=3)
    records, contents = [], []
    for order, (inspection, qr) in zip(orders, cases, strict=True):
        copies = {who: client.get(_url(inspection.id), headers=h).get_json()
                  for who, h in (("ct", ct), ("fr", fr))}  # fmt: skip
        queues = _queues(copies["ct"], copies["fr"], qr, visit)
        headers = {"ct": ct, "fr": fr}
        answers = {}
        for who, n in order:
            write = queues[who][n]
            first = _send(client, inspection.id, headers[who], write)
            retry = _send(client, inspection.id, headers[who], write)  # the answer was lost
            assert first.status_code in (200, 201, 202), (order, who, n, first.get_json())
            assert (retry.status_code, retry.get_json()) == (first.status_code, first.get_json())
            answers[(who, n)] = first
        # the lead's submission was made by whichever write completed the inspection
        done = Inspection.get_by_id(inspection.id)
        assert done.status == "SUBMITTED", order
        assert answers[("ct", 6)].status_code == (200 if order[-1] == ("ct", 6) else 202)
        detail = client.get(_url(inspection.id), headers=ct).get_json()
        assert all(m["signed"] and m["scope"] == "part" for m in detail["team"])
        records.append(_record(detail))
        content = inspections.content(done)
        contents.append({k: v for k, v in content.items() if k != "inspection"})
        # one effect per write: 10 operations kept, each item once, each photo once
        assert ItemResult.select().where(ItemResult.inspection == done).count() == 3
        assert {i.version for i in ItemResult.select().where(ItemResult.inspection == done)} == {1}
        assert Evidence.select().where(Evidence.inspection == done).count() == 2
        actions = [
            a.action
            for a in AuditEntry.select().where(
                (AuditEntry.object_type == "inspection") & (AuditEntry.object_id == str(done.id))
            )
        ]
        assert sorted(actions) == sorted(
            ["inspection.check_in", "inspection.item", "inspection.item", "inspection.item"]
            + ["inspection.evidence"] * 2
            + ["inspection.outcome", "inspection.sign", "inspection.sign"]
            + ["inspection.submit_requested", "inspection.submit"]
        )
    assert ClientOperation.select().count() == 10 * len(orders)
    differing = [(n, k) for n, r in enumerate(records) for k in r if r[k] != records[0][k]]
    assert {k for _, k in differing} == set()
    assert all(c == contents[0] for c in contents)
    # the device's times are the record's: the visit time is the check-in's, on the tablet
    first = records[0]
    assert first["check_in"]["device_at"] == visit.isoformat()
    assert first["visited_at"] == visit.isoformat()
    assert contents[0]["checked_in_at"] == visit.isoformat()
    assert Inspection.get_by_id(cases[0][0].id).checked_on == local(visit).date()


def test_the_same_part_changed_from_two_tablets_is_a_409_with_both_versions(client, joint):
    url = _url(joint.inspection.id)
    copy = client.get(url, headers=joint.ct).get_json()
    _, ct_second = inspector_with_login("CT0002", "CT", name="李娜")  # not on the team
    # the lead's own second tablet, offline from the same copy, sets another outcome
    second = {"Authorization": joint.ct["Authorization"]}
    first = client.put(
        f"{url}/outcome",
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "part_version": copy["outcome_version"],
              "outcome": "FIXED", "notes": "当场改正"},
    )  # fmt: skip
    assert first.status_code == 200
    stale = client.put(
        f"{url}/outcome",
        headers=second,
        json={"op_id": str(uuid.uuid4()), "part_version": copy["outcome_version"],
              "outcome": "OK"},
    )  # fmt: skip
    assert stale.status_code == 409 and stale.get_json()["status"] == "STALE_VERSION"
    errors = stale.get_json()["errors"]
    assert errors["current"]["part"]["outcome"] == "FIXED"
    assert errors["current"]["part"]["version"] == 1
    assert errors["yours"] == {
        "part": "outcome",
        "version": 0,
        "outcome": "OK",
        "notes": "",
        "device_at": None,
    }
    assert Inspection.get_by_id(joint.inspection.id).outcome == "FIXED"
    assert client.get(url, headers=ct_second).status_code == 404


def test_a_teammates_write_is_no_conflict_for_my_part(client, joint):
    url = _url(joint.inspection.id)
    copy = client.get(url, headers=joint.ct).get_json()
    client.put(
        f"{url}/items/IC-08",
        headers=joint.fr,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS"},
    )
    for tail, body in (
        ("/outcome", {"part_version": copy["outcome_version"], "outcome": "OK"}),
        ("/check-in", {"part_version": copy["check_in"]["version"], "qr_payload": joint.qr,
                       "lat": SHOP[0], "lon": SHOP[1]}),
    ):  # fmt: skip
        answer = getattr(client, "put" if tail == "/outcome" else "post")(
            f"{url}{tail}", headers=joint.ct, json=body | {"op_id": str(uuid.uuid4())}
        )
        assert answer.status_code == 200, answer.get_json()
    # the old field keeps its meaning: the inspection's version, which the teammate moved
    old = client.put(
        f"{url}/outcome",
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "base_version": copy["version"], "outcome": "OK"},
    )
    assert old.status_code == 409


def test_a_part_signature_stands_through_a_teammates_write_a_record_one_goes_stale(client, joint):
    url = _url(joint.inspection.id)
    copy = client.get(url, headers=joint.ct).get_json()
    fr_part = next(m for m in copy["team"] if m["code"] == "FR0001")["parts"]
    client.post(
        f"{url}/signatures",
        headers=joint.fr,
        json={"op_id": str(uuid.uuid4()), "parts": fr_part},
    )
    client.post(
        f"{url}/signatures",
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "content_hash": copy["content_hash"]},
    )
    after = client.put(
        f"{url}/items/IC-01",
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS"},
    ).get_json()
    team = {m["code"]: m for m in after["team"]}
    assert team["FR0001"]["signed"] is True and team["FR0001"]["stale"] is False
    assert team["CT0001"]["signed"] is False and team["CT0001"]["stale"] is True
    assert team["CT0001"]["signed_hash"] == copy["content_hash"]  # kept, not lost
    # FR's own part changed: now FR's signature is stale too, and must be given again
    after = client.put(
        f"{url}/items/IC-08",
        headers=joint.fr,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "FAIL"},
    ).get_json()
    assert next(m for m in after["team"] if m["code"] == "FR0001")["stale"] is True


def test_a_part_signature_on_versions_the_server_does_not_hold_is_a_409(client, joint):
    url = _url(joint.inspection.id)
    answer = client.post(
        f"{url}/signatures",
        headers=joint.fr,
        json={"op_id": str(uuid.uuid4()),
              "parts": {"items": [{"code": "IC-08", "item_version": 1}], "evidence": []}},
    )  # fmt: skip
    assert answer.status_code == 409
    errors = answer.get_json()["errors"]
    assert errors["current"]["parts"]["items"] == [{"code": "IC-08", "item_version": 0}]
    assert errors["yours"]["parts"]["items"] == [{"code": "IC-08", "item_version": 1}]


@pytest.mark.parametrize(
    ("shift", "code"),
    [(timedelta(minutes=10), "DEVICE_TIME_REJECTED"), (-timedelta(days=8), "DEVICE_TIME_REJECTED")],
)
def test_a_device_time_too_far_ahead_or_too_old_is_refused(client, joint, shift, code):
    answer = client.put(
        _url(joint.inspection.id, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS",
              "device_at": (utcnow() + shift).isoformat()},
    )  # fmt: skip
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["status"] == code
    (message,) = body["errors"]["device_at"]
    assert message["zh"] and message["en"]
    assert ItemResult.select().count() == 0


@pytest.mark.parametrize("device_at", ["2026-12-01T10:00:00", "yesterday", "0001-01-01T00:00:00Z"])
def test_a_device_time_without_offset_or_unreadable_is_a_422(client, joint, device_at):
    answer = client.put(
        _url(joint.inspection.id, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS",
              "device_at": device_at},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "device_at" in answer.get_json()["errors"]["json"]


def test_a_slightly_fast_device_clock_is_accepted_and_kept(client, joint):
    ahead = utcnow() + timedelta(seconds=60)
    answer = client.put(
        _url(joint.inspection.id, "/items/IC-01"),
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS",
              "device_at": local(ahead).isoformat()},
    )  # fmt: skip
    assert answer.status_code == 200
    (item,) = [
        i for g in answer.get_json()["checklist"] for i in g["items"] if i["code"] == "IC-01"
    ]
    assert item["device_at"] == ahead.isoformat() and item["recorded_at"] != item["device_at"]


def test_device_times_survive_into_the_record_and_the_public_disclosure(client, joint):
    """Visited yesterday evening (Shanghai), synced now: the record and the disclosure say when
    the team was there, the server's receipt times stand beside."""
    now = local(utcnow())
    visit = (now - timedelta(days=1)).replace(hour=19, minute=30, second=0, microsecond=0)
    url = _url(joint.inspection.id)
    copy = client.get(url, headers=joint.ct).get_json()
    queues = _queues(copy, client.get(url, headers=joint.fr).get_json(), joint.qr, visit)
    for who, n in [("ct", n) for n in range(6)] + [("fr", n) for n in range(3)] + [("ct", 6)]:
        answer = _send(client, joint.inspection.id, getattr(joint, who), queues[who][n])
        assert answer.status_code in (200, 201), answer.get_json()
    detail = client.get(url, headers=joint.ct).get_json()
    assert detail["status"] == "SUBMITTED"
    visit_utc = visit.astimezone(utcnow().tzinfo)
    assert detail["check_in"]["device_at"] == visit_utc.isoformat()
    assert detail["check_in"]["at"] != detail["check_in"]["device_at"]  # received today
    assert detail["visited_at"] == visit_utc.isoformat()
    items = {i["code"]: i for g in detail["checklist"] for i in g["items"]}
    assert items["IC-02"]["device_at"] == (visit_utc + timedelta(minutes=2)).isoformat()
    assert {e["device_at"] for e in detail["evidence"]} == {
        (visit_utc + timedelta(minutes=3)).isoformat()
    }
    assert detail["outcome_device_at"] == (visit_utc + timedelta(minutes=4)).isoformat()
    assert detail["submitted_device_at"] == (visit_utc + timedelta(minutes=6)).isoformat()
    signed = {m["code"]: m["signed_device_at"] for m in detail["team"]}
    assert signed == {
        "CT0001": (visit_utc + timedelta(minutes=5)).isoformat(),
        "FR0001": (visit_utc + timedelta(minutes=7)).isoformat(),
    }
    inspection = Inspection.get_by_id(joint.inspection.id)
    assert inspection.checked_on == visit.date() != now.date()

    code = inspection.task.code
    client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    (pick,) = client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"]
    assert pick["checked_on"] == visit.date().isoformat()
    assert pick["visited_at"] == visit.isoformat()  # +08:00
    text = client.get(f"/api/v1/public/tasks/{code}/results.csv").get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert (row["checked_on"], row["visited_at"]) == (visit.date().isoformat(), visit.isoformat())


def test_the_same_item_from_two_devices_is_a_409_with_both_versions(client, joint):
    url = _url(joint.inspection.id, "/items/IC-08")
    _, fr_second = inspector_with_login("FR0002", "FR", name="孙浩", device="平板-08")
    first = client.put(
        url,
        headers=joint.fr,
        json={
            "op_id": str(uuid.uuid4()),
            "item_version": 0,
            "result": "FAIL",
            "notes": "灭火器过期",
        },
    )
    assert first.status_code == 200
    again = client.put(  # the member's other tablet, which had not synced
        url,
        headers=joint.fr,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS"},
    )
    assert again.status_code == 409
    errors = again.get_json()["errors"]
    assert (errors["current"]["item"]["version"], errors["current"]["item"]["result"]) == (
        1,
        "FAIL",
    )
    assert errors["current"]["item"]["notes"] == "灭火器过期"
    assert errors["yours"] == {"code": "IC-08", "version": 0, "result": "PASS", "notes": ""}
    assert client.put(url, headers=fr_second, json={"op_id": str(uuid.uuid4()),
                      "item_version": 1, "result": "PASS"}).status_code == 404  # fmt: skip


def test_the_same_item_first_recorded_from_two_devices_at_once_is_a_409_with_the_item(
    client, joint
):
    """The other device's first record of the item is still uncommitted when this one's write
    inserts its own: the write waits for it (PostgreSQL: on the unique index; SQLite: the write
    lock) and then answers STALE_VERSION with the item as the other left it, as when the other
    had committed first, nothing of its own written (PostgreSQL gave a bare 409 DUPLICATE)."""
    url = _url(joint.inspection.id, "/items/IC-08")
    member = Inspector.get(Inspector.code == "FR0001")
    point = RiskPoint.get(RiskPoint.code == "IC-08")
    inserted, release = threading.Event(), threading.Event()

    def other_device():
        try:
            with database.atomic():
                ItemResult.create(
                    inspection=joint.inspection.id, risk_point=point, result="FAIL",
                    notes="安全出口堵塞", recorded_by=member, version=1,
                )  # fmt: skip
                inserted.set()
                release.wait(10)
        finally:
            database.close()

    other = threading.Thread(target=other_device)
    other.start()
    assert inserted.wait(10)
    threading.Timer(0.3, release.set).start()  # commits while this write waits on it
    answer = client.put(
        url,
        headers=joint.fr,
        json={"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS"},
    )
    other.join(10)
    assert answer.status_code == 409, answer.get_json()
    assert answer.get_json()["status"] == "STALE_VERSION"
    current = answer.get_json()["errors"]["current"]["item"]
    assert (current["version"], current["result"], current["notes"]) == (1, "FAIL", "安全出口堵塞")
    rows = ItemResult.select().where(ItemResult.inspection == joint.inspection.id)
    assert [(r.result, r.version) for r in rows] == [("FAIL", 1)]
    assert not AuditEntry.select().where(AuditEntry.action == "inspection.item").exists()


def test_the_offline_copy_shows_each_parts_version(client, joint):
    url = _url(joint.inspection.id)
    copy = client.get(url, headers=joint.fr).get_json()
    assert (copy["check_in"]["version"], copy["outcome_version"]) == (0, 0)
    team = {m["code"]: m for m in copy["team"]}
    assert team["CT0001"]["parts"] == {
        "items": [{"code": "IC-01", "item_version": 0}, {"code": "IC-02", "item_version": 0}],
        "check_in": 0,
        "outcome": 0,
        "evidence": [],
    }
    assert team["FR0001"]["parts"] == {
        "items": [{"code": "IC-08", "item_version": 0}],
        "evidence": [],
    }
    assert team["FR0001"]["scope"] is None and team["FR0001"]["stale"] is False
    client.put(
        f"{url}/outcome",
        headers=joint.ct,
        json={"op_id": str(uuid.uuid4()), "part_version": 0, "outcome": "OK"},
    )
    copy = client.get(url, headers=joint.fr).get_json()
    assert copy["outcome_version"] == 1
    assert next(m for m in copy["team"] if m["code"] == "CT0001")["parts"]["outcome"] == 1


def test_a_submission_asked_for_waits_for_a_stale_signature_to_be_given_again(client, joint):
    url = _url(joint.inspection.id)

    def send(headers, method, tail, body):
        answer = getattr(client, method)(
            f"{url}{tail}", headers=headers, json=body | {"op_id": str(uuid.uuid4())}
        )
        assert answer.status_code in (200, 202), answer.get_json()
        return answer

    check_in = {"part_version": 0, "qr_payload": joint.qr, "lat": SHOP[0], "lon": SHOP[1]}
    send(joint.ct, "post", "/check-in", check_in)
    for code in ("IC-01", "IC-02"):
        send(joint.ct, "put", f"/items/{code}", {"item_version": 0, "result": "PASS"})
    detail = send(joint.ct, "put", "/outcome", {"part_version": 0, "outcome": "OK"}).get_json()
    send(joint.ct, "post", "/signatures", {"content_hash": detail["content_hash"]})
    asked = send(joint.ct, "post", "/submit", {"when_ready": True})
    assert asked.status_code == 202 and asked.get_json()["submission_requested"] is True
    # the partner's item arrives: the lead's record signature no longer covers the content
    send(joint.fr, "put", "/items/IC-08", {"item_version": 0, "result": "PASS"})
    fr_part = next(
        m for m in client.get(url, headers=joint.fr).get_json()["team"] if m["code"] == "FR0001"
    )["parts"]
    after = send(joint.fr, "post", "/signatures", {"parts": fr_part}).get_json()
    assert after["status"] != "SUBMITTED"
    lead = next(m for m in after["team"] if m["code"] == "CT0001")
    assert lead["stale"] is True and lead["signed_hash"] == detail["content_hash"]
    # the lead signs again: that write completes the inspection, and submits it
    done = send(joint.ct, "post", "/signatures", {"content_hash": after["content_hash"]})
    assert done.get_json()["status"] == "SUBMITTED"
    assert Inspection.get_by_id(joint.inspection.id).submitted_at is not None
