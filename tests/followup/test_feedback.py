"""Each outcome category's follow-up, the licensing inbox, and the loop back into the next draw."""

from __future__ import annotations

import pytest

from inspect_app.models import Feedback, Inspection, Licence, LicenceEvent, OutboxJob
from tests.factories import desk_login, feedback_tag, if_match, login


def _inbox(client, headers=None, **query):
    return client.get(
        "/api/v1/licensing/feedback",
        headers=headers or desk_login(),
        query_string=query,
    )


def test_ok_has_no_follow_up(client, submit):
    submit("OK", result="PASS")
    assert Feedback.select().count() == 0


def test_fixed_orders_rectification_and_schedules_a_reinspection(client, submit):
    inspection = submit("FIXED")
    order = Feedback.get(Feedback.kind == "RECTIFICATION")
    assert order.details["rectification_deadline"] == order.due_on.isoformat()
    job = OutboxJob.get(OutboxJob.function.contains("schedule_reinspection"))
    assert job.args[0] == inspection.id and job.run_at is not None


def test_case_is_referred(client, submit):
    submit("CASE")
    assert [f.kind for f in Feedback.select()] == ["REFERRAL"]


def test_refusal_is_referred_and_credit_recorded(client, submit):
    submit("REFUSE")
    assert sorted(f.kind for f in Feedback.select()) == ["CREDIT", "REFERRAL"]


@pytest.mark.parametrize("outcome", ["NOBIZ", "NOADDR", "CLOSED"])
def test_outcomes_for_licensing_reach_the_inbox(client, submit, outcome):
    submit(outcome)
    rows = _inbox(client).get_json()
    assert [(r["outcome"], r["status"]) for r in rows] == [(outcome, "DELIVERED")]
    assert rows[0]["due_on"] and rows[0]["licence"]


def test_licensing_acts_and_the_licence_shows_it(client, submit, joint):
    submit("NOBIZ")
    headers = desk_login()
    (row,) = _inbox(client, headers).get_json()
    acknowledged = client.post(
        f"/api/v1/licensing/feedback/{row['id']}/acknowledge",
        headers=headers | feedback_tag(client, row["id"], headers),
    ).get_json()
    assert acknowledged["status"] == "ACKNOWLEDGED"
    acted = client.post(
        f"/api/v1/licensing/feedback/{row['id']}/act",
        headers=headers | feedback_tag(client, row["id"], headers),
        json={
            "action": "START_CANCELLATION",
            "reason": "经核实已停止经营，依法注销",
        },
    )
    assert acted.status_code == 200, acted.get_json()
    licence = Licence.get(Licence.number == joint.licence.number)
    assert licence.status == "CANCELLED"
    event = LicenceEvent.get_by_id(acted.get_json()["licence_event"])
    assert event.kind == "CANCEL" and event.changes["inspection"] == joint.inspection.id


def test_no_action_needs_a_reason_and_leaves_the_status(client, submit, joint):
    submit("NOADDR")
    headers = desk_login()
    (row,) = _inbox(client, headers).get_json()
    missing = client.post(
        f"/api/v1/licensing/feedback/{row['id']}/act",
        headers=headers | feedback_tag(client, row["id"], headers),
        json={"action": "NO_ACTION"},
    )
    assert missing.status_code == 422
    acted = client.post(
        f"/api/v1/licensing/feedback/{row['id']}/act",
        headers=headers | feedback_tag(client, row["id"], headers),
        json={
            "action": "NO_ACTION",
            "reason": "已联系上经营者，地址变更在办",
        },
    ).get_json()
    assert LicenceEvent.get_by_id(acted["licence_event"]).kind == "NOTE"
    assert Licence.get(Licence.number == joint.licence.number).status == "ACTIVE"


def test_unanswered_feedback_escalates_once(client, submit):
    from datetime import timedelta

    from inspect_app.clock import utcnow
    from inspect_app.models import Notification
    from inspect_app.services.notifications import escalate_overdue
    from tests.factories import make_desk, make_user

    head = make_user("licensing", "ASC")
    make_desk(default=True, head=head)
    submit("CLOSED")
    later = utcnow() + timedelta(days=40)
    assert escalate_overdue(later)["feedback"] == 1
    assert escalate_overdue(later) == {"notices": 0, "feedback": 0}
    feedback = Feedback.get(Feedback.kind == "LICENSING")
    assert feedback.status == "ESCALATED"
    (escalation,) = Notification.select().where(
        (Notification.kind == "ESCALATION") & (Notification.feedback == feedback.id)
    )
    assert escalation.escalation_of.kind == "LICENSING_FEEDBACK"
    assert escalation.user_id == head.id  # the desk's head


@pytest.mark.parametrize(
    ("role", "department"), [("planner", "CT"), ("inspector", "CT"), ("planner", "MS")]
)
def test_only_licensing_uses_the_inbox(client, submit, role, department):
    submit("NOBIZ")
    row = Feedback.get(Feedback.kind == "LICENSING")
    headers = login(role, department)
    assert _inbox(client, headers).status_code == 403
    assert client.get(f"/api/v1/licensing/feedback/{row.id}", headers=headers).status_code == 403
    act = client.post(
        f"/api/v1/licensing/feedback/{row.id}/act",
        headers=headers,
        json={"action": "NO_ACTION", "reason": "越权"},
    )
    assert act.status_code == 403
    assert Feedback.get_by_id(row.id).status == "DELIVERED"


def test_a_submitted_failure_raises_the_grade_the_next_draw_sees(client, submit, joint):
    code = joint.licence.holder.credit_code
    before = client.get(f"/api/v1/entities/{code}/grade", headers=login("planner", "CT")).get_json()
    submit("REFUSE")
    after = client.get(f"/api/v1/entities/{code}/grade", headers=login("planner", "CT")).get_json()
    assert after["score"] > before["score"]
    assert any(f["code"] == "inspection_outcome" and f["points"] > 0 for f in after["factors"])
    from tests.tablet.conftest import draw_joint_check

    draw_joint_check(client)  # the next draw of the same industry
    from inspect_app.models import Draw

    latest = Draw.select().order_by(Draw.id.desc()).get()
    (row,) = [e for e in latest.frame if e["entity_id"] == code]
    assert row["grade"] == after["grade"] and row["checks_last_12m"] == 1


def test_a_licence_cancelled_by_licensing_leaves_the_next_frame(client, joint):
    from tests.factories import make_entity, make_licence
    from tests.tablet.conftest import draw_joint_check

    other = make_licence(make_entity(1, name="上海宝山区新开网咖有限公司"))
    client.post(
        f"/api/v1/licences/{joint.licence.number}/events",
        json={"kind": "CANCEL", "reason": "申请注销"},
        headers=login("licensing", "ASC") | if_match(client, joint.licence.number),
    )
    draw_joint_check(client)
    from inspect_app.models import Draw

    latest = Draw.select().order_by(Draw.id.desc()).get()
    codes = {e["entity_id"] for e in latest.frame}
    assert joint.licence.holder.credit_code not in codes and other.holder.credit_code in codes
    assert Inspection.select().count() >= 1


def test_acting_on_feedback_states_the_version_seen(client, submit):
    submit("NOBIZ")
    headers = desk_login()
    (row,) = _inbox(client, headers).get_json()
    url = f"/api/v1/licensing/feedback/{row['id']}"
    blind = client.post(f"{url}/acknowledge", headers=headers)
    assert blind.status_code == 428 and blind.get_json()["status"] == "PRECONDITION_REQUIRED"
    seen = feedback_tag(client, row["id"], headers)
    assert client.post(f"{url}/acknowledge", headers=headers | seen).status_code == 200
    stale = client.post(
        f"{url}/act",
        headers=headers | seen,
        json={"action": "NO_ACTION", "reason": "已联系上经营者"},
    )
    assert stale.status_code == 412 and stale.get_json()["status"] == "STALE_VERSION"
    assert Feedback.get_by_id(row["id"]).status == "ACKNOWLEDGED"


def test_the_inbox_costs_the_same_queries_for_one_item_as_for_six(client, submit, monkeypatch):
    from inspect_app.db import database

    inspection = submit("NOBIZ")
    headers = desk_login()
    counter = {"n": 0}
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith("PREPARE "):
            counter["n"] += 1
        return real(sql, params, *args, **kwargs)

    def listed() -> int:
        counter["n"] = 0
        monkeypatch.setattr(database.obj, "execute_sql", counting)
        rows = _inbox(client, headers).get_json()
        monkeypatch.setattr(database.obj, "execute_sql", real)
        assert all(row["licence"] for row in rows)
        return counter["n"]

    one = listed()
    original = Feedback.get(Feedback.kind == "LICENSING")
    for later_round in range(1, 6):  # the same entity's later rounds, each with its feedback
        again = Inspection.get_by_id(inspection.id)
        again.id, again.round = None, later_round
        again.save(force_insert=True)
        copy = Feedback.get_by_id(original.id)
        copy.id, copy.inspection = None, again
        copy.save(force_insert=True)
    assert len(_inbox(client, headers).get_json()) == 6
    assert listed() == one
