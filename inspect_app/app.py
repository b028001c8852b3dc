"""The application factory: configuration, database, API blueprints (the console, `inspect_app.cli`,
builds its app here; the app does not know its console)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from inspect_app import audit, auth, config, headers
from inspect_app.api import (
    auth_routes,
    catalogue,
    desks,
    entities,
    imports,
    inbox,
    licences,
    licensing,
    maps_pages,
    people,
    photos,
    public,
    risk,
    roster,
    tablet,
    tasks,
)
from inspect_app.api.base import Api
from inspect_app.clock import utcnow
from inspect_app.db import bind, database
from inspect_app.guards import refuse_unsafe_input
from inspect_app.jobs import relay
from inspect_app.web import install as install_pages
from inspect_app.web.public import not_found_page


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """A configured app; `overrides` wins over the environment (tests use it)."""
    app = Flask("inspect_app", instance_path=config.instance_dir())
    app.config.from_mapping(config.from_environment())
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    bind(app.config["DATABASE_URL"], pooled=app.config.get("DATABASE_POOL", True))
    audit.use_keys(app.config["KEYS_DIR"])
    Compress(app)
    headers.install(app)
    _manage_connections(app)
    _relay_jobs_after_commit(app)
    _register_api(app)
    install_pages(app)
    _pages_not_found(app)

    @app.get("/healthz")
    def healthz():
        database.execute_sql("SELECT 1")
        return jsonify(status="ok")

    return app


def _manage_connections(app: Flask) -> None:
    @app.before_request
    def _open():
        refuse_unsafe_input()
        database.connect(reuse_if_open=True)
        auth.authenticate_request()

    @app.teardown_request
    def _close(_exc):
        if not database.is_closed():
            database.close()


def _relay_jobs_after_commit(app: Flask) -> None:
    """Jobs a request or console command recorded go out once it has committed: to Redis, or run
    in-process when REDIS_URL is unset (registered after _close, so it runs before it)."""

    @app.teardown_request
    def _after_request(exc):
        if exc is None:
            relay.relay_written(app.config, utcnow())

    @app.teardown_appcontext
    def _after_command(exc):
        if exc is None:
            relay.relay_written(app.config, utcnow())


def _pages_not_found(app: Flask) -> None:
    """An unknown path under /api/ answers the API's JSON 404; any other, the portal's 404 page."""
    api = app.extensions["lianjian_api"]

    def _not_found(error):
        if request.path.startswith("/api/"):
            return api.handle_http_exception(error)
        return not_found_page(error)

    app.register_error_handler(404, _not_found)


def _register_api(app: Flask) -> None:
    api = Api(app)
    for module in (
        auth_routes,
        catalogue,
        entities,
        licences,
        imports,
        risk,
        tasks,
        tablet,
        licensing,
        maps_pages,
        public,
        people,
        roster,
        photos,
        inbox,  # issue 13 §2
        desks,
    ):
        api.register_blueprint(module.blp)
    app.register_blueprint(maps_pages.static)
    app.extensions["lianjian_api"] = api
