"""The console's maps: the API's folium pages authorised by the session, framed by this site
only, every inline block allowed by its hash alone, and nothing loaded from outside the app."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from inspect_app.models import Entity, Inspection, SpotCheckTask
from tests.factories import make_user
from tests.web.pages import sign_in

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")
ANY_URL = re.compile(r"https?://[^\s\"'<>)]+")
INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def planner(client):
    user = make_user("planner", "CT")
    sign_in(client, user)
    return user


def test_the_entity_map_needs_a_session_and_a_planner_or_admin(client, tasks):
    response = client.get("/console/maps/entities")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/sign-in?next=/console/maps/entities")
    sign_in(client, make_user("licensing", "CT"))
    assert client.get("/console/maps/entities").status_code == 403


def test_the_entity_map_shows_the_holders_with_a_title_and_the_approximate_outline(
    client, tasks, planner
):
    response = client.get("/console/maps/entities?industry=IC")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = text(response)
    assert "L.lianjianPoints(" in html
    assert all(e.credit_code in html for e in Entity.select())
    assert "宝山区一业一证市场主体分布" in html  # the title, on the map too (MapTitle)
    assert "lj-title" in html
    assert "非官方行政区划边界" in html and "罗泾镇" in html  # the outline says it is approximate


def test_a_map_may_be_framed_by_this_site_only(client, tasks, planner):
    response = client.get("/console/maps/entities")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    home = client.get("/console/")
    assert home.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]


def test_every_inline_block_of_a_map_is_allowed_by_its_hash_and_nothing_else_inline(
    client, tasks, planner
):
    response = client.get("/console/maps/entities")
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    blocks = INLINE.findall(text(response))
    assert blocks
    for kind, body in blocks:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        directive = next(d for d in policy.split("; ") if d.startswith(f"{kind}-src "))
        assert f"'sha256-{digest}'" in directive, kind


def test_without_a_tile_server_no_map_page_or_asset_names_an_outside_address(
    client, tasks, planner
):
    code = tasks["drawn"]
    for url in ("/console/maps/entities", f"/console/maps/tasks/{code}/progress"):
        html = text(client.get(url))
        assert ANY_URL.findall(html) == [], url
        for asset in re.findall(r'(?:src|href)="(/static/maps/[^"]+)"', html):
            served = client.get(asset)
            assert served.status_code == 200, asset
            if asset.endswith(".css"):
                assert not EXTERNAL.search(text(served)), asset


def test_a_configured_district_tile_server_is_the_base_and_the_only_outside_origin(
    app, client, tasks, planner
):
    app.config["MAP_TILES"] = "https://tiles.bsq.sh.gov.cn/{z}/{x}/{y}.png"
    response = client.get("/console/maps/entities")
    html = text(response)
    assert "https://tiles.bsq.sh.gov.cn/{z}/{x}/{y}.png" in html
    assert "非官方行政区划边界" not in html
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' https://tiles.bsq.sh.gov.cn" in policy


def test_the_progress_map_of_a_drawn_task_draws_each_inspection(client, tasks, planner):
    code = tasks["drawn"]
    response = client.get(f"/console/maps/tasks/{code}/progress")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    task = SpotCheckTask.get(SpotCheckTask.code == code)
    count = Inspection.select().where(Inspection.task == task).count()
    assert count > 0
    html = text(response)
    assert html.count('"待检查"') >= 1 and "检查任务进度" in html


def test_a_task_the_planner_may_not_see_is_not_found(client, tasks):
    sign_in(client, make_user("planner", "MS"))
    response = client.get(f"/console/maps/tasks/{tasks['drawn']}/progress")
    assert response.status_code == 404


def test_a_bad_industry_is_refused_with_a_page_not_a_500(client, tasks, planner):
    response = client.get("/console/maps/entities?industry=<b>x</b>")
    assert response.status_code == 422
    assert "<b>x</b>" not in text(response)
