"""Sign-in with hashed passwords (argon2) and opaque bearer tokens stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import wraps

import peewee
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app, g, request
from peewee import JOIN
from werkzeug.exceptions import HTTPException

from inspect_app.actor import Actor
from inspect_app.clock import utcnow
from inspect_app.errors import AppError
from inspect_app.models import Department, Inspector, Token, User
from inspect_app.prepared import Prepared

TOKEN_BYTES = 32


def password_hasher() -> PasswordHasher:
    options = current_app.config.get("ARGON2", {}) if current_app else {}
    return PasswordHasher(**options)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    return (hasher or password_hasher()).hash(password)


# One hash of a random password per set of argon2 parameters: what an unknown or inactive user's
# password is checked against, so that every sign-in costs the same (no timing tells names apart).
_DUMMY_HASHES: dict[tuple, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    params = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len)
    if params not in _DUMMY_HASHES:
        _DUMMY_HASHES[params] = hasher.hash(secrets.token_urlsafe(TOKEN_BYTES))
    return _DUMMY_HASHES[params]


def check_password(user: User | None, password: str) -> bool:
    """True when the user exists, is active and this is their password. The hasher runs once
    whatever the case (against a dummy hash for an unknown or inactive user)."""
    hasher = password_hasher()
    real = user is not None and user.active
    stored = user.password_hash if real else _dummy_hash(hasher)
    try:
        return hasher.verify(stored, password) and real
    except (VerifyMismatchError, InvalidHashError, UnicodeEncodeError):
        return False


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, device: str, now: datetime, ttl: timedelta) -> tuple[str, Token]:
    """A new random token for the user and device; only its digest is stored."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = Token.create(
        token_hash=token_digest(raw), user=user, device=device, created_at=now, expires_at=now + ttl
    )
    return raw, token


def actor_for(user: User) -> Actor:
    department = Department.get_by_id(user.department_id).code if user.department_id else None
    inspector = Inspector.get_or_none((Inspector.user == user.id) & Inspector.active)
    return Actor(user.id, user.username, user.role, department, inspector and inspector.id)


def sign_in_query(digest: str) -> peewee.ModelSelect:
    """Who holds the token with this digest, as SIGN_IN_WIDTH columns (signed_in reads them): the
    token's state, the user's, their department's code, their inspector record's. A view that
    needs both who asks and its own answer joins onto this (the tablet's reads)."""
    return (
        Token.select(
            Token.id,
            Token.expires_at,
            Token.revoked_at,
            User.id,
            User.username,
            User.role,
            User.active,
            Department.code,
            Inspector.id,
            Inspector.active,
            Inspector.code,
        )
        .join(User)
        .join(Department, JOIN.LEFT_OUTER)
        .switch(User)
        .join(Inspector, JOIN.LEFT_OUTER, on=(Inspector.user == User.id))
        .where(Token.token_hash == digest)
    )


SIGN_IN_WIDTH = 11
# Most signed-in requests ask this, so it is built once (see inspect_app/prepared.py).
SIGN_IN = Prepared(lambda digest: sign_in_query(digest).tuples(), digest=str)


def authenticate_request() -> None:
    """Note the bearer token, if any. Who holds it is asked when a view first needs to know
    (current_actor), or in the view's own query (sign_in_from): a request that never asks, a
    public page or a health check, costs no query for it."""
    header = request.headers.get("Authorization", "")
    g.bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
    # g outlives a request where the app context does (a console command, the test client)
    g.pop("actor", None)
    g.pop("token_id", None)


def bearer_digest() -> str | None:
    """The digest of this request's bearer token, for a view that joins onto sign_in_query."""
    raw = g.get("bearer")
    return token_digest(raw) if raw else None


def actor_for_token(raw: str | None) -> tuple[Actor | None, int | None]:
    """(who, token id) for a live token of an active user, else (None, None): one query, so a
    revoked token is refused from the next request on. The API's bearer header and the console's
    session cookie both carry such a token."""
    if not raw:
        return None, None
    return signed_in(SIGN_IN.first(digest=token_digest(raw)))


def signed_in(row: tuple | None) -> tuple[Actor | None, int | None]:
    """(who, token id) from sign_in_query's columns, the first of `row` (as the driver gives
    them), or (None, None) for no row, a revoked or expired token or an inactive user."""
    if row is None:
        return None, None
    token_id, expires_at, revoked_at, user_id, username, role, active, department = row[:8]
    inspector_id, inspector_active, inspector_code = row[8:SIGN_IN_WIDTH]
    if revoked_at is not None or Token.expires_at.python_value(expires_at) <= utcnow():
        return None, None
    if not active:
        return None, None
    if not inspector_active:
        inspector_id = inspector_code = None
    return Actor(user_id, username, role, department, inspector_id, inspector_code), token_id


def sign_in_from(row: tuple | None, *roles: str) -> Actor:
    """Who asks, read from a view's own query that joined onto sign_in_query (its first
    columns), held for the rest of the request as current_actor() would; refused as `require`
    refuses."""
    g.actor, g.token_id = signed_in(row)
    return permitted(*roles)


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor, g.token_id = actor_for_token(g.pop("bearer", None))
    actor = g.actor
    if actor is None:
        raise AppError("UNAUTHENTICATED")
    return actor


def permitted(*roles: str) -> Actor:
    """Who asks, signed in and (when roles are given) with one of them; else 401 or 403."""
    actor = current_actor()
    if roles and actor.role not in roles:
        raise AppError("FORBIDDEN")
    return actor


def asked_by_the_view(*roles: str):
    """View decorator, for a view that asks who asks in its own query (sign_in_from) rather
    than before it: a request refused before it asked (its arguments, its upload) is first
    refused as `require` would refuse it (401, 403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except (HTTPException, AppError):
                permitted(*roles)  # no query once the view has asked
                raise

        return wrapper

    return decorator


def require(*roles: str):
    """View decorator: signed in, and (when roles are given) with one of them."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            permitted(*roles)
            return view(*args, **kwargs)

        return wrapper

    return decorator
