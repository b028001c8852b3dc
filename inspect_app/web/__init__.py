"""The server-rendered pages (Jinja + htmx): one blueprint per area — `portal` (public, no
sign-in) and `console` (signed in by session cookie). Pages call the same services as the API,
never the API over HTTP."""

from __future__ import annotations

from flask import Flask

from inspect_app.web import console, i18n, map_pages, public, session  # noqa: F401 (map_pages adds routes)


def install(app: Flask) -> None:
    i18n.install(app)
    session.install(app)
    console.install_globals(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(console.bp)
