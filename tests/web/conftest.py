"""A small district for the portal's pages: internet cafés, inspectors of three departments, and
two joint checks frozen (one of them drawn) beside a draft."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inspect_app.clock import local, utcnow
from tests.browser import chromium  # noqa: F401 (the Selenium browser of tests/web)
from tests.factories import (
    accept_partners,
    draw,
    freeze,
    internet_cafes,
    joint_ic_task_body,
    login,
    make_inspector,
)


def _period() -> dict:
    today = local(utcnow()).date()
    return {
        "period_start": (today + timedelta(days=10)).isoformat(),
        "period_end": (today + timedelta(days=40)).isoformat(),
        "deadline": (today + timedelta(days=45)).isoformat(),
    }


def _plan(client, headers) -> str:
    response = client.post("/api/v1/tasks", json=joint_ic_task_body(**_period()), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


@pytest.fixture
def tasks(client) -> dict[str, str]:
    """{"frozen": code, "drawn": code, "draft": code}."""
    internet_cafes(6)
    for n in range(1, 5):
        for department in ("CT", "PS", "FR"):
            make_inspector(f"{department}{n:04d}", department)
    planner = login("planner", "CT")
    codes = {}
    for name in ("frozen", "drawn"):
        codes[name] = _plan(client, planner)
        accept_partners(client, codes[name])
        assert freeze(client, codes[name], planner).status_code == 201
    assert draw(client, codes["drawn"], planner).status_code == 201
    codes["draft"] = _plan(client, planner)
    return codes
