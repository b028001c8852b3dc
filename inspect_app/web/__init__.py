"""The server-rendered pages (Jinja + htmx): one blueprint per area, `portal` (public, no sign-in)
for now. Pages call the same services as the API, never the API over HTTP."""

from __future__ import annotations

from flask import Flask

from inspect_app.web import i18n, public, tablet


def install(app: Flask) -> None:
    i18n.install(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(tablet.bp)
