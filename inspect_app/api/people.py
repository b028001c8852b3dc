"""User accounts (/api/v1/users), an admin's: list, create, deactivate, reactivate, reset a
password, link to an inspector record, and each user's devices. Changes carry If-Match."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.actor import ROLES
from inspect_app.api.auth_routes import NO_STORE, DeviceSchema
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.domain import passwords
from inspect_app.services import auth
from inspect_app.services import people as service

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="用户 User accounts")

USERNAME = validate.Regexp(
    r"^[\w.-]{2,32}$", error="2–32 letters, digits, Chinese characters, '.', '_' or '-'."
)


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    department = ma.fields.String(attribute="department_code", allow_none=True)
    active = ma.fields.Boolean()
    must_change_password = ma.fields.Boolean()
    inspector = ma.fields.String(attribute="inspector_code", allow_none=True)
    created_at = ma.fields.DateTime()
    version = ma.fields.Integer()


class WithPasswordSchema(ma.Schema):
    user = ma.fields.Nested(UserSchema)
    temporary_password = ma.fields.String(
        allow_none=True, metadata={"description": "shown once; the user must replace it"}
    )


class UserFilterSchema(Strict):
    role = ma.fields.String(validate=validate.OneOf([r.value for r in ROLES]))
    department = Text(max_length=8)
    active = ma.fields.Boolean()
    q = Text(max_length=32, metadata={"description": "username or name contains"})


class UserCreateSchema(Strict):
    username = ma.fields.String(required=True, validate=USERNAME)
    name = Text(max_length=32, required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf([r.value for r in ROLES]))
    department = Text(max_length=8)
    password = ma.fields.String(
        validate=validate.Length(min=1, max=passwords.MAX_LENGTH),
        metadata={"description": "omit it: a temporary one is made up, replaced at first use"},
    )


class LinkSchema(Strict):
    inspector_code = Text(max_length=16, required=True)


@blp.route("")
class Users(MethodView):
    @require("admin")
    @blp.etag
    @blp.arguments(UserFilterSchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Users, by username; filter by role, department, active and text."""
        return service.user_list(current_actor(), args)

    @require("admin")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, WithPasswordSchema)
    def post(self, data):
        """Create an account (without a password: a temporary one, shown once)."""
        return service.create_user(current_actor(), data, utcnow()), 201, NO_STORE


@blp.route("/<int:user_id>")
class UserById(MethodView):
    @require("admin")
    @blp.etag
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One account; its ETag guards changes."""
        return service.get_user(current_actor(), user_id)


def _set_active(user_id: int, active: bool):
    actor = current_actor()
    user = service.get_user(actor, user_id)
    blp.check_if_match(user, UserSchema)
    return service.set_active(actor, user_id, active, user.version, utcnow())


@blp.route("/<int:user_id>/deactivate")
class Deactivate(MethodView):
    @require("admin")
    @blp.etag
    @blp.response(200, UserSchema)
    @blp.if_match_documented
    def post(self, user_id):
        """Deactivate: the account's tokens are revoked at once and it can no longer sign in."""
        return _set_active(user_id, False)


@blp.route("/<int:user_id>/activate")
class Activate(MethodView):
    @require("admin")
    @blp.etag
    @blp.response(200, UserSchema)
    @blp.if_match_documented
    def post(self, user_id):
        """Reactivate an account."""
        return _set_active(user_id, True)


@blp.route("/<int:user_id>/password-reset")
class PasswordReset(MethodView):
    @require("admin")
    @blp.response(200, WithPasswordSchema)
    @blp.if_match_documented
    def post(self, user_id):
        """A one-time temporary password: it signs in to nothing until the user sets their own
        (POST /api/v1/auth/password); the user's tokens are revoked."""
        actor = current_actor()
        user = service.get_user(actor, user_id)
        blp.check_if_match(user, UserSchema)
        return service.reset_password(actor, user_id, user.version, utcnow()), 200, NO_STORE


@blp.route("/<int:user_id>/inspector")
class Link(MethodView):
    @require("admin")
    @blp.etag
    @blp.arguments(LinkSchema)
    @blp.response(200, UserSchema)
    def put(self, data, user_id):
        """Link the account to an inspector record (an inspector account, same department)."""
        actor = current_actor()
        user = service.get_user(actor, user_id)
        blp.check_etag(user, UserSchema)
        code = data["inspector_code"]
        return service.link_inspector(actor, user_id, code, user.version, utcnow())

    @require("admin")
    @blp.etag
    @blp.response(200, UserSchema)
    def delete(self, user_id):
        """Unlink the account from its inspector record."""
        actor = current_actor()
        user = service.get_user(actor, user_id)
        blp.check_etag(user, UserSchema)
        return service.unlink_inspector(actor, user_id, user.version, utcnow())


@blp.route("/<int:user_id>/devices")
class UserDevices(MethodView):
    @require("admin")
    @blp.response(200, DeviceSchema(many=True))
    def get(self, user_id):
        """The user's signed-in devices (live tokens)."""
        return service.user_devices(current_actor(), user_id)

    @require("admin")
    @blp.response(204)
    def delete(self, user_id):
        """Sign the user out of every device at once."""
        service.revoke_all_devices(current_actor(), user_id, utcnow())


@blp.route("/<int:user_id>/devices/<int:token_id>")
class UserDevice(MethodView):
    @require("admin")
    @blp.response(204)
    def delete(self, user_id, token_id):
        """Revoke one of the user's devices."""
        auth.revoke_device(current_actor(), token_id, utcnow(), of_user=user_id)
