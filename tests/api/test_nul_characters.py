"""A NUL character anywhere in a request is a 400 in the error shape, on both databases."""

from __future__ import annotations

import pytest

from inspect_app.models import Entity
from tests.factories import login

URLS = [
    "/api/v1/entities?street=%00",
    "/api/v1/licences?industry=B%00S",
    "/api/v1/licences/AB%00CD",
    "/api/v1/entities/%00",
    "/api/v1/risk-points?industry=%00",
    "/api/v1/tasks/%00",
    "/api/v1/public/draws/%00",
    "/api/v1/public/tasks/%00",
    "/api/v1/industries/%00",
]


@pytest.mark.parametrize("url", URLS)
def test_nul_in_path_or_query_is_refused(client, url):
    response = client.get(url, headers=login("planner", "CT"))
    assert response.status_code == 400
    assert response.get_json()["message"]["en"] == "The request contains a NUL character"


def test_nul_in_a_json_body_is_refused_and_nothing_is_written(client):
    response = client.post(
        "/api/v1/entities",
        headers=login("licensing", "ASC"),
        json={"credit_code": "91310113MA1G00001X", "name": "上海\u0000宝山", "street": "BS01"},
    )
    assert response.status_code == 400 and Entity.select().count() == 0
