"""Fieldwork tables: what inspectors record on tablets, what the platform sends them, and the
outbox of jobs written in the same transaction as the change that causes them."""

from __future__ import annotations

import peewee as pw

from inspect_app.clock import utcnow
from inspect_app.db import BaseModel, JSONField, UTCDateTimeField
from inspect_app.models.desks import Desk
from inspect_app.models.followup import Feedback
from inspect_app.models.registry import Department, Inspector, User
from inspect_app.models.supervision import Inspection, RiskPoint, SpotCheckTask


class ItemResult(BaseModel):
    """One check item's result on one inspection: 符合 / 不符合 / 不适用, with notes."""

    inspection = pw.ForeignKeyField(Inspection, backref="items", on_delete="CASCADE")
    risk_point = pw.ForeignKeyField(RiskPoint)
    result = pw.CharField(max_length=4)
    notes = pw.TextField(default="")
    recorded_by = pw.ForeignKeyField(Inspector)
    recorded_at = UTCDateTimeField(default=utcnow)
    version = pw.IntegerField(
        default=1
    )  # per item: members of different departments record side by side
    device_at = UTCDateTimeField(null=True)  # when the tablet recorded it (recorded_at: receipt)

    class Meta:
        indexes = ((("inspection", "risk_point"), True),)


class Evidence(BaseModel):
    """A photo, stored outside the database by content hash; the same photo twice is one row."""

    inspection = pw.ForeignKeyField(Inspection, backref="evidence", on_delete="CASCADE")
    risk_point = pw.ForeignKeyField(RiskPoint, null=True)
    sha256 = pw.CharField(max_length=64)
    size = pw.IntegerField()
    content_type = pw.CharField(max_length=32)
    uploaded_by = pw.ForeignKeyField(Inspector)
    uploaded_at = UTCDateTimeField(default=utcnow)
    device_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("inspection", "sha256"), True),)


class Signature(BaseModel):
    """A team member's signature over the inspection's content as it stood (its hash)."""

    inspection = pw.ForeignKeyField(Inspection, backref="signatures", on_delete="CASCADE")
    inspector = pw.ForeignKeyField(Inspector)
    content_hash = pw.CharField(max_length=64)
    signed_at = UTCDateTimeField(default=utcnow)
    device_at = UTCDateTimeField(null=True)
    # "record": signs the whole content (content_hash) and goes stale when it changes; "part":
    # signs the member's own part (part_hash), which a teammate's write does not touch.
    scope = pw.CharField(max_length=8, default="record")
    part_hash = pw.CharField(max_length=64, null=True)

    class Meta:
        indexes = ((("inspection", "inspector"), True),)


class Amendment(BaseModel):
    """A change to a submitted inspection: the original is kept beside what changed and why.

    PENDING until every member has signed `content_hash` (the amended content); then IN_FORCE,
    written to the record, and the original with its signatures stays here. A later amendment
    made while one is pending takes its changes in and SUPERSEDES it."""

    inspection = pw.ForeignKeyField(Inspection, backref="amendments", on_delete="CASCADE")
    version_before = pw.IntegerField()
    original = JSONField()
    changes = JSONField()
    reason = pw.CharField(max_length=256)
    amended_by = pw.ForeignKeyField(Inspector)
    amended_at = UTCDateTimeField(default=utcnow)
    status = pw.CharField(max_length=10, default="IN_FORCE", index=True)
    content = JSONField(null=True)
    content_hash = pw.CharField(max_length=64, null=True)
    original_hash = pw.CharField(max_length=64, null=True)
    original_signatures = JSONField(default=list)
    in_force_at = UTCDateTimeField(null=True)


class AmendmentSignature(BaseModel):
    """A team member's signature over an amendment's content (its hash)."""

    amendment = pw.ForeignKeyField(Amendment, backref="signatures", on_delete="CASCADE")
    inspector = pw.ForeignKeyField(Inspector)
    content_hash = pw.CharField(max_length=64)
    signed_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("amendment", "inspector"), True),)


class ClientOperation(BaseModel):
    """An offline client's operation id: the unique key makes a replay have one effect."""

    op_id = pw.CharField(max_length=64, unique=True)
    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    request_hash = pw.CharField(max_length=64)
    status_code = pw.IntegerField()
    response = JSONField(null=True)  # null from the change's commit until its body is kept
    created_at = UTCDateTimeField(default=utcnow)


class OfflineCopy(BaseModel):
    """What a tablet downloads for one inspection, rendered once per state: `etag` names the
    state (the inspection's, the entity's and its licences' versions), so a stale copy is never
    served, only rendered again."""

    inspection = pw.ForeignKeyField(Inspection, primary_key=True, on_delete="CASCADE")
    etag = pw.CharField(max_length=40)
    body = pw.TextField()
    body_gzip = pw.BlobField()  # compressed once, sent as is to tablets that accept gzip
    rendered_at = UTCDateTimeField(default=utcnow)
    # The parts that follow the entity, its licences and its history, not the inspection (street,
    # licence, last results) as JSON, and the state of those they show: a write whose entity and
    # licences have not moved since renders only the rest (services/offline_copies.py).
    frame_tag = pw.CharField(max_length=40, null=True)
    frame = pw.TextField(null=True)


class Notification(BaseModel):
    """Something the platform told someone; the dedup key makes every notice go out once.

    Its recipient is one of: a user, an inspector (their account), a desk (its members), or a
    group (every active user of `role`, of `department` when one is given). Unsettled past
    `due_at`, it is escalated once (docs/domain.md, "Desks and inboxes")."""

    dedup_key = pw.CharField(max_length=128, unique=True)
    kind = pw.CharField(max_length=24, index=True)
    inspector = pw.ForeignKeyField(
        Inspector, null=True, backref="notifications", on_delete="CASCADE"
    )
    user = pw.ForeignKeyField(User, null=True, backref="notifications", on_delete="CASCADE")
    inspection = pw.ForeignKeyField(Inspection, null=True, on_delete="CASCADE")
    task = pw.ForeignKeyField(SpotCheckTask, null=True, on_delete="CASCADE")
    payload = JSONField(default=dict)
    created_at = UTCDateTimeField(default=utcnow)
    read_at = UTCDateTimeField(null=True)
    desk = pw.ForeignKeyField(Desk, null=True, backref="notices")
    role = pw.CharField(max_length=12, null=True)  # a group recipient: every user of this role
    department = pw.ForeignKeyField(Department, null=True, backref="notices")  # … of this dept
    feedback = pw.ForeignKeyField(Feedback, null=True, backref="notices", on_delete="CASCADE")
    due_at = UTCDateTimeField(null=True, index=True)
    acknowledged_at = UTCDateTimeField(null=True)
    acknowledged_by = pw.CharField(max_length=32, null=True)
    settled_at = UTCDateTimeField(null=True)  # acknowledged, or for licensing feedback acted on
    escalated_at = UTCDateTimeField(null=True)
    escalation_of = pw.ForeignKeyField("self", null=True, backref="escalations")


class OutboxJob(BaseModel):
    """A job a change causes, written in the change's transaction; the relay hands it to RQ."""

    dedup_key = pw.CharField(max_length=128, unique=True)
    function = pw.CharField(max_length=96)
    args = JSONField(default=list)
    run_at = UTCDateTimeField(null=True)
    timeout = pw.IntegerField()
    max_retries = pw.IntegerField()
    retry_intervals = JSONField(default=list)
    status = pw.CharField(max_length=10, default="PENDING", index=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    enqueued_at = UTCDateTimeField(null=True)
    done_at = UTCDateTimeField(null=True)


FIELDWORK_MODELS = [
    ItemResult,
    Evidence,
    Signature,
    Amendment,
    AmendmentSignature,
    ClientOperation,
    OfflineCopy,
    Notification,
    OutboxJob,
]

__all__ = [m.__name__ for m in FIELDWORK_MODELS]
