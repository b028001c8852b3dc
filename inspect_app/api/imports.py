"""Import from the licensing side over HTTP: the body is the CSV or JSON file itself."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView

from inspect_app.access import REGISTRY_WRITERS
from inspect_app.api.base import Blueprint
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import importing

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1/imports",
    description="审批数据导入 Import from licensing",
)


class RowErrorSchema(ma.Schema):
    line = ma.fields.Integer()
    field = ma.fields.String()
    message = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    licence_number = ma.fields.String(allow_none=True)


class ImportReportSchema(ma.Schema):
    rows = ma.fields.Integer(metadata={"description": "rows read, good and bad"})
    created = ma.fields.Integer(attribute="counts.created")
    changed = ma.fields.Integer(attribute="counts.changed")
    renewed = ma.fields.Integer(attribute="counts.renewed")
    cancelled = ma.fields.Integer(attribute="counts.cancelled")
    unchanged = ma.fields.Integer(attribute="counts.unchanged")
    rejected = ma.fields.Integer(metadata={"description": "rows refused, each counted once"})
    encoding = ma.fields.String(metadata={"description": "utf-8, or gb18030 for a GBK CSV"})
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema))


@blp.route("/licences")
class LicenceImport(MethodView):
    @require(*REGISTRY_WRITERS)
    @blp.response(200, ImportReportSchema)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        }
    )
    def post(self):
        """Import licences (CSV or JSON body); good rows are kept, each bad row is reported."""
        return importing.import_upload(
            current_actor(), request.get_data(), request.mimetype, utcnow()
        )
