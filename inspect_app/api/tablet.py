"""The inspector tablet API: my inspections (delta sync), one inspection offline, and every write
carrying a client operation id (replays have one effect) and the version it was based on."""

from __future__ import annotations

import hashlib

import marshmallow as ma
from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from marshmallow import validate

from inspect_app import tablet_reads
from inspect_app.actor import Actor, Role
from inspect_app.api.base import Blueprint
from inspect_app.api.fields import Moment, Strict, Text, integer
from inspect_app.auth import asked_by_the_view, bearer_digest, sign_in_from, sign_in_query
from inspect_app.clock import utcnow
from inspect_app.domain.licence_qr import MAX_SCAN_CHARS
from inspect_app.errors import AppError
from inspect_app.prepared import Prepared
from inspect_app.schemas.tablet import InspectionSchema, SyncPageSchema
from inspect_app.services import fieldwork, idempotency, inspections, tablet_writes

blp = Blueprint(
    "tablet", __name__, url_prefix="/api/v1/tablet", description="平板端 Inspector tablets"
)

OP_ID = validate.Regexp(
    r"^[A-Za-z0-9_.:-]{8,64}$", error="8–64 letters, digits or _.:- (a UUID will do)."
)


class SyncArgs(Strict):
    updated_since = Moment(metadata={"description": "ISO 8601 with zone"})
    cursor = ma.fields.String(
        validate=validate.Length(max=128), metadata={"description": "next_cursor of the last page"}
    )
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


DEVICE_AT = (
    "the device's time when the inspector did this (ISO 8601 with offset), kept beside the "
    "server's receipt time and shown as the visit time; refused when ahead of the server's clock "
    "beyond the configured skew or older than the configured age. Send it on every write."
)


class Operation(Strict):
    op_id = ma.fields.String(required=True, validate=OP_ID)
    device_at = Moment(metadata={"description": DEVICE_AT})


class Versioned(Operation):
    base_version = integer(
        required=True,
        metadata={"description": "the inspection's version the write is based on"},
    )


def _one_version(data: dict) -> None:
    """A part's write names exactly one version: its part's (part_version) or the inspection's."""
    if ("base_version" in data) == ("part_version" in data):
        message = {
            "zh": "请给出 part_version（本部分的版本）或 base_version 之一",
            "en": "Give exactly one of part_version (this part's version) or base_version",
        }
        raise ma.ValidationError({"part_version": [message]})


class PartVersioned(Operation):
    part_version = integer(
        metadata={
            "description": "the version of THIS part (check_in.version, or outcome_version) the "
            "write is based on: a teammate's write to another part is no conflict. Give it or "
            "base_version."
        }
    )
    base_version = integer(
        metadata={
            "description": "older clients: the inspection's version (any teammate's write in "
            "between is a 409); give part_version instead"
        }
    )

    @ma.validates_schema
    def _exactly_one(self, data, **kwargs):
        _one_version(data)


class CheckInSchema(PartVersioned):
    qr_payload = ma.fields.String(
        validate=validate.Length(min=1, max=MAX_SCAN_CHARS),
        metadata={"description": "the licence QR code's text, as scanned"},
    )
    licence_number = ma.fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "where the code cannot be read: the licence number typed instead "
            "(recorded as a typed check-in); give exactly one of the two"
        },
    )
    lat = ma.fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = ma.fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))

    @ma.validates_schema
    def _one_way(self, data, **kwargs):
        if ("qr_payload" in data) == ("licence_number" in data):
            raise ma.ValidationError(
                "Give the scanned qr_payload or a typed licence_number (exactly one)",
                "qr_payload",
            )


class ItemSchema(Operation):
    item_version = integer(
        required=True,
        metadata={"description": "the item's own version (its checklist item_version, 0 at first)"},
    )
    result = ma.fields.String(required=True, validate=validate.OneOf(inspections.RESULTS))
    notes = ma.fields.String(load_default="", validate=validate.Length(max=2000))


class OutcomeSchema(PartVersioned):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(inspections.OUTCOMES))
    notes = ma.fields.String(load_default="", validate=validate.Length(max=2000))


SHA256 = validate.Regexp(r"^[0-9a-f]{64}$")


class SignedItemSchema(Strict):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=16))
    item_version = integer(required=True)


class SignedPartsSchema(Strict):
    """The signer's own part at the versions the tablet holds (team[].parts of the copy, plus the
    tablet's own queued writes: each adds one to what it changes)."""

    items = ma.fields.List(
        ma.fields.Nested(SignedItemSchema),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "each item of my department: its item_version (0: not recorded)"},
    )
    check_in = integer(metadata={"description": "the lead's member: check_in.version"})
    outcome = integer(metadata={"description": "the lead's member: outcome_version"})
    evidence = ma.fields.List(
        ma.fields.String(validate=SHA256),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "sha256 of every photo I uploaded (a teammate's may be named)"},
    )


class SignSchema(Operation):
    content_hash = ma.fields.String(
        validate=SHA256,
        metadata={
            "description": "a record signature: the content_hash you read and sign (stale once "
            "anything changes). Give it or parts."
        },
    )
    parts = ma.fields.Nested(
        SignedPartsSchema,
        metadata={
            "description": "a part signature (offline): your own part at these versions; a "
            "teammate's later write leaves it standing. Give it or content_hash."
        },
    )

    @ma.validates_schema
    def _exactly_one(self, data, **kwargs):
        if ("content_hash" in data) == ("parts" in data):
            message = {
                "zh": "请给出 content_hash 或 parts 之一",
                "en": "Give exactly one of content_hash or parts",
            }
            raise ma.ValidationError({"content_hash": [message]})


class SubmitSchema(Operation):
    base_version = integer(
        metadata={"description": "the inspection's version; not needed with when_ready"}
    )
    when_ready = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "ask for the submission: made now if nothing is missing (200), else "
            "kept and made by the write that completes the inspection (202)"
        },
    )

    @ma.validates_schema
    def _a_version_or_when_ready(self, data, **kwargs):
        if "base_version" not in data and not data.get("when_ready"):
            message = {
                "zh": "请给出 base_version，或 when_ready: true",
                "en": "Give base_version, or when_ready: true",
            }
            raise ma.ValidationError({"base_version": [message]})


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


# Who asks and whether the write was done already, in one query (a replay is answered from it).
SIGNED_IN_OPERATION = Prepared(
    lambda digest, op_id: idempotency.with_operation(sign_in_query(digest), op_id).tuples(),
    digest=str,
    op_id=str,
)


def _signed_in(body: dict) -> tuple[Actor, idempotency.Operation]:
    """Who asks (an inspector, else 401 or 403), and the write as replays know it: its op_id,
    its method, path and content, and its record if it was done."""
    digest, op_id = bearer_digest(), body["op_id"]
    row = SIGNED_IN_OPERATION.first(digest=digest, op_id=op_id) if digest else None
    actor = sign_in_from(row, Role.INSPECTOR)
    fingerprint = idempotency.fingerprint(request.method, request.path, body)
    return actor, idempotency.Operation(op_id, fingerprint, idempotency.done_from(row))


def _sent(answer: idempotency.Answer) -> Response:
    """A write's answer (a replay's is the stored one): InspectionSchema's dump, as JSON. The
    first answer is sent as the write encoded it for the offline copy (gzip'd when the tablet
    takes gzip: flask-compress leaves an encoded answer be), a replay's from the stored body."""
    encoded = answer.encoded
    if encoded is None:
        response = jsonify(answer.body)
    elif request.accept_encodings.quality("gzip") > 0:
        response = Response(encoded.packed, mimetype="application/json")
        response.headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    else:
        response = Response(encoded.text, mimetype="application/json")
    response.status_code = answer.status
    return response


def _photo() -> bytes:
    """The uploaded photo (multipart field `photo`), read up to one byte past the size limit."""
    upload = request.files.get("photo")
    if upload is None:
        raise AppError(
            "VALIDATION_FAILED",
            errors={"photo": [{"zh": "缺少照片", "en": "Missing data for required field."}]},
        )
    return upload.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1)


ASKED = "when_ready: the submission is kept, made by the write that completes the inspection"
NOT_MODIFIED = "Not Modified: the tablet holds this state (under either ETag spelling)"


@blp.route("/inspections")
class MyInspections(MethodView):
    # signed in as an inspector: asked in the same query as the list's state (read_list)
    @asked_by_the_view("inspector")
    @blp.arguments(SyncArgs, location="query")
    @blp.response(200, SyncPageSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args):
        """My inspections, oldest change first; pass next_cursor back for the next page (delta sync).
        The ETag changes when any of my inspections does: an unchanged list costs one query."""
        since, cursor, limit = args.get("updated_since"), args.get("cursor"), args["limit"]
        answer = tablet_reads.read_list(
            bearer_digest(),
            since=since,
            cursor=cursor,
            limit=limit,
            if_none_match=request.if_none_match,
        )
        return answer.response()


@blp.route("/inspections/<int:inspection_id>")
class OneInspection(MethodView):
    # signed in as an inspector: asked in the same query as the state (tablet_reads.read_detail)
    @blp.response(200, InspectionSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, inspection_id):
        """Entity, licence and permits, last results, the checklist by department, the team.
        The ETag follows the inspection's, the entity's and its licences' versions; the body is
        the inspection's offline copy for that state, rendered once."""
        gzip_ok = request.accept_encodings.quality("gzip") > 0
        answer = tablet_reads.read_detail(
            bearer_digest(), inspection_id, request.if_none_match, gzip_ok
        )
        return answer.response()


@blp.route("/inspections/<int:inspection_id>/check-in")
class CheckIn(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(CheckInSchema)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Scan the licence's QR code at the premises, with GPS; the distance is kept, far ones
        flagged. Name the check-in's own version (part_version = check_in.version)."""
        answer = tablet_writes.check_in(
            *_signed_in(body),
            inspection_id,
            body.get("base_version"),
            qr_payload=body.get("qr_payload"),
            licence_number=body.get("licence_number"),
            lat=body["lat"],
            lon=body["lon"],
            now=utcnow(),
            settings=settings(),
            part_version=body.get("part_version"),
            device_at=body.get("device_at"),
        )
        return _sent(answer)


@blp.route("/inspections/<int:inspection_id>/items/<string:code>")
class Item(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(ItemSchema)
    @blp.response(200, InspectionSchema)
    def put(self, body, inspection_id, code):
        """Record one check item on the version of it you read (item_version, 0 before the first record)."""
        answer = tablet_writes.record_item(
            *_signed_in(body),
            inspection_id,
            code,
            body["item_version"],
            result=body["result"],
            notes=body["notes"],
            now=utcnow(),
            settings=settings(),
            device_at=body.get("device_at"),
        )
        return _sent(answer)


@blp.route("/inspections/<int:inspection_id>/evidence")
class EvidenceUpload(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(EvidenceFormSchema, location="form")
    @blp.response(201, InspectionSchema)
    def post(self, form, inspection_id):
        """Upload a photo (multipart field `photo`): JPEG or PNG, size-limited, stored once by content hash."""
        photo = _photo()
        signed_in = _signed_in(form | {"photo_sha256": hashlib.sha256(photo).hexdigest()})
        answer = tablet_writes.add_evidence(
            *signed_in,
            inspection_id,
            photo=photo,
            risk_point=form.get("risk_point"),
            now=utcnow(),
            settings=settings(),
            device_at=form.get("device_at"),
        )
        return _sent(answer)


@blp.route("/inspections/<int:inspection_id>/outcome")
class Outcome(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(OutcomeSchema)
    @blp.response(200, InspectionSchema)
    def put(self, body, inspection_id):
        """The overall outcome (OK, FIXED, CASE, NOBIZ, NOADDR, REFUSE, CLOSED), on the outcome's
        own version (part_version = outcome_version)."""
        answer = tablet_writes.set_outcome(
            *_signed_in(body),
            inspection_id,
            body.get("base_version"),
            outcome=body["outcome"],
            notes=body["notes"],
            now=utcnow(),
            settings=settings(),
            part_version=body.get("part_version"),
            device_at=body.get("device_at"),
        )
        return _sent(answer)


@blp.route("/inspections/<int:inspection_id>/signatures")
class Signatures(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(SignSchema)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Sign, with your own token: your own part at the versions your tablet holds (parts; a
        teammate's later write leaves it standing) or the whole content you read (content_hash;
        stale once anything changes). A stale signature is kept and shown (team[].stale): sign
        again before submission. On a submitted inspection: the pending amendment's
        (amendments[-1].amended.content_hash); the last member's signature brings it in force."""
        answer = tablet_writes.sign(
            *_signed_in(body),
            inspection_id,
            content_hash=body.get("content_hash"),
            now=utcnow(),
            settings=settings(),
            parts=body.get("parts"),
            device_at=body.get("device_at"),
        )
        return _sent(answer)


@blp.route("/inspections/<int:inspection_id>/submit")
class Submit(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(SubmitSchema)
    @blp.response(200, InspectionSchema)
    @blp.alt_response(202, schema=InspectionSchema, description=ASKED)
    def post(self, body, inspection_id):
        """Submit: every item recorded, the outcome set, every member's signature standing."""
        answer = tablet_writes.submit(
            *_signed_in(body),
            inspection_id,
            body.get("base_version"),
            now=utcnow(),
            settings=settings(),
            when_ready=body["when_ready"],
            device_at=body.get("device_at"),
        )
        return _sent(answer)


@blp.route("/inspections/<int:inspection_id>/amendments")
class Amendments(MethodView):
    @asked_by_the_view("inspector")
    @blp.arguments(AmendmentSchema)
    @blp.response(200, InspectionSchema)
    def post(self, body, inspection_id):
        """Propose a correction of a submitted inspection: your department's items (the lead's
        member: the outcome). It takes effect, and its follow-ups are recomputed, once every
        member has signed it; until then the original stays in force and is kept after."""
        answer = tablet_writes.amend(
            *_signed_in(body),
            inspection_id,
            body["base_version"],
            changes=body["changes"],
            reason=body["reason"],
            now=utcnow(),
        )
        return _sent(answer)
