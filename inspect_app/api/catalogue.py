"""The catalogue: departments, industries (with permits, lead and partners), streets."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from inspect_app.api.base import Blueprint
from inspect_app.auth import require
from inspect_app.errors import AppError
from inspect_app.models import Department, Industry, IndustryPartner, Permit, Street

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="目录 Catalogue")


class DepartmentSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    short_name = ma.fields.String()
    kind = ma.fields.String()


class PermitSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    issuing_department = ma.fields.Function(lambda p: p.issuing_department.code)
    conditional = ma.fields.Boolean()
    condition = ma.fields.String(allow_none=True)


class IndustrySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    lead = ma.fields.Function(lambda i: i.lead.code)
    partners = ma.fields.Function(
        lambda i: [
            link.department.code
            for link in IndustryPartner.select(IndustryPartner, Department)
            .join(Department)
            .where(IndustryPartner.industry == i)
            .order_by(Department.code)
        ]
    )
    permits = ma.fields.Function(
        lambda i: PermitSchema(many=True).dump(
            Permit.select().where(Permit.industry == i).order_by(Permit.code)
        )
    )
    provisional = ma.fields.Boolean()


class StreetSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()


@blp.route("/departments")
class Departments(MethodView):
    @require()
    @blp.etag
    @blp.response(200, DepartmentSchema(many=True))
    def get(self):
        """Every department of the district."""
        return Department.select().order_by(Department.code)


@blp.route("/departments/<string:code>")
class DepartmentByCode(MethodView):
    @require()
    @blp.etag
    @blp.response(200, DepartmentSchema)
    def get(self, code):
        department = Department.get_or_none(Department.code == code)
        if department is None:
            raise AppError("NOT_FOUND", zh="未找到该部门", en="No such department")
        return department


@blp.route("/industries")
class Industries(MethodView):
    @require()
    @blp.etag
    @blp.response(200, IndustrySchema(many=True))
    def get(self):
        """The industries of the combined-licence catalogue, each with permits, lead and partners."""
        return Industry.select(Industry, Department).join(Department).order_by(Industry.code)


@blp.route("/industries/<string:code>")
class IndustryByCode(MethodView):
    @require()
    @blp.etag
    @blp.response(200, IndustrySchema)
    def get(self, code):
        industry = Industry.get_or_none(Industry.code == code)
        if industry is None:
            raise AppError("NOT_FOUND", zh="未找到该行业", en="No such industry")
        return industry


@blp.route("/streets")
class Streets(MethodView):
    @require()
    @blp.etag
    @blp.response(200, StreetSchema(many=True))
    def get(self):
        """The district's streets and towns (街镇)."""
        return Street.select().order_by(Street.code)
