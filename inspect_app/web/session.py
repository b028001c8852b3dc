"""Signing in to the console (SPEC §11): a session cookie that carries the same opaque token as
the API's bearer header, so a page is authorised exactly as the API is — the same lookup, expiry,
revocation (a device revoked by an admin is signed out at its next click) and sign-in lockout.

The cookie is Flask's signed session: HttpOnly, SameSite=Lax, Secure whenever the request came
over TLS (or LIANJIAN_SESSION_COOKIE_SECURE says always). Its key is LIANJIAN_SECRET_KEY, or one
kept in the configured key store (KEYS_DIR), so every node signs and reads the same cookies.
Every form carries a CSRF token (Flask-WTF); htmx requests send it as X-CSRFToken.

The API never reads this cookie: a bearer token must be sent as a header, so no other site can
make a signed-in browser call the API.
"""

from __future__ import annotations

import os
import secrets
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from inspect_app.actor import Actor
from inspect_app.auth import actor_for_token
from inspect_app.errors import AppError

COOKIE = "lianjian_session"
KEY_FILE = "session-secret.key"
csrf = CSRFProtect()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure on every answer to a request that came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request and request.is_secure) or super().get_cookie_secure(app)

    def open_session(self, app: Flask, request):
        """A request without our cookie (every API call, a tablet's sync) starts an empty session
        without building the cookie's signer (issue 17: 5 % of a tablet read's CPU)."""
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def secret_key(keys_dir: str | Path) -> str:
    """The session key kept in the key store, made once (whichever node comes first wins)."""
    path = Path(keys_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def install(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.config["KEYS_DIR"])
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Only the pages check CSRF (console.before_request); the API takes bearer tokens.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.session_interface = _SessionInterface()
    csrf.init_app(app)


def start(token: str) -> None:
    """Sign this browser in with a fresh token (a new session: no fixation)."""
    session.clear()
    session["token"] = token


def end() -> None:
    session.clear()


def load_actor() -> None:
    """g.actor and g.token_id from the session's token (the bearer header counts for nothing on
    a page)."""
    # Flask-WTF keeps the CSRF token on `g`, which lives as long as the app context; where that
    # outlives a request (a console command, the test client) it would outlive a new session.
    g.pop("csrf_token", None)
    g.actor, g.token_id = actor_for_token(session.get("token"))


def actor() -> Actor | None:
    return getattr(g, "actor", None)


def safe_next(target: str | None) -> str | None:
    """A path inside this site to go on to after signing in; anything else is dropped."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def signed_in(*roles: str):
    """Page decorator: not signed in → the sign-in page (then back here); a role not among
    `roles` → the 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            who = actor()
            if who is None:
                return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
            if roles and who.role not in roles:
                raise AppError("FORBIDDEN")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def device_name() -> str:
    """A name for this browser's token in the devices list: the console and a short random id."""
    agent = request.user_agent.string[:40] if request.user_agent else ""
    return f"console {secrets.token_hex(3)} {agent}".strip()[:64]
