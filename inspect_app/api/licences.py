"""Combined licences (行业综合许可证): list, read with history, 新办, lifecycle events."""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import validate

from inspect_app.access import REGISTRY_READERS, REGISTRY_WRITERS
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import (
    CreditCode,
    Day,
    Moment,
    Strict,
    Text,
    credit_class,
    licence_number,
)
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.domain.lifecycle import EventKind, Status
from inspect_app.schemas.tablet import LicencePermitSchema
from inspect_app.services import licence_codes
from inspect_app.services import licences as service

blp = Blueprint(
    "licences",
    __name__,
    url_prefix="/api/v1/licences",
    description="行业综合许可证 Combined licences",
)


class PermitInSchema(Strict):
    permit_code = Text(max_length=12, required=True)
    permit_number = Text(max_length=32, required=True)
    valid_from = Day(required=True)
    valid_until = Day(required=True)

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data["valid_until"] <= data["valid_from"]:
            raise ma.ValidationError("Must be later than valid_from.", "valid_until")


def _unique_permits(rows):
    codes = [row["permit_code"] for row in rows]
    if len(codes) != len(set(codes)):
        raise ma.ValidationError("Duplicate permit.")


class LicenceCreateSchema(Strict):
    number = licence_number(required=True)
    holder_code = CreditCode(required=True)
    industry = Text(max_length=4, required=True)
    valid_until = Day(required=True)
    issued_at = Moment()
    permits = ma.fields.List(
        ma.fields.Nested(PermitInSchema),
        required=True,
        validate=[validate.Length(min=1, max=20), _unique_permits],
    )
    reason = Text(max_length=256)


class ChangesSchema(Strict):
    holder_name = Text(max_length=128)
    address = Text(max_length=256)
    valid_until = Day()
    permits = ma.fields.List(
        ma.fields.Nested(PermitInSchema), validate=[validate.Length(min=1, max=20), _unique_permits]
    )


class EventCreateSchema(Strict):
    kind = ma.fields.String(
        required=True, validate=validate.OneOf([k for k in EventKind if k != "NEW"])
    )
    reason = Text(max_length=256, required=True)
    changes = ma.fields.Nested(ChangesSchema, load_default=dict)


class PermitChangeSchema(ma.Schema):
    permit_code = ma.fields.String()
    permit_number = ma.fields.String()
    valid_from = ma.fields.String(metadata={"format": "date"})
    valid_until = ma.fields.String(metadata={"format": "date"})


class EventChangesSchema(ma.Schema):
    """What one step changed or carried, as stored with the event (every key optional)."""

    holder_code = ma.fields.String()
    holder_name = ma.fields.String()
    address = ma.fields.String()
    industry = ma.fields.String()
    valid_until = ma.fields.String(metadata={"format": "date"})
    permits = ma.fields.List(ma.fields.Nested(PermitChangeSchema))
    inspection = ma.fields.Integer(
        metadata={"description": "the inspection behind a feedback action"}
    )
    feedback = ma.fields.Integer()
    action = ma.fields.String(metadata={"description": "the licensing action taken on feedback"})
    permit = ma.fields.String(metadata={"description": "the permit a supervision step concerns"})
    routed = ma.fields.String(
        metadata={"description": "a suspension or revocation asked here and routed, not applied"}
    )
    routed_to = ma.fields.List(
        ma.fields.String(), metadata={"description": "the issuing departments that decide it"}
    )
    permit_added = ma.fields.String()
    department = ma.fields.String()


class EventSchema(ma.Schema):
    seq = ma.fields.Integer()
    kind = ma.fields.String()
    at = ma.fields.DateTime()
    actor = ma.fields.String()
    reason = ma.fields.String()
    changes = ma.fields.Nested(EventChangesSchema)
    source = ma.fields.String()


class LicenceSummarySchema(ma.Schema):
    number = ma.fields.String()
    holder_code = ma.fields.String(attribute="holder.credit_code")
    holder_name = ma.fields.String(attribute="holder.name")
    street = ma.fields.String(attribute="holder.street.code")
    industry = ma.fields.String(attribute="industry.code")
    status = ma.fields.String()
    valid_until = ma.fields.Date()
    version = ma.fields.Integer()


class LicenceSchema(LicenceSummarySchema):
    issued_at = ma.fields.DateTime()
    permits = ma.fields.List(ma.fields.Nested(LicencePermitSchema))
    events = ma.fields.List(ma.fields.Nested(EventSchema))


class QrSchema(ma.Schema):
    number = ma.fields.String()
    payload = ma.fields.String(metadata={"description": "the signed text (verifiable offline)"})
    url = ma.fields.String(
        metadata={"description": "what the printed QR code holds: the verification page's link"}
    )


class LicenceFilterSchema(Strict):
    street = ma.fields.String()
    industry = ma.fields.String()
    status = ma.fields.String(validate=validate.OneOf(list(Status)))
    credit_class = credit_class()
    q = Text(
        max_length=64,
        metadata={
            "description": "holder name contains, or credit code / licence number starts with"
        },
    )


@blp.route("")
class Licences(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.arguments(LicenceFilterSchema, location="query")
    @blp.response(200, LicenceSummarySchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """List licences, filtered and paged in the database."""
        return service.licence_list(args)

    @require(*REGISTRY_WRITERS)
    @blp.etag
    @blp.arguments(LicenceCreateSchema)
    @blp.response(201, LicenceSchema)
    def post(self, data):
        """新办: issue a combined licence (licensing staff)."""
        return service.issue_licence(current_actor(), data, utcnow())


@blp.route("/<string:number>")
class LicenceByNumber(MethodView):
    @require(*REGISTRY_READERS)
    @blp.etag
    @blp.response(200, LicenceSchema)
    def get(self, number):
        """One licence with its permits and full event history."""
        return service.licence_detail(number)


@blp.route("/<string:number>/events")
class LicenceEvents(MethodView):
    @require(*REGISTRY_WRITERS, "planner")
    @blp.etag
    @blp.arguments(EventCreateSchema)
    @blp.response(201, LicenceSchema)
    @blp.if_match_documented
    def post(self, data, number):
        """Post a lifecycle event: 变更 延续 补证 暂停 恢复 注销 撤销; illegal ones get 409.
        If-Match must carry the licence's ETag (412 when stale, 428 when absent)."""
        actor = current_actor()
        licence = service.licence_for_event(actor, number, EventKind(data["kind"]))
        blp.check_if_match(licence, LicenceSchema)
        return service.record_event(actor, number, data, licence.version, utcnow())


@blp.route("/<string:number>/qr")
class LicenceQr(MethodView):
    @require(*REGISTRY_READERS)
    @blp.response(200, QrSchema)
    def get(self, number):
        """The licence's signed QR text (what is printed on the certificate)."""
        return licence_codes.qr_for_number(number, _keys(), public_url())


@blp.route("/<string:number>/qr.png")
class LicenceQrPng(MethodView):
    @require(*REGISTRY_READERS)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png")
    def get(self, number):
        """The QR code as a PNG image."""
        png = licence_codes.qr_png_for_number(number, _keys(), public_url())
        return Response(png, mimetype="image/png")


def public_url() -> str:
    """The portal's address for links printed on licences: LIANJIAN_PUBLIC_URL, else this host."""
    return current_app.config.get("PUBLIC_URL") or request.host_url


def _keys() -> Path:
    return Path(current_app.config["KEYS_DIR"])
