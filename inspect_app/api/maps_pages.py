"""Map pages (HTML) for planners: entities by industry and grade, a task's draw and progress,
failures by street. The builders are pure (maps/); the assets are served from /static/maps."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app
from flask.views import MethodView
from marshmallow import validate

import maps
from inspect_app.access import Action, ensure
from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Strict
from inspect_app.auth import current_actor, require
from inspect_app.clock import local, utcnow
from inspect_app.services import map_rows, tasks

blp = Blueprint("maps", __name__, url_prefix="/api/v1/maps", description="地图 Maps (HTML pages)")
static = FlaskBlueprint(
    "map_assets", __name__, static_folder=str(maps.STATIC_DIR), static_url_path="/static/maps"
)
ASSET_PREFIX = "/static/maps"


class MapArgs(Strict):
    tiles = ma.fields.String(load_default=None, validate=validate.OneOf(sorted(maps.PROVIDERS)))


class EntityMapArgs(MapArgs):
    industry = ma.fields.String(validate=validate.Length(equal=2))


def _ensure_planner():
    actor = current_actor()
    ensure(actor, Action.READ_MAPS)
    return actor


def _page(m) -> Response:
    return Response(maps.render_html(m, asset_prefix=ASSET_PREFIX), mimetype="text/html")


def _tiles(args) -> str:
    return args.get("tiles") or current_app.config["MAP_TILES"]


@blp.route("/entities")
class EntitiesMap(MethodView):
    @require()
    @blp.arguments(EntityMapArgs, location="query")
    @blp.response(200, content_type="text/html")
    def get(self, args):
        """Entities by industry and risk grade (the whole district scales: one data array, canvas)."""
        _ensure_planner()
        return _page(
            maps.entities_map(
                map_rows.entity_rows(args.get("industry")),
                tiles=_tiles(args),
                labels=map_rows.labels(),
            )
        )


def _task_page(args, code: str, kind: str) -> Response:
    task = tasks.get_task(code)
    tasks.ensure_can_see(_ensure_planner(), task)
    return _page(map_rows.build(kind, tiles=_tiles(args), task=task, today=local(utcnow()).date()))


@blp.route("/tasks/<string:code>/draw")
class DrawMap(MethodView):
    @require()
    @blp.arguments(MapArgs, location="query")
    @blp.response(200, content_type="text/html")
    def get(self, args, code):
        """Who checks whom: the task's frame, picks and teams."""
        return _task_page(args, code, "draw")


@blp.route("/tasks/<string:code>/progress")
class ProgressMap(MethodView):
    @require()
    @blp.arguments(MapArgs, location="query")
    @blp.response(200, content_type="text/html")
    def get(self, args, code):
        """To do, checked, overdue."""
        return _task_page(args, code, "progress")


@blp.route("/failures")
class FailuresMap(MethodView):
    @require()
    @blp.arguments(MapArgs, location="query")
    @blp.response(200, content_type="text/html")
    def get(self, args):
        """Failures (FIXED, CASE, REFUSE) by street."""
        _ensure_planner()
        return _page(map_rows.build("failures", tiles=_tiles(args)))
