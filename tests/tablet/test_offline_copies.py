"""Offline copies: a tablet's read of an inspection is answered with the detail rendered for its
current state, and never with a copy of an older one."""

from __future__ import annotations

import gzip
import json

import pytest

from inspect_app.models import Inspection, OfflineCopy
from inspect_app.services import dispatch, inspections, offline_copies
from tests.factories import if_match, inspector_with_login, internet_cafes, login
from tests.tablet.conftest import draw_joint_check, op

TAMPERED = {"id": 0, "说明": "数据库中被改写的离线副本，不应再被送出"}


def _url(inspection_id: int) -> str:
    return f"/api/v1/tablet/inspections/{inspection_id}"


def _tag(response) -> str:
    tag, weak = response.get_etag()
    assert tag and not weak
    return tag


def _stored_tag(inspection_id: int) -> str:
    return OfflineCopy.get_by_id(inspection_id).etag


def _tamper(inspection_id: int) -> str:
    """Overwrite the kept copy's text (its ETag stays): a read that returns this text was answered
    from the copy, not rendered."""
    text = json.dumps(TAMPERED | {"id": inspection_id}, ensure_ascii=False)
    values = {OfflineCopy.body: text, OfflineCopy.body_gzip: gzip.compress(text.encode())}
    assert OfflineCopy.update(values).where(OfflineCopy.inspection == inspection_id).execute() == 1
    return text


@pytest.fixture
def kept(client, joint):
    """The joint inspection read once by its 文化旅游局 inspector (which keeps its copy), then the
    copy tampered with: (the first read's ETag, the tampered text)."""
    first = client.get(_url(joint.inspection.id), headers=joint.ct)
    assert first.status_code == 200, first.get_json()
    return _tag(first), _tamper(joint.inspection.id)


@pytest.fixture
def three_cafes(client) -> tuple[list[int], dict]:
    """A joint check of three internet cafés, drawn and dispatched: (inspection ids, the
    文化旅游局 inspector's headers)."""
    internet_cafes(3)
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    # Tests run without REDIS_URL, so the draw request relays its outbox in-process after commit:
    # inspect_app.jobs.draws.dispatch_draw creates the inspections and renders their copies (the
    # create_inspections call in draw_joint_check then finds everything there).
    drawn = draw_joint_check(client, cafes=3)
    ids = dispatch.inspections_of(drawn[0].draw_id)
    assert len(ids) == 3
    return ids, ct


def test_every_inspection_of_a_draw_has_a_current_copy_after_dispatch(client, three_cafes):
    ids, ct = three_cafes

    stored = {i: _stored_tag(i) for i in ids}

    for inspection_id in ids:
        assert _tag(client.get(_url(inspection_id), headers=ct)) == stored[inspection_id]


def test_preparing_a_draw_renders_only_the_missing_copies_and_then_nothing(three_cafes):
    ids, _ = three_cafes
    OfflineCopy.delete().where(OfflineCopy.inspection == ids[1]).execute()

    assert offline_copies.prepare(ids) == 1
    assert offline_copies.prepare(ids) == 0
    assert OfflineCopy.select().where(OfflineCopy.inspection.in_(ids)).count() == 3


def test_a_read_of_an_unchanged_inspection_is_answered_with_its_stored_copy(client, joint, kept):
    first_tag, tampered = kept

    again = client.get(_url(joint.inspection.id), headers=joint.ct)

    assert again.status_code == 200
    assert again.get_data(as_text=True) == tampered
    assert _tag(again) == first_tag


def _read_anew(client, joint, kept) -> dict:
    """Read after a change: not the tampered copy, a new ETag, and the new copy kept under it."""
    first_tag, tampered = kept
    read = client.get(_url(joint.inspection.id), headers=joint.ct)
    assert read.status_code == 200
    assert read.get_data(as_text=True) != tampered
    assert _tag(read) != first_tag
    assert _stored_tag(joint.inspection.id) == _tag(read)
    return read.get_json()


def _suspend(client, joint) -> None:
    """The licensing desk suspends the joint inspection's licence."""
    suspended = client.post(
        f"/api/v1/licences/{joint.licence.number}/events",
        headers=login("licensing", "CT") | if_match(client, joint.licence.number),
        json={"kind": "SUSPEND", "reason": "违规接纳未成年人，责令停业整顿"},
    )
    assert suspended.status_code == 201, suspended.get_json()


def _edit_entity(client, joint, changes: dict) -> None:
    """The registry edits the licence holder (市场主体)."""
    registry = login("licensing", "ASC")
    entity_url = f"/api/v1/entities/{joint.licence.holder.credit_code}"
    entity_tag = client.get(entity_url, headers=registry).headers["ETag"]
    moved = client.patch(
        entity_url,
        headers=registry | {"If-Match": entity_tag},
        json=changes,
    )
    assert moved.status_code == 200, moved.get_json()


def test_a_suspended_licence_is_read_from_a_new_copy_not_the_stale_one(client, joint, kept):
    _suspend(client, joint)

    assert _read_anew(client, joint, kept)["licence"]["status"] == "SUSPENDED"


def test_an_entity_edit_is_read_from_a_new_copy_not_the_stale_one(client, joint, kept):
    _edit_entity(client, joint, {"address": "上海市宝山区友谊路街道同济路99号"})

    assert (
        _read_anew(client, joint, kept)["entity"]["address"] == "上海市宝山区友谊路街道同济路99号"
    )


def test_a_tablet_write_keeps_the_copy_the_next_read_is_answered_with(client, joint):
    written = client.put(
        f"{_url(joint.inspection.id)}/items/IC-01",
        headers=joint.ct,
        json={"op_id": op(), "item_version": 0, "result": "FAIL", "notes": "未悬挂营业执照"},
    )
    assert written.status_code == 200, written.get_json()
    stored = _stored_tag(joint.inspection.id)

    read = client.get(_url(joint.inspection.id), headers=joint.fr)

    assert _tag(read) == stored
    assert read.get_json() == written.get_json()
    assert read.get_json()["version"] == Inspection.get_by_id(joint.inspection.id).version


def test_if_none_match_is_304_until_another_member_writes(client, joint):
    tag = _tag(client.get(_url(joint.inspection.id), headers=joint.ct))
    unchanged = client.get(
        _url(joint.inspection.id), headers=joint.ct | {"If-None-Match": f'"{tag}"'}
    )
    assert unchanged.status_code == 304 and unchanged.get_data() == b""

    written = client.put(
        f"{_url(joint.inspection.id)}/items/IC-08",
        headers=joint.fr,
        json={"op_id": op(), "item_version": 0, "result": "PASS", "notes": "消防通道畅通"},
    )
    assert written.status_code == 200, written.get_json()

    changed = client.get(
        _url(joint.inspection.id), headers=joint.ct | {"If-None-Match": f'"{tag}"'}
    )
    assert changed.status_code == 200
    assert _tag(changed) != tag


def test_a_write_answered_after_a_teammate_committed_shows_the_state_its_tag_names(client, joint):
    """A write's answer is rendered after its commit: when a teammate's write committed in
    between, the copy shows the inspection as it then stands (version included), the state its
    ETag names, not the inspection as the first write left it."""
    as_left = inspections.get(joint.inspection.id)  # what the first write's change handed on
    teammate = client.put(
        f"{_url(joint.inspection.id)}/items/IC-08",
        headers=joint.fr,
        json={"op_id": op(), "item_version": 0, "result": "PASS", "notes": "消防通道畅通"},
    )
    assert teammate.status_code == 200, teammate.get_json()

    body, keep, encoded = offline_copies.render_unkept(as_left)
    keep()

    current = Inspection.get_by_id(joint.inspection.id)
    assert current.version == as_left.version + 1
    assert body["version"] == current.version
    assert json.loads(encoded.text) == body
    read = client.get(_url(joint.inspection.id), headers=joint.ct)
    assert _tag(read) == _stored_tag(joint.inspection.id)
    assert read.get_json() == body


# -- a write renders around the kept frame (street, licence, last results) -----------------------


def _write_item(client, joint, code: str, headers=None) -> dict:
    written = client.put(
        f"{_url(joint.inspection.id)}/items/{code}",
        headers=headers or joint.ct,
        json={"op_id": op(), "item_version": 0, "result": "PASS", "notes": "现场核查无异常"},
    )
    assert written.status_code == 200, written.get_json()
    return written.get_json()


def _tamper_frame(inspection_id: int) -> None:
    """Rewrite the kept frame's street (its tag stays): a write whose answer shows this street
    rendered around the kept frame; one that does not read it anew."""
    kept = OfflineCopy.get_by_id(inspection_id)
    frame = json.loads(kept.frame) | {"street": "被改写的街道"}
    kept.frame = json.dumps(frame, ensure_ascii=False)
    kept.save()


def test_a_write_renders_around_the_frame_the_write_before_kept(client, joint):
    first = _write_item(client, joint, "IC-01")
    assert first["street"] and first["licence"]["number"] == joint.licence.number
    _tamper_frame(joint.inspection.id)

    second = _write_item(client, joint, "IC-08", joint.fr)

    assert second["street"] == "被改写的街道"  # the frame was taken as kept, not read again
    assert second["licence"] == first["licence"]
    assert second["version"] == first["version"] + 1
    assert client.get(_url(joint.inspection.id), headers=joint.ct).get_json() == second


def test_a_write_after_the_licence_was_suspended_renders_the_licence_anew(client, joint):
    _write_item(client, joint, "IC-01")
    _tamper_frame(joint.inspection.id)
    _suspend(client, joint)

    after = _write_item(client, joint, "IC-08", joint.fr)

    assert after["licence"]["status"] == "SUSPENDED"
    assert after["street"] != "被改写的街道"


def test_a_write_after_the_entity_moved_street_renders_the_frame_anew(client, joint):
    first = _write_item(client, joint, "IC-01")
    _tamper_frame(joint.inspection.id)
    _edit_entity(client, joint, {"name": "上海宝山区星际网络会所有限公司", "street": "BS05"})

    after = _write_item(client, joint, "IC-08", joint.fr)

    assert after["street"] not in (first["street"], "被改写的街道")
    assert after["licence"]["holder_name"] == "上海宝山区星际网络会所有限公司"
    assert after["entity"]["name"] == "上海宝山区星际网络会所有限公司"
