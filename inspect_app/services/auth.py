"""Sign-in, sign-out and device revocation: tokens issued and revoked, each audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from inspect_app import audit
from inspect_app.access import Action, allows, ensure
from inspect_app.actor import Actor
from inspect_app.auth import check_password, hash_password, issue_token
from inspect_app.db import database
from inspect_app.domain import passwords
from inspect_app.errors import AppError
from inspect_app.models import Token, User
from inspect_app.services import throttle
from inspect_app.services.people import revoke_tokens

# Who a failed sign-in is recorded as: nobody has proved who they are.
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class TokenLifetimes:
    """How long a token lives: staff sign in for hours, an inspector's tablet for days."""

    staff: timedelta
    device: timedelta

    def for_role(self, role: str) -> timedelta:
        return self.device if role == "inspector" else self.staff


def lifetimes_from(config: Mapping[str, Any]) -> TokenLifetimes:
    """The app's token lifetimes (LIANJIAN_TOKEN_TTL_HOURS, LIANJIAN_DEVICE_TOKEN_TTL_DAYS)."""
    return TokenLifetimes(
        staff=timedelta(hours=config["TOKEN_TTL_HOURS"]),
        device=timedelta(days=config["DEVICE_TOKEN_TTL_DAYS"]),
    )


def limits_from(config: Mapping[str, Any]) -> throttle.SignInLimits:
    """The app's sign-in limits (LIANJIAN_SIGN_IN_…), per account name and per address."""

    def rule(kind: str) -> throttle.Rule:
        return throttle.Rule(
            config[f"SIGN_IN_{kind}_LIMIT"],
            timedelta(minutes=config[f"SIGN_IN_{kind}_WINDOW_MINUTES"]),
            timedelta(minutes=config[f"SIGN_IN_{kind}_LOCKOUT_MINUTES"]),
        )

    return throttle.SignInLimits(account=rule("ACCOUNT"), address=rule("ADDRESS"))


@dataclass(frozen=True)
class SignedIn:
    """A new bearer token (shown once) and who it belongs to."""

    token: str
    expires_at: datetime
    username: str
    role: str
    department: str | None


def sign_in(
    username: str,
    password: str,
    device: str,
    now: datetime,
    lifetimes: TokenLifetimes,
    *,
    address: str | None = None,
    limits: throttle.SignInLimits = throttle.DEFAULT_LIMITS,
) -> SignedIn:
    """A new bearer token for this user and device, replacing the device's previous one.

    A wrong name or password is one answer, in the same time (the hasher runs either way), and is
    counted against the name and the address; a locked name or address answers 429 before any
    password is checked, so it tells nothing about the password.
    """
    user = _proven_user(username, password, device, address, limits, now)
    if user.must_change_password:
        _password_change_required(user, device, address, now)
    with database.atomic():
        throttle.clear_account(username)
        replaced = _revoke_device_tokens(user, device, now)
        raw, token = issue_token(user, device, now, lifetimes.for_role(user.role))
        audit.record(
            user.username,
            "auth.sign_in",
            "token",
            token.id,
            after={"device": token.device, "address": address, "replaced": replaced},
            at=now,
        )
    department = user.department.code if user.department_id else None
    return SignedIn(raw, token.expires_at, user.username, user.role, department)


def _proven_user(username, password, device, address, limits, now: datetime) -> User:
    """The user whose password this is. A locked name or address answers 429 before any password
    is checked; a wrong name or password is counted and audited (BAD_CREDENTIALS)."""
    counted = throttle.keys(username, address)
    wait = throttle.retry_after(counted, now)
    if wait is not None:
        raise AppError("SIGN_IN_LOCKED", headers={"Retry-After": str(wait)})
    user = User.get_or_none(User.username == username)
    if not check_password(user, password):
        _refuse(username, device, address, counted, limits, now)
    return user


def _refuse(username, device, address, counted, limits, now: datetime) -> NoReturn:
    """Count and audit a failed sign-in (the name tried and the address, never the password)."""
    with database.atomic():
        locked_until = throttle.record_failure(counted, limits, now)
        after = {"username": username, "address": address, "device": device}
        if locked_until is not None:
            after["locked_until"] = locked_until.isoformat()
        audit.record(ANONYMOUS, "auth.sign_in_failed", "user", username, after=after, at=now)
    raise AppError("BAD_CREDENTIALS")


def _revoke_device_tokens(user: User, device: str, now: datetime) -> list[int]:
    """One live token per device: a new sign-in on a device name revokes its earlier tokens."""
    live = (Token.user == user.id) & (Token.device == device) & Token.revoked_at.is_null()
    ids = [token_id for (token_id,) in Token.select(Token.id).where(live).tuples()]
    if ids:
        Token.update(revoked_at=now).where(live & Token.id.in_(ids)).execute()
    return ids


def signed_in_devices(actor: Actor):
    """Live tokens: the actor's own, or everyone's for an admin."""
    query = Token.select(Token, User).join(User).where(Token.revoked_at.is_null())
    if not allows(actor, Action.SEE_ALL_DEVICES):
        query = query.where(Token.user == actor.user_id)
    return query.order_by(Token.id)


def sign_out(actor: Actor, token_id: int, now: datetime) -> None:
    """The token of this request stops working at once."""
    _revoke(Token.get_by_id(token_id), actor.label, now)


def revoke_device(
    actor: Actor, token_id: int, now: datetime, *, of_user: int | None = None
) -> None:
    """Revoke one of the actor's devices (an admin: anyone's, or `of_user`'s); others' look absent."""
    token = Token.get_or_none(Token.id == token_id)
    if token is not None and of_user is not None and token.user_id != of_user:
        token = None
    ensure(actor, Action.REVOKE_DEVICE, token)
    _revoke(token, actor.label, now)


def _revoke(token: Token, actor: str, now: datetime) -> None:
    with database.atomic():
        Token.update(revoked_at=now).where(
            (Token.id == token.id) & Token.revoked_at.is_null()
        ).execute()
        audit.record(
            actor, "auth.revoke", "token", token.id, after={"device": token.device}, at=now
        )


# -- issue 13 §1: a password reset by an admin is changed by its user before any sign-in --


def _password_change_required(user: User, device: str, address: str | None, now) -> NoReturn:
    """The temporary password was right, but it signs in to nothing: the user sets a new one."""
    with database.atomic():
        throttle.clear_account(user.username)
        after = {"device": device, "address": address}
        audit.record(
            user.username, "auth.password_change_required", "user", user.username,
            after=after, at=now,
        )  # fmt: skip
    raise AppError("PASSWORD_CHANGE_REQUIRED")


def change_password(
    username: str,
    password: str,
    new_password: str,
    now: datetime,
    *,
    address: str | None = None,
    limits: throttle.SignInLimits = throttle.DEFAULT_LIMITS,
) -> None:
    """Set a new password, proving the current (or temporary) one: counted like a sign-in, the
    policy applies, and every token of the user is revoked."""
    user = _proven_user(username, password, "password", address, limits, now)
    problems = passwords.problems(new_password, username)
    if new_password == password:
        problems.append({"zh": "新密码不能与原密码相同", "en": "The new password must differ"})
    if problems:
        raise AppError("VALIDATION_FAILED", errors={"new_password": problems})
    digest = hash_password(new_password)
    with database.atomic():
        throttle.clear_account(username)
        User.update(
            password_hash=digest, must_change_password=False, version=User.version + 1
        ).where(User.id == user.id).execute()
        revoked = revoke_tokens(user.id, now)
        audit.record(
            user.username, "auth.password_change", "user", user.username,
            after={"address": address, "revoked": revoked}, at=now,
        )  # fmt: skip
