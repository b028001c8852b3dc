"""Sealed until the visits (issue 14 §5, docs/domain.md): the picks and teams are published only
once every drawn visit is submitted, or once the task's period is over; before that the public
sees the seed and the result's hash, and verification works at both stages."""

from __future__ import annotations

from datetime import timedelta

from inspect_app.clock import local, utcnow
from inspect_app.models import Disclosure, SpotCheckTask
from inspect_app.services import disclosure
from tests.factories import actor, login, make_user


def _task(joint) -> SpotCheckTask:
    return SpotCheckTask.get_by_id(joint.inspection.task_id)


def _publish(client, joint):
    return client.post(f"/api/v1/tasks/{_task(joint).code}/publish", headers=login("planner", "CT"))


def test_publication_is_refused_while_a_visit_is_open(client, joint):
    response = _publish(client, joint)
    assert response.status_code == 409, response.get_json()
    body = response.get_json()
    assert body["status"] == "VISITS_OPEN"
    assert "1" in body["message"]["zh"] and "1 visit" in body["message"]["en"]
    assert not Disclosure.select().where(Disclosure.published_at.is_null(False)).exists()
    draw = client.get(f"/api/v1/public/draws/{_task(joint).code}").get_json()
    assert draw["stage"] == "drawn" and "result" not in draw


def test_before_the_visits_the_public_sees_seed_and_hash_and_verifies(client, joint):
    code = _task(joint).code
    _publish(client, joint)
    draw = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draw["seed"]["value"] and draw["result_hash"]
    assert {"frame", "pool", "result"}.isdisjoint(draw)
    page = client.get(f"/api/v1/public/tasks/{code}").get_json()
    assert page["picks"] == [] and page["ledger"]["state"] == "drawn"
    assert joint.licence.holder.credit_code not in str(page) + str(draw)
    assert client.get(f"/api/v1/public/draws/{code}/verify").get_json()["ok"] is True


def test_once_every_visit_is_submitted_the_whole_record_is_public(client, joint, submit):
    code = _task(joint).code
    submit("OK", result="PASS")
    response = _publish(client, joint)
    assert response.status_code == 200, response.get_json()
    draw = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draw["stage"] == "disclosed" and draw["result"]["assignments"]
    (pick,) = client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"]
    assert pick["credit_code"] == joint.licence.holder.credit_code and pick["outcome"] == "OK"
    assert client.get(f"/api/v1/public/draws/{code}/verify").get_json()["ok"] is True


def test_once_the_period_is_over_publication_is_due_whatever_is_open(client, joint):
    task = _task(joint)
    lead = actor(make_user("planner", "CT"))
    during = utcnow()
    after = during + timedelta(days=(task.period_end - local(during).date()).days + 1)
    assert local(after).date() > task.period_end
    row = disclosure.publish(lead, task.code, after)
    assert row.published_at is not None


def test_a_reinspection_does_not_hold_publication_back(client, joint, submit):
    from inspect_app.domain.inspection import InspectionKind, InspectionStatus
    from inspect_app.models import Inspection

    first = submit("FIXED")  # a rectification order: the re-inspection is announced to the business
    Inspection.create(
        task=first.task_id,
        entity=first.entity_id,
        draw=first.draw_id,
        sequence=first.sequence,
        round=1,
        kind=InspectionKind.REINSPECTION,
        parent=first.id,
        status=InspectionStatus.ASSIGNED,
    )
    assert disclosure.open_visits(_task(joint)) == 0
    assert _publish(client, joint).status_code == 200
