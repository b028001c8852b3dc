"""The inspector's tablet app (SPEC §13): an installable web app under /tablet/ talking only to the
tablet API. This blueprint serves its shell, its service worker (at /tablet/sw.js, so its scope is
/tablet/), its manifest and its files (/tablet/app/<version>/…: plain ES modules, no build step,
every asset vendored). The version is the hash of the app's files, so a changed file is a new path
and a new service worker, and an old one is never served from a cache by mistake."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort

from inspect_app import headers

ROOT = Path(__file__).resolve().parent.parent / "static" / "tablet"
SHELL_FILES = ("index.html", "sw.js", "manifest.webmanifest")  # served by the routes below

bp = Blueprint("tablet_app", __name__, url_prefix="/tablet")


@cache
def files() -> tuple[str, ...]:
    """Every file the app is made of, as paths under ROOT (the service worker caches them all)."""
    return tuple(
        sorted(
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*")
            if p.is_file() and p.name not in SHELL_FILES and p.suffix != ".md"
        )
    )


@cache
def version() -> str:
    digest = hashlib.sha256()
    for name in (*files(), *SHELL_FILES):
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


def policy() -> str:
    """The strict page policy; the service worker and the camera are the app's own."""
    return headers.strict_page_policy().replace(
        "default-src 'self'", "default-src 'self'; worker-src 'self'; manifest-src 'self'"
    )


def _text(name: str, mimetype: str, **extra: str) -> Response:
    body = (ROOT / name).read_text("utf-8").replace("{{VERSION}}", version())
    for key, value in extra.items():
        body = body.replace("{{" + key + "}}", value)
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def _after(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", policy())
    return response


@bp.get("/")
def shell() -> Response:
    return _text("index.html", "text/html")


@bp.get("/sw.js")
def service_worker() -> Response:
    assets = [f"/tablet/app/{version()}/{name}" for name in files()]
    response = _text("sw.js", "text/javascript", ASSETS=json.dumps(assets))
    response.headers["Service-Worker-Allowed"] = "/tablet/"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    return _text("manifest.webmanifest", "application/manifest+json")


@bp.get("/app/<string:asked>/<path:name>")
def asset(asked: str, name: str) -> Response:
    if asked != version() or name not in files():
        abort(404)
    # the bytes, not a file passed through: flask-compress may gzip them (COMPRESS_MIMETYPES)
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = Response((ROOT / name).read_bytes(), mimetype=kind)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
