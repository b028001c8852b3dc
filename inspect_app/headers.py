"""Security headers on every answer: no type sniffing, no referrer, no framing; on HTML pages a
Content-Security-Policy that lets in only our own assets (and the map tiles)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

import maps

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# JSON, CSV and files are never documents to run anything in.
NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'"


def tile_source(url: str) -> str:
    """A tile URL template's origin as a CSP source: a templated subdomain becomes a wildcard."""
    parts = urlsplit(url.replace("{s}", "x"))
    labels = parts.hostname.split(".")
    if "{s}" in url.split("/")[2]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


def content_security_policy() -> str:
    """The pages' policy. Folium's map pages and Swagger UI's page start with inline scripts, and
    folium styles inline; every script and style file is ours; images may be map tiles."""
    tiles = sorted({tile_source(p.url) for p in maps.PROVIDERS.values() if p.url})
    directives = {
        "default-src": "'self'",
        "script-src": "'self' 'unsafe-inline'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": " ".join(["'self'", "data:", "blob:", *tiles]),
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install(app: Flask) -> None:
    """Add the headers to every answer the app gives, errors and static files included."""
    policy = content_security_policy()

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in ALWAYS.items():
            response.headers.setdefault(name, value)
        page = response.mimetype == "text/html"
        response.headers.setdefault("Content-Security-Policy", policy if page else NOT_A_PAGE)
        return response


def strict_page_policy() -> str:
    """The portal's pages (inspect_app/web): no inline script or style at all, only our files."""
    policy = content_security_policy()
    return policy.replace("script-src 'self' 'unsafe-inline'", "script-src 'self'").replace(
        "style-src 'self' 'unsafe-inline'", "style-src 'self'"
    )
