"""The public ledger of commitments (承诺公示台账): every frozen task, at once, with its commitment
and announced seed source, and where it stands — awaiting its draw, overdue, drawn, or voided
with a reason. Every commitment ends (docs/domain.md, "The commitment ledger").

The state is computed when read, from the task's status and its seed source's time, so the
ledger is right whether or not the overdue job ran; the job only tells the planners, once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from inspect_app import audit, config
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.clock import SHANGHAI, as_utc
from inspect_app.db import database
from inspect_app.domain import task as task_lifecycle
from inspect_app.domain.task import LEDGER_LABELS, LedgerState, TaskStatus, TaskStep
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Draw,
    Industry,
    OverdueDraw,
    SpotCheckTask,
    TaskVoid,
    User,
)
from inspect_app.services import beacons, notifications, tasks
from inspect_app.services.listing import Listing
from inspect_app.services.public_csv import inert_cell
from scheduler import beacon

# The task statuses the ledger lists: a commitment exists from the freeze on (a draft is not public).
LISTED = (TaskStatus.FROZEN, TaskStatus.DRAWN, TaskStatus.VOIDED)
VOID_REASON_MAX_CHARS = 500
CSV_PAGE_ROWS = 500
CSV_COLUMNS = (
    "task",
    "name",
    "industry",
    "lead",
    "partners",
    "period_start",
    "period_end",
    "state",
    "state_label",
    "committed_at",
    "algorithm_version",
    "commitment_hash",
    "seed_source",
    "seed_due_at",
    "drawn_at",
    "result_hash",
    "voided_at",
    "void_reason",
)


@dataclass(frozen=True)
class LedgerFilter:
    """What a reader narrows the ledger to: a state, a department (lead or partner), and tasks
    whose period overlaps [period_from, period_until]."""

    state: LedgerState | None = None
    department: str | None = None
    period_from: date | None = None
    period_until: date | None = None


def grace() -> timedelta:
    return timedelta(minutes=config.ledger_settings()["DRAW_GRACE_MINUTES"])


def announced_source(row: Draw) -> dict[str, Any] | None:
    """The seed source announced at the freeze (hashed into the commitment), wherever the draw
    row keeps it: in its parameters or its `seed_source` column, as a mapping with a `kind`.
    None for a task frozen before seed sources were committed."""
    params = row.params if isinstance(row.params, Mapping) else {}
    for candidate in (params.get("seed_source"), row.seed_source):
        if isinstance(candidate, Mapping) and candidate.get("kind"):
            return dict(candidate)
    return None


def seed_due_at(source: Mapping[str, Any] | None, task: SpotCheckTask) -> datetime:
    """When the seed's value exists, so the draw can take place: a drand round's time, the end
    of a lottery session's day (Asia/Shanghai), a pulse's stated time; failing those (no source
    announced, a chain no longer pinned), the start of the task's period — no visit can begin
    before the draw."""
    if source:
        found = _source_time(source)
        if found is not None:
            return found
    return datetime.combine(task.period_start, time.min, SHANGHAI).astimezone(UTC)


def _source_time(source: Mapping[str, Any]) -> datetime | None:
    kind = source.get("kind")
    try:
        if kind == "drand":
            return _drand_round_time(str(source["chain_hash"]), int(source["round"]))
        if kind == "lottery" and source.get("date"):
            day = date.fromisoformat(str(source["date"]))
            return datetime.combine(day + timedelta(days=1), time.min, SHANGHAI).astimezone(UTC)
        if source.get("time"):
            return as_utc(datetime.fromisoformat(str(source["time"])))
    except (AppError, KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    return None


def _drand_round_time(chain_hash: str, round_number: int) -> datetime:
    """The round's emission time on its pinned chain (genesis + (round − 1) × period); an
    unpinned chain is an AppError (UNKNOWN_CHAIN)."""
    chain = beacons.pinned_chain(chain_hash)
    return datetime.fromtimestamp(beacon.round_time(chain, round_number), UTC)


# -- reading the ledger --


def _base_query(filters: LedgerFilter):
    query = (
        SpotCheckTask.select(SpotCheckTask, Industry, Department)
        .join(Industry)
        .switch(SpotCheckTask)
        .join(Department)
        .switch(SpotCheckTask)
        .join(Draw, on=(Draw.task == SpotCheckTask.id))  # a commitment exists: frozen or later
        .where(SpotCheckTask.status.in_(LISTED))
    )
    if filters.department:
        query = query.where(
            (Department.code == filters.department) | tasks.partnered_by(filters.department)
        )
    if filters.period_from:
        query = query.where(SpotCheckTask.period_end >= filters.period_from)
    if filters.period_until:
        query = query.where(SpotCheckTask.period_start <= filters.period_until)
    return query


def ledger(filters: LedgerFilter, now: datetime) -> Listing:
    """The public ledger, newest commitment first, paged in the database. A state filter on
    drawn or voided is a status; awaiting or overdue splits the frozen tasks by their seed's
    time, read from the frozen tasks only (each must end, so they stay few)."""
    query = _base_query(filters)
    state = filters.state
    if state == LedgerState.DRAWN:
        query = query.where(SpotCheckTask.status == TaskStatus.DRAWN)
    elif state == LedgerState.VOIDED:
        query = query.where(SpotCheckTask.status == TaskStatus.VOIDED)
    elif state in (LedgerState.AWAITING_DRAW, LedgerState.OVERDUE):
        frozen = query.where(SpotCheckTask.status == TaskStatus.FROZEN)
        ids = [e.task.id for e in _entries(list(frozen), now) if e.state == state]
        query = query.where(SpotCheckTask.id.in_(ids or [0]))
    query = query.order_by(Draw.committed_at.desc(), SpotCheckTask.id.desc())
    return Listing(query, lambda rows: _entries(rows, now))


@dataclass
class LedgerEntry:
    """One commitment as the public reads it."""

    task: SpotCheckTask
    draw: Draw
    state: LedgerState
    seed_source: dict[str, Any] | None
    seed_due_at: datetime
    void: TaskVoid | None

    @property
    def state_label(self) -> str:
        return LEDGER_LABELS[self.state]

    @property
    def public_source(self) -> dict[str, Any] | None:
        if self.seed_source is None:
            return None
        return self.seed_source | {"canonical": self.seed_source_json}

    @property
    def seed_source_json(self) -> str | None:
        """The announced source exactly as canonical JSON (sorted keys, no spaces)."""
        if self.seed_source is None:
            return None
        return json.dumps(
            self.seed_source, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )


# The draw row's columns the ledger shows (never the frame, pool or result: picks stay sealed).
DRAW_COLUMNS = (
    Draw.id,
    Draw.task,
    Draw.algorithm_version,
    Draw.params,
    Draw.commitment_hash,
    Draw.committed_at,
    Draw.seed_source,
    Draw.drawn_at,
    Draw.result_hash,
)


def _entries(rows: list[SpotCheckTask], now: datetime) -> list[LedgerEntry]:
    """The rows with their commitments and voids, in two queries whatever their number."""
    ids = [row.id for row in rows]
    draws = {d.task_id: d for d in Draw.select(*DRAW_COLUMNS).where(Draw.task.in_(ids))}
    voids = {v.task_id: v for v in TaskVoid.select().where(TaskVoid.task.in_(ids))}
    entries = []
    for row in rows:
        draw = draws.get(row.id)
        if draw is None:  # frozen and rolled back mid-way: no commitment, nothing to list
            continue
        source = announced_source(draw)
        due = seed_due_at(source, row)
        entries.append(
            LedgerEntry(
                task=row,
                draw=draw,
                state=task_lifecycle.ledger_state(row.status, due, now, grace()),
                seed_source=source,
                seed_due_at=due,
                void=voids.get(row.id),
            )
        )
    return entries


def entry_for(task: SpotCheckTask, now: datetime) -> LedgerEntry | None:
    """One task's ledger entry (None for a draft: not public)."""
    if task.status not in LISTED:
        return None
    entries = _entries([task], now)
    return entries[0] if entries else None


def ledger_csv(filters: LedgerFilter, now: datetime) -> str:
    """The whole filtered ledger as CSV (UTF-8 with BOM, cells made inert as in every public
    CSV), read a page at a time and answered whole (no database work after the response)."""
    listing = ledger(filters, now)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    page = 1
    while entries := listing.page(page, CSV_PAGE_ROWS):
        for entry in entries:
            writer.writerow({k: inert_cell(v) for k, v in csv_row(entry).items()})
        page += 1
    return out.getvalue()


def csv_row(entry: LedgerEntry) -> dict[str, Any]:
    task, draw, void = entry.task, entry.draw, entry.void
    return {
        "task": task.code,
        "name": task.name,
        "industry": task.industry.code,
        "lead": task.lead.code,
        "partners": ";".join(task.partners),
        "period_start": task.period_start.isoformat(),
        "period_end": task.period_end.isoformat(),
        "state": entry.state.value,
        "state_label": entry.state_label,
        "committed_at": _iso(draw.committed_at),
        "algorithm_version": draw.algorithm_version,
        "commitment_hash": draw.commitment_hash,
        "seed_source": entry.seed_source_json or "",
        "seed_due_at": _iso(entry.seed_due_at),
        "drawn_at": _iso(draw.drawn_at),
        "result_hash": draw.result_hash or "",
        "voided_at": _iso(void.voided_at) if void else "",
        "void_reason": void.reason if void else "",
    }


def _iso(value: datetime | None) -> str:
    return as_utc(value).isoformat() if value else ""


# -- voiding a frozen task --


def _checked_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    shortest = config.ledger_settings()["VOID_REASON_MIN_CHARS"]
    if len(text) < shortest or len(text) > VOID_REASON_MAX_CHARS:
        raise AppError(
            "VALIDATION_FAILED",
            errors={
                "reason": [
                    {
                        "zh": f"作废须公开说明理由（{shortest}–{VOID_REASON_MAX_CHARS} 个字）",
                        "en": f"A void needs a public reason of {shortest} to "
                        f"{VOID_REASON_MAX_CHARS} characters",
                    }
                ]
            },
        )
    return text


def void_task(actor: Actor, code: str, reason: str | None, now: datetime) -> LedgerEntry:
    """FROZEN -> VOIDED by the lead department, with a reason the ledger publishes. The draw row
    keeps its commitment; a drawn task cannot be voided, and a draft is edited, not voided."""
    with database.atomic():
        task = tasks.get_task(code)
        ensure(actor, Action.VOID_TASK, task)
        try:
            voided = task_lifecycle.next_status(task.status, TaskStep.VOID)
        except task_lifecycle.TaskStepRefused as error:
            raise AppError(error.code) from error
        text = _checked_reason(reason)
        changed = (
            SpotCheckTask.update(status=voided, version=SpotCheckTask.version + 1, updated_at=now)
            .where((SpotCheckTask.id == task.id) & (SpotCheckTask.status == task.status))
            .execute()
        )
        if not changed:  # drawn (or voided) since it was read
            current = SpotCheckTask.get_by_id(task.id).status
            raise AppError("TASK_VOIDED" if current == TaskStatus.VOIDED else "ALREADY_DRAWN")
        row = TaskVoid.create(task=task, reason=text, voided_by=actor.label, voided_at=now)
        draw = Draw.get(Draw.task == task)
        audit.record(
            actor.label,
            "task.void",
            "task",
            code,
            before={"status": task.status},
            after={"status": voided, "reason": text, "commitment_hash": draw.commitment_hash},
            at=now,
        )
        TaskVoid.update(audit_head=audit.signed_head()).where(TaskVoid.id == row.id).execute()
    return entry_for(SpotCheckTask.get_by_id(task.id), now)


# -- the overdue flag --


def flag_overdue(now: datetime) -> int:
    """Frozen tasks whose seed's time has passed by the grace period without a draw are flagged
    once, and the lead department's planners told (the ledger shows them overdue regardless)."""
    flagged = 0
    with database.atomic():
        frozen = list(
            SpotCheckTask.select(SpotCheckTask, Industry, Department)
            .join(Industry)
            .switch(SpotCheckTask)
            .join(Department)
            .where(SpotCheckTask.status == TaskStatus.FROZEN)
        )
        for entry in _entries(frozen, now):
            if entry.state != LedgerState.OVERDUE:
                continue
            task = entry.task
            inserted = (
                OverdueDraw.insert(task=task, seed_due_at=entry.seed_due_at, flagged_at=now)
                .on_conflict_ignore()
                .as_rowcount()
                .execute()
            )
            if not inserted:
                continue
            due = as_utc(entry.seed_due_at).isoformat()
            audit.record(
                audit.SYSTEM_ACTOR,
                "task.draw_overdue",
                "task",
                task.code,
                after={"seed_due_at": due, "commitment_hash": entry.draw.commitment_hash},
                at=now,
            )
            for user in User.select().where(
                (User.role == "planner") & (User.department == task.lead_id) & User.active
            ):
                notifications.notify(
                    f"DRAW_OVERDUE:{task.id}:{user.id}",
                    "DRAW_OVERDUE",
                    user=user.id,
                    task=task.id,
                    now=now,
                    payload={"task": task.code, "seed_due_at": due},
                )
            flagged += 1
    return flagged
