"""Import from the licensing side over HTTP: the body is the CSV or JSON file itself."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import request
from flask.views import MethodView

from inspect_app.access import ensure_registry_writer
from inspect_app.api.base import Blueprint
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.errors import AppError
from inspect_app.services import importing

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1/imports",
    description="审批数据导入 Import from licensing",
)

FORMATS = {"text/csv": "csv", "application/json": "json"}


class RowErrorSchema(ma.Schema):
    line = ma.fields.Integer()
    field = ma.fields.String()
    message = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    licence_number = ma.fields.String(allow_none=True)


class ImportReportSchema(ma.Schema):
    rows = ma.fields.Integer()
    created = ma.fields.Integer()
    changed = ma.fields.Integer()
    renewed = ma.fields.Integer()
    cancelled = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema))


@blp.route("/licences")
class LicenceImport(MethodView):
    @require()
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
        actor = current_actor()
        ensure_registry_writer(actor)
        fmt = FORMATS.get(request.mimetype)
        if fmt is None:
            raise AppError(
                "UNSUPPORTED_MEDIA_TYPE",
                zh="请以 text/csv 或 application/json 上传",
                en="Send text/csv or application/json",
            )
        try:
            rows = list(importing.read_rows(request.get_data(), fmt))
        except (ValueError, UnicodeDecodeError) as error:
            kind = "MALFORMED_JSON" if isinstance(error, json.JSONDecodeError) else "BAD_REQUEST"
            raise AppError(
                kind,
                zh="文件无法解析（须为 UTF-8 的 CSV 或 JSON 数组）",
                en=f"Cannot parse the file (UTF-8 CSV or a JSON array): {error}",
            ) from error
        return importing.import_licences(actor, rows, utcnow()).as_dict()
