"""Licensing desks (审批窗口/科室): which unit handles which licences' feedback and credit records,
by industry and street, and who works at each (docs/domain.md, "Desks and inboxes")."""

from __future__ import annotations

import peewee as pw

from inspect_app.clock import utcnow
from inspect_app.db import BaseModel, UTCDateTimeField
from inspect_app.models.registry import Department, Industry, Street, User


class Desk(BaseModel):
    """A desk of a licensing unit: LICENSING (feedback on licences), CREDIT (credit records) or
    ENFORCEMENT (referrals for a case); the default desk of its kind takes what no scope matches."""

    code = pw.CharField(max_length=16, unique=True)
    name = pw.CharField(max_length=64)
    department = pw.ForeignKeyField(Department, backref="desks")
    kind = pw.CharField(max_length=12, default="LICENSING")
    is_default = pw.BooleanField(default=False)
    head = pw.ForeignKeyField(User, null=True, backref="desks_headed", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)


class DeskScope(BaseModel):
    """One line of a desk's scope: an industry, a street, or both (an empty field matches all)."""

    desk = pw.ForeignKeyField(Desk, backref="scope", on_delete="CASCADE")
    industry = pw.ForeignKeyField(Industry, null=True)
    street = pw.ForeignKeyField(Street, null=True)


class DeskMember(BaseModel):
    """A user working at a desk: they see and act on the desk's inbox."""

    desk = pw.ForeignKeyField(Desk, backref="members", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="desk_memberships", on_delete="CASCADE")
    added_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("desk", "user"), True),)


DESK_MODELS = [Desk, DeskScope, DeskMember]

__all__ = [m.__name__ for m in DESK_MODELS]
