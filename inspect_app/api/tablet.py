"""The inspector tablet API: my inspections (delta sync), one inspection offline, and every write
carrying a client operation id (replays have one effect) and the version it was based on."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import validate

from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import as_utc, utcnow
from inspect_app.errors import AppError
from inspect_app.models import Inspection
from inspect_app.services import fieldwork, inspections, offline_copies, sync
from inspect_app.services.idempotency import fingerprint, run_once

blp = Blueprint(
    "tablet", __name__, url_prefix="/api/v1/tablet", description="平板端 Inspector tablets"
)

OP_ID = validate.Regexp(
    r"^[A-Za-z0-9_.:-]{8,64}$", error="8–64 letters, digits or _.:- (a UUID will do)."
)


class SyncArgs(Strict):
    updated_since = ma.fields.AwareDateTime(
        default_timezone=None, metadata={"description": "ISO 8601 with zone"}
    )
    cursor = ma.fields.String(
        validate=validate.Length(max=128), metadata={"description": "next_cursor of the last page"}
    )
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class SyncPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Dict())
    next_cursor = ma.fields.String(allow_none=True)
    has_more = ma.fields.Boolean()


class InspectionSchema(ma.Schema):
    """One inspection as the tablet keeps it offline."""

    id = ma.fields.Integer()
    task = ma.fields.String()
    kind = ma.fields.String()
    round = ma.fields.Integer()
    entity = ma.fields.Dict()
    street = ma.fields.String()
    status = ma.fields.String()
    due_on = ma.fields.String(allow_none=True)
    shortfall = ma.fields.Boolean()
    outcome = ma.fields.String(allow_none=True)
    outcome_notes = ma.fields.String()
    version = ma.fields.Integer()
    updated_at = ma.fields.String()
    licence = ma.fields.Dict(allow_none=True)
    last_results = ma.fields.List(ma.fields.Dict())
    check_in = ma.fields.Dict()
    checklist = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "risk points by owning department, lead first"}
    )
    evidence = ma.fields.List(ma.fields.Dict())
    team = ma.fields.List(ma.fields.Dict())
    content_hash = ma.fields.String(metadata={"description": "what a signature signs"})
    submitted_at = ma.fields.String(allow_none=True)


class Operation(Strict):
    op_id = ma.fields.String(required=True, validate=OP_ID)


class Versioned(Operation):
    base_version = ma.fields.Integer(required=True, validate=validate.Range(min=0))


class CheckInSchema(Versioned):
    qr_payload = ma.fields.String(required=True, validate=validate.Length(min=1, max=4296))
    lat = ma.fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = ma.fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))


class ItemSchema(Versioned):
    result = ma.fields.String(required=True, validate=validate.OneOf(inspections.RESULTS))
    notes = ma.fields.String(load_default="", validate=validate.Length(max=2000))


class OutcomeSchema(Versioned):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(inspections.OUTCOMES))
    notes = ma.fields.String(load_default="", validate=validate.Length(max=2000))


class SignSchema(Operation):
    content_hash = ma.fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={"description": "the content_hash you read and sign"},
    )


class AmendedItemSchema(Strict):
    result = ma.fields.String(required=True, validate=validate.OneOf(inspections.RESULTS))
    notes = ma.fields.String(load_default="", validate=validate.Length(max=2000))


class AmendmentChangesSchema(Strict):
    items = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(AmendedItemSchema))
    outcome = ma.fields.String(validate=validate.OneOf(inspections.OUTCOMES))
    outcome_notes = ma.fields.String(validate=validate.Length(max=2000))


class AmendmentSchema(Versioned):
    reason = Text(max_length=256, required=True)
    changes = ma.fields.Nested(AmendmentChangesSchema, required=True)


class EvidenceFormSchema(Operation):
    risk_point = ma.fields.String(validate=validate.Length(max=16))


def settings() -> fieldwork.FieldSettings:
    return fieldwork.FieldSettings.from_config(current_app.config)


def _cursor(inspection: Inspection) -> str:
    raw = f"{as_utc(inspection.updated_at).isoformat()}|{inspection.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_cursor(text: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = (
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        )
        return as_utc(datetime.fromisoformat(stamp)), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise AppError(
            "VALIDATION_FAILED",
            errors={"cursor": [{"zh": "同步游标无效", "en": "Invalid cursor."}]},
        ) from error


def _write(inspection_id: int, body: dict, action) -> tuple[dict, int]:
    """Run one write once per op_id, on one of my inspections, returning its new state."""
    actor, now = current_actor(), utcnow()
    inspector = inspections.inspector_of(actor)

    def write():
        inspection = inspections.get_for(inspector, inspection_id)
        return offline_copies.render(action(inspector, inspection, now)), 200

    return run_once(
        actor, body["op_id"], fingerprint(request.method, request.path, body), now, write
    )


def _conditional(tag: str) -> Response | None:
    """A 304 answered before any work, when the tablet already holds this version. flask-compress
    marks the ETags of gzip'd answers with ':gzip', so both spellings match (and the one the
    tablet holds is answered)."""
    for held in (tag, f"{tag}:gzip"):
        if request.if_none_match.contains(held):
            return Response(status=304, headers={"ETag": f'"{held}"'})
    return None


@blp.route("/inspections")
class MyInspections(MethodView):
    @require("inspector")
    @blp.arguments(SyncArgs, location="query")
    @blp.response(200, SyncPageSchema)
    def get(self, args):
        """My inspections, oldest change first; pass next_cursor back for the next page (delta sync).
        The ETag changes when any of my inspections does: an unchanged list costs one query."""
        inspector = inspections.inspector_id_of(current_actor())
        after, after_id = _parse_cursor(args["cursor"]) if "cursor" in args else (None, None)
        window = sync.Window(inspector, args.get("updated_since"), after, after_id)
        newest, count = sync.newest(window)
        tag = offline_copies.etag("list", inspector, sorted(args.items()), newest, count)
        if (unchanged := _conditional(tag)) is not None:
            return unchanged
        rows = sync.page(window, args["limit"] + 1)
        page, more = rows[: args["limit"]], len(rows) > args["limit"]
        body = {
            "items": [inspections.summary(r) for r in page],
            "next_cursor": _cursor(page[-1]) if page else args.get("cursor"),
            "has_more": more,
        }
        return body, 200, {"ETag": f'"{tag}"'}


@blp.route("/inspections/<int:inspection_id>")
class OneInspection(MethodView):
    @require("inspector")
    @blp.response(200, InspectionSchema)
    def get(self, inspection_id):
        """Entity, licence and permits, last results, the checklist by department, the team.
        The ETag follows the inspection's, the entity's and its licences' versions; the body is
        the inspection's offline copy for that state, rendered once."""
        inspector = inspections.inspector_id_of(current_actor())
        return _detail(inspector, inspection_id, request.accept_encodings.quality("gzip") > 0)


def _detail(inspector: int, inspection_id: int, gzip_ok: bool) -> Response:
    """304, the kept copy as it is stored, or (no copy of this state yet) a fresh rendering."""
    wanted = "gzip" if gzip_ok else "text"
    # A tablet sending If-None-Match mostly holds this state: the body is asked for only if not.
    first = "none" if request.if_none_match else wanted
    state = offline_copies.state_for(inspector, inspection_id, first)  # 404 when not mine
    if (unchanged := _conditional(state.etag)) is not None:
        return unchanged
    if state.kept and state.body is None:
        state = offline_copies.state_for(inspector, inspection_id, wanted)
    if state.kept and gzip_ok:
        return Response(  # compressed when it was kept; flask-compress leaves it be
            state.body,
            mimetype="application/json",
            headers={
                "ETag": f'"{state.etag}:gzip"',  # the spelling flask-compress gives gzip
                "Content-Encoding": "gzip",
                "Vary": "Accept-Encoding",
            },
        )
    text = (
        state.body
        if state.kept
        else offline_copies.render_for_read(inspections.get_for(inspector, inspection_id), state)
    )
    return Response(text, mimetype="application/json", headers={"ETag": f'"{state.etag}"'})


@blp.route("/inspections/<int:inspection_id>/check-in")
class CheckIn(MethodView):
    @require("inspector")
    @blp.arguments(CheckInSchema)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Scan the licence's QR code at the premises, with GPS; the distance is kept, far ones flagged."""

        def action(inspector, inspection, now):
            inspections.ensure_version(inspection, body["base_version"])
            return fieldwork.check_in(
                inspector, inspection, body["qr_payload"], body["lat"], body["lon"], now, settings()
            )

        return _write(inspection_id, body, action)


@blp.route("/inspections/<int:inspection_id>/items/<string:code>")
class Item(MethodView):
    @require("inspector")
    @blp.arguments(ItemSchema)
    @blp.response(200, InspectionSchema)
    def put(self, body, inspection_id, code):
        """Record one check item (base_version is the item's own version, 0 before the first record)."""

        def action(inspector, inspection, now):
            return fieldwork.record_item(
                inspector,
                inspection,
                code,
                body["result"],
                body["notes"],
                body["base_version"],
                now,
            )

        return _write(inspection_id, body, action)


@blp.route("/inspections/<int:inspection_id>/evidence")
class EvidenceUpload(MethodView):
    @require("inspector")
    @blp.arguments(EvidenceFormSchema, location="form")
    @blp.response(201, InspectionSchema)
    def post(self, form, inspection_id):
        """Upload a photo (multipart field `photo`): JPEG or PNG, size-limited, stored once by content hash."""
        upload = request.files.get("photo")
        if upload is None:
            raise AppError(
                "VALIDATION_FAILED",
                errors={"photo": [{"zh": "缺少照片", "en": "Missing data for required field."}]},
            )
        data = upload.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1)
        body = form | {"photo_sha256": hashlib.sha256(data).hexdigest()}

        def action(inspector, inspection, now):
            updated, _ = fieldwork.add_evidence(
                inspector, inspection, data, form.get("risk_point"), now, settings()
            )
            return updated

        answer, _ = _write(inspection_id, body, action)
        return answer, 201


@blp.route("/inspections/<int:inspection_id>/outcome")
class Outcome(MethodView):
    @require("inspector")
    @blp.arguments(OutcomeSchema)
    @blp.response(200, InspectionSchema)
    def put(self, body, inspection_id):
        """The overall outcome (OK, FIXED, CASE, NOBIZ, NOADDR, REFUSE, CLOSED)."""

        def action(inspector, inspection, now):
            inspections.ensure_version(inspection, body["base_version"])
            return fieldwork.set_outcome(
                inspection, body["outcome"], body["notes"], now, inspector.code
            )

        return _write(inspection_id, body, action)


@blp.route("/inspections/<int:inspection_id>/signatures")
class Signatures(MethodView):
    @require("inspector")
    @blp.arguments(SignSchema)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Sign the content you read (its content_hash), with your own token."""

        def action(inspector, inspection, now):
            if inspections.content_hash(inspection) != body["content_hash"]:
                raise AppError(
                    "STALE_WRITE",
                    errors={
                        "current": inspections.summary(inspection)
                        | {"content_hash": inspections.content_hash(inspection)}
                    },
                )
            return fieldwork.sign(inspector, inspection, now)

        return _write(inspection_id, body, action)


@blp.route("/inspections/<int:inspection_id>/submit")
class Submit(MethodView):
    @require("inspector")
    @blp.arguments(Versioned)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Submit: every item recorded, the outcome set, every member signed the same content."""

        def action(inspector, inspection, now):
            inspections.ensure_version(inspection, body["base_version"])
            return fieldwork.submit(inspector, inspection, now)

        return _write(inspection_id, body, action)


@blp.route("/inspections/<int:inspection_id>/amendments")
class Amendments(MethodView):
    @require("inspector")
    @blp.arguments(AmendmentSchema)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Correct a submitted inspection; the original is kept."""

        def action(inspector, inspection, now):
            inspections.ensure_version(inspection, body["base_version"])
            return fieldwork.amend(inspector, inspection, body["changes"], body["reason"], now)

        return _write(inspection_id, body, action)
