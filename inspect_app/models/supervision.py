"""Supervision tables: risk points (versioned), grades, complaints, spot-check tasks, draws,
inspections and their teams."""

from __future__ import annotations

import peewee as pw

from inspect_app.clock import utcnow
from inspect_app.db import BaseModel, JSONField, UTCDateTimeField
from inspect_app.domain.inspection import InspectionKind, InspectionStatus
from inspect_app.domain.task import TaskStatus
from inspect_app.models.registry import Department, Entity, Industry, Inspector


class RiskPoint(BaseModel):
    """One version of a supervision risk point (监管风险点); an edit adds a version."""

    code = pw.CharField(max_length=16)
    version = pw.IntegerField(default=1)
    industry = pw.ForeignKeyField(Industry, backref="risk_points", index=True)
    department = pw.ForeignKeyField(Department, backref="risk_points", index=True)
    title = pw.CharField(max_length=128)
    content = pw.TextField()
    method = pw.TextField()
    legal_basis = JSONField(default=list)
    severity = pw.CharField(max_length=8)
    key_item = pw.BooleanField(default=False)
    content_hash = pw.CharField(max_length=64)
    current = pw.BooleanField(default=True, index=True)
    created_by = pw.CharField(max_length=32)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("code", "version"), True),)


class Complaint(BaseModel):
    """A complaint (投诉举报) about an entity: one input of its risk grade."""

    entity = pw.ForeignKeyField(Entity, backref="complaints", index=True, on_delete="CASCADE")
    received_on = pw.DateField()
    summary = pw.CharField(max_length=256)
    recorded_by = pw.CharField(max_length=32)
    created_at = UTCDateTimeField(default=utcnow)


class EntityGrade(BaseModel):
    """An entity's current risk grade, the factors that explain it, and what it was computed from."""

    entity = pw.ForeignKeyField(Entity, backref="grades", unique=True, on_delete="CASCADE")
    grade = pw.CharField(max_length=1, index=True)
    score = pw.DoubleField()
    factors = JSONField(default=list)
    inputs_hash = pw.CharField(max_length=64)
    config_hash = pw.CharField(max_length=64)
    computed_at = UTCDateTimeField()


class SpotCheckTask(BaseModel):
    """A spot-check task (抽查任务): planned in DRAFT, FROZEN with its commitment, then DRAWN."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=128)
    industry = pw.ForeignKeyField(Industry, backref="tasks", index=True)
    lead = pw.ForeignKeyField(Department, backref="led_tasks", index=True)
    partners = JSONField(default=list)
    scope = JSONField(default=dict)
    ratios = JSONField(null=True)
    fixed_count = pw.IntegerField(null=True)
    team_size = pw.IntegerField(default=2)
    workload_cap = pw.IntegerField()
    frequency_cap = pw.IntegerField()
    key_items_exempt = pw.BooleanField(default=False)
    period_start = pw.DateField()
    period_end = pw.DateField()
    deadline = pw.DateField()
    status = pw.CharField(max_length=8, index=True, default=TaskStatus.DRAFT.value)
    version = pw.IntegerField(default=1)
    created_by = pw.CharField(max_length=32)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class TaskRiskPoint(BaseModel):
    """A risk point (at the version it had when chosen) checked by a task."""

    task = pw.ForeignKeyField(SpotCheckTask, backref="task_points", on_delete="CASCADE")
    risk_point = pw.ForeignKeyField(RiskPoint)

    class Meta:
        indexes = ((("task", "risk_point"), True),)


class TaskPartnerAnswer(BaseModel):
    """A partner department's answer to a joint task (ACCEPTED or DECLINED), by one of its planners."""

    task = pw.ForeignKeyField(SpotCheckTask, backref="partner_answers", on_delete="CASCADE")
    department = pw.ForeignKeyField(Department)
    answer = pw.CharField(max_length=8)
    answered_by = pw.CharField(max_length=32)
    answered_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("task", "department"), True),)


class Draw(BaseModel):
    """A task's draw record: committed snapshots and hashes first, then seed and result."""

    task = pw.ForeignKeyField(SpotCheckTask, backref="draws", unique=True, on_delete="CASCADE")
    algorithm_version = pw.CharField(max_length=32)
    frame = JSONField()
    pool = JSONField()
    params = JSONField()
    frame_hash = pw.CharField(max_length=64)
    pool_hash = pw.CharField(max_length=64)
    params_hash = pw.CharField(max_length=64)
    commitment_hash = pw.CharField(max_length=64, unique=True)
    committed_at = UTCDateTimeField()
    seed_source = JSONField(null=True)
    provenance = pw.TextField(null=True)
    seed = pw.CharField(max_length=64, null=True)
    drawn_at = UTCDateTimeField(null=True)
    result = JSONField(null=True)
    result_hash = pw.CharField(max_length=64, null=True)
    # the audit chain's signed head right after the freeze and after the draw
    committed_head = JSONField(null=True)
    drawn_head = JSONField(null=True)


class Inspection(BaseModel):
    """One entity to inspect under a task, with its team (from the draw)."""

    task = pw.ForeignKeyField(SpotCheckTask, backref="inspections", on_delete="CASCADE")
    entity = pw.ForeignKeyField(Entity, backref="inspections", index=True)
    draw = pw.ForeignKeyField(Draw, backref="inspections", null=True)
    sequence = pw.IntegerField()
    status = pw.CharField(max_length=12, default=InspectionStatus.ASSIGNED.value, index=True)
    shortfall = pw.BooleanField(default=False)
    outcome = pw.CharField(max_length=8, null=True)
    outcome_notes = pw.TextField(default="")
    checked_on = pw.DateField(null=True)
    due_on = pw.DateField(null=True)
    kind = pw.CharField(max_length=12, default=InspectionKind.RANDOM.value)
    round = pw.IntegerField(
        default=0
    )  # 0: the drawn check; 1, 2, …: re-inspections after rectification
    parent = pw.ForeignKeyField("self", null=True, backref="reinspections")
    checked_in_at = UTCDateTimeField(null=True)
    check_in_lat = pw.DoubleField(null=True)
    check_in_lon = pw.DoubleField(null=True)
    check_in_distance_m = pw.DoubleField(null=True)
    far_check_in = pw.BooleanField(default=False)
    # "qr": the licence's signed QR code was scanned; "typed": its number was typed instead.
    check_in_method = pw.CharField(max_length=8, default="qr")
    submitted_at = UTCDateTimeField(null=True)
    # An offline team (docs/concurrency.md): the check-in and the outcome are versioned on their
    # own; every write keeps the device's time beside the server's receipt time; a submission may
    # be asked for (by the member, at the device's time) before the team's last write arrives.
    check_in_version = pw.IntegerField(default=0)
    checked_in_device_at = UTCDateTimeField(null=True)
    outcome_version = pw.IntegerField(default=0)
    outcome_at = UTCDateTimeField(null=True)
    outcome_device_at = UTCDateTimeField(null=True)
    submitted_device_at = UTCDateTimeField(null=True)
    submit_requested_by = pw.IntegerField(null=True)  # the inspector's id
    submit_requested_at = UTCDateTimeField(null=True)
    submit_requested_device_at = UTCDateTimeField(null=True)
    version = pw.IntegerField(default=1)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("task", "entity", "round"), True),)


class InspectionMember(BaseModel):
    """An inspector on an inspection's team."""

    inspection = pw.ForeignKeyField(Inspection, backref="members", on_delete="CASCADE")
    inspector = pw.ForeignKeyField(Inspector, backref="memberships", index=True)
    department = pw.ForeignKeyField(Department)

    class Meta:
        indexes = ((("inspection", "inspector"), True),)


SUPERVISION_MODELS = [
    RiskPoint,
    Complaint,
    EntityGrade,
    SpotCheckTask,
    TaskRiskPoint,
    TaskPartnerAnswer,
    Draw,
    Inspection,
    InspectionMember,
]

__all__ = [m.__name__ for m in SUPERVISION_MODELS]
