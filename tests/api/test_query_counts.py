"""List endpoints page in the database: the number of queries does not grow with the page."""

from __future__ import annotations

import pytest

from inspect_app.db import database
from tests.factories import (
    inspector_with_login,
    internet_cafes,
    joint_ic_task_body,
    login,
    make_entity,
    make_licence,
)
from tests.tablet.conftest import draw_joint_check


@pytest.fixture
def count_queries(monkeypatch):
    counter = {"n": 0, "sql": []}
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith("PREPARE "):  # once per connection (PostgreSQL), not per request
            counter["n"] += 1
            counter["sql"].append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counting)
    return counter


@pytest.mark.parametrize("url", ["/api/v1/licences", "/api/v1/entities"])
def test_list_query_count_is_constant_in_page_size(client, count_queries, url):
    for index in range(12):
        make_licence(make_entity(index))
    headers = login("planner", "CT")
    count_queries["n"] = 0
    client.get(f"{url}?page_size=2", headers=headers)
    small = count_queries["n"]
    count_queries["n"], count_queries["sql"] = 0, []
    client.get(f"{url}?page_size=12", headers=headers)
    assert count_queries["n"] == small
    statements = " ".join(count_queries["sql"]).upper()
    assert "COUNT(" in statements and "LIMIT" in statements


def test_the_tablet_sync_page_query_count_is_constant_in_page_size(client, count_queries):
    internet_cafes(6)
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    draw_joint_check(client, cafes=6)
    url = "/api/v1/tablet/inspections"

    sizes = {}
    for limit in (2, 4):
        count_queries["n"] = 0
        page = client.get(f"{url}?limit={limit}", headers=ct)
        assert len(page.get_json()["items"]) == limit
        sizes[limit] = count_queries["n"]
        count_queries["n"] = 0
        unchanged = client.get(
            f"{url}?limit={limit}", headers=ct | {"If-None-Match": page.headers["ETag"]}
        )
        assert unchanged.status_code == 304
        sizes[limit, "unchanged"] = count_queries["n"]

    assert sizes[2] == sizes[4]
    assert sizes[2, "unchanged"] == sizes[4, "unchanged"] == sizes[2] - 1  # the page is not read
    # who asks and the list's state come in one query: an unchanged list costs just that one
    assert sizes[2, "unchanged"] == 1, count_queries["sql"]


def test_a_tablet_detail_read_is_one_query_sign_in_included(client, count_queries):
    """Who asks and the inspection's state come in one query: a 304, or the kept copy sent as it
    is stored (gzip'd or not)."""
    internet_cafes(1)
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    (inspection,) = draw_joint_check(client)
    url = f"/api/v1/tablet/inspections/{inspection.id}"
    etag = client.get(url, headers=ct).headers["ETag"]  # the copy is kept now

    counts = {}
    for name, extra in {
        "held": {"If-None-Match": etag},
        "text": {"Accept-Encoding": "identity"},
        "gzip": {"Accept-Encoding": "gzip"},
    }.items():
        count_queries["n"], count_queries["sql"] = 0, []
        answer = client.get(url, headers=ct | extra)
        assert answer.status_code == (304 if name == "held" else 200)
        counts[name] = count_queries["n"]
    assert counts == {"held": 1, "text": 1, "gzip": 1}, count_queries["sql"]


def test_task_list_query_count_does_not_grow_with_the_tasks(client, count_queries):
    planner = login("planner", "CT")

    def plan(how_many: int) -> None:
        for _ in range(how_many):
            response = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=planner)
            assert response.status_code == 201, response.get_json()

    def listed() -> int:
        count_queries["n"] = 0
        response = client.get("/api/v1/tasks?page_size=50", headers=planner)
        assert response.status_code == 200
        assert all(len(task["risk_points"]) == 5 for task in response.get_json())
        return count_queries["n"]

    plan(2)
    few = listed()
    plan(10)
    assert listed() == few
