"""Every entity has a grade (issue 13 §3): graded when it enters the directory (seed, import,
API), refreshed in the transaction of each write that changes a factor, 未分类 only where an
input is missing, with the reason said."""

from __future__ import annotations

import pytest

from inspect_app.cli import lianjian
from inspect_app.models import Entity, EntityGrade, Licence
from tests.factories import credit_code, if_match, login, make_entity, make_licence
from tests.importing_data import csv_rows, three_codes

LIVE = ("ACTIVE", "SUSPENDED")


def _grade(client, code: str) -> dict:
    response = client.get(f"/api/v1/entities/{code}/grade", headers=login("planner", "CT"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _stored(entity) -> EntityGrade | None:
    return EntityGrade.get_or_none(EntityGrade.entity == entity.id)


def test_after_a_synthetic_seed_every_holder_of_a_live_licence_has_a_stored_grade(app, client):
    result = app.test_cli_runner().invoke(lianjian, args=["seed", "--synthetic", "300"])
    assert result.exit_code == 0, result.output
    live = {
        holder
        for (holder,) in Licence.select(Licence.holder).where(Licence.status.in_(LIVE)).tuples()
    }
    graded = {e for (e,) in EntityGrade.select(EntityGrade.entity).tuples()}
    assert Entity.select().count() == 300
    assert len(live) > 250 and graded == live
    assert {g.grade for g in EntityGrade.select()} <= set("ABCD")
    without = Entity.select().where(Entity.id.not_in(list(live))).first()
    if without is not None:  # the generator cancels a few per cent of the licences
        body = _grade(client, without.credit_code)
        assert body["grade"] is None and body["unclassified"]["code"] == "NO_LIVE_LICENCE"
        assert "许可证" in body["unclassified"]["zh"]


def test_an_imported_holder_is_graded_at_once_and_a_cancelled_one_loses_its_grade(client):
    codes = three_codes()
    headers = login("licensing", "ASC")
    answer = client.post(
        "/api/v1/imports/licences",
        data=csv_rows(codes).encode(),
        content_type="text/csv",
        headers=headers,
    )
    assert answer.get_json()["created"] == 3
    bakery = Entity.get(Entity.credit_code == codes[1])
    stored = _stored(bakery)
    assert stored is not None and stored.grade == _grade(client, codes[1])["grade"]
    assert EntityGrade.select().count() == 3
    client.post(
        "/api/v1/imports/licences",
        data=csv_rows(codes, bakery_status="注销").encode(),
        content_type="text/csv",
        headers=headers,
    )
    assert _stored(bakery) is None
    assert _grade(client, codes[1])["unclassified"]["code"] == "NO_LIVE_LICENCE"


def test_an_entity_registered_through_the_api_is_graded_when_its_licence_is_issued(client):
    code = credit_code()
    headers = login("licensing", "ASC")
    created = client.post(
        "/api/v1/entities",
        json={
            "credit_code": code,
            "name": "上海宝山区星际网络科技有限公司",
            "address": "上海市宝山区友谊路街道牡丹江路1288号",
            "street": "BS01",
            "lat": 31.4052,
            "lon": 121.4893,
            "credit_class": "B",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    entity = Entity.get(Entity.credit_code == code)
    assert _stored(entity) is None
    assert _grade(client, code)["unclassified"]["code"] == "NO_LIVE_LICENCE"
    issued = client.post(
        "/api/v1/licences",
        json={
            "number": "BS-IC-2026-000777",
            "holder_code": code,
            "industry": "IC",
            "valid_until": "2031-04-30",
            "permits": [
                {
                    "permit_code": "IC-P1",
                    "permit_number": "WWW310113000777",
                    "valid_from": "2026-05-01",
                    "valid_until": "2031-04-30",
                },
                {
                    "permit_code": "IC-P2",
                    "permit_number": "XF310113000777",
                    "valid_from": "2026-05-01",
                    "valid_until": "2031-04-30",
                },
            ],
        },
        headers=headers,
    )
    assert issued.status_code == 201, issued.get_json()
    stored = _stored(entity)
    assert stored is not None and stored.grade in "ABCD"
    body = _grade(client, code)
    assert body["unclassified"] is None and body["grade"] == stored.grade


def test_the_credit_class_changing_regrades_the_entity(client):
    licence = make_licence()
    entity = licence.holder
    before = _stored(entity).score
    url = f"/api/v1/entities/{entity.credit_code}"
    etag = client.get(url, headers=login("licensing", "ASC")).headers["ETag"]
    changed = client.patch(
        url, json={"credit_class": "D"}, headers=login("licensing", "ASC") | {"If-Match": etag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert _stored(entity).score == before + 30  # B 10 → D 40
    assert _stored(entity).grade != "A"


def _event(client, number: str, kind: str, reason: str, role=("licensing", "ASC")):
    response = client.post(
        f"/api/v1/licences/{number}/events",
        json={"kind": kind, "reason": reason},
        headers=login(*role) | if_match(client, number),
    )
    assert response.status_code in (200, 201), response.get_json()
    return response


def test_cancelling_the_last_live_licence_drops_the_grade_and_a_second_licence_keeps_it(client):
    entity = make_entity(2)
    cafe = make_licence(entity)
    assert _stored(entity) is not None
    _event(client, cafe.number, "SUSPEND", "消防整改期间暂停", role=("planner", "CT"))
    assert _stored(entity) is not None  # suspended: still in the directory
    _event(client, cafe.number, "CANCEL", "申请注销")
    assert _stored(entity) is None
    assert _grade(client, entity.credit_code)["unclassified"]["code"] == "NO_LIVE_LICENCE"
    make_licence(entity)
    assert _stored(entity) is not None


def test_the_entity_map_legend_says_what_unclassified_means_and_how_many(client):
    graded = make_licence()
    cafe = make_licence(make_entity(3))
    make_entity(4)  # registered, holds nothing
    _event(client, cafe.number, "CANCEL", "申请注销")
    html = client.get("/api/v1/maps/entities?tiles=none", headers=login("planner", "CT"))
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert graded.holder.credit_code in text and cafe.holder.credit_code not in text
    assert "未分类：缺少评级所需的输入" in text
    assert "无有效许可证（未持证或许可证均已注销、撤销） (No live licence" in text
    assert "：2（不在图上 not on the map）" in text
    assert "未分类 0" in text  # every entity on the map is graded


def test_the_console_says_why_an_entity_is_unclassified(app):
    entity = make_entity(6)
    result = app.test_cli_runner().invoke(lianjian, args=["risk", "grade", entity.credit_code])
    assert result.exit_code == 1
    assert (
        "未分类：无有效许可证" in result.output and "unclassified: No live licence" in result.output
    )


def test_concurrent_complaints_about_one_entity_all_regrade_it(app):
    from concurrent.futures import ThreadPoolExecutor

    from inspect_app.clock import local, utcnow
    from inspect_app.models import Complaint

    licence = make_licence()
    code = licence.holder.credit_code
    today = local(utcnow()).date().isoformat()

    def complain(n: int) -> int:
        return (
            app.test_client()
            .post(
                f"/api/v1/entities/{code}/complaints",
                json={"received_on": today, "summary": f"群众举报噪音扰民（第{n}次）"},
                headers=login("planner", "CT"),
            )
            .status_code
        )

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(complain, range(6))) == [201] * 6
    assert Complaint.select().count() == 6
    assert EntityGrade.select().where(EntityGrade.entity == licence.holder_id).count() == 1
    # A writer that read before another committed stored a grade that is stale by its inputs
    # hash: the read computes it afresh, and the next write or the daily job stores it.
    (factor,) = [f for f in _grade(app.test_client(), code)["factors"] if f["code"] == "complaints"]
    assert factor["points"] == 20.0


def test_seeding_retuned_grading_rules_regrades_the_directory(app, tmp_path):
    import json
    import shutil

    from seeds.catalogue_loader import DEFAULT_PATH

    licence = make_licence()
    before = _stored(licence.holder)
    retuned = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_PATH, retuned)
    rules = json.loads((retuned / "risk_grading.json").read_text(encoding="utf-8"))
    rules["credit_class_points"]["B"] = 20  # was 10
    (retuned / "risk_grading.json").write_text(json.dumps(rules, ensure_ascii=False), "utf-8")
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(lianjian, args=["seed", "--catalogue", str(retuned)])
        assert result.exit_code == 0, result.output
        assert "grades: 1 written" in result.output
        after = _stored(licence.holder)
        assert after.config_hash != before.config_hash and after.score == before.score + 10
    finally:  # the stored rules outlive the test: put the packaged ones back
        assert runner.invoke(lianjian, args=["seed"]).exit_code == 0
    assert _stored(licence.holder).score == before.score


@pytest.fixture
def count_queries(app, monkeypatch):
    from inspect_app.db import database

    counter = {"n": 0}
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter["n"] += 1
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counting)
    return counter


def test_bulk_grading_takes_the_same_queries_for_ten_entities_as_for_forty(count_queries):
    from inspect_app.clock import utcnow
    from inspect_app.services import grades

    few = [make_licence(make_entity(n)).holder_id for n in range(10)]
    many = few + [make_licence(make_entity(n)).holder_id for n in range(10, 40)]
    EntityGrade.delete().execute()
    count_queries["n"] = 0
    assert grades.regrade(few, utcnow()).written == 10
    small = count_queries["n"]
    EntityGrade.delete().execute()
    count_queries["n"] = 0
    assert grades.regrade(many, utcnow()).written == 40
    assert count_queries["n"] == small <= 8
