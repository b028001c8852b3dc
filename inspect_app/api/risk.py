"""Risk points (监管风险点), the risk map of an industry, entity grades and complaints."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.access import ensure_registry_reader
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import Strict, Text
from inspect_app.audit import record
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.models import Complaint, Industry
from inspect_app.services import grades, risk_points
from inspect_app.services.entities import get_entity
from risk.points import SEVERITIES

blp = Blueprint(
    "risk", __name__, url_prefix="/api/v1", description="风险点与风险分级 Risk points and grades"
)


class LegalBasisSchema(Strict):
    citation = Text(max_length=256, required=True)
    provisional = ma.fields.Boolean(load_default=False)


class RiskPointSchema(ma.Schema):
    code = ma.fields.String()
    version = ma.fields.Integer()
    industry = ma.fields.Function(lambda p: p.industry.code)
    department = ma.fields.Function(lambda p: p.department.code)
    title = ma.fields.String()
    content = ma.fields.String()
    method = ma.fields.String()
    legal_basis = ma.fields.List(ma.fields.Dict())
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


class GradeSchema(ma.Schema):
    credit_code = ma.fields.Function(lambda g: g.entity.credit_code)
    grade = ma.fields.String()
    score = ma.fields.Float()
    factors = ma.fields.List(ma.fields.Nested(FactorSchema))
    computed_at = ma.fields.DateTime()


class ComplaintInSchema(Strict):
    received_on = ma.fields.Date(required=True)
    summary = Text(max_length=256, required=True)


@blp.route("/risk-points")
class RiskPoints(MethodView):
    @require()
    @blp.etag
    @blp.arguments(RiskPointFilterSchema, location="query")
    @blp.response(200, RiskPointSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Current risk points, by industry and owning department."""
        ensure_registry_reader(current_actor())
        return risk_points.current_points(args.get("industry"), args.get("department"))


@blp.route("/risk-points/<string:code>")
class RiskPointByCode(MethodView):
    @require()
    @blp.etag
    @blp.response(200, RiskPointSchema)
    def get(self, code):
        """The current version of a risk point."""
        ensure_registry_reader(current_actor())
        return risk_points.current_point(code)

    @require()
    @blp.etag
    @blp.arguments(RiskPointEditSchema)
    @blp.response(200, RiskPointSchema)
    def patch(self, changes, code):
        """Edit a point (owning department's planners): adds a version, tasks keep theirs."""
        actor = current_actor()
        row = risk_points.current_point(code)
        risk_points.ensure_owner(actor, row)
        blp.check_etag(row, RiskPointSchema)
        return risk_points.edit_risk_point(actor, code, changes, row.version, utcnow())


@blp.route("/industries/<string:code>/risk-map")
class RiskMap(MethodView):
    @require()
    @blp.etag
    @blp.response(200, RiskMapSchema)
    def get(self, code):
        """Which department checks what in this industry (lead first)."""
        ensure_registry_reader(current_actor())
        industry = Industry.get_or_none(Industry.code == code)
        if industry is None:
            raise AppError("NOT_FOUND", zh="未找到该行业", en="No such industry")
        return risk_points.risk_map(industry)


@blp.route("/entities/<string:credit_code>/grade")
class EntityGrade(MethodView):
    @require()
    @blp.response(200, GradeSchema)
    def get(self, credit_code):
        """The entity's risk grade as of today, with the factors that explain it."""
        ensure_registry_reader(current_actor())
        grade = grades.grade_of(get_entity(credit_code), utcnow())
        if grade is None:
            raise AppError(
                "NOT_FOUND",
                zh="该市场主体没有有效许可证，不参与分级",
                en="This entity holds no live licence and has no grade",
            )
        return grade


@blp.route("/entities/<string:credit_code>/complaints")
class EntityComplaints(MethodView):
    @require("planner", "licensing", "admin")
    @blp.arguments(ComplaintInSchema)
    @blp.response(201, GradeSchema)
    def post(self, data, credit_code):
        """Record a complaint; the entity's grade is recomputed and returned."""
        actor, now = current_actor(), utcnow()
        entity = get_entity(credit_code)
        with database.atomic():
            complaint = Complaint.create(
                entity=entity, recorded_by=actor.label, created_at=now, **data
            )
            record(
                actor.label,
                "complaint.create",
                "entity",
                credit_code,
                after={"complaint": complaint.id, "received_on": data["received_on"].isoformat()},
                at=now,
            )
            grade = grades.grade_of(entity, now)
        if grade is None:
            raise AppError(
                "NOT_FOUND",
                zh="该市场主体没有有效许可证，不参与分级",
                en="This entity holds no live licence and has no grade",
            )
        return grade
