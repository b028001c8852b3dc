"""Licensing desks (/api/v1/desks): which desk handles which licences, and who works there
(admins only)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import desks

blp = Blueprint("desks", __name__, url_prefix="/api/v1/desks", description="审批窗口 Desks")
CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,15}$", error="2–16 capital letters, digits, dashes.")


class ScopeLineSchema(Strict):
    industry = ma.fields.String(allow_none=True, validate=validate.Length(max=4))
    street = ma.fields.String(allow_none=True, validate=validate.Length(max=8))


class DeskSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    department = ma.fields.String(attribute="department.code")
    kind = ma.fields.String()
    is_default = ma.fields.Boolean()
    head = ma.fields.Function(
        lambda d: d.head.username if d.head_id else None,
        metadata={"type": "string", "nullable": True},
    )
    scope = ma.fields.Function(
        lambda d: desks.describe(d)["scope"],
        metadata={
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "industry": {"type": "string", "nullable": True},
                    "street": {"type": "string", "nullable": True},
                },
            },
        },
    )
    members = ma.fields.Function(
        lambda d: desks.describe(d)["members"],
        metadata={"type": "array", "items": {"type": "string"}},
    )


class DeskCreateSchema(Strict):
    code = ma.fields.String(required=True, validate=CODE)
    name = Text(max_length=64, required=True)
    department = ma.fields.String(required=True, validate=validate.Length(min=1, max=8))
    kind = ma.fields.String(load_default=desks.LICENSING, validate=validate.OneOf(desks.KINDS))
    is_default = ma.fields.Boolean(load_default=False)
    head = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=32))


class DeskScopeSchema(Strict):
    scope = ma.fields.List(ma.fields.Nested(ScopeLineSchema), required=True)


class DeskMemberSchema(Strict):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))


class DeskHeadSchema(Strict):
    username = ma.fields.String(required=True, allow_none=True, validate=validate.Length(max=32))


@blp.route("")
class Desks(MethodView):
    @require("admin")
    @blp.response(200, DeskSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self):
        """Every desk, by code."""
        return desks.list_desks(current_actor())

    @require("admin")
    @blp.arguments(DeskCreateSchema)
    @blp.response(201, DeskSchema)
    def post(self, data):
        """A new desk; open feedback its scope now matches moves to it."""
        return desks.create_desk(current_actor(), data, utcnow())


@blp.route("/<code>")
class OneDesk(MethodView):
    @require("admin")
    @blp.response(200, DeskSchema)
    def get(self, code):
        return desks.get_desk(current_actor(), code)


@blp.route("/<code>/scope")
class Scope(MethodView):
    @require("admin")
    @blp.arguments(DeskScopeSchema)
    @blp.response(200, DeskSchema)
    def put(self, data, code):
        """Replace the desk's scope: lines of an industry, a street, or both."""
        return desks.set_scope(current_actor(), code, data["scope"], utcnow())


@blp.route("/<code>/head")
class Head(MethodView):
    @require("admin")
    @blp.arguments(DeskHeadSchema)
    @blp.response(200, DeskSchema)
    def put(self, data, code):
        """Name the desk's head, who receives its escalations (null: the admins do)."""
        return desks.set_head(current_actor(), code, data["username"], utcnow())


@blp.route("/<code>/members")
class Members(MethodView):
    @require("admin")
    @blp.arguments(DeskMemberSchema)
    @blp.response(200, DeskSchema)
    def post(self, data, code):
        """A user joins the desk."""
        return desks.add_member(current_actor(), code, data["username"], utcnow())


@blp.route("/<code>/members/<username>")
class Member(MethodView):
    @require("admin")
    @blp.response(200, DeskSchema)
    def delete(self, code, username):
        """A user leaves the desk."""
        return desks.remove_member(current_actor(), code, username, utcnow())
