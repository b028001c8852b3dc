"""Licensing desks: a licence's feedback is seen at the desk whose scope (industry, street)
matches it most closely and at no other; desks are kept by admins, through the API and the
console, every change audited."""

from __future__ import annotations

import json

import pytest

from inspect_app.clock import utcnow
from inspect_app.models import AuditEntry, Feedback
from inspect_app.services.desks import ScopeLine, best_desk
from tests.factories import auth_header, desk_clerk, login, make_desk, make_user

FEEDBACK = "/api/v1/licensing/feedback"


def seen(client, headers) -> list[int]:
    response = client.get(FEEDBACK, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [row["id"] for row in response.get_json()]


def clerk_of(code: str, **desk) -> dict[str, str]:
    make_desk(code, **desk)
    return auth_header(desk_clerk(code))


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        ([("IC", None)], [("FS", None)]),  # by industry
        ([(None, "BS01")], [(None, "BS02")]),  # by street: the café is in 友谊路街道 (BS01)
        ([("IC", "BS01")], [("IC", None)]),  # industry and street beat industry alone
        ([("IC", None)], [(None, "BS01")]),  # industry beats street
    ],
)
def test_the_desk_whose_scope_matches_best_sees_the_feedback(client, submit, mine, theirs):
    ours = clerk_of("A-DESK" if mine != [("IC", None)] else "Z-DESK", scope=mine)
    other = clerk_of("M-DESK", scope=theirs)
    submit("NOBIZ")
    (row,) = Feedback.select().where(Feedback.kind == "LICENSING")
    assert seen(client, ours) == [row.id]
    assert seen(client, other) == []
    assert client.get(f"{FEEDBACK}/{row.id}", headers=other).status_code == 404
    act = client.post(
        f"{FEEDBACK}/{row.id}/act", headers=other, json={"action": "NO_ACTION", "reason": "越权"}
    )
    assert act.status_code == 404 and Feedback.get_by_id(row.id).status == "DELIVERED"


def test_a_licensing_account_at_no_desk_sees_no_feedback_and_an_admin_sees_all(client, submit):
    make_desk("ASC-LIC", default=True)
    submit("NOBIZ")
    (row,) = Feedback.select().where(Feedback.kind == "LICENSING")
    nobody = login("licensing", "ASC")
    assert seen(client, nobody) == []
    assert client.get(f"{FEEDBACK}/{row.id}", headers=nobody).status_code == 404
    assert seen(client, login("admin")) == [row.id]


def test_the_default_desk_takes_what_no_scope_matches(client, submit):
    default = clerk_of("ASC-LIC", default=True)
    scoped = clerk_of("FS-LIC", scope=[("FS", None)])
    submit("CLOSED")
    assert len(seen(client, default)) == 1 and seen(client, scoped) == []


def test_feedback_recorded_before_its_desk_existed_moves_to_it(client, submit):
    submit("NOADDR")
    (row,) = Feedback.select().where(Feedback.kind == "LICENSING")
    assert row.desk_id is None
    clerk = clerk_of("IC-LIC", scope=[("IC", None)])
    assert seen(client, clerk) == [row.id]
    notice = client.get("/api/v1/inbox", headers=clerk, query_string={"kind": "LICENSING_FEEDBACK"})
    assert [n["feedback"] for n in notice.get_json()] == [row.id]


def test_the_routing_rule_breaks_ties_by_code_and_falls_back_to_the_default():
    lines = [ScopeLine(1, "B-DESK", 7, None), ScopeLine(2, "A-DESK", 7, None)]
    assert best_desk(lines, {}, 7, 3) == 2
    assert best_desk(lines, {9: "ASC-LIC"}, 8, 3) == 9
    assert best_desk(lines, {}, 8, 3) is None
    assert best_desk([*lines, ScopeLine(5, "C-DESK", None, None)], {}, 8, 3) == 5


def test_admins_keep_desks_through_the_api_and_each_change_is_audited(client):
    admin = login("admin")
    clerk = make_user("licensing", "ASC")
    body = {"code": "IC-LIC", "name": "文旅审批窗口", "department": "ASC"}
    created = client.post("/api/v1/desks", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    scope = {"scope": [{"industry": "IC"}, {"industry": "FS", "street": "BS05"}]}
    scoped = client.put("/api/v1/desks/IC-LIC/scope", json=scope, headers=admin).get_json()
    assert scoped["scope"] == [
        {"industry": "FS", "street": "BS05"},
        {"industry": "IC", "street": None},
    ]
    joined = client.post(
        "/api/v1/desks/IC-LIC/members", json={"username": clerk.username}, headers=admin
    )
    assert joined.get_json()["members"] == [clerk.username]
    left = client.delete(f"/api/v1/desks/IC-LIC/members/{clerk.username}", headers=admin)
    assert left.status_code == 200 and left.get_json()["members"] == []
    headed = client.put(
        "/api/v1/desks/IC-LIC/head", json={"username": clerk.username}, headers=admin
    )
    assert headed.get_json()["head"] == clerk.username
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.object_type == "desk")]
    assert actions == [
        "desk.create",
        "desk.scope",
        "desk.member_add",
        "desk.member_remove",
        "desk.head",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "ic lic", "name": "窗口", "department": "ASC"}, "code"),
        ({"code": "IC-LIC", "name": "窗口", "department": "XX"}, "department"),
        ({"code": "IC-LIC", "name": "窗口", "department": "ASC", "kind": "OTHER"}, "kind"),
    ],
)
def test_a_bad_desk_is_refused_in_both_languages(client, body, field):
    response = client.post("/api/v1/desks", json=body, headers=login("admin"))
    assert response.status_code == 422, response.get_json()
    assert field in json.dumps(response.get_json()["errors"])
    assert response.get_json()["message"]["zh"] and response.get_json()["message"]["en"]


def test_only_licensing_staff_work_at_a_licensing_desk(client):
    make_desk("IC-LIC")
    planner = make_user("planner", "CT")
    response = client.post(
        "/api/v1/desks/IC-LIC/members", json={"username": planner.username}, headers=login("admin")
    )
    assert response.status_code == 409 and response.get_json()["message"]["zh"]


def test_the_console_keeps_desks_too(app):
    from inspect_app.cli import lianjian

    runner = app.test_cli_runner()
    clerk = make_user("licensing", "ASC")
    created = runner.invoke(
        lianjian, ["desks", "create", "IC-LIC", "--name", "文旅审批窗口", "--department", "ASC"]
    )
    assert created.exit_code == 0, created.output
    scoped = runner.invoke(lianjian, ["desks", "scope", "IC-LIC", "IC", "FS@BS05", "@BS01"])
    assert json.loads(scoped.output)["scope"] and scoped.exit_code == 0
    added = runner.invoke(lianjian, ["desks", "member", "add", "IC-LIC", clerk.username])
    assert json.loads(added.output)["members"] == [clerk.username]
    listed = runner.invoke(lianjian, ["desks", "list"])
    assert [json.loads(line)["code"] for line in listed.output.splitlines()] == ["IC-LIC"]
    removed = runner.invoke(lianjian, ["desks", "member", "remove", "IC-LIC", clerk.username])
    assert json.loads(removed.output)["members"] == []
    headed = runner.invoke(lianjian, ["desks", "head", "IC-LIC", clerk.username])
    assert json.loads(headed.output)["head"] == clerk.username
    refused = runner.invoke(lianjian, ["desks", "scope", "IC-LIC", "XX"])
    assert refused.exit_code == 1 and "没有行业 XX" in refused.output
    assert AuditEntry.select().where(AuditEntry.object_type == "desk").count() == 5


def test_a_clerk_of_two_desks_filters_the_inbox_by_desk(client, submit):
    clerk = make_user("licensing", "ASC")
    make_desk("IC-LIC", scope=[("IC", None)], members=[clerk])
    make_desk("FS-LIC", scope=[("FS", None)], members=[clerk])
    submit("NOBIZ")
    headers = auth_header(clerk)
    rows = client.get(FEEDBACK, headers=headers, query_string={"desk": "IC-LIC"}).get_json()
    assert [row["desk"] for row in rows] == ["IC-LIC"]
    assert client.get(FEEDBACK, headers=headers, query_string={"desk": "FS-LIC"}).get_json() == []


def test_a_clerk_of_two_desks_filters_the_inbox_notices_by_desk(client, submit):
    clerk = make_user("licensing", "ASC")
    make_desk("IC-LIC", scope=[("IC", None)], members=[clerk])
    make_desk("FS-LIC", scope=[("FS", None)], members=[clerk])
    submit("NOBIZ")
    headers = auth_header(clerk)
    mine = client.get("/api/v1/inbox", headers=headers, query_string={"desk": "IC-LIC"})
    assert [row["desk"] for row in mine.get_json()] == ["IC-LIC"]
    other = client.get("/api/v1/inbox", headers=headers, query_string={"desk": "FS-LIC"})
    assert other.get_json() == []


def test_a_scope_that_no_longer_matches_hands_open_feedback_on(client, submit):
    from inspect_app.models import Notification
    from inspect_app.services import desks
    from tests.factories import ADMIN

    clerk = clerk_of("IC-LIC", scope=[("IC", None)])
    other = clerk_of("BS01-LIC", scope=[(None, "BS01")])
    submit("NOBIZ")
    (row,) = Feedback.select().where(Feedback.kind == "LICENSING")
    assert seen(client, clerk) == [row.id]
    desks.set_scope(ADMIN, "IC-LIC", [{"industry": "FS", "street": None}], utcnow())
    assert seen(client, clerk) == [] and seen(client, other) == [row.id]
    desks.set_scope(ADMIN, "BS01-LIC", [], utcnow())  # no desk left for it: the admins
    assert seen(client, other) == []
    (notice,) = Notification.select().where(Notification.feedback == row.id)
    assert (notice.desk_id, notice.role) == (None, "admin")
