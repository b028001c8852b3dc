"""Risk points (versioned, edited by their owner), the risk map, grades with reasons, complaints."""

from __future__ import annotations

import pytest

from inspect_app.models import AuditEntry, Complaint, EntityGrade, RiskPoint, TaskRiskPoint
from tests.factories import joint_ic_task_body, login, make_entity, make_licence


def test_risk_map_of_internet_cafes_shows_who_checks_what(client):
    body = client.get("/api/v1/industries/IC/risk-map", headers=login("planner", "CT")).get_json()
    assert body["lead"] == "CT"
    departments = [d["department"] for d in body["departments"]]
    assert departments[0] == "CT" and {"PS", "FR"} <= set(departments)
    fire = next(d for d in body["departments"] if d["department"] == "FR")
    assert any("消防" in p["title"] for p in fire["points"])


def test_risk_points_filter_by_industry_and_department(client):
    rows = client.get(
        "/api/v1/risk-points?industry=FS&department=EE&page_size=50", headers=login("planner", "MS")
    ).get_json()
    assert rows and all(r["industry"] == "FS" and r["department"] == "EE" for r in rows)


def test_owner_edits_a_point_and_a_task_keeps_the_version_it_chose(client):
    ct = login("planner", "CT")
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=ct).get_json()["code"]
    url = "/api/v1/risk-points/IC-02"
    etag = client.get(url, headers=ct).headers["ETag"]
    edited = client.patch(
        url, json={"method": "查看入口标志，抽查在场人员身份证件"}, headers=ct | {"If-Match": etag}
    )
    assert edited.status_code == 200 and edited.get_json()["version"] == 2
    versions = {r.version: r.current for r in RiskPoint.select().where(RiskPoint.code == "IC-02")}
    assert versions == {1: False, 2: True}
    task_point = RiskPoint.select().join(TaskRiskPoint).where(RiskPoint.code == "IC-02").get()
    assert task_point.version == 1
    task = client.get(f"/api/v1/tasks/{code}", headers=ct).get_json()
    assert {"code": "IC-02", "version": 1} in [
        {"code": p["code"], "version": p["version"]} for p in task["risk_points"]
    ]


def test_another_department_may_not_edit_a_point(client):
    ps = login("planner", "PS")
    url = "/api/v1/risk-points/IC-02"  # owned by 文化旅游局
    etag = client.get(url, headers=ps).headers["ETag"]
    response = client.patch(url, json={"severity": "low"}, headers=ps | {"If-Match": etag})
    assert response.status_code == 403
    assert RiskPoint.get(RiskPoint.code == "IC-02", RiskPoint.current).severity != "low"


def test_grade_comes_with_its_reasons(client):
    licence = make_licence()
    body = client.get(
        f"/api/v1/entities/{licence.holder.credit_code}/grade", headers=login("planner", "CT")
    ).get_json()
    assert body["grade"] in "ABCD"
    codes = {f["code"] for f in body["factors"]}
    assert {"industry_base", "credit_class"} <= codes
    assert sum(f["points"] for f in body["factors"]) == body["score"]


def test_complaints_raise_the_grade_score(client):
    licence = make_licence()
    url = f"/api/v1/entities/{licence.holder.credit_code}"
    before = client.get(f"{url}/grade", headers=login("planner", "CT")).get_json()["score"]
    for day in ("2026-10-01", "2026-10-15", "2026-11-01"):
        response = client.post(
            f"{url}/complaints",
            json={"received_on": day, "summary": "群众举报接纳未成年人上网"},
            headers=login("planner", "PS"),  # 公安 partners in the IC industry
        )
        assert response.status_code == 201
    after = response.get_json()
    assert after["score"] > before
    assert any(f["code"] == "complaints" and f["points"] > 0 for f in after["factors"])


def _row_counts() -> tuple[int, int, int]:
    return (EntityGrade.select().count(), Complaint.select().count(), AuditEntry.select().count())


def test_reading_a_grade_writes_nothing(client):
    licence = make_licence()
    url = f"/api/v1/entities/{licence.holder.credit_code}/grade"
    before = _row_counts()
    first = client.get(url, headers=login("planner", "CT"))
    second = client.get(url, headers=login("planner", "CT"))
    assert first.status_code == second.status_code == 200
    answers = [
        {k: v for k, v in r.get_json().items() if k != "computed_at"} for r in (first, second)
    ]
    assert answers[0] == answers[1] and answers[0]["grade"] in "ABCD"
    assert _row_counts() == before


def test_a_complaint_about_an_ungraded_entity_is_refused_and_nothing_is_written(client):
    entity = make_entity(7)  # registered, but holds no licence: it has no grade
    before = _row_counts()
    response = client.post(
        f"/api/v1/entities/{entity.credit_code}/complaints",
        json={"received_on": "2026-11-02", "summary": "群众举报无证经营"},
        headers=login("licensing", "ASC"),
    )
    assert response.status_code == 404
    assert response.get_json()["status"] == "NOT_FOUND"
    assert _row_counts() == before


@pytest.mark.parametrize("role, department", [("planner", "SP"), ("licensing", "ASC")])
def test_a_department_not_responsible_for_the_industry_files_no_complaint(client, role, department):
    licence = make_licence()  # an internet café: CT leads, PS, FR and MS partner
    before = _row_counts()
    response = client.post(
        f"/api/v1/entities/{licence.holder.credit_code}/complaints",
        json={"received_on": "2026-11-02", "summary": "群众举报噪音扰民"},
        headers=login(role, department),
    )
    assert response.status_code == 403 and response.get_json()["status"] == "FORBIDDEN"
    assert _row_counts() == before


def test_admin_and_the_industry_lead_file_complaints(client):
    licence = make_licence()
    for headers in (login("admin"), login("planner", "CT"), login("licensing", "CT")):
        response = client.post(
            f"/api/v1/entities/{licence.holder.credit_code}/complaints",
            json={"received_on": "2026-11-02", "summary": "群众举报"},
            headers=headers,
        )
        assert response.status_code == 201, response.get_json()
