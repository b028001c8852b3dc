"""A photo of an inspection read back by its hash: the team, the task's planners (lead and
partner departments), the record's reviewers and admins; cached for good under its hash."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest

from tests.factories import PNG_1PX, desk_login, inspector_with_login, login
from tests.tablet.conftest import submit_with

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + bytes(range(64)) + b"\xff\xd9"


def _upload(client, joint, photo: bytes, headers=None) -> str:
    answer = client.post(
        f"/api/v1/tablet/inspections/{joint.inspection.id}/evidence",
        headers=headers or joint.ct,
        data={"op_id": str(uuid.uuid4()), "photo": (io.BytesIO(photo), "现场.jpg")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    (evidence,) = [e for e in answer.get_json()["evidence"] if e["sha256"] == _sha(photo)]
    return evidence["url"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "reader", ["team_lead", "team_partner", "planner_ct", "planner_fr", "admin"]
)
def test_each_allowed_reader_gets_the_bytes_with_caching_headers(client, joint, reader):
    url = _upload(client, joint, JPEG)
    headers = {
        "team_lead": joint.ct,
        "team_partner": joint.fr,
        "planner_ct": login("planner", "CT"),
        "planner_fr": login("planner", "FR"),
        "admin": login("admin"),
    }[reader]
    answer = client.get(url, headers=headers)
    assert answer.status_code == 200
    assert answer.data == JPEG
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["ETag"] == f'"{_sha(JPEG)}"'
    cache = {part.strip() for part in answer.headers["Cache-Control"].split(",")}
    assert cache == {"private", "max-age=31536000", "immutable"}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"

    again = client.get(url, headers=headers | {"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == answer.headers["ETag"]


def test_a_png_is_served_as_a_png(client, joint):
    url = _upload(client, joint, PNG_1PX, joint.fr)
    answer = client.get(url, headers=joint.ct)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.data == PNG_1PX


def test_others_do_not_find_it_and_the_anonymous_must_sign_in(client, joint):
    url = _upload(client, joint, JPEG)
    _, off_team = inspector_with_login("CT0009", "CT", name="周杰")
    for headers in (login("planner", "MS"), off_team, login("licensing", "ASC"), desk_login()):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 404, answer.get_json()
        assert answer.get_json()["status"] == "NOT_FOUND" and JPEG not in answer.data
    assert client.get(url).status_code == 401


def test_the_records_reviewers_read_it_once_it_is_feedback(client, joint):
    url = _upload(client, joint, JPEG)
    licensing = desk_login()  # a clerk of the licence's desk (the default licensing desk)
    assert client.get(url, headers=licensing).status_code == 404
    submit_with(client, joint, "NOBIZ", result="NA")  # goes to licensing as feedback
    answer = client.get(url, headers=licensing)
    assert answer.status_code == 200 and answer.data == JPEG


@pytest.mark.parametrize("sha", ["0" * 64, "not-a-hash", "A" * 64])
def test_an_unknown_or_malformed_hash_is_a_404(client, joint, sha):
    _upload(client, joint, JPEG)
    answer = client.get(
        f"/api/v1/inspections/{joint.inspection.id}/photos/{sha}", headers=login("admin")
    )
    assert answer.status_code == 404


def test_a_photo_of_another_inspection_is_not_served_under_this_one(client, joint):
    url = _upload(client, joint, JPEG)
    other = url.replace(f"/inspections/{joint.inspection.id}/", "/inspections/999999/")
    assert client.get(other, headers=login("admin")).status_code == 404
