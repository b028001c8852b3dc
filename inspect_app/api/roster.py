"""The inspector directory (/api/v1/inspectors, 执法检查人员名录库): each department's planners keep
their own, an admin any. Qualifications per industry, recusals (回避, personal data: never public)
and the current workload."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import CreditCode, Day, Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import local, utcnow
from inspect_app.services import roster as service

blp = Blueprint(
    "inspectors",
    __name__,
    url_prefix="/api/v1/inspectors",
    description="执法检查人员名录库 Inspector directory",
)

KEEPERS = ("admin", "planner")
INSPECTOR_CODE = validate.Regexp(
    r"^[A-Z0-9][A-Z0-9-]{1,15}$", error="Must be 2–16 capital letters, digits or dashes."
)


class RecusalSchema(ma.Schema):
    id = ma.fields.Integer()
    credit_code = ma.fields.String(attribute="entity.credit_code")
    entity_name = ma.fields.String(attribute="entity.name")
    reason = ma.fields.String()
    declared_on = ma.fields.Function(
        lambda r: local(r.declared_at).date().isoformat(),
        metadata={"type": "string", "format": "date"},
    )
    live = ma.fields.Function(lambda r: r.withdrawn_at is None, metadata={"type": "boolean"})
    withdrawn_at = ma.fields.DateTime(allow_none=True)
    withdrawn_reason = ma.fields.String(allow_none=True)
    withdrawn_by = ma.fields.String(allow_none=True)


class InspectorSummarySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    department = ma.fields.String(attribute="department_code")
    active = ma.fields.Boolean()
    qualifications = ma.fields.List(ma.fields.String(), attribute="industries")
    workload = ma.fields.Integer(metadata={"description": "open inspections on their teams"})
    user = ma.fields.String(attribute="username", allow_none=True)
    version = ma.fields.Integer()


class InspectorSchema(InspectorSummarySchema):
    recusals = ma.fields.List(ma.fields.Nested(RecusalSchema), attribute="recusal_rows")


class InspectorFilterSchema(Strict):
    department = Text(max_length=8, metadata={"description": "a planner: their own only"})
    active = ma.fields.Boolean()
    industry = Text(max_length=4, metadata={"description": "qualified for this industry"})
    q = Text(max_length=32, metadata={"description": "code or name contains"})


class InspectorCreateSchema(Strict):
    code = ma.fields.String(required=True, validate=INSPECTOR_CODE)
    name = Text(max_length=32, required=True)
    department = Text(max_length=8, required=True)
    industries = ma.fields.List(
        Text(max_length=4), load_default=list, validate=validate.Length(max=25)
    )


class RecusalCreateSchema(Strict):
    credit_code = CreditCode(required=True)
    reason = Text(max_length=64, required=True)
    declared_on = Day(metadata={"description": "the day it was declared (default: today)"})


class WithdrawSchema(Strict):
    reason = Text(max_length=256, required=True)


@blp.route("")
class Inspectors(MethodView):
    @require(*KEEPERS)
    @blp.etag
    @blp.arguments(InspectorFilterSchema, location="query")
    @blp.response(200, InspectorSummarySchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """A department's inspectors by code (a planner's own department)."""
        return service.inspector_list(current_actor(), args)

    @require(*KEEPERS)
    @blp.etag
    @blp.arguments(InspectorCreateSchema)
    @blp.response(201, InspectorSchema)
    def post(self, data):
        """Add an inspector to a department's directory, with their qualifications."""
        return service.create_inspector(current_actor(), data, utcnow())


@blp.route("/<string:inspector_code>")
class InspectorByCode(MethodView):
    @require(*KEEPERS)
    @blp.etag
    @blp.response(200, InspectorSchema)
    def get(self, inspector_code):
        """One inspector: qualifications, workload and recusals (live and withdrawn)."""
        return service.get_inspector(current_actor(), inspector_code)


def _set_active(inspector_code: str, active: bool):
    actor = current_actor()
    inspector = service.get_inspector(actor, inspector_code)
    blp.check_if_match(inspector, InspectorSchema)
    return service.set_active(actor, inspector_code, active, inspector.version, utcnow())


@blp.route("/<string:inspector_code>/deactivate")
class Deactivate(MethodView):
    @require(*KEEPERS)
    @blp.etag
    @blp.response(200, InspectorSchema)
    @blp.if_match_documented
    def post(self, inspector_code):
        """Take the inspector out of the draw's pool (and their account off the tablet)."""
        return _set_active(inspector_code, False)


@blp.route("/<string:inspector_code>/activate")
class Activate(MethodView):
    @require(*KEEPERS)
    @blp.etag
    @blp.response(200, InspectorSchema)
    @blp.if_match_documented
    def post(self, inspector_code):
        """Put the inspector back into the draw's pool."""
        return _set_active(inspector_code, True)


@blp.route("/<string:inspector_code>/qualifications/<string:industry>")
class Qualification(MethodView):
    @require(*KEEPERS)
    @blp.response(200, InspectorSchema)
    def put(self, inspector_code, industry):
        """Qualify the inspector for an industry (again: no change)."""
        return service.qualify(current_actor(), inspector_code, industry, utcnow())

    @require(*KEEPERS)
    @blp.response(200, InspectorSchema)
    def delete(self, inspector_code, industry):
        """Withdraw a qualification."""
        return service.unqualify(current_actor(), inspector_code, industry, utcnow())


@blp.route("/<string:inspector_code>/recusals")
class Recusals(MethodView):
    @require(*KEEPERS)
    @blp.arguments(RecusalCreateSchema)
    @blp.response(201, RecusalSchema)
    def post(self, data, inspector_code):
        """Declare a recusal (回避) for an entity: the draw never puts the inspector on its team."""
        return service.declare_recusal(current_actor(), inspector_code, data, utcnow())


@blp.route("/<string:inspector_code>/recusals/<int:recusal_id>/withdraw")
class Withdraw(MethodView):
    @require(*KEEPERS)
    @blp.arguments(WithdrawSchema)
    @blp.response(200, RecusalSchema)
    def post(self, data, inspector_code, recusal_id):
        """Withdraw a recusal, with a reason; it stays in the history."""
        actor = current_actor()
        reason = data["reason"]
        return service.withdraw_recusal(actor, inspector_code, recusal_id, reason, utcnow())
