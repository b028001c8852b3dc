"""Public endpoints (no login): licence verification by QR payload, the signing keys."""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView

from inspect_app.api.base import Blueprint
from inspect_app.api.draw_schemas import PublicDrawRecordSchema, PublicTaskSchema, VerifyDrawSchema
from inspect_app.clock import local, utcnow
from inspect_app.domain.licence_qr import MAX_TEXT_CHARS
from inspect_app.services import disclosure, licence_codes

blp = Blueprint(
    "public", __name__, url_prefix="/api/v1/public", description="公开 Public (no login)"
)


class VerifyArgs(ma.Schema):
    payload = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=MAX_TEXT_CHARS)
    )


class MessageSchema(ma.Schema):
    zh = ma.fields.String()
    en = ma.fields.String()


class ClaimedPermitSchema(ma.Schema):
    permit_code = ma.fields.String()
    permit_number = ma.fields.String()
    valid_until = ma.fields.String(allow_none=True, metadata={"description": "null: 长期有效"})


class ClaimedLicenceSchema(ma.Schema):
    licence_number = ma.fields.String()
    holder_code = ma.fields.String()
    holder_name = ma.fields.String()
    industry = ma.fields.String()
    valid_until = ma.fields.String(metadata={"format": "date"})
    issued_at = ma.fields.String()
    permits = ma.fields.List(ma.fields.Nested(ClaimedPermitSchema))


class VerifyAnswerSchema(ma.Schema):
    status = ma.fields.String(
        metadata={
            "description": "genuine, tampered, malformed, unknown, cancelled, revoked, suspended, expired or superseded"
        }
    )
    message = ma.fields.Nested(MessageSchema)
    licence = ma.fields.Nested(
        ClaimedLicenceSchema,
        allow_none=True,
        metadata={"description": "what the code claims (trust it only when genuine)"},
    )


class SigningKeysSchema(ma.Schema):
    current = ma.fields.String(metadata={"description": "id of the key signing new codes"})
    keys = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "PEM by key id, retired keys included"},
    )
    audit_keys = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "PEM by key id: check the signed audit head of a draw record"},
    )


def keys_dir() -> Path:
    return Path(current_app.config["KEYS_DIR"])


@blp.route("/licences/verify")
class VerifyLicence(MethodView):
    @blp.arguments(VerifyArgs, location="query")
    @blp.response(200, VerifyAnswerSchema)
    @blp.doc(security=[])
    def get(self, args):
        """Is this scanned licence QR code genuine and current?"""
        return licence_codes.answer_scan(args["payload"], keys_dir(), local(utcnow()).date())


@blp.route("/signing-keys")
class SigningKeys(MethodView):
    @blp.response(200, SigningKeysSchema)
    @blp.doc(security=[])
    def get(self):
        """The Ed25519 public keys (PEM) by key id: verify a licence QR code offline with these,
        and the audit chain's signed heads with `audit_keys`."""
        return licence_codes.public_keys(keys_dir())


@blp.route("/draws/<string:code>")
class PublicDraw(MethodView):
    @blp.response(200, PublicDrawRecordSchema)
    @blp.doc(security=[])
    def get(self, code):
        """The draw record as published so far: the commitment at freeze; the seed and the result's
        hash at the draw; snapshots, picks and teams (inspectors by code) at disclosure."""
        return disclosure.public_draw_record(code)


@blp.route("/draws/<string:code>/verify")
class PublicDrawVerify(MethodView):
    @blp.response(200, VerifyDrawSchema)
    @blp.doc(security=[])
    def get(self, code):
        """Recompute the draw from its published record and compare, including the audit log."""
        return disclosure.verify_public_draw(code, utcnow())


@blp.route("/tasks/<string:code>")
class PublicTask(MethodView):
    @blp.etag
    @blp.response(200, PublicTaskSchema)
    @blp.doc(security=[])
    def get(self, code):
        """一公开: the task, its commitment and seed, the picks and (once published) each result."""
        return disclosure.public_task(code)


@blp.route("/tasks/<string:code>/results.csv")
class PublicTaskCsv(MethodView):
    @blp.response(
        200, {"type": "string", "description": "CSV, UTF-8 with BOM"}, content_type="text/csv"
    )
    @blp.doc(security=[])
    def get(self, code):
        """The same picks and results as CSV (UTF-8 with BOM)."""
        return Response(
            disclosure.public_task_csv(code),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{code}-results.csv"'},
        )
