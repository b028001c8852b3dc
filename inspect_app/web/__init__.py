"""The server-rendered pages (Jinja + htmx): one blueprint per area — `portal` (public, no
sign-in), `console` (signed in by session cookie) and `tablet` (the inspectors' offline app,
which talks to the tablet API). Pages call the same services as the API,
never the API over HTTP."""

from __future__ import annotations

from flask import Flask

from inspect_app.web import (
    admin_pages,  # noqa: F401 (its pages join console.bp)
    console,
    i18n,
    licensing_pages,  # noqa: F401
    map_pages,  # noqa: F401
    planner,  # noqa: F401
    public,
    session,
    tablet,
    task_pages,  # noqa: F401
)


def install(app: Flask) -> None:
    i18n.install(app)
    session.install(app)
    console.install_globals(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(tablet.bp)
