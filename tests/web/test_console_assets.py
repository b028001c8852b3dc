"""Every console page a signed-in user can reach by following links stays on the app (issue 15:
"a test fails on any external URL in a served page"), answers without a server error, and every
asset it names answers 200; the tablet app's shell too."""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest

from tests.factories import make_user
from tests.web.pages import sign_in
from tests.web.test_portal_assets import REFERENCE

MAX_PAGES = 120


def crawl(client, start: str, prefix: str) -> tuple[dict[str, int], set[str]]:
    """GET every page reachable from `start` by links under `prefix`: {path: status}, assets."""
    seen: dict[str, int] = {}
    assets: set[str] = set()
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.mimetype != "text/html":
            continue
        for reference in REFERENCE.findall(response.get_data(as_text=True)):
            reference = reference.replace("&amp;", "&")
            parts = urlsplit(reference)
            assert not parts.scheme and not parts.netloc, f"{url} names {reference}"
            if parts.path.startswith("/static/") or parts.path.startswith("/tablet/app/"):
                assets.add(parts.path)
            elif (
                parts.path.startswith(prefix)
                and "lang=" not in parts.query
                and "sign-out" not in parts.path
                and reference not in seen
            ):
                queue.append(reference)
    return seen, assets


@pytest.mark.parametrize(
    ("role", "department"), [("planner", "CT"), ("licensing", "ASC"), ("admin", None)]
)
def test_every_console_page_a_user_reaches_stays_on_the_app(client, tasks, role, department):
    sign_in(client, make_user(role, department))
    seen, assets = crawl(client, "/console/", "/console/")
    assert len(seen) >= 3, seen  # home, inbox, and the role's own pages
    errors = {url: status for url, status in seen.items() if status >= 500}
    assert not errors
    assert "/static/web/portal.css" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_tablet_shell_stays_on_the_app(client):
    seen, assets = crawl(client, "/tablet/", "/tablet/")
    assert seen["/tablet/"] == 200
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize(
    "asset", ["/static/vendor/htmx-2.0.4/htmx.min.js", "/static/web/portal.css", "/tablet/"]
)
def test_the_pages_own_files_go_out_gzipped(client, asset):
    """A tablet on a slow link fetches the app's shell compressed (issue 16's size figure)."""
    response = client.get(asset, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == "gzip", asset
