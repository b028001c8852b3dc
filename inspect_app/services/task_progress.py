"""What a task's planners read after the draw (SPEC §11): its inspections with their state, an
inspection's record, and the names behind the codes of a draw record. Reads only; the task is
checked visible first (others get 404, as if absent), exactly as the task itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from inspect_app.actor import Actor
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.errors import AppError
from inspect_app.models import (
    AuditEntry,
    Draw,
    Entity,
    Inspection,
    InspectionMember,
    Inspector,
    SpotCheckTask,
    Street,
)
from inspect_app.services import inspections, tasks


@dataclass(frozen=True)
class ProgressRow:
    inspection: Inspection
    overdue: bool
    team: list[str]  # inspector codes, by department then code


def is_overdue(inspection: Inspection, today: date) -> bool:
    """Marked overdue by the job, or past its due date and not submitted."""
    if inspection.status == InspectionStatus.SUBMITTED:
        return False
    return inspection.status == InspectionStatus.OVERDUE or bool(
        inspection.due_on and inspection.due_on < today
    )


def progress(actor: Actor, code: str, today: date) -> tuple[SpotCheckTask, list[ProgressRow]]:
    """A visible task and its inspections (drawn ones first, then re-inspections), in two
    queries whatever their number."""
    task = tasks.visible_task(actor, code)
    rows = list(
        Inspection.select(Inspection, Entity, Street)
        .join(Entity)
        .join(Street)
        .where(Inspection.task == task)
        .order_by(Inspection.round, Inspection.sequence, Inspection.id)
    )
    teams: dict[int, list[str]] = {row.id: [] for row in rows}
    for inspection_id, inspector in (
        InspectionMember.select(InspectionMember.inspection, Inspector.code)
        .join(Inspector)
        .where(InspectionMember.inspection.in_(list(teams)))
        .order_by(Inspector.code)
        .tuples()
    ):
        teams[inspection_id].append(inspector)
    return task, [ProgressRow(row, is_overdue(row, today), teams[row.id]) for row in rows]


def inspection_record(actor: Actor, inspection_id: int) -> tuple[SpotCheckTask, inspections.Detail]:
    """An inspection's whole record (results, signatures, photos) for whoever may see its task."""
    inspection = Inspection.get_or_none(Inspection.id == inspection_id)
    if inspection is None:
        raise AppError("NOT_FOUND", zh="未找到该检查", en="No such inspection")
    task = tasks.visible_task(actor, SpotCheckTask.get_by_id(inspection.task_id).code)
    return task, inspections.detail(inspection)


def entity_names(credit_codes: list[str]) -> dict[str, str]:
    """Entity names by credit code, for a record that names entities by code."""
    names: dict[str, str] = {}
    for start in range(0, len(credit_codes), 5000):
        chunk = credit_codes[start : start + 5000]
        names.update(
            Entity.select(Entity.credit_code, Entity.name)
            .where(Entity.credit_code.in_(chunk))
            .tuples()
        )
    return names


def inspection_ids(task: SpotCheckTask) -> dict[str, int]:
    """The drawn (round 0) inspection of each picked entity, by credit code, once dispatched."""
    return dict(
        Inspection.select(Entity.credit_code, Inspection.id)
        .join(Entity)
        .where((Inspection.task == task) & (Inspection.round == 0))
        .tuples()
    )


def task_code_of(actor: Actor, inspection_id: int) -> str:
    """The code of a visible task an inspection belongs to (404 otherwise)."""
    inspection = Inspection.get_or_none(Inspection.id == inspection_id)
    if inspection is None:
        raise AppError("NOT_FOUND", zh="未找到该检查", en="No such inspection")
    return tasks.visible_task(actor, SpotCheckTask.get_by_id(inspection.task_id).code).code


# A draw row without its snapshots: a district's frame is 100,000 rows of JSON, which a page that
# shows the commitment, the seed and the teams never reads.
LIGHT_DRAW = tuple(f for name, f in Draw._meta.fields.items() if name not in ("frame", "pool"))


def light_draw(task: SpotCheckTask) -> Draw | None:
    """The task's draw record without the frame and pool snapshots (None before the freeze)."""
    return Draw.select(*LIGHT_DRAW).where(Draw.task == task).first()


def snapshot_sizes(task: SpotCheckTask) -> tuple[int | None, int | None]:
    """How many entities and inspectors the freeze snapshotted, as its audit entry says."""
    entry = (
        AuditEntry.select(AuditEntry.after)
        .where(
            (AuditEntry.object_type == "task")
            & (AuditEntry.object_id == task.code)
            & (AuditEntry.action == "task.freeze")
        )
        .first()
    )
    after = (entry.after or {}) if entry else {}
    return after.get("frame_size"), after.get("pool_size")
