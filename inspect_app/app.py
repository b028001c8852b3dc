"""The application factory: configuration, database, API blueprints, CLI."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify

from inspect_app import auth, cli, config
from inspect_app.api.base import Api
from inspect_app.db import bind, database


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """A configured app; `overrides` wins over the environment (tests use it)."""
    app = Flask("inspect_app", instance_path=config.instance_dir())
    app.config.from_mapping(config.from_environment())
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    bind(app.config["DATABASE_URL"])
    _manage_connections(app)
    _register_api(app)
    cli.register(app)

    @app.get("/healthz")
    def healthz():
        database.execute_sql("SELECT 1")
        return jsonify(status="ok")

    return app


def _manage_connections(app: Flask) -> None:
    @app.before_request
    def _open():
        database.connect(reuse_if_open=True)
        auth.authenticate_request()

    @app.teardown_request
    def _close(_exc):
        if not database.is_closed():
            database.close()


def _register_api(app: Flask) -> None:
    from inspect_app.api import (
        auth_routes,
        catalogue,
        entities,
        imports,
        licences,
        public,
        risk,
        tasks,
    )

    api = Api(app)
    for module in (auth_routes, catalogue, entities, licences, imports, risk, tasks, public):
        api.register_blueprint(module.blp)
    app.extensions["lianjian_api"] = api
