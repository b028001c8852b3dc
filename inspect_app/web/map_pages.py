"""The console's maps (SPEC §7, §11): the same folium pages as the API's, authorised by the session.

Each answer is a whole map document that a console page may show in a frame of this site only
(X-Frame-Options SAMEORIGIN, CSP frame-ancestors 'self'); no other answer of the app may be
framed. folium writes its scripts and styles inline, so instead of 'unsafe-inline' the policy
lists the SHA-256 of each inline block of this very page: nothing else inline can run. The base
layer is the configured tile server (LIANJIAN_MAP_TILES: a name in maps.PROVIDERS or the
district's own URL template) or, when none is, the vendored approximate outline of Baoshan.
"""

from __future__ import annotations

import base64
import hashlib
import re

import marshmallow as ma
from branca.element import Element
from flask import Response, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l

import maps
from inspect_app import headers
from inspect_app.clock import local, utcnow
from inspect_app.services import map_rows
from inspect_app.web import forms, session
from inspect_app.web.console import bp, menu_item

# The supervision maps are the planners' (an admin sees them too), as in the API.
MAP_READERS = ("planner", "admin")
ASSET_PREFIX = "/static/maps"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)

menu_item(_l("市场主体地图"), "console.entity_map", *MAP_READERS)


class EntityMapQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    industry = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[A-Z]{2}$"))


@bp.get("/maps/entities")
@session.signed_in(*MAP_READERS)
def entity_map():
    values, errors = forms.parse(EntityMapQuery(), request.args)
    if errors:
        message = "；".join(str(m) for m in errors.values())
        return render_template("error.html", status=422, message=message), 422
    m = map_rows.district_map(
        session.actor(), "entities", tiles=tiles(), industry=values.get("industry")
    )
    return map_response(m)


@bp.get("/maps/tasks/<string:code>/progress")
@session.signed_in(*MAP_READERS)
def task_progress_map(code: str):
    today = local(utcnow()).date()
    m = map_rows.task_map(session.actor(), code, "progress", tiles=tiles(), today=today)
    return map_response(m)


def tiles() -> str:
    return current_app.config["MAP_TILES"]


def map_response(m) -> Response:
    """The map document with its own policy: inline blocks by hash, framed by this site only."""
    icon = url_for("static", filename="web/favicon.svg")
    m.get_root().header.add_child(Element(f'<link rel="icon" href="{icon}">'), name="favicon")
    page = maps.render_html(m, asset_prefix=ASSET_PREFIX)
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = map_policy(page, tiles())
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def map_policy(page: str, tile_spec: str) -> str:
    """The strict page policy, plus this page's inline blocks (by hash) and the tile origin."""
    hashes = {"script": set(), "style": set()}
    for kind, body in _INLINE.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes[kind].add(f"'sha256-{digest}'")
    policy = headers.strict_page_policy()
    policy = policy.replace(
        "script-src 'self'", " ".join(["script-src 'self'", *sorted(hashes["script"])])
    )
    policy = policy.replace(
        "style-src 'self'", " ".join(["style-src 'self'", *sorted(hashes["style"])])
    )
    provider = maps.tile_provider(tile_spec)
    if provider.url:
        policy = policy.replace(
            "img-src 'self'", f"img-src 'self' {headers.tile_source(provider.url)}"
        )
    return policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
