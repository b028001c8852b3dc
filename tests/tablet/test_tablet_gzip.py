"""A tablet that accepts gzip gets the inspection's offline copy as it was compressed when kept."""

from __future__ import annotations

import gzip
import json

from inspect_app.models import OfflineCopy

GZIP = {"Accept-Encoding": "gzip"}


def _url(joint) -> str:
    return f"/api/v1/tablet/inspections/{joint.inspection.id}"


def test_a_kept_copy_is_sent_compressed_and_reads_like_the_plain_one(client, joint):
    plain = client.get(_url(joint), headers=joint.ct)  # renders the copy and keeps it
    packed = client.get(_url(joint), headers=joint.ct | GZIP)

    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert packed.headers["ETag"] == plain.headers["ETag"].rstrip('"') + ':gzip"'


def test_the_first_read_of_a_state_is_compressed_too(client, joint):
    first = client.get(_url(joint), headers=joint.ct | GZIP)  # no copy yet: rendered now

    assert first.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(first.data))["id"] == joint.inspection.id


def test_either_etag_spelling_is_answered_304(client, joint):
    plain = client.get(_url(joint), headers=joint.ct)
    packed = client.get(_url(joint), headers=joint.ct | GZIP)

    for tag in (plain.headers["ETag"], packed.headers["ETag"]):
        again = client.get(_url(joint), headers=joint.ct | GZIP | {"If-None-Match": tag})
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["ETag"] == tag  # the spelling the tablet holds


def test_a_tablet_without_gzip_never_gets_it(client, joint):
    client.get(_url(joint), headers=joint.ct)
    refused = client.get(_url(joint), headers=joint.ct | {"Accept-Encoding": "identity"})

    assert "Content-Encoding" not in refused.headers
    assert refused.get_json()["id"] == joint.inspection.id


def test_the_compressed_answer_is_the_kept_one_not_compressed_again(client, joint):
    client.get(_url(joint), headers=joint.ct)  # keeps the copy
    marker = gzip.compress('{"kept": "压缩副本"}'.encode(), mtime=0)
    OfflineCopy.update(body_gzip=marker).where(
        OfflineCopy.inspection == joint.inspection.id
    ).execute()

    packed = client.get(_url(joint), headers=joint.ct | GZIP)

    assert packed.data == marker
