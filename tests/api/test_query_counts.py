"""List endpoints page in the database: the number of queries does not grow with the page."""

from __future__ import annotations

import pytest

from inspect_app.db import database
from tests.factories import login, make_entity, make_licence


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
