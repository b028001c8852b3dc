"""What a tablet receives, field by field: the schemas are the only dumpers of the tablet's answers.

They live below the API so the offline copy (services/offline_copies) stores the same dump the API
documents. Field order is the order of the JSON a tablet downloads.
"""

from __future__ import annotations

import marshmallow as ma


class EntityBriefSchema(ma.Schema):
    credit_code = ma.fields.String(metadata={"description": "统一社会信用代码"})
    name = ma.fields.String()
    address = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()


class InspectionSummarySchema(ma.Schema):
    """One inspection as a sync page lists it (dumps an Inspection with its entity and task)."""

    id = ma.fields.Integer()
    task = ma.fields.String(attribute="task.code", metadata={"description": "task code"})
    kind = ma.fields.String()
    round = ma.fields.Integer()
    entity = ma.fields.Nested(EntityBriefSchema)
    status = ma.fields.String()
    due_on = ma.fields.Date(allow_none=True)
    shortfall = ma.fields.Boolean()
    outcome = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "what base_version names"})
    updated_at = ma.fields.DateTime()


class SyncPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InspectionSummarySchema))
    next_cursor = ma.fields.String(allow_none=True)
    has_more = ma.fields.Boolean()


class LicencePermitSchema(ma.Schema):
    """A permit held under a licence (dumps a LicencePermit with its permit and department); the
    licence API's detail uses it too."""

    permit_code = ma.fields.String(attribute="permit.code")
    name = ma.fields.String(attribute="permit.name")
    issuing_department = ma.fields.String(attribute="permit.issuing_department.code")
    permit_number = ma.fields.String()
    valid_from = ma.fields.Date()
    valid_until = ma.fields.Date()
    status = ma.fields.String()


class LicenceInForceSchema(ma.Schema):
    """The entity's licence for the task's industry (dumps services.inspections.LicenceInForce)."""

    number = ma.fields.String(attribute="licence.number")
    holder_code = ma.fields.String(attribute="licence.holder.credit_code")
    holder_name = ma.fields.String(attribute="licence.holder.name")
    industry = ma.fields.String(attribute="licence.industry.code")
    status = ma.fields.String(attribute="licence.status")
    issued_at = ma.fields.DateTime(attribute="licence.issued_at")
    valid_until = ma.fields.Date(attribute="licence.valid_until")
    permits = ma.fields.List(ma.fields.Nested(LicencePermitSchema))
    version = ma.fields.Integer(attribute="licence.version")


class LastResultSchema(ma.Schema):
    """One of the entity's earlier submitted inspections (dumps an Inspection with its task)."""

    task = ma.fields.String(attribute="task.code")
    checked_on = ma.fields.Date(allow_none=True)
    outcome = ma.fields.String(allow_none=True)


class CheckInStateSchema(ma.Schema):
    """Where the check-in stands (dumps the Inspection)."""

    at = ma.fields.DateTime(
        attribute="checked_in_at", allow_none=True, metadata={"description": "received (server)"}
    )
    device_at = ma.fields.DateTime(
        attribute="checked_in_device_at",
        allow_none=True,
        metadata={"description": "the device's time of the check-in: the visit time"},
    )
    distance_m = ma.fields.Float(attribute="check_in_distance_m", allow_none=True)
    far = ma.fields.Boolean(attribute="far_check_in")
    method = ma.fields.String(
        attribute="check_in_method",
        metadata={"description": "qr (the signed code scanned) or typed (the licence number)"},
    )
    version = ma.fields.Integer(
        attribute="check_in_version",
        metadata={
            "description": "the check-in's own version: what a check-in's part_version names"
        },
    )


class ChecklistItemSchema(ma.Schema):
    code = ma.fields.String()
    version = ma.fields.Integer(metadata={"description": "the risk point's version the task chose"})
    title = ma.fields.String()
    content = ma.fields.String()
    method = ma.fields.String()
    key_item = ma.fields.Boolean()
    result = ma.fields.String(allow_none=True, metadata={"description": "PASS, FAIL or NA"})
    notes = ma.fields.String()
    item_version = ma.fields.Integer(
        metadata={"description": "the recorded item's version (0 before the first record)"}
    )
    device_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "the device's time of the last record"}
    )
    recorded_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "when the server received it"}
    )


class ChecklistGroupSchema(ma.Schema):
    department = ma.fields.String()
    role = ma.fields.String(metadata={"description": "lead or partner"})
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema))


class EvidenceSchema(ma.Schema):
    sha256 = ma.fields.String()
    size = ma.fields.Integer()
    content_type = ma.fields.String()
    risk_point = ma.fields.String(allow_none=True)
    device_at = ma.fields.DateTime(allow_none=True, metadata={"description": "taken (device)"})
    uploaded_at = ma.fields.DateTime(allow_none=True, metadata={"description": "received"})
    url = ma.fields.String(
        metadata={"description": "GET the photo here (authorised; cached by its hash)"}
    )


class PartItemSchema(ma.Schema):
    code = ma.fields.String()
    item_version = ma.fields.Integer()


class SignedPartsStateSchema(ma.Schema):
    """A member's own part at its current versions: what a part signature names (`parts`)."""

    items = ma.fields.List(ma.fields.Nested(PartItemSchema))
    check_in = ma.fields.Integer(metadata={"description": "the lead's member only"})
    outcome = ma.fields.Integer(metadata={"description": "the lead's member only"})
    evidence = ma.fields.List(ma.fields.String())


class MemberSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    department = ma.fields.String()
    signed = ma.fields.Boolean(
        metadata={
            "description": "the member's signature still covers what it signed: the content as "
            "it stands (a record signature) or their own part as it stands (a part signature)"
        }
    )
    scope = ma.fields.String(
        allow_none=True, metadata={"description": "record or part; null: not signed"}
    )
    signed_hash = ma.fields.String(
        allow_none=True, metadata={"description": "the whole content_hash as it stood at signing"}
    )
    stale = ma.fields.Boolean(
        metadata={"description": "signed, but what it signed has changed since: sign again"}
    )
    signed_at = ma.fields.DateTime(allow_none=True, metadata={"description": "received"})
    signed_device_at = ma.fields.DateTime(allow_none=True, metadata={"description": "device"})
    parts = ma.fields.Nested(SignedPartsStateSchema, allow_none=True)


class ItemStateSchema(ma.Schema):
    item = ma.fields.String(metadata={"description": "code@vN: the item at the task's version"})
    result = ma.fields.String(allow_none=True, metadata={"description": "PASS, FAIL or NA"})
    notes = ma.fields.String()


class RecordVersionSchema(ma.Schema):
    """One version of the signed record (dumps services.inspections.RecordVersion)."""

    outcome = ma.fields.String(allow_none=True)
    outcome_notes = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(ItemStateSchema))
    content_hash = ma.fields.String()


class KeptSignatureSchema(ma.Schema):
    code = ma.fields.String()
    content_hash = ma.fields.String()
    signed_at = ma.fields.String(metadata={"description": "ISO 8601"})


class AmendmentStateSchema(ma.Schema):
    """An amendment and the original it amends (dumps services.inspections.AmendmentState)."""

    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "PENDING, IN_FORCE or SUPERSEDED"})
    reason = ma.fields.String()
    amended_by = ma.fields.String()
    amended_at = ma.fields.DateTime()
    original = ma.fields.Nested(RecordVersionSchema)
    original_signatures = ma.fields.List(ma.fields.Nested(KeptSignatureSchema))
    amended = ma.fields.Nested(RecordVersionSchema)  # its content_hash: what each member signs
    team = ma.fields.List(
        ma.fields.Nested(MemberSchema), metadata={"description": "signed the amended content"}
    )


class InspectionSchema(InspectionSummarySchema):
    """One inspection as the tablet keeps it offline (dumps services.inspections.Detail)."""

    street = ma.fields.String()
    licence = ma.fields.Nested(LicenceInForceSchema, allow_none=True)
    last_results = ma.fields.List(ma.fields.Nested(LastResultSchema))
    check_in = ma.fields.Nested(CheckInStateSchema, attribute="inspection")
    checklist = ma.fields.List(
        ma.fields.Nested(ChecklistGroupSchema),
        metadata={"description": "risk points by owning department, lead first"},
    )
    evidence = ma.fields.List(ma.fields.Nested(EvidenceSchema))
    outcome_notes = ma.fields.String()
    outcome_version = ma.fields.Integer(
        metadata={"description": "the outcome's own version: what an outcome's part_version names"}
    )
    outcome_device_at = ma.fields.DateTime(allow_none=True)
    outcome_at = ma.fields.DateTime(allow_none=True, metadata={"description": "received"})
    team = ma.fields.List(ma.fields.Nested(MemberSchema))
    content_hash = ma.fields.String(metadata={"description": "what a record signature signs"})
    submitted_at = ma.fields.DateTime(allow_none=True)
    submitted_device_at = ma.fields.DateTime(allow_none=True)
    submission_requested = ma.fields.Boolean(
        metadata={"description": "submit when_ready was asked: made once nothing is missing"}
    )
    visited_at = ma.fields.DateTime(
        allow_none=True,
        metadata={"description": "the visit time: the check-in's device time (else received)"},
    )
    amendment_pending = ma.fields.Boolean(
        metadata={"description": "an amendment waits for the team's signatures"}
    )
    amendments = ma.fields.List(
        ma.fields.Nested(AmendmentStateSchema),
        metadata={"description": "oldest first; the record above is what is in force"},
    )


class StaleSummarySchema(InspectionSummarySchema):
    """The current state attached to a STALE_VERSION on a signature (what to read and sign again)."""

    content_hash = ma.fields.String()


SUMMARY = InspectionSummarySchema()
DETAIL = InspectionSchema()
