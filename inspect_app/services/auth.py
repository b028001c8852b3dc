"""Sign-in, sign-out and device revocation: tokens issued and revoked, each audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inspect_app import audit
from inspect_app.access import Action, allows, ensure
from inspect_app.actor import Actor
from inspect_app.auth import check_password, issue_token
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.models import Token, User


@dataclass(frozen=True)
class TokenLifetimes:
    """How long a token lives: staff sign in for hours, an inspector's tablet for days."""

    staff: timedelta
    device: timedelta

    def for_role(self, role: str) -> timedelta:
        return self.device if role == "inspector" else self.staff


@dataclass(frozen=True)
class SignedIn:
    """A new bearer token (shown once) and who it belongs to."""

    token: str
    expires_at: datetime
    username: str
    role: str
    department: str | None


def sign_in(
    username: str, password: str, device: str, now: datetime, lifetimes: TokenLifetimes
) -> SignedIn:
    """A new bearer token for this user and device; a wrong name or password is one answer."""
    user = User.get_or_none(User.username == username)
    if user is None or not user.active or not check_password(user, password):
        raise AppError("BAD_CREDENTIALS")
    with database.atomic():
        raw, token = issue_token(user, device, now, lifetimes.for_role(user.role))
        audit.record(
            user.username, "auth.sign_in", "token", token.id, after={"device": token.device}, at=now
        )
    department = user.department.code if user.department_id else None
    return SignedIn(raw, token.expires_at, user.username, user.role, department)


def signed_in_devices(actor: Actor):
    """Live tokens: the actor's own, or everyone's for an admin."""
    query = Token.select(Token, User).join(User).where(Token.revoked_at.is_null())
    if not allows(actor, Action.SEE_ALL_DEVICES):
        query = query.where(Token.user == actor.user_id)
    return query.order_by(Token.id)


def sign_out(actor: Actor, token_id: int, now: datetime) -> None:
    """The token of this request stops working at once."""
    _revoke(Token.get_by_id(token_id), actor.label, now)


def revoke_device(actor: Actor, token_id: int, now: datetime) -> None:
    """Revoke one of the actor's devices (an admin: anyone's); others' look absent."""
    token = Token.get_or_none(Token.id == token_id)
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
