"""Security headers on every answer, and the API documentation served by the app itself (a closed
government network reaches no CDN)."""

from __future__ import annotations

import re

from tests.factories import login

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _has_security_headers(answer) -> None:
    for name, value in ALWAYS.items():
        assert answer.headers.get(name) == value, name
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_json_answers_and_errors_carry_the_security_headers(client):
    for answer in (
        client.get("/api/v1/public/signing-keys"),
        client.get("/api/v1/licences"),
        client.get("/api/v1/no-such-route"),
    ):
        _has_security_headers(answer)


def test_map_pages_carry_a_policy_that_lets_only_our_assets_run(client):
    answer = client.get("/api/v1/maps/entities?tiles=none", headers=login("planner", "CT"))
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    _has_security_headers(answer)
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "https://tile.openstreetmap.org" in policy
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', answer.text):
        assert src.startswith("/static/"), src


def test_api_docs_load_nothing_from_another_host(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    _has_security_headers(page)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/swagger-ui-") for a in assets), assets
    assert not re.search(r"https?://", page.text)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
