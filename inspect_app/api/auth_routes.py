"""Sign-in, sign-out and devices: opaque bearer tokens, revocable one device at a time."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, g, request
from flask.views import MethodView

from inspect_app.actor import ROLES
from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import auth

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 Sign-in")


# The answer carries a token: no cache, proxy or browser history may keep it.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class SignInSchema(Strict):
    username = Text(max_length=32, required=True)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))
    device = Text(max_length=64, load_default="web")


class PasswordChangeSchema(Strict):
    username = Text(max_length=32, required=True)
    password = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=256),
        metadata={"description": "the current password, or the temporary one an admin gave"},
    )
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))


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


@blp.route("/token")
class Tokens(MethodView):
    @blp.arguments(SignInSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(429, description="SIGN_IN_LOCKED: too many failures; see Retry-After")
    def post(self, data):
        """Sign in: a new bearer token for this user and device (its earlier one is revoked)."""
        signed_in = auth.sign_in(
            data["username"], data["password"], data["device"], utcnow(), auth.lifetimes_from(current_app.config),
            address=request.remote_addr, limits=auth.limits_from(current_app.config),
        )  # fmt: skip
        return signed_in, 201, NO_STORE

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


@blp.route("/password")
class Password(MethodView):
    @blp.doc(security=[])
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(429, description="SIGN_IN_LOCKED: too many failures; see Retry-After")
    def post(self, data):
        """Set a new password, proving the current or temporary one (no token needed): the
        password policy applies and every token of the user is revoked; then sign in."""
        auth.change_password(
            data["username"], data["password"], data["new_password"], utcnow(),
            address=request.remote_addr, limits=auth.limits_from(current_app.config),
        )  # fmt: skip
        return "", 204, NO_STORE
