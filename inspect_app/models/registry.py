"""The registry's tables (peewee). Schema changes go through inspect_app/migrations/."""

from __future__ import annotations

import peewee as pw

from inspect_app.clock import utcnow
from inspect_app.db import BaseModel, JSONField, UTCDateTimeField


class Department(BaseModel):
    """A district bureau (区文化旅游局 …) or the licensing centre."""

    code = pw.CharField(max_length=8, unique=True)
    name = pw.CharField(max_length=64)
    short_name = pw.CharField(max_length=32)
    kind = pw.CharField(max_length=16)


class Street(BaseModel):
    """A street or town (街镇) of the district."""

    code = pw.CharField(max_length=8, unique=True)
    name = pw.CharField(max_length=32, unique=True)
    kind = pw.CharField(max_length=8)
    lat = pw.DoubleField()
    lon = pw.DoubleField()
    radius_km = pw.DoubleField()


class Industry(BaseModel):
    """An industry of the combined-licence catalogue, with its lead department."""

    code = pw.CharField(max_length=4, unique=True)
    name = pw.CharField(max_length=64)
    lead = pw.ForeignKeyField(Department, backref="led_industries")
    provisional = pw.BooleanField(default=True)
    batch_month = pw.CharField(max_length=7, null=True)


class IndustryPartner(BaseModel):
    """A partner department (协同部门) of an industry."""

    industry = pw.ForeignKeyField(Industry, backref="partner_links", on_delete="CASCADE")
    department = pw.ForeignKeyField(Department, backref="partner_links")

    class Meta:
        indexes = ((("industry", "department"), True),)


class Permit(BaseModel):
    """A permit (许可事项) an industry's combined licence integrates, and who issues it."""

    code = pw.CharField(max_length=12, unique=True)
    industry = pw.ForeignKeyField(Industry, backref="permits", on_delete="CASCADE")
    name = pw.CharField(max_length=64)
    issuing_department = pw.ForeignKeyField(Department, backref="issued_permits")
    conditional = pw.BooleanField(default=False)
    condition = pw.CharField(max_length=64, null=True)


class CatalogueRule(BaseModel):
    """A district rule document (feedback rules, risk grading) as `lianjian seed` stored it.

    In the database rather than on a node's disk, so every app node and worker reads the
    same rules; `digest` lets each process keep its parsed copy until the rules change.
    """

    name = pw.CharField(max_length=32, unique=True)
    document = JSONField()
    digest = pw.CharField(max_length=64)
    source = pw.CharField(max_length=255)
    loaded_at = UTCDateTimeField(default=utcnow)


class Entity(BaseModel):
    """A market entity (市场主体), keyed by its unified social credit code."""

    credit_code = pw.CharField(max_length=18, unique=True)
    name = pw.CharField(max_length=128, index=True)
    address = pw.CharField(max_length=256)
    street = pw.ForeignKeyField(Street, backref="entities", index=True)
    lat = pw.DoubleField()
    lon = pw.DoubleField()
    credit_class = pw.CharField(max_length=1, index=True)
    version = pw.IntegerField(default=1)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class Licence(BaseModel):
    """A combined licence (行业综合许可证). Its status is folded from its events."""

    number = pw.CharField(max_length=32, unique=True)
    holder = pw.ForeignKeyField(Entity, backref="licences", index=True)
    industry = pw.ForeignKeyField(Industry, backref="licences", index=True)
    status = pw.CharField(max_length=12, index=True)
    issued_at = UTCDateTimeField()
    valid_until = pw.DateField()
    version = pw.IntegerField(default=1)
    source_hash = pw.CharField(max_length=64, null=True)
    updated_at = UTCDateTimeField(default=utcnow)


class LicencePermit(BaseModel):
    """One permit integrated in a licence, with its own number and validity."""

    licence = pw.ForeignKeyField(Licence, backref="permits", on_delete="CASCADE")
    permit = pw.ForeignKeyField(Permit)
    permit_number = pw.CharField(max_length=32)
    valid_from = pw.DateField()
    valid_until = pw.DateField()
    status = pw.CharField(max_length=12, default="ACTIVE")

    class Meta:
        indexes = ((("licence", "permit"), True),)


class User(BaseModel):
    """Someone who signs in: admin, planner, inspector or licensing, bound to a department."""

    username = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=32)
    role = pw.CharField(max_length=12)
    department = pw.ForeignKeyField(Department, backref="users", null=True)
    password_hash = pw.CharField(max_length=128)
    active = pw.BooleanField(default=True)
    created_at = UTCDateTimeField(default=utcnow)
    # set by an admin's password reset: the temporary password signs in to nothing but a change
    must_change_password = pw.BooleanField(default=False)
    version = pw.IntegerField(default=1)


class LicenceEvent(BaseModel):
    """One step of a licence's lifecycle (新办/变更/延续/补证/注销/暂停/恢复/撤销)."""

    licence = pw.ForeignKeyField(Licence, backref="events", on_delete="CASCADE")
    seq = pw.IntegerField()
    kind = pw.CharField(max_length=8)
    at = UTCDateTimeField()
    actor = pw.CharField(max_length=32)
    department = pw.ForeignKeyField(Department, null=True)
    reason = pw.CharField(max_length=256)
    changes = JSONField(default=dict)
    source = pw.CharField(max_length=12, default="api")

    class Meta:
        indexes = ((("licence", "seq"), True),)


class Inspector(BaseModel):
    """A law-enforcement officer in a department's pool (执法检查人员名录库)."""

    code = pw.CharField(max_length=16, unique=True)
    name = pw.CharField(max_length=32)
    department = pw.ForeignKeyField(Department, backref="inspectors", index=True)
    active = pw.BooleanField(default=True)
    user = pw.ForeignKeyField(User, null=True, unique=True, backref="inspector")
    version = pw.IntegerField(default=1)


class InspectorQualification(BaseModel):
    inspector = pw.ForeignKeyField(Inspector, backref="qualifications", on_delete="CASCADE")
    industry = pw.ForeignKeyField(Industry)

    class Meta:
        indexes = ((("inspector", "industry"), True),)


class Recusal(BaseModel):
    """A declared conflict of interest (回避): this inspector never checks this entity while it is
    live; a withdrawal keeps the row (and its reason) as history, and only live ones count."""

    inspector = pw.ForeignKeyField(Inspector, backref="recusals", on_delete="CASCADE")
    entity = pw.ForeignKeyField(Entity, backref="recusals", on_delete="CASCADE")
    reason = pw.CharField(max_length=64)
    declared_at = UTCDateTimeField(default=utcnow)
    withdrawn_at = UTCDateTimeField(null=True)
    withdrawn_reason = pw.CharField(max_length=256, null=True)
    withdrawn_by = pw.CharField(max_length=32, null=True)


# One live recusal per inspector and entity; withdrawn ones stay beside it (migration 0014).
Recusal.add_index(
    Recusal.index(
        Recusal.inspector,
        Recusal.entity,
        unique=True,
        where=Recusal.withdrawn_at.is_null(),
        name="recusal_live",
    )
)


class Token(BaseModel):
    """An opaque bearer token, stored only as its SHA-256; one per device for inspectors."""

    token_hash = pw.CharField(max_length=64, unique=True)
    user = pw.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    device = pw.CharField(max_length=64, default="web")
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField(null=True)


class SignInThrottle(BaseModel):
    """Failed sign-ins counted per account name or per address, in the database so that every
    app node counts the same attempts; `expires_at` says when the row may be forgotten."""

    kind = pw.CharField(max_length=8)
    key = pw.CharField(max_length=64)
    failures = pw.IntegerField(default=0)
    window_start = UTCDateTimeField()
    locked_until = UTCDateTimeField(null=True)
    expires_at = UTCDateTimeField(index=True)

    class Meta:
        indexes = ((("kind", "key"), True),)


class AuditEntry(BaseModel):
    """Append-only, hash-chained record of every write (全程留痕). Written in the change's
    transaction with its write-time authenticator (uid, mac); seq, prev_hash and hash are given
    by the sealer (inspect_app/audit.py, docs/audit-chain.md). Entries from before the sealer
    have no uid and no mac."""

    seq = pw.IntegerField(unique=True, null=True)
    at = UTCDateTimeField()
    actor = pw.CharField(max_length=32)
    action = pw.CharField(max_length=48)
    object_type = pw.CharField(max_length=32)
    object_id = pw.CharField(max_length=64)
    before = JSONField(null=True)
    after = JSONField(null=True)
    prev_hash = pw.CharField(max_length=64, null=True)
    hash = pw.CharField(max_length=64, unique=True, null=True)
    uid = pw.CharField(max_length=32, unique=True, null=True)
    mac = pw.CharField(max_length=96, null=True)  # "{key_id}:{HMAC-SHA256 hex}"


class AuditHead(BaseModel):
    """The chain's head: one row, moved by the sealer only (never held by a change's transaction
    on PostgreSQL)."""

    seq = pw.IntegerField(default=0)
    hash = pw.CharField(max_length=64)
    # (seq, hash, at) signed with the audit key kept outside the database
    at = pw.CharField(max_length=32, null=True)
    signature = pw.CharField(max_length=128, null=True)
    key_id = pw.CharField(max_length=16, null=True)


class AuditCheck(BaseModel):
    """A whole-chain verification kept per head, written by `lianjian audit verify` and its
    hourly job: the public draw verification reports the latest one and never walks the chain."""

    head_seq = pw.IntegerField(unique=True)
    head_hash = pw.CharField(max_length=64)
    ok = pw.BooleanField()
    checked = pw.IntegerField()
    first_bad_seq = pw.IntegerField(null=True)
    reason = pw.TextField(default="")
    checked_at = UTCDateTimeField()


REGISTRY_MODELS = [
    Department,
    Street,
    Industry,
    IndustryPartner,
    Permit,
    CatalogueRule,
    Entity,
    Licence,
    LicencePermit,
    User,
    LicenceEvent,
    Inspector,
    InspectorQualification,
    Recusal,
    Token,
    SignInThrottle,
    AuditEntry,
    AuditHead,
    AuditCheck,
]

__all__ = [m.__name__ for m in REGISTRY_MODELS]
