"""The tablet app's shell as the platform serves it: under /tablet/ with the strict page policy, a
service worker whose scope covers /tablet/ and that caches every file of this version, the
manifest, files under a version path that changes with their content, nothing from outside."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest

from inspect_app.web import tablet

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "inspect_app" / "static" / "tablet"
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE
def test_the_shell_is_served_under_tablet_with_the_strict_policy(client):
    page = client.get("/tablet/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "worker-src 'self'" in policy
    html = page.get_data(as_text=True)
    version = tablet.version()
    assert f'src="/tablet/app/{version}/app.js"' in html
    assert "{{" not in html and "<script>" not in html and "style=" not in html
    for asset in re.findall(r'(?:src|href)="(/tablet/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


@SQLITE
def test_the_service_worker_covers_tablet_and_caches_every_file(client):
    worker = client.get("/tablet/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/tablet/"
    assert worker.headers["Cache-Control"] == "no-cache"
    text = worker.get_data(as_text=True)
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", text).group(1))
    names = {a.split("/", 4)[4] for a in assets}
    assert {"app.js", "lib/queue.js", "lib/sync.js", "vendor/jsqr-1.4.0/jsQR.js"} <= names
    assert "messages.json" in names and "icons/icon-192.png" in names
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert "immutable" in answer.headers["Cache-Control"]
    assert client.get(f"/tablet/app/{'0' * 12}/app.js").status_code == 404
    assert client.get(f"/tablet/app/{tablet.version()}/../../web/tablet.py").status_code == 404


@SQLITE
def test_the_manifest_makes_it_installable(client):
    answer = client.get("/tablet/manifest.webmanifest")
    manifest = json.loads(answer.get_data(as_text=True))
    assert manifest["start_url"] == "/tablet/" and manifest["scope"] == "/tablet/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon


def test_one_catalogue_both_languages_every_key_used_exists():
    messages = json.loads((APP / "messages.json").read_text("utf-8"))
    assert set(messages["zh"]) == set(messages["en"])
    used = set()
    for path in APP.glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z_.]+)"', path.read_text("utf-8")))
    assert used and used <= set(messages["zh"]), used - set(messages["zh"])


def test_nothing_is_loaded_from_outside():
    ours = [p for p in APP.rglob("*") if p.is_file() and "vendor" not in p.parts]
    for path in ours:
        if path.suffix in (".js", ".html", ".css", ".json", ".webmanifest", ".svg"):
            text = path.read_text("utf-8")
            urls = re.findall(r"https?://[^\s\"')]+", text)
            assert urls in ([], ["http://www.w3.org/2000/svg"]), (path, urls)


def test_a_non_editable_install_carries_the_app_files():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["inspect_app"]
    for path in APP.rglob("*"):
        if path.is_file():
            name = path.relative_to(ROOT / "inspect_app").as_posix()
            assert any(
                fnmatch.fnmatch(name, g) and name.count("/") == g.count("/") for g in globs
            ), name
