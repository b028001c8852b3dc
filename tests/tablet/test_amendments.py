"""An amendment to a submitted, signed result keeps the original, changes only the amending
member's own items (the outcome: only the lead's member), takes effect once every member has
signed it again, and then recomputes the follow-ups; the public sees the amended result only then."""

from __future__ import annotations

import uuid

from inspect_app.clock import utcnow
from inspect_app.models import Amendment, Feedback, Inspection, ItemResult, OutboxJob
from inspect_app.services import reinspection
from tests.factories import login
from tests.tablet.conftest import submit_with


def op() -> str:
    return str(uuid.uuid4())


def _url(joint, tail=""):
    return f"/api/v1/tablet/inspections/{joint.inspection.id}{tail}"


def _amend(client, joint, headers, changes, reason="复核现场照片后更正"):
    version = client.get(_url(joint), headers=headers).get_json()["version"]
    return client.post(
        _url(joint, "/amendments"),
        headers=headers,
        json={"op_id": op(), "base_version": version, "reason": reason, "changes": changes},
    )


def _sign(client, joint, headers, content_hash):
    return client.post(
        _url(joint, "/signatures"),
        headers=headers,
        json={"op_id": op(), "content_hash": content_hash},
    )


def _item(detail, code):
    return next(i for g in detail["checklist"] for i in g["items"] if i["code"] == code)


class _Answer:
    def __init__(self, body):
        self.body = body

    def get_json(self):
        return self.body


def _sign_all(client, joint, amended):
    content_hash = amended.get_json()["amendments"][-1]["amended"]["content_hash"]
    for headers in (joint.ct, joint.fr):
        signed = _sign(client, joint, headers, content_hash)
        assert signed.status_code == 200, signed.get_json()
    return signed.get_json()


def test_an_amendment_waits_for_every_signature_and_keeps_the_original(client, joint):
    submit_with(client, joint, "FIXED")
    submitted = client.get(_url(joint), headers=joint.ct).get_json()

    amended = _amend(client, joint, joint.ct, {"items": {"IC-01": {"result": "PASS"}}})

    assert amended.status_code == 200, amended.get_json()
    pending = amended.get_json()
    (amendment,) = pending["amendments"]
    assert pending["amendment_pending"] is True and amendment["status"] == "PENDING"
    assert _item(pending, "IC-01")["result"] == "FAIL"  # the record in force is the original
    assert pending["content_hash"] == submitted["content_hash"]
    assert all(m["signed"] for m in pending["team"])  # the original's signatures stand
    assert {i["item"]: i["result"] for i in amendment["original"]["items"]}["IC-01@v1"] == "FAIL"
    assert {i["item"]: i["result"] for i in amendment["amended"]["items"]}["IC-01@v1"] == "PASS"
    assert [s["code"] for s in amendment["original_signatures"]] == ["CT0001", "FR0001"]
    assert not any(m["signed"] for m in amendment["team"])

    one = _sign(client, joint, joint.ct, amendment["amended"]["content_hash"]).get_json()
    assert one["amendment_pending"] is True and _item(one, "IC-01")["result"] == "FAIL"
    both = _sign(client, joint, joint.fr, amendment["amended"]["content_hash"]).get_json()

    assert both["amendment_pending"] is False and _item(both, "IC-01")["result"] == "PASS"
    assert both["amendments"][0]["status"] == "IN_FORCE"
    assert both["content_hash"] == amendment["amended"]["content_hash"]
    assert all(m["signed"] for m in both["team"])
    kept = both["amendments"][0]
    assert kept["original"]["content_hash"] == submitted["content_hash"]
    assert {s["content_hash"] for s in kept["original_signatures"]} == {submitted["content_hash"]}


def test_a_member_amends_only_their_own_departments_items(client, joint):
    submit_with(client, joint, "FIXED")
    other_item = _amend(client, joint, joint.fr, {"items": {"IC-01": {"result": "PASS"}}})
    assert other_item.status_code == 403, other_item.get_json()
    assert "IC-01" in other_item.get_json()["message"]["zh"]
    outcome = _amend(client, joint, joint.fr, {"outcome": "CLOSED"})
    assert outcome.status_code == 403 and outcome.get_json()["status"] == "FORBIDDEN"
    assert Amendment.select().count() == 0
    own = _amend(client, joint, joint.fr, {"items": {"IC-08": {"result": "PASS", "notes": "复查"}}})
    assert own.status_code == 200, own.get_json()


def test_the_probes_rewrite_by_one_member_is_refused(client, joint):
    """The security review's request: the FR member alone turns OK into CLOSED and CT's item."""
    submit_with(client, joint, "OK", result="PASS")
    response = _amend(
        client, joint, joint.fr, {"outcome": "CLOSED", "items": {"IC-01": {"result": "PASS"}}}
    )
    assert response.status_code == 403
    stored = Inspection.get_by_id(joint.inspection.id)
    assert stored.outcome == "OK" and Feedback.select().count() == 0


def test_a_signature_on_other_content_is_stale_and_names_the_amendments_hash(client, joint):
    submit_with(client, joint, "FIXED")
    amended = _amend(client, joint, joint.ct, {"items": {"IC-02": {"result": "PASS"}}}).get_json()
    stale = _sign(client, joint, joint.fr, amended["content_hash"])  # the original's hash
    assert stale.status_code == 409 and stale.get_json()["status"] == "STALE_VERSION"
    wanted = amended["amendments"][-1]["amended"]["content_hash"]
    assert stale.get_json()["errors"]["current"]["content_hash"] == wanted


def test_a_second_amendment_while_one_is_pending_takes_it_in(client, joint):
    submit_with(client, joint, "FIXED")
    _amend(client, joint, joint.ct, {"items": {"IC-01": {"result": "PASS"}}})
    second = _amend(client, joint, joint.fr, {"items": {"IC-08": {"result": "PASS"}}}).get_json()
    first, latest = second["amendments"]
    assert (first["status"], latest["status"]) == ("SUPERSEDED", "PENDING")
    signed = _sign_all(client, joint, _Answer(second))
    assert (_item(signed, "IC-01")["result"], _item(signed, "IC-08")["result"]) == ("PASS", "PASS")
    assert ItemResult.select().where(ItemResult.result == "FAIL").count() == 1  # IC-02


def test_an_amendment_needs_what_a_submission_needs(client, joint):
    submit_with(client, joint, "NOADDR")  # never checked in, no items
    response = _amend(client, joint, joint.ct, {"outcome": "OK"})
    assert response.status_code == 409 and response.get_json()["status"] == "NOT_READY"
    assert set(response.get_json()["errors"]) == {"check_in", "items"}


def test_ok_amended_to_closed_tells_licensing_once_signed(client, joint):
    submit_with(client, joint, "OK", result="PASS")
    amended = _amend(client, joint, joint.ct, {"outcome": "CLOSED", "outcome_notes": "已停业"})
    assert amended.status_code == 200, amended.get_json()
    assert Feedback.select().count() == 0  # nothing follows from an unsigned amendment
    _sign_all(client, joint, amended)
    (row,) = Feedback.select()
    assert (row.kind, row.outcome, row.withdrawn_at) == ("LICENSING", "CLOSED", None)
    assert Inspection.get_by_id(joint.inspection.id).outcome == "CLOSED"


def test_fixed_amended_to_ok_withdraws_the_rectification_and_its_reinspection(client, joint):
    submit_with(client, joint, "FIXED")
    (order,) = Feedback.select()
    job = OutboxJob.get(OutboxJob.function.contains("schedule_reinspection"))
    ct_part = {"outcome": "OK", "items": {c: {"result": "PASS"} for c in ("IC-01", "IC-02")}}
    assert _amend(client, joint, joint.ct, ct_part).status_code == 200
    amended = _amend(client, joint, joint.fr, {"items": {"IC-08": {"result": "PASS"}}})
    _sign_all(client, joint, amended)
    withdrawn = Feedback.get_by_id(order.id)
    assert withdrawn.status == "WITHDRAWN" and withdrawn.withdrawn_at is not None
    assert Feedback.select().where(Feedback.withdrawn_at.is_null()).count() == 0  # OK: none
    parent = Inspection.get_by_id(joint.inspection.id)
    skipped = reinspection.schedule_reinspection(job.id, parent.id, order.due_on, utcnow())
    assert skipped == {"skipped": 1}
    assert Inspection.select().where(Inspection.round == 1).count() == 0


def test_case_amended_to_refuse_replaces_the_referral(client, joint):
    submit_with(client, joint, "CASE")
    amended = _amend(client, joint, joint.ct, {"outcome": "REFUSE"})
    _sign_all(client, joint, amended)
    live = {(f.kind, f.outcome) for f in Feedback.select().where(Feedback.withdrawn_at.is_null())}
    assert live == {("REFERRAL", "REFUSE"), ("CREDIT", "REFUSE")}
    assert Feedback.get(Feedback.outcome == "CASE").status == "WITHDRAWN"


def test_the_public_sees_the_amended_result_only_once_signed(client, joint):
    code = joint.inspection.task.code
    submit_with(client, joint, "FIXED")
    client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    amended = _amend(client, joint, joint.ct, {"outcome": "CASE"})

    def published():
        return client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"][0]["outcome"]

    assert published() == "FIXED"
    _sign_all(client, joint, amended)
    assert published() == "CASE"
