"""Everyone has an inbox: every kind of notice the platform creates reaches its recipient's inbox
and no one else's; it is acknowledged there (once; another's is 404), and a notice left
unsettled past its due time is escalated to the party above, visible on both sides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inspect_app.clock import utcnow
from inspect_app.jobs import relay
from inspect_app.models import AuditEntry, Feedback, Notification, SpotCheckTask
from inspect_app.services import notifications, overdue, reminders
from tests.factories import (
    auth_header,
    desk_clerk,
    desk_login,
    inspector_with_login,
    make_desk,
    make_user,
)

AFTER_THE_DEADLINE = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)  # the joint check's is 2027-01-15


def inbox(client, headers, **query) -> list[dict]:
    response = client.get("/api/v1/inbox", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(client, headers, **query) -> list[str]:
    return sorted(n["kind"] for n in inbox(client, headers, **query))


@pytest.fixture
def people(client, joint):
    """Everyone who might receive a notice about the joint check, and some who must not."""
    _, off = inspector_with_login("MS0009", "MS", industries=("FS",), name="刘芳", device="平板-31")
    return {
        "ct": joint.ct,
        "fr": joint.fr,
        "ms_inspector": off,
        "ct_planner": auth_header(make_user("planner", "CT")),
        "fr_planner": auth_header(make_user("planner", "FR")),
        "ms_planner": auth_header(make_user("planner", "MS")),
        "clerk": desk_login("ASC-LIC"),
        "admin": auth_header(make_user("admin")),
    }


def only_in(client, people, kind: str, *recipients: str) -> list[dict]:
    """The notices of `kind` are in each recipient's inbox and in nobody else's."""
    found = {}
    for who, headers in people.items():
        found[who] = [n for n in inbox(client, headers) if n["kind"] == kind]
    assert sorted(who for who, rows in found.items() if rows) == sorted(recipients), found
    return [n for who in recipients for n in found[who]]


def test_a_dispatch_notice_reaches_each_member_of_the_team(client, joint, people):
    rows = only_in(client, people, "ASSIGNED", "ct", "fr")
    assert {n["inspection"] for n in rows} == {joint.inspection.id}
    assert {n["recipient_type"] for n in rows} == {"inspector"}
    assert all(n["due_at"] and n["acknowledged_at"] is None for n in rows)


def test_a_deadline_reminder_reaches_the_team(client, joint, people):
    task = SpotCheckTask.get_by_id(joint.inspection.task_id)
    relay.run(None, reminders.reminder_time(task.deadline) + timedelta(minutes=1))
    rows = only_in(client, people, "REMINDER", "ct", "fr")
    assert {n["payload"]["entity"] for n in rows} == {joint.licence.holder.credit_code}


def test_an_overdue_inspection_reaches_the_lead_departments_planners(client, joint, people):
    overdue.mark_overdue(AFTER_THE_DEADLINE)
    (row,) = only_in(client, people, "ESCALATED", "ct_planner")
    assert row["inspection"] == joint.inspection.id


def test_a_referral_reaches_the_lead_departments_planners(client, submit, people):
    submit("CASE")
    (row,) = only_in(client, people, "REFERRAL", "ct_planner")
    assert (row["recipient_type"], row["role"], row["department"]) == ("group", "planner", "CT")


def test_a_referral_reaches_the_enforcement_desk_where_one_is_configured(client, submit, people):
    officer = make_user("planner", "CT")
    make_desk("CT-ZF", "CT", kind="ENFORCEMENT", scope=[("IC", None)], members=[officer])
    people["officer"] = auth_header(officer)
    submit("CASE")
    (row,) = only_in(client, people, "REFERRAL", "officer")
    assert row["desk"] == "CT-ZF"


def test_a_rectification_order_reaches_the_lead_departments_planners(client, submit, people):
    submit("FIXED")
    (row,) = only_in(client, people, "RECTIFICATION", "ct_planner")
    assert row["payload"]["outcome"] == "FIXED" and row["feedback"]


def test_a_credit_record_reaches_the_credit_desk(client, submit, people):
    make_desk("ASC-CREDIT", kind="CREDIT", default=True)
    people["credit_clerk"] = auth_header(desk_clerk("ASC-CREDIT"))
    submit("REFUSE")
    (row,) = only_in(client, people, "CREDIT_RECORD", "credit_clerk")
    assert row["desk"] == "ASC-CREDIT" and row["payload"]["outcome"] == "REFUSE"
    only_in(client, people, "REFERRAL", "ct_planner")  # the refusal's other follow-up
    url = f"/api/v1/inbox/{row['id']}/acknowledge"
    acked = client.post(url, headers=people["credit_clerk"]).get_json()
    assert acked["settled_at"]  # a credit record asks only to be received
    record = Feedback.get_by_id(row["feedback"])
    assert record.status == "ACKNOWLEDGED" and record.acknowledged_by == acked["acknowledged_by"]


def test_licensing_feedback_reaches_the_desk_of_the_licence(client, submit, joint, people):
    make_desk("BS02-LIC", scope=[(None, "BS02")])  # 吴淞: the café is in 友谊路 (BS01)
    people["other_desk"] = auth_header(desk_clerk("BS02-LIC"))
    submit("NOBIZ")
    (row,) = only_in(client, people, "LICENSING_FEEDBACK", "clerk")
    assert row["desk"] == "ASC-LIC" and row["payload"]["licence"] == joint.licence.number


def test_a_notice_without_any_desk_goes_to_the_admins(client, submit, joint):
    admin = auth_header(make_user("admin"))
    submit("NOBIZ")
    (row,) = [n for n in inbox(client, admin) if n["kind"] == "LICENSING_FEEDBACK"]
    assert (row["recipient_type"], row["role"]) == ("group", "admin")


def test_the_inbox_filters_by_kind_acknowledgement_and_date(client, joint, people):
    task = SpotCheckTask.get_by_id(joint.inspection.task_id)
    relay.run(None, reminders.reminder_time(task.deadline) + timedelta(minutes=1))
    ct = people["ct"]
    assert kinds(client, ct) == ["ASSIGNED", "REMINDER"]
    assert kinds(client, ct, kind="REMINDER") == ["REMINDER"]
    (assigned,) = inbox(client, ct, kind="ASSIGNED")
    client.post(f"/api/v1/inbox/{assigned['id']}/acknowledge", headers=ct)
    assert kinds(client, ct, acknowledged="false") == ["REMINDER"]
    assert kinds(client, ct, acknowledged="true") == ["ASSIGNED"]
    today = utcnow().date()
    assert kinds(client, ct, since=today.isoformat(), kind="ASSIGNED") == ["ASSIGNED"]
    assert kinds(client, ct, until=(today - timedelta(days=2)).isoformat()) == []
    page = client.get("/api/v1/inbox", headers=ct, query_string={"page_size": 1})
    assert len(page.get_json()) == 1 and '"total": 2' in page.headers["X-Pagination"]
    bad = client.get("/api/v1/inbox", headers=ct, query_string={"since": "明天"})
    assert bad.status_code == 422 and bad.get_json()["message"]["zh"]


def test_acknowledging_is_recorded_once_with_who_and_when(client, joint, people):
    (notice,) = inbox(client, people["ct"])
    url = f"/api/v1/inbox/{notice['id']}/acknowledge"
    first = client.post(url, headers=people["ct"])
    assert first.status_code == 200, first.get_json()
    again = client.post(url, headers=people["ct"]).get_json()
    body = first.get_json()
    assert body["acknowledged_at"] and body["acknowledged_by"].startswith("u-CT0001")
    assert again["acknowledged_at"] == body["acknowledged_at"]
    entries = AuditEntry.select().where(AuditEntry.action == "notice.acknowledge")
    assert [e.object_id for e in entries] == [str(notice["id"])]


@pytest.mark.parametrize("who", ["fr", "ct_planner", "clerk", "admin"])
def test_anothers_notice_is_not_found(client, joint, people, who):
    (notice,) = inbox(client, people["ct"])
    headers = people[who]
    assert client.get(f"/api/v1/inbox/{notice['id']}", headers=headers).status_code == 404
    ack = client.post(f"/api/v1/inbox/{notice['id']}/acknowledge", headers=headers)
    assert ack.status_code == 404 and ack.get_json()["message"]["en"] == "No such notice"
    assert Notification.get_by_id(notice["id"]).acknowledged_at is None


def test_an_unacknowledged_notice_escalates_once_to_the_planners_above(client, joint, people):
    (fr_notice,) = inbox(client, people["fr"])
    client.post(f"/api/v1/inbox/{fr_notice['id']}/acknowledge", headers=people["fr"])
    (ct_notice,) = inbox(client, people["ct"])
    later = utcnow() + timedelta(hours=49)
    assert notifications.escalate_overdue(later) == {"notices": 1, "feedback": 0}
    assert notifications.escalate_overdue(later) == {"notices": 0, "feedback": 0}

    (escalation,) = only_in(client, people, "ESCALATION", "ct_planner")
    assert escalation["escalation_of"] == ct_notice["id"]
    assert escalation["payload"]["recipient"] == {"type": "inspector", "inspector": "CT0001"}
    original = client.get(f"/api/v1/inbox/{ct_notice['id']}", headers=people["ct"]).get_json()
    assert original["escalated_at"] and original["escalations"] == [escalation["id"]]
    entries = AuditEntry.select().where(AuditEntry.action == "notice.escalate")
    assert [e.object_id for e in entries] == [str(ct_notice["id"])]


def test_licensing_feedback_escalates_to_the_desks_head_until_it_is_acted_on(
    client, submit, people
):
    head = make_user("licensing", "ASC")
    make_desk("IC-LIC", scope=[("IC", None)], head=head)
    clerk = auth_header(desk_clerk("IC-LIC"))
    submit("CLOSED")
    (notice,) = [n for n in inbox(client, clerk) if n["kind"] == "LICENSING_FEEDBACK"]
    acked = client.post(f"/api/v1/inbox/{notice['id']}/acknowledge", headers=clerk).get_json()
    assert acked["acknowledged_at"] and acked["settled_at"] is None  # settled by the act only
    due = datetime.fromisoformat(notice["due_at"])
    counts = notifications.escalate_overdue(due + timedelta(minutes=1))
    assert counts["feedback"] == 1
    (escalation,) = [n for n in inbox(client, auth_header(head)) if n["kind"] == "ESCALATION"]
    assert escalation["escalation_of"] == notice["id"] and escalation["user"] == head.id
    feedback = client.get(f"/api/v1/licensing/feedback/{notice['feedback']}", headers=clerk)
    assert feedback.get_json()["status"] == "ESCALATED"


def test_acting_on_feedback_settles_its_notice_so_it_never_escalates(client, submit, people):
    from tests.factories import feedback_tag

    clerk = people["clerk"]
    submit("NOBIZ")
    (notice,) = [n for n in inbox(client, clerk) if n["kind"] == "LICENSING_FEEDBACK"]
    url = f"/api/v1/licensing/feedback/{notice['feedback']}/act"
    acted = client.post(
        url,
        headers=clerk | feedback_tag(client, notice["feedback"], clerk),
        json={"action": "NO_ACTION", "reason": "已联系上经营者"},
    )
    assert acted.status_code == 200, acted.get_json()
    settled = client.get(f"/api/v1/inbox/{notice['id']}", headers=clerk).get_json()
    assert settled["settled_at"] and settled["acknowledged_at"]
    due = datetime.fromisoformat(notice["due_at"])
    assert notifications.escalate_overdue(due + timedelta(days=1))["feedback"] == 0


def test_the_inbox_costs_the_same_queries_for_a_page_of_two_as_of_twelve(
    client, joint, people, monkeypatch
):
    from inspect_app.db import database

    for index in range(12):  # twelve licensing routings of the planners' department
        notifications.notify(
            f"LICENCE_ROUTED:test:{index}",
            "LICENCE_ROUTED",
            now=utcnow(),
            payload={"licence": joint.licence.number, "kind": "SUSPEND"},
            **notifications.planners_of(joint.inspection.task.lead_id),
        )
    counter = {"n": 0}
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith("PREPARE "):
            counter["n"] += 1
        return real(sql, params, *args, **kwargs)

    def listed(size: int) -> int:
        counter["n"] = 0
        monkeypatch.setattr(database.obj, "execute_sql", counting)
        rows = inbox(client, people["ct_planner"], page_size=size)
        monkeypatch.setattr(database.obj, "execute_sql", real)
        assert len(rows) == size and all(r["department"] == "CT" for r in rows)
        return counter["n"]

    assert listed(2) == listed(12)
