"""The server-rendered pages (Jinja + htmx): one blueprint per area — `portal` (public, no
sign-in) and `console` (signed in by session cookie). Pages call the same services as the API,
never the API over HTTP."""

from __future__ import annotations

from flask import Flask

import inspect_app.web.task_pages  # noqa: F401 (the planner's task pages, on console.bp)
from inspect_app.web import console, i18n, public, session


def install(app: Flask) -> None:
    i18n.install(app)
    session.install(app)
    console.install_globals(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(console.bp)
