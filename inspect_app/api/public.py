"""Public endpoints (no login): licence verification by QR payload, the signing keys, the draw
records and task pages by stage, and the ledger of every commitment (JSON and CSV)."""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView

from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.draw_schemas import (
    PublicDrawRecordSchema,
    PublicTaskSchema,
    SeedSourceSchema,
    SignedHeadSchema,
    VerifyDrawSchema,
)
from inspect_app.api.fields import Day
from inspect_app.clock import local, utcnow
from inspect_app.domain.licence_qr import MAX_SCAN_CHARS
from inspect_app.domain.task import LedgerState
from inspect_app.services import disclosure, ledger, licence_codes

blp = Blueprint(
    "public", __name__, url_prefix="/api/v1/public", description="公开 Public (no login)"
)


class VerifyArgs(ma.Schema):
    payload = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=MAX_SCAN_CHARS)
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


# -- the ledger of commitments (issue 14 §4) --

STATES = [state.value for state in LedgerState]


class LedgerArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # the pager's page and page_size

    state = ma.fields.String(validate=ma.validate.OneOf(STATES), metadata={"enum": STATES})
    department = ma.fields.String(
        validate=ma.validate.Regexp(r"^[A-Z]{2,8}$", error="Unknown department."),
        metadata={"description": "lead or partner department code, e.g. CT"},
    )
    period_from = Day(metadata={"description": "tasks whose period ends on or after this day"})
    period_until = Day(metadata={"description": "tasks whose period starts on or before this day"})

    @ma.post_load
    def _filter(self, data, **kwargs):
        state = data.get("state")
        return ledger.LedgerFilter(
            state=LedgerState(state) if state else None,
            department=data.get("department"),
            period_from=data.get("period_from"),
            period_until=data.get("period_until"),
        )


class LedgerSeedSourceSchema(SeedSourceSchema):
    """The seed source announced at the freeze; `canonical` is all of it, as committed."""

    canonical = ma.fields.String(metadata={"description": "the whole source, canonical JSON"})


class VoidSchema(ma.Schema):
    reason = ma.fields.String()
    voided_at = ma.fields.DateTime()
    audit_head = ma.fields.Nested(SignedHeadSchema, allow_none=True)


class LedgerEntrySchema(ma.Schema):
    """One commitment: public from the freeze on, whatever becomes of the task."""

    code = ma.fields.String(attribute="task.code")
    name = ma.fields.String(attribute="task.name")
    industry = ma.fields.String(attribute="task.industry.code")
    lead = ma.fields.String(attribute="task.lead.code")
    partners = ma.fields.List(ma.fields.String(), attribute="task.partners")
    period_start = ma.fields.Date(attribute="task.period_start")
    period_end = ma.fields.Date(attribute="task.period_end")
    state = ma.fields.String(metadata={"enum": STATES})
    state_label = ma.fields.String()
    committed_at = ma.fields.DateTime(attribute="draw.committed_at")
    algorithm_version = ma.fields.String(attribute="draw.algorithm_version")
    commitment_hash = ma.fields.String(attribute="draw.commitment_hash")
    seed_source = ma.fields.Nested(
        LedgerSeedSourceSchema,
        attribute="public_source",
        allow_none=True,
        metadata={"description": "null for a task frozen before seed sources were committed"},
    )
    seed_due_at = ma.fields.DateTime(
        metadata={"description": "when the seed exists; overdue after it plus the grace period"}
    )
    drawn_at = ma.fields.DateTime(attribute="draw.drawn_at", allow_none=True)
    result_hash = ma.fields.String(attribute="draw.result_hash", allow_none=True)
    void = ma.fields.Nested(VoidSchema, allow_none=True)


class PublicTaskPageSchema(PublicTaskSchema):
    ledger = ma.fields.Nested(
        LedgerEntrySchema, metadata={"description": "the task's commitment on the public ledger"}
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
    @blp.response(200, PublicTaskPageSchema)
    @blp.doc(security=[])
    def get(self, code):
        """一公开: the task, its commitment and seed, the picks and (once published) each result."""
        return disclosure.public_task(code, utcnow())


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


@blp.route("/ledger")
class Ledger(MethodView):
    @blp.arguments(LedgerArgs, location="query")
    @blp.response(200, LedgerEntrySchema(many=True))
    @blp.paginate(QueryPage)
    @blp.doc(security=[])
    def get(self, filters):
        """Every frozen task's commitment, newest first: awaiting its draw, overdue, drawn, or
        voided (with its reason). Drafts are not public."""
        return ledger.ledger(filters, utcnow())


@blp.route("/ledger.csv")
class LedgerCsv(MethodView):
    @blp.arguments(LedgerArgs, location="query")
    @blp.response(
        200, {"type": "string", "description": "CSV, UTF-8 with BOM"}, content_type="text/csv"
    )
    @blp.doc(security=[])
    def get(self, filters):
        """The same ledger as CSV (UTF-8 with BOM; formula-like cells made inert)."""
        return Response(
            ledger.ledger_csv(filters, utcnow()),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="commitment-ledger.csv"'},
        )
