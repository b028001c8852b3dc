"""一公开: the published record per task (JSON and CSV), teams by department, the working-day deadline."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from inspect_app.clock import utcnow
from inspect_app.models import Disclosure, Notification, SpotCheckTask
from inspect_app.services import disclosure
from tests.factories import login, make_user


def _task(joint):
    return SpotCheckTask.get_by_id(joint.inspection.task_id)


def test_the_public_record_shows_teams_by_department_not_by_person(client, joint, submit):
    code = _task(joint).code
    assert client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"] == []
    submit("OK", result="PASS")  # the visit is done: the record may be published
    client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    record = client.get(f"/api/v1/public/tasks/{code}").get_json()
    (pick,) = record["picks"]
    assert pick["team_departments"] == ["CT", "FR"]
    text = str(record)
    assert "CT0001" not in text and "王晓明" not in text
    assert record["commitment"]["commitment_hash"] and record["seed"]["provenance"]


def test_results_appear_once_published(client, joint, submit):
    code = _task(joint).code
    submit("FIXED")
    assert client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"] == []
    published = client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    assert published.status_code == 200, published.get_json()
    pick = client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"][0]
    assert (pick["outcome"], pick["outcome_label"]) == ("FIXED", "发现问题已责令改正")


def test_results_as_csv(client, joint, submit):
    code = _task(joint).code
    submit("OK", result="PASS")
    client.post(f"/api/v1/tasks/{code}/publish", headers=login("planner", "CT"))
    response = client.get(f"/api/v1/public/tasks/{code}/results.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert (
        rows[0]["credit_code"] == joint.licence.holder.credit_code
        and rows[0]["outcome_label"] == "未发现问题"
    )


def test_only_the_lead_publishes(client, joint):
    response = client.post(
        f"/api/v1/tasks/{_task(joint).code}/publish", headers=login("planner", "FR")
    )
    assert response.status_code == 403


def test_the_deadline_counts_working_days_and_a_late_task_is_flagged_once(client, joint):
    task = _task(joint)
    row = disclosure.disclosure_for(task)
    assert row.due_on > task.period_end + timedelta(days=20)  # 20 working days > 20 calendar days
    make_user("planner", "CT")
    long_after = utcnow() + timedelta(days=200)
    assert disclosure.flag_late(long_after) == 1
    assert disclosure.flag_late(long_after) == 0
    assert Disclosure.get_by_id(row.id).late is True
    assert Notification.select().where(Notification.kind == "DISCLOSURE_LATE").count() >= 1


def test_a_published_task_is_not_flagged(client, joint, submit):
    submit("OK", result="PASS")
    client.post(f"/api/v1/tasks/{_task(joint).code}/publish", headers=login("planner", "CT"))
    assert disclosure.flag_late(utcnow() + timedelta(days=200)) == 0
