"""The commitment ledger's own rows: a frozen task's public void, and the overdue flag of a task
whose seed source's time passed without a draw (docs/domain.md, "The commitment ledger")."""

from __future__ import annotations

import peewee as pw

from inspect_app.db import BaseModel, JSONField, UTCDateTimeField
from inspect_app.models.supervision import SpotCheckTask


class TaskVoid(BaseModel):
    """A frozen task voided by its lead department, with the reason the public reads; its draw
    row (the commitment) stays as it was."""

    task = pw.ForeignKeyField(SpotCheckTask, backref="voids", unique=True, on_delete="CASCADE")
    reason = pw.TextField()
    voided_by = pw.CharField(max_length=32)
    voided_at = UTCDateTimeField()
    # the audit chain's signed head right after the void
    audit_head = JSONField(null=True)


class OverdueDraw(BaseModel):
    """A frozen task flagged once (its lead's planners told) when its seed's time had passed by
    the grace period without a draw. The ledger computes the state itself; this row is the dedup."""

    task = pw.ForeignKeyField(
        SpotCheckTask, backref="overdue_flags", unique=True, on_delete="CASCADE"
    )
    seed_due_at = UTCDateTimeField()
    flagged_at = UTCDateTimeField()


LEDGER_MODELS = [TaskVoid, OverdueDraw]

__all__ = [m.__name__ for m in LEDGER_MODELS]
