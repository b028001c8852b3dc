"""Every commitment public, every one ends (issue 14 §4): frozen tasks are on the public ledger at
once, in JSON and CSV; each ends drawn or voided with a public reason; one whose seed's time
passed without a draw shows as overdue. Drafts never appear."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from inspect_app.cli import lianjian
from inspect_app.clock import local, utcnow
from inspect_app.models import AuditEntry, Draw, Notification, SpotCheckTask
from inspect_app.services import ledger
from tests.factories import (
    accept_partners,
    draw,
    freeze,
    internet_cafes,
    joint_ic_task_body,
    login,
    make_inspector,
    make_user,
)

REASON = "抽查范围误含已注销的许可证，按规定作废后重新制定"


@pytest.fixture
def district():
    cafes = internet_cafes(6)
    for n in range(1, 5):
        for department in ("CT", "PS", "FR"):
            make_inspector(f"{department}{n:04d}", department)
    return cafes


@pytest.fixture
def planner():
    return login("planner", "CT")


def coming_period() -> dict:
    """A period that starts in ten days (a task frozen before seed sources were committed is due
    its draw at its period's start)."""
    today = local(utcnow()).date()
    return {
        "period_start": (today + timedelta(days=10)).isoformat(),
        "period_end": (today + timedelta(days=40)).isoformat(),
        "deadline": (today + timedelta(days=45)).isoformat(),
    }


def _plan(client, headers, **overrides) -> str:
    body = joint_ic_task_body(**coming_period()) | overrides
    response = client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def _frozen(client, headers, **overrides) -> str:
    code = _plan(client, headers, **overrides)
    accept_partners(client, code)
    response = freeze(client, code, headers)
    assert response.status_code == 201, response.get_json()
    return code


@pytest.fixture
def look_alikes(client, district, planner) -> list[str]:
    """Three look-alike joint checks frozen one after another, and a draft beside them."""
    codes = [_frozen(client, planner) for _ in range(3)]
    _plan(client, planner)
    return codes


def _ledger(client, **query) -> list[dict]:
    response = client.get("/api/v1/public/ledger", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _csv(client, **query) -> list[dict]:
    response = client.get("/api/v1/public/ledger.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _void(client, code, headers, reason=REASON):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"/api/v1/tasks/{code}/void", json=body, headers=headers)


def test_look_alike_frozen_tasks_are_all_on_the_ledger_at_once(client, look_alikes):
    entries = _ledger(client)
    assert [e["code"] for e in entries] == look_alikes[::-1]  # newest commitment first
    assert {e["state"] for e in entries} == {"awaiting_draw"}
    hashes = {e["commitment_hash"] for e in entries}
    assert len(hashes) == 3  # three commitments, each one public
    for entry in entries:
        row = Draw.get(Draw.task == SpotCheckTask.get(SpotCheckTask.code == entry["code"]))
        assert entry["commitment_hash"] == row.commitment_hash
        assert entry["committed_at"] and entry["seed_due_at"] and entry["void"] is None
    rows = _csv(client)
    assert sorted(r["task"] for r in rows) == sorted(look_alikes)
    assert {r["commitment_hash"] for r in rows} == hashes


def test_drafts_never_appear(client, district, planner):
    draft = _plan(client, planner)
    assert _ledger(client) == []
    assert _csv(client) == []
    assert draft not in client.get("/api/v1/public/ledger.csv").get_data(as_text=True)


def test_the_ledger_shows_nothing_of_the_picks(client, look_alikes, planner):
    drawn = draw(client, look_alikes[0], planner).get_json()
    text = json.dumps(_ledger(client), ensure_ascii=False)
    text += client.get("/api/v1/public/ledger.csv").get_data(as_text=True)
    for assignment in drawn["result"]["assignments"]:
        assert assignment["entity_id"] not in text
        assert all(m not in text for ms in assignment["team"].values() for m in ms)


def test_each_commitment_ends_drawn_voided_or_shows_overdue(client, look_alikes, planner):
    first, second, third = look_alikes
    drawn = draw(client, first, planner)
    assert drawn.status_code == 201, drawn.get_json()
    voided = _void(client, second, planner)
    assert voided.status_code == 200, voided.get_json()
    assert voided.get_json()["state"] == "voided"

    states = {e["code"]: e for e in _ledger(client)}
    assert states[first]["state"] == "drawn" and states[first]["result_hash"]
    assert states[second]["state"] == "voided"
    assert states[second]["void"]["reason"] == REASON and states[second]["void"]["voided_at"]
    assert states[second]["commitment_hash"]  # a voided task keeps its commitment
    assert states[third]["state"] == "awaiting_draw"

    due = datetime.fromisoformat(states[third]["seed_due_at"])
    later = due + ledger.grace() + timedelta(minutes=1)
    after = {e.task.code: e.state for e in ledger.ledger(ledger.LedgerFilter(), later).page(1, 20)}
    assert after == {first: "drawn", second: "voided", third: "overdue"}
    just_before = due + ledger.grace() - timedelta(minutes=1)
    assert ledger.entry_for(SpotCheckTask.get(code=third), just_before).state == "awaiting_draw"


def test_a_void_is_public_on_the_task_page_and_audited(client, look_alikes, planner):
    code = look_alikes[0]
    assert _void(client, code, planner).status_code == 200
    page = client.get(f"/api/v1/public/tasks/{code}").get_json()
    assert page["task"]["status"] == "VOIDED"
    assert page["ledger"]["state"] == "voided" and page["ledger"]["void"]["reason"] == REASON
    assert page["commitment"]["commitment_hash"] == page["ledger"]["commitment_hash"]
    (entry,) = AuditEntry.select().where(
        (AuditEntry.action == "task.void") & (AuditEntry.object_id == code)
    )
    assert entry.before == {"status": "FROZEN"}
    assert entry.after["status"] == "VOIDED" and entry.after["reason"] == REASON
    assert entry.after["commitment_hash"] == page["commitment"]["commitment_hash"]
    assert page["ledger"]["void"]["audit_head"]["seq"] >= entry.seq


def test_a_voided_task_is_never_drawn_nor_voided_again(client, look_alikes, planner):
    code = look_alikes[0]
    _void(client, code, planner)
    again = draw(client, code, planner)
    assert again.status_code == 409 and again.get_json()["status"] == "TASK_VOIDED"
    twice = _void(client, code, planner)
    assert twice.status_code == 409 and twice.get_json()["status"] == "TASK_VOIDED"


@pytest.mark.parametrize("reason", [None, "", "   ", "作废", "x" * 501])
def test_a_void_without_a_real_reason_is_refused_in_both_languages(
    client, look_alikes, planner, reason
):
    response = _void(client, look_alikes[0], planner, reason)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["status"] == "VALIDATION_FAILED"
    (message,) = body["errors"].get("reason") or body["errors"]["json"]["reason"]
    assert message["zh"] and message["en"]
    assert SpotCheckTask.get(code=look_alikes[0]).status == "FROZEN"


def test_a_drawn_task_cannot_be_voided(client, look_alikes, planner):
    code = look_alikes[0]
    draw(client, code, planner)
    response = _void(client, code, planner)
    assert response.status_code == 409 and response.get_json()["status"] == "ALREADY_DRAWN"
    assert response.get_json()["message"]["zh"] and response.get_json()["message"]["en"]


def test_a_draft_is_edited_not_voided(client, district, planner):
    code = _plan(client, planner)
    response = _void(client, code, planner)
    assert response.status_code == 409 and response.get_json()["status"] == "TASK_NOT_FROZEN"


@pytest.mark.parametrize(
    ("who", "status"),
    [("partner", 403), ("other_department", 404), ("anonymous", 401), ("inspector", 404)],
)
def test_only_the_lead_department_voids(client, look_alikes, who, status):
    headers = {
        "partner": lambda: login("planner", "FR"),
        "other_department": lambda: login("planner", "MS"),
        "anonymous": dict,
        "inspector": lambda: login("inspector", "CT"),
    }[who]()
    response = _void(client, look_alikes[0], headers)
    assert response.status_code == status, response.get_json()
    assert SpotCheckTask.get(code=look_alikes[0]).status == "FROZEN"
    assert not AuditEntry.select().where(AuditEntry.action == "task.void").exists()


def test_an_admin_may_void(client, look_alikes):
    assert _void(client, look_alikes[0], login("admin")).status_code == 200


def test_the_ledger_filters_by_state_department_and_period(client, district, planner):
    ms = login("planner", "MS")
    ms_body = {"industry": "IC", "partners": [], "risk_points": ["IC-13"], "team_size": 2}
    today = local(utcnow()).date()
    later = today + timedelta(days=200)
    spring = {
        "period_start": later.isoformat(),
        "period_end": (later + timedelta(days=30)).isoformat(),
        "deadline": (later + timedelta(days=40)).isoformat(),
    }
    ct_code = _frozen(client, planner)
    ms_code = _frozen(client, ms, **ms_body, **spring)
    voided = _frozen(client, planner)
    _void(client, voided, planner)
    codes = lambda **q: sorted(e["code"] for e in _ledger(client, **q))  # noqa: E731
    assert codes(state="voided") == [voided]
    assert codes(state="awaiting_draw") == sorted([ct_code, ms_code])
    assert codes(state="overdue") == [] and codes(state="drawn") == []
    assert codes(department="MS") == [ms_code]
    assert codes(department="FR") == sorted([ct_code, voided])  # a partner's tasks too
    assert codes(period_from=(today + timedelta(days=100)).isoformat()) == [ms_code]
    assert codes(period_until=(today + timedelta(days=100)).isoformat()) == sorted(
        [ct_code, voided]
    )
    assert [r["task"] for r in _csv(client, state="voided")] == [voided]
    bad = client.get("/api/v1/public/ledger", query_string={"state": "forgotten"})
    assert bad.status_code == 422 and bad.get_json()["status"] == "VALIDATION_FAILED"


def test_the_ledger_is_paged_in_the_database(client, look_alikes):
    response = client.get("/api/v1/public/ledger", query_string={"page_size": 2})
    assert len(response.get_json()) == 2
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    second = client.get("/api/v1/public/ledger", query_string={"page_size": 2, "page": 2})
    assert len(second.get_json()) == 1


def test_the_ledger_csv_cells_are_inert(client, district, planner):
    code = _frozen(client, planner, name='=HYPERLINK("http://evil.example","点此")')
    _void(client, code, planner, reason="+作废理由以加号开头，不得当作公式执行")
    (row,) = _csv(client)
    assert row["name"].startswith("'=") and row["void_reason"].startswith("'+")


def test_an_overdue_task_is_flagged_once_and_its_lead_planners_told(client, look_alikes):
    planners = [make_user("planner", "CT"), make_user("planner", "CT")]
    make_user("planner", "PS")
    gone = make_user("planner", "CT")
    gone.active = False
    gone.save()
    entry = ledger.entry_for(SpotCheckTask.get(code=look_alikes[0]), utcnow())
    later = entry.seed_due_at + ledger.grace() + timedelta(minutes=1)
    assert ledger.flag_overdue(entry.seed_due_at) == 0  # not yet
    assert ledger.flag_overdue(later) == 3
    assert ledger.flag_overdue(later + timedelta(hours=1)) == 0
    notices = Notification.select().where(Notification.kind == "DRAW_OVERDUE")
    told = {(n.task.code, n.user_id) for n in notices}
    assert {(look_alikes[0], p.id) for p in planners} <= told
    assert all(n.user.department.code == "CT" and n.user.active for n in notices)
    assert len(told) == notices.count()
    flagged = AuditEntry.select().where(AuditEntry.action == "task.draw_overdue").count()
    assert flagged == 3


def test_a_drawn_or_voided_task_is_never_flagged(client, look_alikes, planner):
    first, second, _ = look_alikes
    draw(client, first, planner)
    _void(client, second, planner)
    later = utcnow() + timedelta(days=400)
    assert ledger.flag_overdue(later) == 1


def test_the_console_voids_with_a_reason_and_refuses_without(app, client, look_alikes, planner):
    runner = app.test_cli_runner()
    missing = runner.invoke(lianjian, args=["task", "void", look_alikes[0]])
    assert missing.exit_code != 0 and "--reason" in missing.output
    short = runner.invoke(lianjian, args=["task", "void", look_alikes[0], "--reason", "错"])
    assert short.exit_code == 1 and "理由" in short.output and "reason" in short.output
    done = runner.invoke(lianjian, args=["task", "void", look_alikes[0], "--reason", REASON])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["state"] == "voided"
    draw(client, look_alikes[1], planner)
    refused = runner.invoke(lianjian, args=["task", "void", look_alikes[1], "--reason", REASON])
    assert refused.exit_code == 1 and "already been drawn" in refused.output
    listed = runner.invoke(lianjian, args=["ledger", "--state", "voided"])
    assert listed.exit_code == 0 and json.loads(listed.output)["task"] == look_alikes[0]
    as_csv = runner.invoke(lianjian, args=["ledger", "--csv"])
    assert as_csv.exit_code == 0 and as_csv.output.startswith("task,name,")


def test_a_ledger_page_costs_the_same_queries_whatever_its_size(client, look_alikes, monkeypatch):
    from inspect_app.db import database

    statements: list[str] = []
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith("PREPARE "):
            statements.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counting)
    counts = []
    for size in (1, 3):
        statements.clear()
        assert len(_ledger(client, page_size=size)) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]
    joined = " ".join(statements).upper()
    assert "COUNT(" in joined and "LIMIT" in joined
    assert '."FRAME"' not in joined and '."POOL"' not in joined  # snapshots never read


def test_a_draw_that_read_the_task_before_a_void_leaves_it_voided(
    client, look_alikes, planner, monkeypatch
):
    """A void and a draw racing: the draw read the task while it was FROZEN, the void committed
    first; the draw is refused and the task stays VOIDED, with no seed drawn."""
    from inspect_app.services import tasks

    code = look_alikes[0]
    read_before = tasks.get_task(code)
    assert _void(client, code, planner).status_code == 200
    monkeypatch.setattr(tasks, "task_for_lead", lambda actor, wanted: read_before)
    refused = draw(client, code, planner)
    assert refused.status_code == 409 and refused.get_json()["status"] == "TASK_VOIDED"
    task = SpotCheckTask.get(SpotCheckTask.code == code)
    assert task.status == "VOIDED" and Draw.get(Draw.task == task).seed is None
