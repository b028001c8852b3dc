"""Languages of the pages: Chinese first (the default), English on request.

`?lang=en` or `?lang=zh` picks the language and remembers it in the `lang` cookie for a year;
otherwise the cookie decides; otherwise Chinese. The browser's Accept-Language is ignored on
purpose: the platform's language is Chinese, English is a courtesy one switches to.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, Response, request
from flask_babel import Babel, refresh

from inspect_app.clock import local
from inspect_app.web.forms import STATE_LABELS

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def chosen() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT


def remember(response: Response) -> Response:
    """Keep a language asked for with ?lang= in the cookie."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


def locale() -> str:
    return chosen()


def lang_url(lang: str) -> str:
    """This page in another language (its other query parameters kept)."""
    args = {k: v for k, v in request.args.items() if k != "lang"} | {"lang": lang}
    return f"{request.path}?{urlencode(args)}"


def page_url(**changes) -> str:
    """This page with some query parameters changed (None drops one)."""
    args = {k: v for k, v in (request.args.to_dict() | changes).items() if v not in (None, "")}
    args.pop("lang", None)
    return f"{request.path}?{urlencode(args)}" if args else request.path


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "web/translations")
    Babel(app, locale_selector=locale)
    # flask-babel caches the locale and catalogue on the app context, which may outlive a request.
    app.before_request(refresh)
    app.jinja_env.globals.update(
        lang_url=lang_url, page_url=page_url, current_lang=locale, state_labels=STATE_LABELS
    )
    app.jinja_env.filters["localtime"] = localtime


def localtime(value) -> str:
    """A UTC time (datetime or ISO text) as Shanghai time, to the minute."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return local(value).strftime("%Y-%m-%d %H:%M")
