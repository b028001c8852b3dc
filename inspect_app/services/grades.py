"""Risk grades in the registry: gather an entity's inputs, grade it (risk/), store it with why.

Every entity with a live licence has a stored grade (EntityGrade): it is computed when the entity
enters the directory (seed, import, API) and recomputed by the writes that change its inputs
(licence events, complaints, results, amendments, credit records, the credit class), in their
transaction; the daily job and `lianjian grades refresh` regrade what has gone stale (its inputs,
the grading configuration or the day changed: failures decay with time). An entity whose inputs
are missing has no grade row, and `risk.grading.unclassified_reason` says why (未分类).

Bulk grading works on batches of entities, a few queries per batch, never one per entity.
A read never writes: it answers a stale grade computed afresh, without storing it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inspect_app import audit
from inspect_app.catalogue import grading_config
from inspect_app.clock import local
from inspect_app.db import database
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.domain.lifecycle import Status
from inspect_app.errors import AppError
from inspect_app.models import (
    Complaint,
    Entity,
    EntityGrade,
    Feedback,
    Industry,
    Inspection,
    Licence,
)
from inspect_app.services.entity_lookup import get_entity
from risk.grading import (
    GradeInputs,
    Unclassified,
    grade_entity,
    grade_inputs_hash,
    graded_industry,
    unclassified_reason,
)
from risk.grading_config import GradingConfig, config_hash

BATCH = 2000  # entities per batch: ids in an IN list, rows in one insert
CREDIT = "CREDIT"  # the Feedback kind of a credit record (services/feedback.py)
LIVE_STATUSES = (Status.ACTIVE, Status.SUSPENDED)  # a suspended licence may resume


@dataclass
class Assessment:
    """What is known of a batch of entities: the inputs of those that can be graded, the
    reason of those that cannot (未分类)."""

    inputs: dict[int, GradeInputs] = field(default_factory=dict)
    unclassified: dict[int, Unclassified] = field(default_factory=dict)


@dataclass
class RegradeCounts:
    """What a bulk regrade did."""

    entities: int = 0
    graded: int = 0  # entities with a grade now
    written: int = 0  # grades stored anew (new or stale)
    dropped: int = 0  # grades removed: the entity lost its inputs
    unclassified: Counter = field(default_factory=Counter)  # reason code -> entities

    def as_dict(self) -> dict[str, Any]:
        return {
            "entities": self.entities,
            "graded": self.graded,
            "written": self.written,
            "dropped": self.dropped,
            "unclassified": dict(sorted(self.unclassified.items())),
        }


def _grouped(query) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for entity_id, *values in query.tuples():
        found[entity_id].append(values[0] if len(values) == 1 else tuple(values))
    return found


def _among(entity_ids: list[int]) -> Callable[[Any], Any]:
    """A predicate "this column is one of these entities": a range when the (sorted) ids are
    every id from the first to the last (a bulk batch), so the SQL carries two values, not 2,000."""
    if entity_ids and entity_ids[-1] - entity_ids[0] + 1 == len(entity_ids):
        return lambda column: column.between(entity_ids[0], entity_ids[-1])
    return lambda column: column.in_(entity_ids)


def assess(entity_ids: list[int], config: GradingConfig | None = None) -> Assessment:
    """Each entity's grading inputs, or why it has none; five queries for the whole list.

    Its industry is the riskiest it holds a live licence in; its results are its submitted
    inspections, its complaints all complaints, its credit records those not withdrawn.
    """
    config = config or grading_config()
    entity_ids = sorted(set(entity_ids))
    among = _among(entity_ids)
    classes = dict(Entity.select(Entity.id, Entity.credit_class).where(among(Entity.id)).tuples())
    industries = _grouped(
        Licence.select(Licence.holder, Industry.code)
        .join(Industry)
        .where(among(Licence.holder) & Licence.status.in_(LIVE_STATUSES))
    )
    results = _grouped(
        Inspection.select(Inspection.entity, Inspection.checked_on, Inspection.outcome).where(
            among(Inspection.entity)
            & (Inspection.status == InspectionStatus.SUBMITTED)
            & Inspection.outcome.is_null(False)
        )
    )
    complaints = _grouped(
        Complaint.select(Complaint.entity, Complaint.received_on).where(among(Complaint.entity))
    )
    records = _grouped(
        Feedback.select(Feedback.entity, Feedback.created_at).where(
            among(Feedback.entity) & (Feedback.kind == CREDIT) & Feedback.withdrawn_at.is_null()
        )
    )
    found = Assessment()
    for entity_id, credit_class in classes.items():
        held = industries.get(entity_id, [])
        reason = unclassified_reason(held, credit_class, config)
        if reason is not None:
            found.unclassified[entity_id] = reason
            continue
        done = results.get(entity_id, [])
        found.inputs[entity_id] = GradeInputs(
            industry=graded_industry(held, config),
            credit_class=credit_class,
            results=tuple(done),
            complaints=tuple(complaints.get(entity_id, [])),
            last_checked=max((d for d, _ in done), default=None),
            credit_records=tuple(local(at).date() for at in records.get(entity_id, [])),
        )
    return found


def gather_inputs(entities: list[Entity]) -> dict[int, GradeInputs]:
    """Each entity's grading inputs (those that can be graded)."""
    return assess([e.id for e in entities]).inputs


class _Grader:
    """Grades under one config as of one `now`: the config's hash is taken once."""

    def __init__(self, now: datetime, config: GradingConfig | None = None) -> None:
        self.now = now
        self.config = config or grading_config()
        self.conf_hash = config_hash(self.config)
        self.today = local(now).date()

    def fresh(self, inputs: GradeInputs, current: Any, *, force: bool = False) -> dict | None:
        """A fresh grade's column values, or None while the stored one still holds today.

        `current` is the stored row (or a (inputs_hash, config_hash, computed_at) tuple)."""
        digest = grade_inputs_hash(inputs)
        if current is not None and not force:
            stored = (
                current
                if isinstance(current, tuple)
                else (current.inputs_hash, current.config_hash, current.computed_at)
            )
            if stored[:2] == (digest, self.conf_hash) and local(stored[2]).date() == self.today:
                return None
        grade = grade_entity(inputs, self.config, self.now)
        return {
            "grade": grade.grade,
            "score": grade.score,
            "factors": grade.to_dict()["factors"],
            "inputs_hash": digest,
            "config_hash": self.conf_hash,
            "computed_at": self.now,
        }


def _store_batch(
    entity_ids: list[int], grader: _Grader, counts: RegradeCounts, *, force: bool, full: bool
) -> dict[int, EntityGrade]:
    """Grade one batch and write what changed: upsert the new and stale grades, delete those of
    entities that lost their inputs. Answers the batch's grades (stored rows when `full`)."""
    entity_ids = sorted(set(entity_ids))
    among = _among(entity_ids)
    found = assess(entity_ids, grader.config)
    if full:
        stored: dict[int, Any] = {
            g.entity_id: g for g in EntityGrade.select().where(among(EntityGrade.entity))
        }
    else:
        stored = {
            entity_id: (inputs_hash, conf_hash, computed_at)
            for entity_id, inputs_hash, conf_hash, computed_at in EntityGrade.select(
                EntityGrade.entity,
                EntityGrade.inputs_hash,
                EntityGrade.config_hash,
                EntityGrade.computed_at,
            )
            .where(among(EntityGrade.entity))
            .tuples()
        }
    graded: dict[int, EntityGrade] = {}
    rows = []
    for entity_id, inputs in found.inputs.items():
        current = stored.get(entity_id)
        values = grader.fresh(inputs, current, force=force)
        if values is None:
            if full:
                graded[entity_id] = current
            continue
        rows.append({"entity": entity_id, **values})
        if full:
            graded[entity_id] = EntityGrade(entity=entity_id, **values)
    lost = [entity_id for entity_id in found.unclassified if entity_id in stored]
    if lost:
        EntityGrade.delete().where(EntityGrade.entity.in_(lost)).execute()
    _upsert(rows)
    counts.entities += len(entity_ids)
    counts.graded += len(found.inputs)
    counts.written += len(rows)
    counts.dropped += len(lost)
    counts.unclassified.update(reason.code for reason in found.unclassified.values())
    return graded


_COLUMNS = (
    EntityGrade.entity,
    EntityGrade.grade,
    EntityGrade.score,
    EntityGrade.factors,
    EntityGrade.inputs_hash,
    EntityGrade.config_hash,
    EntityGrade.computed_at,
)


UPSERT_ROWS = 500  # rows per INSERT statement (7 values each, well under SQLite's 32,766)


def _upsert(rows: list[dict[str, Any]]) -> None:
    """Store grade rows, new or replacing the entity's (INSERT … ON CONFLICT (entity) DO UPDATE,
    so two writers regrading one entity at once never collide), 500 rows a statement. peewee
    builds the portable one-row SQL once; its VALUES group is repeated for the rows and the
    driver binds the values (peewee building a 2,000-row INSERT cost more than grading the rows,
    and a statement per row is a round trip per row on PostgreSQL)."""
    if not rows:
        return
    names = [column.name for column in _COLUMNS]
    blank = [[None] * len(_COLUMNS)]
    sql, _ = (
        EntityGrade.insert_many(blank, fields=list(_COLUMNS))
        .on_conflict(conflict_target=[EntityGrade.entity], preserve=list(_COLUMNS[1:]))
        .as_rowcount()
        .sql()
    )
    sql = sql.split(" RETURNING ")[0]  # PostgreSQL: no ids wanted back
    group = sql[sql.index(" VALUES (") + len(" VALUES ") : sql.index(") ON CONFLICT") + 1]
    head, tail = sql.split(group, 1)
    for start in range(0, len(rows), UPSERT_ROWS):
        chunk = rows[start : start + UPSERT_ROWS]
        params = [
            column.db_value(row[name])
            for row in chunk
            for column, name in zip(_COLUMNS, names, strict=True)
        ]
        database.execute_sql(head + ", ".join([group] * len(chunk)) + tail, params)


def regrade(
    entity_ids: Iterable[int],
    now: datetime,
    *,
    force: bool = False,
    progress: Callable[[int], object] | None = None,
    batch: int = BATCH,
) -> RegradeCounts:
    """Bring these entities' stored grades up to date as of `now` (in the caller's transaction):
    new and stale grades written, grades of entities that lost their inputs dropped; `force`
    rewrites every grade. Bulk callers (seed, import, the job) use this."""
    ids = sorted(set(entity_ids))
    grader = _Grader(now)
    counts = RegradeCounts()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        _store_batch(chunk, grader, counts, force=force, full=False)
        if progress:
            progress(len(chunk))
    return counts


def entity_count() -> int:
    return Entity.select().count()


def refresh_all(
    actor_label: str,
    now: datetime,
    *,
    force: bool = False,
    progress: Callable[[int], object] | None = None,
    batch: int = BATCH,
) -> RegradeCounts:
    """Regrade every entity of the directory, batch by batch (each batch its own transaction,
    so a long run holds no lock for long); one audit entry records a run that wrote."""
    grader = _Grader(now)
    counts = RegradeCounts()
    last = 0
    while True:
        chunk = [
            entity_id
            for (entity_id,) in Entity.select(Entity.id)
            .where(Entity.id > last)
            .order_by(Entity.id)
            .limit(batch)
            .tuples()
        ]
        if not chunk:
            break
        with database.atomic():
            _store_batch(chunk, grader, counts, force=force, full=False)
        last = chunk[-1]
        if progress:
            progress(len(chunk))
    if not (counts.written or counts.dropped):
        return counts  # nothing written, nothing to audit
    with database.atomic():
        audit.record(
            actor_label,
            "grades.refresh",
            "grades",
            "all" if force else "stale",
            after=counts.as_dict(),
            at=now,
        )
    return counts


def refresh_grades(
    entities: Iterable[Entity], now: datetime, batch: int = BATCH
) -> dict[int, EntityGrade]:
    """Grades of these entities as of `now`, storing the stale ones anew (and dropping those of
    entities without inputs); writers and the draw call this, never a read."""
    ids = sorted({e.id for e in entities})
    grader = _Grader(now)
    counts = RegradeCounts()
    graded: dict[int, EntityGrade] = {}
    for start in range(0, len(ids), batch):
        graded |= _store_batch(ids[start : start + batch], grader, counts, force=False, full=True)
    return graded


def refresh_grade(entity: Entity, now: datetime) -> EntityGrade | None:
    """One entity's grade, stored anew if stale (after a write that changes its inputs)."""
    if entity.id not in refresh_grades([entity], now):
        return None
    return EntityGrade.get(EntityGrade.entity == entity.id)


def grade_of(entity: Entity, now: datetime) -> EntityGrade | None:
    """The entity's grade as of `now`, read-only: a stale or missing grade is computed, not stored."""
    grader = _Grader(now)
    inputs = assess([entity.id], grader.config).inputs.get(entity.id)
    if inputs is None:
        return None
    current = EntityGrade.get_or_none(EntityGrade.entity == entity.id)
    values = grader.fresh(inputs, current)
    if values is None:
        return current
    return EntityGrade(entity=entity, **values)


def why_unclassified(entity: Entity) -> Unclassified | None:
    """Why the entity has no grade (未分类), or None when it has its inputs."""
    return assess([entity.id]).unclassified.get(entity.id)


def grade_answer(credit_code: str, now: datetime) -> EntityGrade | dict[str, Any]:
    """The grade route's answer: the grade with its factors, or 未分类 with the reason."""
    entity = get_entity(credit_code)
    grade = grade_of(entity, now)
    if grade is not None:
        return grade
    reason = why_unclassified(entity)
    return {
        "entity": entity,
        "grade": None,
        "score": None,
        "factors": [],
        "computed_at": None,
        "unclassified": {"code": reason.code, "zh": reason.zh, "en": reason.en},
    }


def no_grade() -> AppError:
    return AppError(
        "NOT_FOUND",
        zh="该市场主体没有有效许可证，不参与分级",
        en="This entity holds no live licence and has no grade",
    )


def has_grade(entity: Entity) -> bool:
    """Whether the entity can be graded at all: it holds a live licence, etc."""
    return entity.id in assess([entity.id]).inputs


NOT_YET_GRADED = "待评级：输入齐全，尚未计算 (inputs present, not graded yet)"


def unclassified_reasons(entity_ids: Iterable[int]) -> dict[int, str]:
    """For entities without a stored grade: why, as the map's legend says it (zh (en))."""
    ids = sorted(set(entity_ids))
    reasons: dict[int, str] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = assess(chunk)
        for entity_id in chunk:
            reason = found.unclassified.get(entity_id)
            reasons[entity_id] = f"{reason.zh} ({reason.en})" if reason else NOT_YET_GRADED
    return reasons


def count_without_live_licence() -> int:
    """Registered entities holding no live licence (未分类, NO_LIVE_LICENCE): one query."""
    live = Licence.select(Licence.holder).where(Licence.status.in_(LIVE_STATUSES))
    return Entity.select().where(Entity.id.not_in(live)).count()
