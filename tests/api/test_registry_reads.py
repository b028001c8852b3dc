"""Reading the registry: catalogue, entities, licences, filters, database pagination, ETags."""

from __future__ import annotations

import json

from tests.factories import login, make_entity, make_licence


def test_industry_lists_permits_lead_and_partners(client):
    headers = login("planner", "CT")
    response = client.get("/api/v1/industries/IC", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "互联网上网服务营业场所"
    assert body["lead"] == "CT"
    assert set(body["partners"]) >= {"PS", "FR"}
    assert "网络文化经营许可证" in [p["name"] for p in body["permits"]]


def test_departments_and_streets_are_listed(client):
    headers = login("licensing", "ASC")
    departments = client.get("/api/v1/departments", headers=headers).get_json()
    streets = client.get("/api/v1/streets", headers=headers).get_json()
    assert {"CT", "MS", "PS", "FR"} <= {d["code"] for d in departments}
    assert len(streets) == 12 and "友谊路街道" in {s["name"] for s in streets}


def test_licence_list_is_filtered_and_paged_in_the_database(client):
    for index in range(5):
        make_licence(make_entity(index))
    headers = login("planner", "CT")
    response = client.get("/api/v1/licences?industry=IC&page=2&page_size=2", headers=headers)
    assert response.status_code == 200
    assert len(response.get_json()) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 5 and pagination["page"] == 2
    by_street = client.get("/api/v1/licences?street=BS01", headers=headers).get_json()
    assert by_street and all(row["street"] == "BS01" for row in by_street)


def test_free_text_finds_by_chinese_name_and_by_code(client):
    entity = make_entity(1)
    make_licence(entity)
    headers = login("licensing", "ASC")
    by_name = client.get("/api/v1/entities?q=麦香坊", headers=headers).get_json()
    by_code = client.get(
        f"/api/v1/entities?q={entity.credit_code[:12]}", headers=headers
    ).get_json()
    assert [e["credit_code"] for e in by_name] == [entity.credit_code]
    assert entity.credit_code in [e["credit_code"] for e in by_code]


def test_sql_looking_search_text_is_just_text(client):
    make_entity(0)
    headers = login("licensing", "ASC")
    response = client.get("/api/v1/entities?q=' OR 1=1; DROP TABLE entity; --", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == []
    assert client.get("/api/v1/entities", headers=headers).get_json()


def test_unchanged_read_answers_304_to_its_etag(client):
    licence = make_licence()
    headers = login("planner", "CT")
    first = client.get(f"/api/v1/licences/{licence.number}", headers=headers)
    again = client.get(
        f"/api/v1/licences/{licence.number}",
        headers=headers | {"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_licence_shows_its_history(client):
    licence = make_licence()
    body = client.get(
        f"/api/v1/licences/{licence.number}", headers=login("licensing", "ASC")
    ).get_json()
    assert body["status"] == "ACTIVE"
    assert [e["kind"] for e in body["events"]] == ["NEW"]
    assert {p["permit_code"] for p in body["permits"]} == {"IC-P1", "IC-P2"}


def test_openapi_document_and_docs_are_served(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/licences" in spec.get_json()["paths"]
    assert client.get("/api/docs").status_code == 200


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_the_catalogue_is_open_to_anyone_without_signing_in(client):
    """DOMAIN.md "Public catalogue": industries, departments and the check-item list."""
    industries = client.get("/api/v1/industries")
    assert industries.status_code == 200
    assert any(row["code"] == "IC" for row in industries.get_json())
    assert client.get("/api/v1/departments/CT").get_json()["code"] == "CT"
    items = client.get("/api/v1/industries/IC/check-items")
    assert items.status_code == 200 and items.headers["ETag"]
    rows = items.get_json()
    assert rows and {"code", "title", "basis", "method", "owner", "owner_name"} <= rows[0].keys()
    assert all(isinstance(row["basis"], list) for row in rows)
    assert client.get("/api/v1/industries/XX/check-items").status_code == 404
