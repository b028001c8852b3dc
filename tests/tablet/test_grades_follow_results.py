"""A result, its credit record and an amendment change the entity's stored grade in the
transaction that makes them (issue 13 §3): a REFUSE result's credit record counts (worse), and
a credit record withdrawn by an amendment stops counting."""

from __future__ import annotations

from inspect_app.clock import local, utcnow
from inspect_app.models import EntityGrade, Feedback
from tests.factories import login
from tests.tablet.conftest import submit_with
from tests.tablet.test_amendments import _amend, _sign_all


def _stored(joint) -> EntityGrade:
    return EntityGrade.get(EntityGrade.entity == joint.licence.holder_id)


def _factors(grade: EntityGrade, code: str) -> list[dict]:
    return [f for f in grade.factors if f["code"] == code]


def test_a_submitted_case_is_in_the_stored_grade_at_once(client, joint):
    before = _stored(joint)
    submit_with(client, joint, "CASE")
    after = _stored(joint)
    assert after.score > before.score and after.inputs_hash != before.inputs_hash
    assert [f["points"] for f in _factors(after, "inspection_outcome")] == [25.0]
    assert _factors(after, "credit_records") == []  # a case leads to a referral, no record


def test_a_refusal_s_credit_record_makes_the_grade_worse_and_its_withdrawal_restores_it(
    client, joint
):
    submit_with(client, joint, "CASE")
    case = _stored(joint)
    _sign_all(client, joint, _amend(client, joint, joint.ct, {"outcome": "REFUSE"}))
    record = Feedback.get((Feedback.kind == "CREDIT") & Feedback.withdrawn_at.is_null())
    refused = _stored(joint)
    (credit,) = _factors(refused, "credit_records")
    assert credit["points"] == 15.0 and credit["label_zh"] == "信用记录"
    outcome = sum(f["points"] for f in _factors(refused, "inspection_outcome"))
    assert outcome == 35.0  # REFUSE instead of CASE (25)
    assert refused.score == round(case.score - 25.0 + 35.0 + 15.0, 2)
    assert "DCBA".index(refused.grade) <= "DCBA".index(case.grade)

    _sign_all(client, joint, _amend(client, joint, joint.ct, {"outcome": "CASE"}))
    assert Feedback.get_by_id(record.id).withdrawn_at is not None
    restored = _stored(joint)
    assert _factors(restored, "credit_records") == []
    assert (restored.score, restored.grade) == (case.score, case.grade)
    answer = client.get(
        f"/api/v1/entities/{joint.licence.holder.credit_code}/grade",
        headers=login("planner", "CT"),
    ).get_json()
    assert answer["score"] == restored.score


def test_a_complaint_changes_the_stored_grade(client, joint):
    before = _stored(joint)
    response = client.post(
        f"/api/v1/entities/{joint.licence.holder.credit_code}/complaints",
        json={
            "received_on": local(utcnow()).date().isoformat(),
            "summary": "群众举报接纳未成年人上网",
        },
        headers=login("planner", "CT"),
    )
    assert response.status_code == 201, response.get_json()
    after = _stored(joint)
    assert after.score > before.score and response.get_json()["score"] == after.score
