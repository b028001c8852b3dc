"""The one policy: every action has a rule, each rule answers every role as the routes do, and
no module but the policy decides by role."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from inspect_app.access import (
    RULES,
    Action,
    DeskWork,
    LicenceEventRequest,
    NoticeSeen,
    PartnershipAnswer,
    PhotoAudience,
    TeamWrite,
    allows,
    ensure,
)
from inspect_app.actor import Actor, Role
from inspect_app.domain.lifecycle import EventKind
from inspect_app.errors import AppError

ROOT = Path(__file__).resolve().parents[2] / "inspect_app"
OK = "OK"

# Planners of 市场监管 (SJ) lead the task; 公安 (GA) partners in it; 文旅 (WL) has no part.
TASK = SimpleNamespace(lead=SimpleNamespace(code="SJ"), partners=["GA"])
POINT = SimpleNamespace(department=SimpleNamespace(code="SJ"))
SUSPEND_BY_SJ = LicenceEventRequest(EventKind.SUSPEND, {"SJ"})
# An SJ member of a team SJ leads, writing an SJ item (and a GA member's write).
OWN_ITEM = TeamWrite("SJ", "SJ", "SJ-01", "SJ")
GA_ON_SJ_ITEM = TeamWrite("GA", "SJ", "SJ-01", "SJ")
PHOTO_TEAM = PhotoAudience(frozenset({7}), frozenset({"SJ", "GA"}))


def actor(role: Role, department: str | None = "SJ", *, user_id: int = 7, inspector_id=None):
    return Actor(user_id, f"{role}-user", role, department, inspector_id)


def outcome(who: Actor, action: Action, obj=None) -> str:
    try:
        ensure(who, action, obj)
    except AppError as error:
        return error.code
    return OK


ADMIN, LICENSING = actor(Role.ADMIN, None), actor(Role.LICENSING, "SJ")
LEAD, PARTNER, OUTSIDER = (
    actor(Role.PLANNER, "SJ"),
    actor(Role.PLANNER, "GA"),
    actor(Role.PLANNER, "WL"),
)
INSPECTOR = actor(Role.INSPECTOR, "SJ", inspector_id=31)
RETIRED_INSPECTOR = actor(Role.INSPECTOR, "SJ", inspector_id=None)

# action, object, and what each of these actors gets:
#   ADMIN, LICENSING, LEAD planner, PARTNER planner, OUTSIDER planner, INSPECTOR
TABLE = [
    (Action.WRITE_REGISTRY, None, [OK, OK, *["FORBIDDEN"] * 4]),
    (Action.POST_LICENCE_EVENT, SUSPEND_BY_SJ, [OK, OK, OK, "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
    (Action.EDIT_RISK_POINT, POINT, [OK, "FORBIDDEN", OK, "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
    (Action.LIST_TASKS, None, [OK, "FORBIDDEN", OK, OK, OK, "FORBIDDEN"]),
    (Action.READ_ALL_TASKS, None, [OK, *["FORBIDDEN"] * 5]),
    (Action.READ_TASK, TASK, [OK, "NOT_FOUND", OK, OK, "NOT_FOUND", "NOT_FOUND"]),
    (Action.LEAD_TASK, TASK, [OK, "NOT_FOUND", OK, "FORBIDDEN", "NOT_FOUND", "NOT_FOUND"]),
    (Action.PLAN_TASK, "SJ", [OK, "FORBIDDEN", OK, "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
    (Action.USE_TABLET, None, [*["FORBIDDEN"] * 5, OK]),
    (Action.ACT_ON_FEEDBACK, None, [OK, OK, *["FORBIDDEN"] * 4]),
    (Action.READ_MAPS, None, [OK, "FORBIDDEN", OK, OK, OK, "FORBIDDEN"]),
    (Action.SEE_ALL_DEVICES, None, [OK, *["FORBIDDEN"] * 5]),
    (Action.REVOKE_DEVICE, SimpleNamespace(user_id=7), [OK] * 6),
    (
        Action.ANSWER_PARTNERSHIP,
        PartnershipAnswer(TASK, "GA"),
        [OK, "NOT_FOUND", "FORBIDDEN", OK, "NOT_FOUND", "NOT_FOUND"],
    ),
    (Action.FILE_COMPLAINT, {"SJ", "GA"}, [OK, OK, OK, OK, "FORBIDDEN", "FORBIDDEN"]),
    (
        Action.DECIDE_PERMIT_STEP,
        LicenceEventRequest(EventKind.SUSPEND, {"SJ", "GA"}, {"GA"}),
        [OK, "FORBIDDEN", "FORBIDDEN", OK, "FORBIDDEN", "FORBIDDEN"],
    ),
    (Action.RECORD_ITEM, OWN_ITEM, [*["FORBIDDEN"] * 5, OK]),
    (Action.RECORD_OUTCOME, OWN_ITEM, [*["FORBIDDEN"] * 5, OK]),
    # issue 13 §1: accounts are an admin's; each department keeps its own inspector directory
    (Action.MANAGE_USERS, None, [OK, *["FORBIDDEN"] * 5]),
    (Action.KEEP_ROSTER, "SJ", [OK, "FORBIDDEN", OK, "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
    (Action.LINK_ACCOUNT, None, [OK, *["FORBIDDEN"] * 5]),
    # issue 13 §5: an SJ-led, GA-partnered inspection's photos, the inspector (user 7) on its team
    (Action.READ_PHOTO, PHOTO_TEAM, [OK, "NOT_FOUND", OK, OK, "NOT_FOUND", OK]),
    # issue 13 §2: desks and inboxes
    (Action.MANAGE_DESKS, None, [OK, *["FORBIDDEN"] * 5]),
    (Action.READ_NOTICE, NoticeSeen(addressed=False), ["NOT_FOUND"] * 6),
    (Action.VOID_TASK, TASK, [OK, "NOT_FOUND", OK, "FORBIDDEN", "NOT_FOUND", "NOT_FOUND"]),
]
ACTORS = [ADMIN, LICENSING, LEAD, PARTNER, OUTSIDER, INSPECTOR]


def test_every_action_has_exactly_one_rule_and_a_row_here():
    assert set(RULES) == set(Action)
    assert [row[0] for row in TABLE] == list(Action)


@pytest.mark.parametrize(("action", "obj", "expected"), TABLE, ids=[str(r[0]) for r in TABLE])
def test_each_action_answers_every_role(action, obj, expected):
    assert [outcome(who, action, obj) for who in ACTORS] == expected
    assert [allows(who, action, obj) for who in ACTORS] == [e == OK for e in expected]


def test_a_refusal_speaks_both_languages():
    with pytest.raises(AppError) as refused:
        ensure(INSPECTOR, Action.WRITE_REGISTRY)
    assert refused.value.payload()["message"] == {
        "zh": "只有审批（许可）人员可以修改登记信息",
        "en": "Only licensing staff may change the registry",
    }


def test_an_inspector_without_an_active_record_may_not_use_the_tablet():
    assert outcome(RETIRED_INSPECTOR, Action.USE_TABLET) == "FORBIDDEN"


def test_licensing_posts_any_event_and_a_planner_only_supervision_events():
    renew = LicenceEventRequest(EventKind.RENEW, {"SJ"})
    assert outcome(LICENSING, Action.POST_LICENCE_EVENT, renew) == OK
    assert outcome(LEAD, Action.POST_LICENCE_EVENT, renew) == "FORBIDDEN"
    assert (
        outcome(LEAD, Action.POST_LICENCE_EVENT, LicenceEventRequest(EventKind.REVOKE, {"SJ"}))
        == OK
    )


def test_a_planner_plans_only_for_their_own_department():
    assert outcome(LEAD, Action.PLAN_TASK, "GA") == "FORBIDDEN"
    assert outcome(ADMIN, Action.PLAN_TASK, "GA") == OK


def test_a_member_records_only_their_departments_items_and_the_lead_the_outcome():
    assert outcome(INSPECTOR, Action.RECORD_ITEM, GA_ON_SJ_ITEM) == "FORBIDDEN"
    assert outcome(INSPECTOR, Action.RECORD_OUTCOME, GA_ON_SJ_ITEM) == "FORBIDDEN"
    assert outcome(INSPECTOR, Action.RECORD_ITEM, TeamWrite("GA", "SJ", "GA-03", "GA")) == OK


def test_another_users_device_looks_like_no_device():
    theirs = SimpleNamespace(user_id=8)
    assert outcome(LEAD, Action.REVOKE_DEVICE, theirs) == "NOT_FOUND"
    assert outcome(LEAD, Action.REVOKE_DEVICE, None) == "NOT_FOUND"
    assert outcome(ADMIN, Action.REVOKE_DEVICE, theirs) == OK


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in ROOT.rglob("*.py")}


def test_every_action_is_asked_for_outside_the_policy():
    policy = ROOT / "access.py"
    elsewhere = "\n".join(text for path, text in _sources().items() if path != policy)
    asked = {a for a in Action if re.search(rf"\bAction\.{a.name}\b", elsewhere)}
    unused = [a.name for a in Action if a not in asked]
    assert not unused, f"actions no service or view asks for: {unused}"


def test_no_module_but_the_policy_decides_by_the_actors_role():
    # auth.require() compares the roles a view names; every other decision is a rule here.
    allowed = {ROOT / "access.py", ROOT / "auth.py"}
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path, text in _sources().items()
        if path not in allowed
        for n, line in enumerate(text.splitlines(), 1)
        if re.search(r"\bactor\.role\b", line)
    ]
    assert not offenders, offenders


def test_the_policy_and_the_lifecycles_import_no_framework():
    probe = (
        "import sys, inspect_app.access, inspect_app.domain.task, inspect_app.domain.inspection;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask','peewee','rq','redis'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_partners_of_the_task_are_answered_for():
    assert outcome(ADMIN, Action.ANSWER_PARTNERSHIP, PartnershipAnswer(TASK, "WL")) == "NOT_FOUND"


def test_a_photo_is_read_by_its_reviewers_and_not_by_another_team():
    reviewed = PhotoAudience(frozenset({8}), frozenset({"SJ"}), reviewer=True)
    assert outcome(LICENSING, Action.READ_PHOTO, reviewed) == OK
    assert outcome(INSPECTOR, Action.READ_PHOTO, reviewed) == "NOT_FOUND"


def test_feedback_is_seen_only_at_the_desk_it_is_routed_to():
    mine, other = DeskWork(desk_id=3, my_desks=[3, 4]), DeskWork(desk_id=5, my_desks=[3, 4])
    assert outcome(LICENSING, Action.ACT_ON_FEEDBACK, mine) == OK
    assert outcome(LICENSING, Action.ACT_ON_FEEDBACK, other) == "NOT_FOUND"
    assert outcome(ADMIN, Action.ACT_ON_FEEDBACK, other) == OK
    at_no_desk = DeskWork(desk_id=5, my_desks=[])
    assert outcome(LICENSING, Action.ACT_ON_FEEDBACK, at_no_desk) == "NOT_FOUND"
    assert outcome(LEAD, Action.ACT_ON_FEEDBACK, mine) == "FORBIDDEN"


def test_ones_own_notice_is_readable_by_every_role():
    assert [outcome(who, Action.READ_NOTICE, NoticeSeen(True)) for who in ACTORS] == [OK] * 6
