"""Risk points (监管风险点), the risk map of an industry, entity grades and complaints."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.access import REGISTRY_READERS
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import Day, Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import complaints, grades, risk_points
from risk.points import SEVERITIES

blp = Blueprint(
    "risk", __name__, url_prefix="/api/v1", description="风险点与风险分级 Risk points and grades"
)


class LegalBasisSchema(Strict):
    citation = Text(max_length=256, required=True)
    provisional = ma.fields.Boolean(load_default=False)


class LegalBasisOutSchema(ma.Schema):
    citation = ma.fields.String()
    provisional = ma.fields.Boolean()


class RiskPointSchema(ma.Schema):
    code = ma.fields.String()
    version = ma.fields.Integer()
    industry = ma.fields.String(attribute="industry.code")
    department = ma.fields.String(attribute="department.code")
    title = ma.fields.String()
    content = ma.fields.String()
    method = ma.fields.String()
    legal_basis = ma.fields.List(ma.fields.Nested(LegalBasisOutSchema))
    severity = ma.fields.String()
    key_item = ma.fields.Boolean()
    content_hash = ma.fields.String()
    created_by = ma.fields.String()
    created_at = ma.fields.DateTime()


class RiskPointEditSchema(Strict):
    title = Text(max_length=128)
    content = Text(max_length=4000)
    method = Text(max_length=4000)
    legal_basis = ma.fields.List(
        ma.fields.Nested(LegalBasisSchema), validate=validate.Length(min=1, max=20)
    )
    severity = ma.fields.String(validate=validate.OneOf(SEVERITIES))
    key_item = ma.fields.Boolean()


class RiskPointFilterSchema(Strict):
    industry = ma.fields.String()
    department = ma.fields.String()


class RiskMapDepartmentSchema(ma.Schema):
    department = ma.fields.String()
    role = ma.fields.String()
    points = ma.fields.List(ma.fields.Nested(RiskPointSchema))


class RiskMapSchema(ma.Schema):
    industry = ma.fields.String()
    name = ma.fields.String()
    lead = ma.fields.String()
    partners = ma.fields.List(ma.fields.String())
    departments = ma.fields.List(ma.fields.Nested(RiskMapDepartmentSchema))


class FactorSchema(ma.Schema):
    code = ma.fields.String()
    label_zh = ma.fields.String()
    label_en = ma.fields.String()
    points = ma.fields.Float()
    detail = ma.fields.String()


class UnclassifiedSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "NO_LIVE_LICENCE, NO_BASE_POINTS, …"})
    zh = ma.fields.String()
    en = ma.fields.String()


class GradeSchema(ma.Schema):
    credit_code = ma.fields.String(attribute="entity.credit_code")
    grade = ma.fields.String(allow_none=True, metadata={"description": "A..D; null: 未分类"})
    score = ma.fields.Float(allow_none=True)
    factors = ma.fields.List(ma.fields.Nested(FactorSchema))
    computed_at = ma.fields.DateTime(allow_none=True)
    unclassified = ma.fields.Nested(
        UnclassifiedSchema,
        allow_none=True,
        dump_default=None,
        metadata={"description": "未分类: why the entity has no grade (its missing input)"},
    )


class ComplaintInSchema(Strict):
    received_on = Day(required=True)
    summary = Text(max_length=256, required=True)


@blp.route("/risk-points")
class RiskPoints(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.arguments(RiskPointFilterSchema, location="query")
    @blp.response(200, RiskPointSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Current risk points, by industry and owning department."""
        return risk_points.current_points(args.get("industry"), args.get("department"))


@blp.route("/risk-points/<string:code>")
class RiskPointByCode(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.response(200, RiskPointSchema)
    def get(self, code):
        """The current version of a risk point."""
        return risk_points.current_point(code)

    @require("planner", "admin")
    @blp.etag
    @blp.arguments(RiskPointEditSchema)
    @blp.response(200, RiskPointSchema)
    def patch(self, changes, code):
        """Edit a point (owning department's planners): adds a version, tasks keep theirs."""
        actor = current_actor()
        row = risk_points.point_to_edit(actor, code)
        blp.check_etag(row, RiskPointSchema)
        return risk_points.edit_risk_point(actor, code, changes, row.version, utcnow())


@blp.route("/industries/<string:code>/risk-map")
class RiskMap(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.response(200, RiskMapSchema)
    def get(self, code):
        """Which department checks what in this industry (lead first)."""
        return risk_points.industry_risk_map(code)


@blp.route("/entities/<string:credit_code>/grade")
class EntityGrade(MethodView):
    @require(*REGISTRY_READERS)
    @blp.response(200, GradeSchema)
    def get(self, credit_code):
        """The entity's risk grade as of today, with the factors that explain it (read-only);
        an entity without its inputs is 未分类 (grade null) and `unclassified` says why."""
        return grades.grade_answer(credit_code, utcnow())


@blp.route("/entities/<string:credit_code>/complaints")
class EntityComplaints(MethodView):
    @require("planner", "licensing", "admin")
    @blp.arguments(ComplaintInSchema)
    @blp.response(201, GradeSchema)
    def post(self, data, credit_code):
        """Record a complaint; the entity's grade is recomputed and returned."""
        return complaints.record_complaint(
            current_actor(), credit_code, data["received_on"], data["summary"], utcnow()
        )
