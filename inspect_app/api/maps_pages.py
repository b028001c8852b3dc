"""Map pages (HTML) for planners: entities by industry and grade, a task's draw and progress,
failures by street. The builders are pure (maps/); the assets are served from /static/maps."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app
from flask.views import MethodView
from marshmallow import validate

import maps
from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Strict
from inspect_app.auth import current_actor, require
from inspect_app.clock import local, utcnow
from inspect_app.services import map_rows

blp = Blueprint("maps", __name__, url_prefix="/api/v1/maps", description="地图 Maps (HTML pages)")
static = FlaskBlueprint(
    "map_assets", __name__, static_folder=str(maps.STATIC_DIR), static_url_path="/static/maps"
)
ASSET_PREFIX = "/static/maps"


class MapArgs(Strict):
    tiles = ma.fields.String(load_default=None, validate=validate.OneOf(sorted(maps.PROVIDERS)))


class EntityMapArgs(MapArgs):
    industry = ma.fields.String(validate=validate.Length(equal=2))


# The supervision maps are the planners' (an admin sees them too).
MAP_READERS = ("planner", "admin")
HTML_PAGE = {"type": "string", "description": "an HTML page"}


def _page(m) -> Response:
    return Response(maps.render_html(m, asset_prefix=ASSET_PREFIX), mimetype="text/html")


def _tiles(args) -> str:
    return args.get("tiles") or current_app.config["MAP_TILES"]


def _today():
    return local(utcnow()).date()


@blp.route("/entities")
class EntitiesMap(MethodView):
    @require(*MAP_READERS)
    @blp.arguments(EntityMapArgs, location="query")
    @blp.response(200, HTML_PAGE, content_type="text/html")
    def get(self, args):
        """Entities by industry and risk grade (the whole district scales: one data array, canvas)."""
        return _page(
            map_rows.district_map(
                current_actor(), "entities", tiles=_tiles(args), industry=args.get("industry")
            )
        )


@blp.route("/tasks/<string:code>/draw")
class DrawMap(MethodView):
    @require(*MAP_READERS)
    @blp.arguments(MapArgs, location="query")
    @blp.response(200, HTML_PAGE, content_type="text/html")
    def get(self, args, code):
        """Who checks whom: the task's frame, picks and teams."""
        actor = current_actor()
        return _page(map_rows.task_map(actor, code, "draw", tiles=_tiles(args), today=_today()))


@blp.route("/tasks/<string:code>/progress")
class ProgressMap(MethodView):
    @require(*MAP_READERS)
    @blp.arguments(MapArgs, location="query")
    @blp.response(200, HTML_PAGE, content_type="text/html")
    def get(self, args, code):
        """To do, checked, overdue."""
        actor = current_actor()
        return _page(map_rows.task_map(actor, code, "progress", tiles=_tiles(args), today=_today()))


@blp.route("/failures")
class FailuresMap(MethodView):
    @require(*MAP_READERS)
    @blp.arguments(MapArgs, location="query")
    @blp.response(200, HTML_PAGE, content_type="text/html")
    def get(self, args):
        """Failures (FIXED, CASE, REFUSE) by street."""
        return _page(map_rows.district_map(current_actor(), "failures", tiles=_tiles(args)))
