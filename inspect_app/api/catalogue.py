"""The catalogue: departments, industries (with permits, lead and partners), streets, and each
industry's check-item list (抽查事项清单). Open to anyone without signing in (DOMAIN.md, "Public
catalogue": published in the online column)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from inspect_app.api.base import Blueprint
from inspect_app.services import catalogue_reads

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="目录 Catalogue")


class DepartmentSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    short_name = ma.fields.String()
    kind = ma.fields.String()


class PermitSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    issuing_department = ma.fields.String(attribute="issuing_department.code")
    conditional = ma.fields.Boolean()
    condition = ma.fields.String(allow_none=True)


class IndustrySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    lead = ma.fields.String(attribute="lead.code")
    partners = ma.fields.List(ma.fields.String(), attribute="partner_codes")
    permits = ma.fields.List(ma.fields.Nested(PermitSchema))
    provisional = ma.fields.Boolean()


class StreetSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()


@blp.route("/departments")
class Departments(MethodView):
    @blp.doc(security=[])
    @blp.etag
    @blp.response(200, DepartmentSchema(many=True))
    def get(self):
        """Every department of the district."""
        return catalogue_reads.departments()


@blp.route("/departments/<string:code>")
class DepartmentByCode(MethodView):
    @blp.doc(security=[])
    @blp.etag
    @blp.response(200, DepartmentSchema)
    def get(self, code):
        return catalogue_reads.department(code)


@blp.route("/industries")
class Industries(MethodView):
    @blp.doc(security=[])
    @blp.etag
    @blp.response(200, IndustrySchema(many=True))
    def get(self):
        """The industries of the combined-licence catalogue, each with permits, lead and partners."""
        return catalogue_reads.industries()


@blp.route("/industries/<string:code>")
class IndustryByCode(MethodView):
    @blp.doc(security=[])
    @blp.etag
    @blp.response(200, IndustrySchema)
    def get(self, code):
        return catalogue_reads.industry(code)


class CheckItemSchema(ma.Schema):
    code = ma.fields.String()
    title = ma.fields.String()
    content = ma.fields.String()
    basis = ma.fields.List(ma.fields.String(), attribute="legal_basis")
    method = ma.fields.String()
    key_item = ma.fields.Boolean()
    owner = ma.fields.String(attribute="department.code")
    owner_name = ma.fields.String(attribute="department.name")
    version = ma.fields.Integer()


@blp.route("/industries/<string:code>/check-items")
class CheckItems(MethodView):
    @blp.doc(security=[])
    @blp.etag
    @blp.response(200, CheckItemSchema(many=True))
    def get(self, code):
        """The industry's check-item list: item, legal basis, method, owning department."""
        return catalogue_reads.industry_with_points(code)[1]


@blp.route("/streets")
class Streets(MethodView):
    @blp.doc(security=[])
    @blp.etag
    @blp.response(200, StreetSchema(many=True))
    def get(self):
        """The district's streets and towns (街镇)."""
        return catalogue_reads.streets()
