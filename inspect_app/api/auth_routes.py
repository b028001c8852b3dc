"""Sign-in, sign-out and devices: opaque bearer tokens, revocable one device at a time."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask import current_app, g
from flask.views import MethodView

from inspect_app.actor import ROLES
from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import auth

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
    username = ma.fields.String(attribute="user.username")
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    revoked_at = ma.fields.DateTime(allow_none=True)


def _lifetimes() -> auth.TokenLifetimes:
    config = current_app.config
    return auth.TokenLifetimes(
        staff=timedelta(hours=config["TOKEN_TTL_HOURS"]),
        device=timedelta(days=config["DEVICE_TOKEN_TTL_DAYS"]),
    )


@blp.route("/token")
class Tokens(MethodView):
    @blp.arguments(SignInSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """Sign in: a new bearer token for this user and device."""
        return auth.sign_in(
            data["username"], data["password"], data["device"], utcnow(), _lifetimes()
        )

    @require(*ROLES)
    @blp.response(204)
    def delete(self):
        """Sign out: this token stops working at once."""
        auth.sign_out(current_actor(), g.token_id, utcnow())


@blp.route("/devices")
class Devices(MethodView):
    @require(*ROLES)
    @blp.response(200, DeviceSchema(many=True))
    def get(self):
        """My signed-in devices (an admin sees everyone's)."""
        return auth.signed_in_devices(current_actor())


@blp.route("/devices/<int:token_id>")
class DeviceById(MethodView):
    @require(*ROLES)
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a device: its token is refused from the next request on."""
        auth.revoke_device(current_actor(), token_id, utcnow())
