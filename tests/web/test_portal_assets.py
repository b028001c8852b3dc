"""Everything a portal page loads comes from the app itself (no CDN, no other host), every asset it
names answers 200, the English catalogue is compiled from its .po, and a non-editable install
carries the templates, catalogue and vendored files."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages import mofile, pofile

from tests.web.test_portal import page

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "inspect_app"
REFERENCE = re.compile(r'\b(?:src|href|action|hx-get|hx-post)="([^"]*)"')


def pages(tasks) -> list[str]:
    return [
        "/",
        "/catalogue",
        "/catalogue/IC",
        "/ledger",
        "/ledger?state=drawn",
        f"/tasks/{tasks['frozen']}",
        f"/tasks/{tasks['drawn']}",
        "/licences/verify",
        "/licences/verify?payload=x",
        "/no/such/page",
    ]


def test_every_page_and_asset_stays_on_the_app(client, tasks):
    assets = set()
    for url in pages(tasks):
        for lang in ("zh", "en"):
            response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert response.status_code in (200, 404), url
            for reference in REFERENCE.findall(response.get_data(as_text=True)):
                parts = urlsplit(reference)
                assert not parts.scheme and not parts.netloc, f"{url} names {reference}"
                if parts.path.startswith("/static/"):
                    assets.add(parts.path)
    assert "/static/vendor/htmx-2.0.4/htmx.min.js" in assets
    assert "/static/web/portal.css" in assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        text = response.get_data(as_text=True)
        if asset.endswith(".css"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), asset
            assert "@import" not in text


def test_the_vendored_htmx_is_the_real_release_with_its_licence():
    folder = PACKAGE / "static" / "vendor" / "htmx-2.0.4"
    text = (folder / "htmx.min.js").read_text("utf-8")
    assert 'version:"2.0.4"' in text.replace(" ", "")
    assert "Zero-Clause BSD" in (folder / "LICENSE").read_text("utf-8")


def test_the_compiled_english_catalogue_matches_its_po():
    folder = PACKAGE / "web" / "translations" / "en" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = pofile.read_po(po), mofile.read_mo(mo)
    wanted = {m.id: m.string for m in source if m.id}
    assert all(wanted.values()), [k for k, v in wanted.items() if not v]
    assert {m.id: m.string for m in compiled if m.id} == wanted


def test_every_template_message_is_in_the_catalogue(client, tasks):
    """An English page shows no Chinese of its own (data such as names may stay Chinese)."""
    _, text = page(client, "/ledger", lang="en")
    chrome = re.sub(r"<tbody>.*?</tbody>", "", text, flags=re.S)
    assert not re.search(r"[\u4e00-\u9fff]", chrome.replace("中文", ""))


def test_a_non_editable_install_carries_the_page_files():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["inspect_app"]
    needed = [
        *PACKAGE.glob("web/templates/*.html"),
        *PACKAGE.glob("web/translations/*/LC_MESSAGES/*"),
        *PACKAGE.glob("static/vendor/*/*"),
        *PACKAGE.glob("static/web/*"),
    ]
    assert len(needed) > 10
    for path in needed:
        name = path.relative_to(PACKAGE).as_posix()
        assert any(fnmatch.fnmatch(name, g) and name.count("/") == g.count("/") for g in globs), (
            name
        )
