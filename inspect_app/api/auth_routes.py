"""Sign-in, sign-out and devices: opaque bearer tokens, revocable one device at a time."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask import current_app, g
from flask.views import MethodView

from inspect_app import audit
from inspect_app.access import Action, allows, ensure
from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import check_password, current_actor, issue_token, require
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.models import Token, User

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 Sign-in")


class SignInSchema(Strict):
    username = Text(max_length=32, required=True)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))
    device = Text(max_length=64, load_default="web")


class TokenSchema(ma.Schema):
    token = ma.fields.String()
    expires_at = ma.fields.DateTime()
    username = ma.fields.String()
    role = ma.fields.String()
    department = ma.fields.String(allow_none=True)


class DeviceSchema(ma.Schema):
    id = ma.fields.Integer()
    device = ma.fields.String()
    username = ma.fields.Function(lambda t: t.user.username)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    revoked_at = ma.fields.DateTime(allow_none=True)


def _ttl(role: str) -> timedelta:
    if role == "inspector":
        return timedelta(days=current_app.config["DEVICE_TOKEN_TTL_DAYS"])
    return timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])


@blp.route("/token")
class Tokens(MethodView):
    @blp.arguments(SignInSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """Sign in: a new bearer token for this user and device."""
        user = User.get_or_none(User.username == data["username"])
        if user is None or not user.active or not check_password(user, data["password"]):
            raise AppError("BAD_CREDENTIALS")
        now = utcnow()
        with database.atomic():
            raw, token = issue_token(user, data["device"], now, _ttl(user.role))
            audit.record(
                user.username,
                "auth.sign_in",
                "token",
                token.id,
                after={"device": token.device},
                at=now,
            )
        department = user.department.code if user.department_id else None
        return {
            "token": raw,
            "expires_at": token.expires_at,
            "username": user.username,
            "role": user.role,
            "department": department,
        }

    @require()
    @blp.response(204)
    def delete(self):
        """Sign out: this token stops working at once."""
        _revoke(Token.get_by_id(g.token_id), current_actor().label)


@blp.route("/devices")
class Devices(MethodView):
    @require()
    @blp.response(200, DeviceSchema(many=True))
    def get(self):
        """My signed-in devices (an admin sees everyone's)."""
        actor = current_actor()
        query = Token.select(Token, User).join(User).where(Token.revoked_at.is_null())
        if not allows(actor, Action.SEE_ALL_DEVICES):
            query = query.where(Token.user == actor.user_id)
        return query.order_by(Token.id)


@blp.route("/devices/<int:token_id>")
class DeviceById(MethodView):
    @require()
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a device: its token is refused from the next request on."""
        actor = current_actor()
        token = Token.get_or_none(Token.id == token_id)
        ensure(actor, Action.REVOKE_DEVICE, token)
        _revoke(token, actor.label)


def _revoke(token: Token, actor: str) -> None:
    now = utcnow()
    with database.atomic():
        Token.update(revoked_at=now).where(
            (Token.id == token.id) & Token.revoked_at.is_null()
        ).execute()
        audit.record(
            actor, "auth.revoke", "token", token.id, after={"device": token.device}, at=now
        )
