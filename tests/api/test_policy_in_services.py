"""The services ask the one policy: each use case calls access.ensure with its action before it
reads or writes anything the actor may not reach."""

from __future__ import annotations

from datetime import date

import pytest

from inspect_app import access
from inspect_app.access import Action
from inspect_app.clock import utcnow
from inspect_app.domain.lifecycle import EventKind
from inspect_app.domain.task import PartnerAnswer
from inspect_app.models import Licence, SpotCheckTask
from inspect_app.services import (
    complaints,
    desks,
    disclosure,
    draws,
    entities,
    feedback,
    importing,
    inspections,
    ledger,
    licences,
    notifications,
    risk_points,
    tasks,
)
from tests.factories import TEST_SEED_SOURCE, actor, joint_ic_task_body, make_licence, make_user


class Asked(Exception):
    """What the spy policy raises: the action a service asked about."""


@pytest.fixture
def asked(monkeypatch):
    """Replace every rule by one that stops the call and names the action it was asked for."""

    def refusing(action):
        def rule(who, obj):
            raise Asked(action)

        return rule

    monkeypatch.setattr(access, "RULES", {a: refusing(a) for a in Action})


@pytest.fixture
def world(app):
    """A licence and a DRAFT task led by 文化旅游局 (CT), planned by its own planner."""
    planner = actor(make_user("planner", "CT"))
    licence = make_licence()
    body = joint_ic_task_body(period_start=date(2026, 12, 1), period_end=date(2026, 12, 31))
    body["deadline"] = date(2027, 1, 15)
    task = tasks.create_task(planner, body, utcnow())
    return planner, Licence.get_by_id(licence.id), SpotCheckTask.get_by_id(task.id)


def _calls(world):
    someone, licence, task = world
    now = utcnow()
    return {
        "create entity": (Action.WRITE_REGISTRY, lambda: entities.create_entity(someone, {}, now)),
        "update entity": (
            Action.WRITE_REGISTRY,
            lambda: entities.update_entity(someone, "x", {}, 1, now),
        ),
        "import licences": (
            Action.WRITE_REGISTRY,
            lambda: importing.import_licences(someone, [], now),
        ),
        "issue licence": (Action.WRITE_REGISTRY, lambda: licences.issue_licence(someone, {}, now)),
        "post licence event": (
            Action.POST_LICENCE_EVENT,
            lambda: licences.post_event(
                someone, licence.number, EventKind.SUSPEND, "核查", {}, now
            ),
        ),
        "edit risk point": (
            Action.EDIT_RISK_POINT,
            lambda: risk_points.edit_risk_point(someone, "IC-01", {}, 1, now),
        ),
        "list tasks": (Action.LIST_TASKS, lambda: tasks.visible_tasks(someone)),
        "see a task": (Action.READ_TASK, lambda: tasks.ensure_can_see(someone, task)),
        "plan a task": (Action.PLAN_TASK, lambda: tasks.create_task(someone, {}, now)),
        "edit a task": (
            Action.LEAD_TASK,
            lambda: tasks.update_task(someone, task.code, {}, 1, now),
        ),
        "freeze a task": (
            Action.LEAD_TASK,
            lambda: draws.freeze_task(someone, task.code, TEST_SEED_SOURCE, now),
        ),
        "draw a task": (Action.LEAD_TASK, lambda: draws.run_draw(someone, task.code, {}, now)),
        "publish results": (Action.LEAD_TASK, lambda: disclosure.publish(someone, task.code, now)),
        "use the tablet": (Action.USE_TABLET, lambda: inspections.inspector_id_of(someone)),
        "read the inbox": (Action.ACT_ON_FEEDBACK, lambda: feedback.inbox(someone, {})),
        "read feedback": (Action.ACT_ON_FEEDBACK, lambda: feedback.get_feedback(someone, 1)),
        "acknowledge feedback": (
            Action.ACT_ON_FEEDBACK,
            lambda: feedback.acknowledge(someone, 1, 1, now),
        ),
        "act on feedback": (
            Action.ACT_ON_FEEDBACK,
            lambda: feedback.act(someone, 1, "NO_ACTION", "暂不处理", 1, now),
        ),
        "answer a partnership": (
            Action.ANSWER_PARTNERSHIP,
            lambda: tasks.answer_partnership(someone, task.code, "FR", PartnerAnswer.ACCEPTED, now),
        ),
        "file a complaint": (
            Action.FILE_COMPLAINT,
            lambda: complaints.record_complaint(
                someone, licence.holder.credit_code, date(2026, 11, 2), "群众举报", now
            ),
        ),
        # issue 13 §2: desks and inboxes
        "list desks": (Action.MANAGE_DESKS, lambda: desks.list_desks(someone)),
        "create a desk": (Action.MANAGE_DESKS, lambda: desks.create_desk(someone, {}, now)),
        "scope a desk": (Action.MANAGE_DESKS, lambda: desks.set_scope(someone, "X", [], now)),
        "add a desk member": (
            Action.MANAGE_DESKS,
            lambda: desks.add_member(someone, "X", "u", now),
        ),
        "remove a desk member": (
            Action.MANAGE_DESKS,
            lambda: desks.remove_member(someone, "X", "u", now),
        ),
        "name a desk's head": (
            Action.MANAGE_DESKS,
            lambda: desks.set_head(someone, "X", None, now),
        ),
        "lay out default desks": (
            Action.MANAGE_DESKS,
            lambda: desks.ensure_default_desks(someone, now),
        ),
        "read my notices": (Action.READ_NOTICE, lambda: notifications.inbox(someone, {})),
        "read a notice": (Action.READ_NOTICE, lambda: notifications.get_notice(someone, 1)),
        "acknowledge a notice": (
            Action.READ_NOTICE,
            lambda: notifications.acknowledge(someone, 1, now),
        ),
        "void a task": (
            Action.VOID_TASK,
            lambda: ledger.void_task(someone, task.code, "范围有误，作废重订", now),
        ),
    }


USE_CASES = [
    "create entity",
    "update entity",
    "import licences",
    "issue licence",
    "post licence event",
    "edit risk point",
    "list tasks",
    "see a task",
    "plan a task",
    "edit a task",
    "freeze a task",
    "draw a task",
    "publish results",
    "use the tablet",
    "read the inbox",
    "read feedback",
    "acknowledge feedback",
    "act on feedback",
    "answer a partnership",
    "file a complaint",
    "list desks",
    "create a desk",
    "scope a desk",
    "add a desk member",
    "remove a desk member",
    "name a desk's head",
    "lay out default desks",
    "read my notices",
    "read a notice",
    "acknowledge a notice",
    "void a task",
]


@pytest.mark.parametrize("use_case", USE_CASES)
def test_the_service_asks_the_policy_for_its_action(world, asked, use_case):
    action, call = _calls(world)[use_case]
    with pytest.raises(Asked) as stopped:
        call()
    assert stopped.value.args == (action,)


def test_every_use_case_here_is_listed(world):
    assert sorted(_calls(world)) == sorted(USE_CASES)
