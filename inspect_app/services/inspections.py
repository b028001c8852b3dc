"""Inspections in the field: what a team member sees and records, version by version.

Every write names the version it was based on; a write on an old version is refused with
the current one (409 STALE_VERSION, docs/concurrency.md), never silently merged. Access is by team: an inspector
reaches only inspections whose team they are on, and anything else is 'not found'.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from peewee import JOIN

from inspect_app.access import Action, TeamWrite, ensure
from inspect_app.actor import Actor, Role
from inspect_app.db import QueuedWriters, database
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain.inspection import CheckResult, InspectionStatus, Outcome
from inspect_app.errors import AppError
from inspect_app.models import (
    Amendment,
    AmendmentSignature,
    Department,
    Entity,
    Evidence,
    Industry,
    Inspection,
    InspectionMember,
    Inspector,
    ItemResult,
    Licence,
    LicencePermit,
    Permit,
    RiskPoint,
    Signature,
    SpotCheckTask,
    Street,
    TaskRiskPoint,
)
from inspect_app.prepared import Prepared, raw
from inspect_app.schemas.tablet import SUMMARY

# The choices the tablet's schemas offer (as plain strings, so the OpenAPI document lists them).
RESULTS = tuple(result.value for result in CheckResult)
OUTCOMES = tuple(outcome.value for outcome in Outcome)


def inspector_id_of(actor: Actor) -> int:
    """The inspector record behind a signed-in, active inspector (found at sign-in)."""
    ensure(actor, Action.USE_TABLET)
    return actor.inspector_id


INSPECTOR = Prepared(
    lambda inspector_id: Inspector.select().where(Inspector.id == inspector_id), inspector_id=int
)
_LEAD, _ITEM = Department.alias(), Department.alias()


def _member_place(inspection_id, inspector_id, lead_id):
    """A member's place for a write: their department's code and the task's lead department's."""
    return (
        InspectionMember.select(
            Department.code.alias("member_department"), _LEAD.code.alias("lead_department")
        )
        .join(Department)
        .join_from(InspectionMember, _LEAD, on=(_LEAD.id == lead_id))
        .where(
            (InspectionMember.inspection == inspection_id)
            & (InspectionMember.inspector == inspector_id)
        )
    )


# For a write of the record's own parts (the outcome), in one query.
TEAM_WRITE = Prepared(
    lambda inspection_id, inspector_id, lead_id: _member_place(
        inspection_id, inspector_id, lead_id
    ).tuples(),
    inspection_id=int,
    inspector_id=int,
    lead_id=int,
)
TASK_POINT = Prepared(
    lambda task_id, code: (
        RiskPoint.select()
        .join(TaskRiskPoint)
        .where((TaskRiskPoint.task == task_id) & (RiskPoint.code == code))
        .limit(1)
    ),
    task_id=int,
    code=str,
)
# An item write's two questions in one query: the task's check item of this code (nulls when
# the task has none) and the member's place (_member_place, and the item's department's code).
_IN_TASK = TaskRiskPoint.alias()


def _item_place(inspection_id, inspector_id, lead_id, task_id, code):
    in_task = _IN_TASK.select(_IN_TASK.risk_point).where(_IN_TASK.task == task_id)
    return (
        _member_place(inspection_id, inspector_id, lead_id)
        .select_extend(RiskPoint, _ITEM.code.alias("item_department"))
        .join_from(
            InspectionMember,
            RiskPoint,
            JOIN.LEFT_OUTER,
            on=((RiskPoint.code == code) & RiskPoint.id.in_(in_task)),
        )
        .join_from(RiskPoint, _ITEM, JOIN.LEFT_OUTER, on=(_ITEM.id == RiskPoint.department))
        .limit(1)
        .objects(RiskPoint)
    )


ITEM_PLACE = Prepared(
    _item_place, inspection_id=int, inspector_id=int, lead_id=int, task_id=int, code=str
)


def inspector_of(actor: Actor) -> Inspector:
    """The inspector who acts, as a tablet write needs it (id, code, account): as the sign-in
    read it along with the token, else (an actor built by other means) read now."""
    inspector_id = inspector_id_of(actor)
    if actor.inspector_code is not None:
        return Inspector(id=inspector_id, code=actor.inspector_code, user=actor.user_id)
    inspector = INSPECTOR.one(inspector_id=inspector_id)
    if inspector is None:
        raise Inspector.DoesNotExist(f"inspector {actor.inspector_id}")
    return inspector


def ensure_team_write(inspector: Inspector, inspection: Inspection, action: Action) -> None:
    """Ask the policy whether this member may write a part of the record that is no check
    item's (the outcome): the member acts as their place on the team."""
    place = TEAM_WRITE.first(
        inspection_id=inspection.id, inspector_id=inspector.id, lead_id=inspection.task.lead_id
    )
    if place is None:
        raise _not_a_member(inspector, inspection)
    member_department, lead_department = place
    write = TeamWrite(member_department=member_department, lead_department=lead_department)
    _ensure_place(inspector, action, write)


def item_to_write(inspector: Inspector, inspection: Inspection, code: str) -> RiskPoint:
    """The task's check item `code` (404 when the task has none), once the policy says this
    member may record it (403 when it is another department's): one query."""
    point = ITEM_PLACE.one(
        inspection_id=inspection.id,
        inspector_id=inspector.id,
        lead_id=inspection.task.lead_id,
        task_id=inspection.task_id,
        code=code,
    )
    if point is None:
        raise _not_a_member(inspector, inspection)
    if point.id is None:
        raise _not_in_task()
    write = TeamWrite(
        member_department=point.member_department,
        lead_department=point.lead_department,
        item=point.code,
        item_department=point.item_department,
    )
    _ensure_place(inspector, Action.RECORD_ITEM, write)
    return point


def _ensure_place(inspector: Inspector, action: Action, write: TeamWrite) -> None:
    as_member = Actor(inspector.user_id, inspector.code, Role.INSPECTOR, write.member_department)
    ensure(as_member, action, write)


def _not_a_member(inspector: Inspector, inspection: Inspection) -> Exception:
    return InspectionMember.DoesNotExist(f"inspector {inspector.id} on {inspection.id}")


def _with_entity_and_task():
    return (
        Inspection.select(Inspection, Entity, SpotCheckTask)
        .join(Entity)
        .switch(Inspection)
        .join(SpotCheckTask)
        .switch(Inspection)
    )


def my_inspections(inspector: Inspector | int):
    """Inspections whose team this inspector is on."""
    return (
        _with_entity_and_task()
        .join(InspectionMember)
        .where(InspectionMember.inspector == inspector)
    )


def not_found() -> AppError:
    """What any inspection that is not mine looks like: another team's id tells nothing."""
    return AppError("NOT_FOUND", zh="未找到该检查任务", en="No such inspection")


MINE = Prepared(
    lambda inspector_id, inspection_id: (
        my_inspections(inspector_id).where(Inspection.id == inspection_id).limit(1)
    ),
    inspector_id=int,
    inspection_id=int,
)
ONE = Prepared(
    lambda inspection_id: _with_entity_and_task().where(Inspection.id == inspection_id),
    inspection_id=int,
)


def get_for(inspector: Inspector | int, inspection_id: int) -> Inspection:
    """One of my inspections, or 404."""
    inspector_id = inspector if isinstance(inspector, int) else inspector.id
    inspection = MINE.one(inspector_id=inspector_id, inspection_id=inspection_id)
    if inspection is None:
        raise not_found()
    return inspection


# The versions an inspection stands at, with its entity's and its task's: every change of any of
# them moves its version (inspect_app/prepared.py).
VERSIONS = Prepared(
    lambda inspection_id: (
        Inspection.select(Inspection.version, Entity.version, SpotCheckTask.version)
        .join(Entity)
        .switch(Inspection)
        .join(SpotCheckTask)
        .where(Inspection.id == inspection_id)
    ),
    inspection_id=int,
)


def as_it_stands(inspector: Inspector, read: Inspection) -> Inspection:
    """Inside a write's transaction, one of my inspections as read just before it began (outside
    SQLite's write lock, issue 17): `read` itself while its versions and its entity's and task's
    stand, else read again (404 when it is no longer mine). Where the transaction takes no queue
    (PostgreSQL, read committed) a read inside it sees no more than one just before: `read`."""
    if not isinstance(database.obj, QueuedWriters):
        return read
    versions = (read.version, read.entity.version, read.task.version)
    if VERSIONS.first(inspection_id=read.id) == versions:
        return read
    return get_for(inspector, read.id)


def get(inspection_id: int) -> Inspection:
    """An inspection with its entity and task (for jobs, which act for no inspector)."""
    inspection = ONE.one(inspection_id=inspection_id)
    if inspection is None:
        raise Inspection.DoesNotExist(f"inspection {inspection_id}")
    return inspection


def task_point(inspection: Inspection, code: str) -> RiskPoint:
    """The task's check item of this code (404 when the task has none)."""
    point = TASK_POINT.one(task_id=inspection.task_id, code=code)
    if point is None:
        raise _not_in_task()
    return point


def _not_in_task() -> AppError:
    return AppError(
        "NOT_FOUND", zh="该检查事项不在本任务中", en="This check item is not in the task"
    )


def ensure_version(inspection: Inspection, base_version: int) -> None:
    if inspection.version != base_version:
        raise stale_write(inspection)


def ensure_open(inspection: Inspection) -> None:
    try:
        inspection_lifecycle.ensure_open(inspection.status)
    except inspection_lifecycle.InspectionSubmitted as error:
        raise AppError(error.code) from error


def bump(inspection: Inspection, now: datetime, **values) -> Inspection:
    """Write `values` and the next version, only if nobody wrote in between."""
    updated = (
        Inspection.update(**values, version=Inspection.version + 1, updated_at=now)
        .where((Inspection.id == inspection.id) & (Inspection.version == inspection.version))
        .execute()
    )
    if not updated:
        raise stale_write(Inspection.get_by_id(inspection.id))
    return get(inspection.id)


# bump_any moves only an inspection still open: at PostgreSQL's read committed, a write that
# checked the status before a teammate's submission committed finds no row here and is refused
# (its update waits for the submission's row lock, then sees the row as submitted).
STILL_OPEN = Inspection.status.in_(sorted(inspection_lifecycle.OPEN))


def _next_version(with_status: bool) -> Prepared:
    def build(inspection_id, updated_at, status=None):
        values = {"status": raw(status)} if with_status else {}
        return (
            Inspection.update(**values, version=Inspection.version + 1, updated_at=raw(updated_at))
            .where((Inspection.id == inspection_id) & STILL_OPEN)
            .returning(Inspection)
        )

    kinds = {"inspection_id": int, "updated_at": str} | ({"status": str} if with_status else {})
    return Prepared(build, **kinds)


NEXT_VERSION = {with_status: _next_version(with_status) for with_status in (False, True)}


def bump_any(inspection: Inspection, now: datetime, **values) -> Inspection:
    """Next version whatever the current one: for writes checked at a finer grain (items). A
    tablet's item write (the version, maybe its status) runs prepared, and the row comes back
    from the update itself as it now stands (a teammate's change committed before it included),
    with the entity and task already read. 409 INSPECTION_SUBMITTED if it was submitted since
    it was read (STILL_OPEN)."""
    if not set(values) <= {"status"}:
        moved = (
            Inspection.update(**values, version=Inspection.version + 1, updated_at=now)
            .where((Inspection.id == inspection.id) & STILL_OPEN)
            .execute()
        )
        if not moved:
            raise AppError("INSPECTION_SUBMITTED")
        return get(inspection.id)
    rows = NEXT_VERSION["status" in values].rows(
        inspection_id=inspection.id,
        updated_at=Inspection.updated_at.db_value(now),
        **{name: Inspection.status.db_value(v) for name, v in values.items()},
    )
    updated = next(iter(rows), None)
    if updated is None:
        raise AppError("INSPECTION_SUBMITTED")
    updated.entity, updated.task = inspection.entity, inspection.task
    return updated


# What InspectionSummarySchema reads: a sync page selects only these.
SUMMARY_COLUMNS = (
    *(Inspection.id, Inspection.kind, Inspection.round, Inspection.status, Inspection.due_on),
    *(Inspection.shortfall, Inspection.outcome, Inspection.version, Inspection.updated_at),
    *(Entity.id, Entity.credit_code, Entity.name, Entity.address, Entity.lat, Entity.lon),
    *(SpotCheckTask.id, SpotCheckTask.code),
)


def stale_write(
    inspection: Inspection, yours: dict[str, Any] | None = None, **current: Any
) -> AppError:
    """The one answer to a write based on an old version: 409 STALE_VERSION with the current
    state (`errors.current`) and, for a part's write, what the write was based on and would
    have written (`errors.yours`): both versions, for the tablet to show."""
    errors: dict[str, Any] = {"current": SUMMARY.dump(inspection) | current}
    if yours is not None:
        errors["yours"] = yours
    return AppError("STALE_VERSION", http=HTTPStatus.CONFLICT, errors=errors)


# The parts of an inspection versioned on their own (docs/concurrency.md, "An offline team").
PARTS = ("check_in", "outcome")


def part_state(inspection: Inspection, part: str) -> dict[str, Any]:
    """One versioned part as it stands: its version and its values."""
    if part == "check_in":
        return {
            "part": part,
            "version": inspection.check_in_version,
            "device_at": _iso(inspection.checked_in_device_at),
            "received_at": _iso(inspection.checked_in_at),
            "distance_m": inspection.check_in_distance_m,
        }
    return {
        "part": part,
        "version": inspection.outcome_version,
        "outcome": inspection.outcome,
        "notes": inspection.outcome_notes,
        "device_at": _iso(inspection.outcome_device_at),
        "received_at": _iso(inspection.outcome_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def bump_part(
    inspection: Inspection,
    now: datetime,
    part: str,
    expected: int,
    yours: dict[str, Any],
    **values: Any,
) -> Inspection:
    """Write one part (check-in or outcome) on the part's version the tablet saw, whatever the
    inspection's version (a teammate's write in between is not a conflict); an older part
    version is 409 STALE_VERSION with both: the part as it stands and `yours`."""
    column = getattr(Inspection, f"{part}_version")
    updated = (
        Inspection.update(
            **values,
            **{f"{part}_version": column + 1},
            version=Inspection.version + 1,
            updated_at=now,
        )
        .where((Inspection.id == inspection.id) & (column == expected))
        .execute()
    )
    if not updated:
        current = Inspection.get_by_id(inspection.id)
        raise stale_write(
            current,
            yours={"part": part, "version": expected, **yours},
            part=part_state(current, part),
        )
    return get(inspection.id)


def photo_url(inspection_id: int, sha256: str) -> str:
    """Where an authorised reader GETs one of the inspection's photos (api/photos.py)."""
    return f"/api/v1/inspections/{inspection_id}/photos/{sha256}"


def visit_time(inspection: Inspection) -> datetime | None:
    """When the team was there, as the devices recorded it: the check-in's device time (else
    its receipt time), for a check without access the outcome's, else the submission's."""
    return (
        inspection.checked_in_device_at
        or inspection.checked_in_at
        or inspection.outcome_device_at
        or inspection.submitted_device_at
        or inspection.submitted_at
    )


@dataclass(frozen=True)
class ItemText:
    """What a check item says, at the version the task chose."""

    code: str
    version: int
    title: str
    content: str
    method: str
    key_item: bool


@dataclass(frozen=True)
class ChecklistItem(ItemText):
    result: str | None
    notes: str
    item_version: int
    device_at: datetime | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class ChecklistGroup:
    department: str
    role: str
    items: list[ChecklistItem]


@dataclass(frozen=True)
class EvidenceItem:
    sha256: str
    size: int
    content_type: str
    risk_point: str | None
    device_at: datetime | None = None
    uploaded_at: datetime | None = None
    url: str = ""


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    department: str
    signed: bool
    # The member's signature as kept (docs/concurrency.md, "An offline team"): its scope
    # ("record" or "part", None unsigned), the whole content's hash as it stood when signed,
    # whether it no longer covers what it signed (stale: sign again before submission), the
    # device's time; and the versions of the member's own part, what a `parts` signature names.
    scope: str | None = None
    signed_hash: str | None = None
    stale: bool = False
    signed_at: datetime | None = None
    signed_device_at: datetime | None = None
    parts: dict[str, Any] | None = None


@dataclass(frozen=True)
class MemberPart:
    """What one member answers for: their department's items, the photos they uploaded, and for
    the lead department's member the check-in and the outcome. `versions` is what a signature
    on the part names; `digest` the hash of the part's content, what it signs."""

    versions: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class LicenceInForce:
    licence: Licence
    permits: list[LicencePermit]


@dataclass(frozen=True)
class RecordVersion:
    """One version of what the team signs: the outcome and every item (`code@vN`)."""

    outcome: str | None
    outcome_notes: str
    items: list[dict[str, str | None]]
    content_hash: str


@dataclass(frozen=True)
class KeptSignature:
    code: str
    content_hash: str
    signed_at: str


@dataclass(frozen=True)
class AmendmentState:
    """An amendment beside the record it amends: the original stays readable with its
    signatures; `team` says who has signed the amended content."""

    id: int
    status: str
    reason: str
    amended_by: str
    amended_at: datetime
    original: RecordVersion
    original_signatures: list[KeptSignature]
    amended: RecordVersion
    team: list[Member]


@dataclass(frozen=True)
class Detail:
    """Everything a tablet needs offline; the summary's fields are the inspection's own."""

    inspection: Inspection
    street: str
    licence: LicenceInForce | None
    last_results: list[Inspection]
    checklist: list[ChecklistGroup]
    evidence: list[EvidenceItem]
    team: list[Member]
    content_hash: str
    amendments: list[AmendmentState]
    amendment_pending: bool
    visited_at: datetime | None = None
    submission_requested: bool = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "inspection":  # copy/pickle probe before init
            raise AttributeError(name)
        return getattr(self.inspection, name)


# The reads of an inspection's record, built once (inspect_app/prepared.py): a tablet write
# answers with the record it leaves, so they run on every write (issue 17's profile). Each reads
# only the columns the record shows: peewee's cost is by the value it converts and sets.
CHECK_ITEM = tuple(
    getattr(RiskPoint, name)
    for name in ("code", "version", "title", "content", "method", "key_item", "id", "department")
)
RESULT = tuple(
    getattr(ItemResult, name)
    for name in ("id", "result", "notes", "version", "device_at", "recorded_at")
)
RECORDED = Prepared(
    lambda inspection_id: (
        ItemResult.select(ItemResult, RiskPoint.id, RiskPoint.code, RiskPoint.version)
        .join(RiskPoint)
        .where(ItemResult.inspection == inspection_id)
    ),
    inspection_id=int,
)
EVIDENCE = Prepared(
    lambda inspection_id: (
        Evidence.select(Evidence, RiskPoint.id, RiskPoint.code)
        .join(RiskPoint, JOIN.LEFT_OUTER)
        .where(Evidence.inspection == inspection_id)
    ),
    inspection_id=int,
)
TASK_POINTS = Prepared(  # the task's check items with their departments, by code
    lambda task_id: (
        RiskPoint.select(*CHECK_ITEM, Department.id, Department.code)
        .join(TaskRiskPoint)
        .switch(RiskPoint)
        .join(Department)
        .where(TaskRiskPoint.task == task_id)
        .order_by(RiskPoint.code)
    ),
    task_id=int,
)
# The task's check items with each one's result on the inspection, if recorded: what a record
# reads of both in one query (TASK_POINTS and RECORDED each give one of them).
POINTS_RECORDED = Prepared(
    lambda task_id, inspection_id: (
        RiskPoint.select(*CHECK_ITEM, Department.code, *RESULT)
        .join(TaskRiskPoint)
        .switch(RiskPoint)
        .join(Department)
        .switch(RiskPoint)
        .join(
            ItemResult,
            JOIN.LEFT_OUTER,
            on=(ItemResult.risk_point == RiskPoint.id) & (ItemResult.inspection == inspection_id),
        )
        .where(TaskRiskPoint.task == task_id)
        .order_by(RiskPoint.code)
        .tuples()
    ),
    task_id=int,
    inspection_id=int,
)
TEAM = Prepared(  # the members with their inspector, department and signature
    lambda inspection_id: (
        InspectionMember.select(
            InspectionMember.inspector,
            InspectionMember.department,
            Inspector.code,
            Inspector.name,
            Department.code,
            Signature.content_hash,
            Signature.scope,
            Signature.part_hash,
            Signature.signed_at,
            Signature.device_at,
        )
        .join(Inspector)
        .switch(InspectionMember)
        .join(Department)
        .switch(InspectionMember)
        .join(
            Signature,
            JOIN.LEFT_OUTER,
            on=(Signature.inspection == InspectionMember.inspection)
            & (Signature.inspector == InspectionMember.inspector),
        )
        .where(InspectionMember.inspection == inspection_id)
        .order_by(Department.code, Inspector.code)
        .tuples()
    ),
    inspection_id=int,
)


# What a record reads of its check items, results and team, as plain rows (issue 17: peewee's
# joined models were a sixth of a tablet write's CPU); the attributes are the models' own, so
# what reads them reads models as well (fieldwork's signatures read ItemResult models).
@dataclass(frozen=True, slots=True)
class Coded:
    """A joined row as the record shows it: a department's code, an inspector's and name."""

    code: str
    name: str = ""


@dataclass(frozen=True)
class CheckItem(ItemText):
    """One of the task's check items (RiskPoint's columns in CHECK_ITEM, in their order)."""

    id: int
    department_id: int
    department: Coded


@dataclass(frozen=True, slots=True)
class Recorded:
    """A result recorded on a check item (ItemResult's columns in RESULT)."""

    id: int
    result: str
    notes: str
    version: int
    device_at: datetime | None
    recorded_at: datetime
    risk_point: CheckItem

    @property
    def risk_point_id(self) -> int:
        return self.risk_point.id


@dataclass(frozen=True, slots=True)
class TeamSignature:
    content_hash: str
    scope: str
    part_hash: str | None
    signed_at: datetime
    device_at: datetime | None


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member of the inspection's team, with their signature if they signed (TEAM's row)."""

    inspector_id: int
    department_id: int
    inspector: Coded
    department: Coded
    signature: TeamSignature | None


LICENCE = Prepared(
    lambda holder_id, industry_id: (
        Licence.select(Licence, Industry)
        .join(Industry)
        .where((Licence.holder == holder_id) & (Licence.industry == industry_id))
        .order_by(Licence.issued_at.desc())
        .limit(1)
    ),
    holder_id=int,
    industry_id=int,
)
PERMITS = Prepared(
    lambda licence_id: (
        LicencePermit.select(LicencePermit, Permit, Department)
        .join(Permit)
        .join(Department)
        .where(LicencePermit.licence == licence_id)
        .order_by(Permit.code)
    ),
    licence_id=int,
)
STREET_NAME = Prepared(
    lambda street_id: Street.select(Street.name).where(Street.id == street_id), street_id=int
)
HISTORY = Prepared(  # the entity's last five submitted results, but this one
    lambda entity_id, inspection_id: (
        Inspection.select(Inspection, SpotCheckTask)
        .join(SpotCheckTask)
        .where(
            (Inspection.entity == entity_id)
            & (Inspection.id != inspection_id)
            & (Inspection.status == InspectionStatus.SUBMITTED)
        )
        .order_by(Inspection.checked_on.desc())
        .limit(5)
    ),
    entity_id=int,
    inspection_id=int,
)
AMENDMENTS = Prepared(
    lambda inspection_id: (
        Amendment.select(Amendment, Inspector)
        .join(Inspector)
        .where(Amendment.inspection == inspection_id)
        .order_by(Amendment.id)
    ),
    inspection_id=int,
)


def _recorded(inspection: Inspection) -> list[ItemResult]:
    return list(RECORDED.rows(inspection_id=inspection.id))


def _evidence(inspection: Inspection) -> list[Evidence]:
    """The photos in the order they were taken (the device's time, else the receipt's; then by
    hash), not the order they arrived in: the same record whatever order the tablets synced."""
    return sorted(
        EVIDENCE.rows(inspection_id=inspection.id),
        key=lambda e: (e.device_at or e.uploaded_at, e.sha256),
    )


def _task_points(inspection: Inspection) -> list[RiskPoint]:
    return list(TASK_POINTS.rows(task_id=inspection.task_id))


def _points_recorded(inspection: Inspection) -> tuple[list[CheckItem], list[Recorded]]:
    """The task's check items and the results recorded on them, in one query (as _task_points
    and _recorded would give them)."""
    points, recorded = [], []
    for row in POINTS_RECORDED.rows(task_id=inspection.task_id, inspection_id=inspection.id):
        point = CheckItem(*row[:8], Coded(row[8]))
        points.append(point)
        if row[9] is not None:
            recorded.append(Recorded(*row[9:], point))
    return points, recorded


def checklist(
    inspection: Inspection, recorded: list[ItemResult], points: list[RiskPoint] | None = None
) -> list[ChecklistGroup]:
    """The task's risk points (at the versions the task chose), grouped by owning department, lead first."""
    lead_id = inspection.task.lead_id
    points = _task_points(inspection) if points is None else points
    lead = next((p.department.code for p in points if p.department_id == lead_id), None)
    if lead is None:  # a task whose lead owns none of its items
        lead = Department.get_by_id(lead_id).code
    results = {r.risk_point_id: r for r in recorded}
    groups: dict[str, list[ChecklistItem]] = {}
    for point in points:
        result = results.get(point.id)
        groups.setdefault(point.department.code, []).append(
            ChecklistItem(
                code=point.code,
                version=point.version,
                title=point.title,
                content=point.content,
                method=point.method,
                key_item=point.key_item,
                result=result.result if result else None,
                notes=result.notes if result else "",
                item_version=result.version if result else 0,
                device_at=result.device_at if result else None,
                recorded_at=result.recorded_at if result else None,
            )
        )
    order = sorted(groups, key=lambda code: (code != lead, code))
    return [
        ChecklistGroup(code, "lead" if code == lead else "partner", groups[code]) for code in order
    ]


def member_parts(
    inspection: Inspection,
    recorded: list[ItemResult] | None = None,
    evidence: list[Evidence] | None = None,
    points: list[RiskPoint] | None = None,
    members: list[InspectionMember] | None = None,
) -> dict[int, MemberPart]:
    """Each member's own part, by inspector id (see MemberPart); what the caller has read
    already (the results, evidence, task points, team) is passed in, not read again."""
    recorded = _recorded(inspection) if recorded is None else recorded
    evidence = _evidence(inspection) if evidence is None else evidence
    points = _task_points(inspection) if points is None else points
    members = _members(inspection) if members is None else members
    lead = inspection.task.lead_id
    results = {r.risk_point_id: r for r in recorded}
    parts: dict[int, MemberPart] = {}
    for member in members:
        own = [p for p in points if p.department_id == member.department_id]
        mine = sorted({e.sha256 for e in evidence if e.uploaded_by_id == member.inspector_id})
        versions: dict[str, Any] = {
            "items": [
                {"code": p.code, "item_version": results[p.id].version if p.id in results else 0}
                for p in own
            ],
            "evidence": mine,
        }
        content: dict[str, Any] = {
            "inspection": inspection.id,
            "member": member.inspector_id,
            "items": {
                f"{p.code}@v{p.version}": [results[p.id].result, results[p.id].notes]
                if p.id in results
                else None
                for p in own
            },
            "evidence": mine,
        }
        if member.department_id == lead:
            versions |= {
                "check_in": inspection.check_in_version,
                "outcome": inspection.outcome_version,
            }
            content |= {
                "check_in": [
                    _iso(inspection.checked_in_device_at or inspection.checked_in_at),
                    inspection.check_in_distance_m,
                ],
                "outcome": [inspection.outcome, inspection.outcome_notes],
            }
        parts[member.inspector_id] = MemberPart(versions, _digest(content))
    return parts


def _members(inspection: Inspection) -> list[TeamMember]:
    """The team, by department then inspector code, each with `.signature` (or None)."""
    return [
        TeamMember(
            inspector,
            department,
            Coded(code, name),
            Coded(department_code),
            None if signed[0] is None else TeamSignature(*signed),
        )
        for inspector, department, code, name, department_code, *signed in TEAM.rows(
            inspection_id=inspection.id
        )
    ]


def team(
    inspection: Inspection,
    current: str | None = None,
    parts: dict[int, MemberPart] | None = None,
    members: list[InspectionMember] | None = None,
) -> list[Member]:
    """The members, each with whether their signature still covers what it signed: the content
    as it stands (`current`) for a record signature, their own part for a part signature."""
    current = current or content_hash(inspection)
    members = _members(inspection) if members is None else members
    parts = member_parts(inspection, members=members) if parts is None else parts
    out = []
    for m in members:
        part = parts.get(m.inspector_id)
        sig = m.signature
        signed = sig is not None and (
            sig.part_hash == part.digest
            if sig.scope == "part" and part is not None
            else sig.content_hash == current
        )
        out.append(
            Member(
                code=m.inspector.code,
                name=m.inspector.name,
                department=m.department.code,
                signed=signed,
                scope=sig.scope if sig else None,
                signed_hash=sig.content_hash if sig else None,
                stale=sig is not None and not signed,
                signed_at=sig.signed_at if sig else None,
                signed_device_at=sig.device_at if sig else None,
                parts=part.versions if part else None,
            )
        )
    return out


def _licence_in_force(inspection: Inspection) -> LicenceInForce | None:
    entity = inspection.entity
    licence = LICENCE.one(holder_id=entity.id, industry_id=inspection.task.industry_id)
    if licence is None:
        return None
    licence.holder = entity
    return LicenceInForce(licence, list(PERMITS.rows(licence_id=licence.id)))


def detail(inspection: Inspection, *, frame: bool = True) -> Detail:
    """Everything a tablet needs offline: entity, licence and permits, past results, checklist,
    team. `frame=False` leaves out what follows the entity rather than the inspection (street,
    licence, last results), for a caller that holds them as they stand (an offline copy's frame)."""
    entity = inspection.entity
    (points, recorded), evidence = _points_recorded(inspection), _evidence(inspection)
    members = _members(inspection)
    digest = _digest(_content(inspection, recorded, evidence))
    street, licence, last_results = "", None, []
    if frame:
        licence = _licence_in_force(inspection)
        (street,) = STREET_NAME.first(street_id=entity.street_id)
        last_results = list(HISTORY.rows(entity_id=entity.id, inspection_id=inspection.id))
    return Detail(
        inspection=inspection,
        street=street,
        licence=licence,
        last_results=last_results,
        checklist=checklist(inspection, recorded, points),
        evidence=[
            EvidenceItem(
                e.sha256,
                e.size,
                e.content_type,
                e.risk_point.code if e.risk_point_id else None,
                e.device_at,
                e.uploaded_at,
                photo_url(inspection.id, e.sha256),
            )
            for e in evidence
        ],
        team=team(
            inspection,
            digest,
            member_parts(inspection, recorded, evidence, points, members),
            members,
        ),
        content_hash=digest,
        amendments=(kept := amendments(inspection)),
        amendment_pending=any(a.status == PENDING for a in kept),
        visited_at=visit_time(inspection),
        submission_requested=inspection.submit_requested_at is not None,
    )


PENDING, IN_FORCE, SUPERSEDED = "PENDING", "IN_FORCE", "SUPERSEDED"


def pending_amendment(inspection: Inspection) -> Amendment | None:
    """The amendment waiting for the team's signatures, if any (one at a time)."""
    return (
        Amendment.select()
        .where((Amendment.inspection == inspection) & (Amendment.status == PENDING))
        .order_by(Amendment.id.desc())
        .first()
    )


def version_of(content: dict[str, Any]) -> RecordVersion:
    return RecordVersion(
        outcome=content["outcome"],
        outcome_notes=content["outcome_notes"],
        items=[
            {"item": k, "result": v[0], "notes": v[1]} for k, v in sorted(content["items"].items())
        ],
        content_hash=_digest(content),
    )


def amendments(inspection: Inspection) -> list[AmendmentState]:
    """Every amendment of this inspection, oldest first (the original of each kept). Only a
    submitted inspection is amended, and a submitted one stays so: the others are not asked."""
    if inspection.status != InspectionStatus.SUBMITTED:
        return []
    rows = list(AMENDMENTS.rows(inspection_id=inspection.id))
    if not rows:
        return []
    signed = {
        (s.amendment_id, s.inspector.code): s.content_hash
        for s in AmendmentSignature.select(AmendmentSignature, Inspector)
        .join(Inspector)
        .where(AmendmentSignature.amendment.in_([r.id for r in rows]))
    }
    members = team(inspection, "-")  # who is on the team; their signatures are counted below
    return [
        AmendmentState(
            id=row.id,
            status=row.status,
            reason=row.reason,
            amended_by=row.amended_by.code,
            amended_at=row.amended_at,
            original=version_of(row.original),
            original_signatures=[KeptSignature(**kept) for kept in row.original_signatures],
            amended=version_of(row.content or row.original),
            team=[
                Member(
                    m.code,
                    m.name,
                    m.department,
                    row.content_hash is not None
                    and signed.get((row.id, m.code)) == row.content_hash,
                )
                for m in members
            ],
        )
        for row in rows
    ]


def content(inspection: Inspection) -> dict[str, Any]:
    """What the team signs: check-in, every item, the evidence, the outcome."""
    return _content(inspection, _recorded(inspection), _evidence(inspection))


def _content(
    inspection: Inspection, recorded: list[ItemResult], evidence: list[Evidence]
) -> dict[str, Any]:
    return {
        "inspection": inspection.id,
        # the device's time when it sent one (the same content on every replay order)
        "checked_in_at": _iso(inspection.checked_in_device_at or inspection.checked_in_at),
        "distance_m": inspection.check_in_distance_m,
        "items": {
            f"{r.risk_point.code}@v{r.risk_point.version}": [r.result, r.notes] for r in recorded
        },
        "evidence": sorted(e.sha256 for e in evidence),
        "outcome": inspection.outcome,
        "outcome_notes": inspection.outcome_notes,
    }


def content_hash(inspection: Inspection) -> str:
    return _digest(content(inspection))


def digest(content: dict[str, Any]) -> str:
    """The hash a member signs, of content as `content` gives it."""
    return _digest(content)


def _digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
