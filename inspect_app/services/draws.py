"""Commit, then reveal: freeze a task (snapshots and their hashes published before any seed
exists), then draw with a seed derived from public values and the commitment.

The draw itself is scheduler/draw (pure, published); this module only reads the registry
into its inputs and stores what it returns, each step in the hash-chained audit log.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from inspect_app import audit
from inspect_app.actor import Actor
from inspect_app.clock import local
from inspect_app.config import draw_min_delay_seconds
from inspect_app.db import database
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain import task as task_lifecycle
from inspect_app.domain.lifecycle import Status
from inspect_app.domain.task import TaskStatus, TaskStep
from inspect_app.errors import AppError
from inspect_app.models import (
    AuditEntry,
    AuditHead,
    Department,
    Draw,
    Entity,
    Industry,
    Inspection,
    InspectionMember,
    Inspector,
    InspectorQualification,
    Licence,
    Recusal,
    SpotCheckTask,
    Street,
)
from inspect_app.services import beacons, dispatch, tasks
from inspect_app.services.grades import grading_config, refresh_grades
from scheduler import draw as published
from scheduler.draw_canonical import commitment_from_hashes, params_hash
from scheduler.draw_record import seed_record_2
from scheduler.draw_source import DRAND, LOTTERY


def frame_for(task: SpotCheckTask, now: datetime) -> list[published.FrameEntity]:
    """The directory of inspected objects (检查对象名录库) in the task's scope, graded as of `now`."""
    scope = task.scope
    query = (
        Entity.select(Entity, Street)
        .join(Licence, on=(Licence.holder == Entity.id))
        .switch(Entity)
        .join(Street)
        .where(
            (Licence.industry == task.industry)
            & Licence.status.in_(scope.get("statuses") or [Status.ACTIVE])
        )
        .distinct()
    )
    if scope.get("streets"):
        query = query.where(Street.code.in_(scope["streets"]))
    if scope.get("licensed_from"):
        query = query.where(Licence.issued_at >= datetime.fromisoformat(scope["licensed_from"]))
    if scope.get("licensed_until"):
        query = query.where(
            Licence.issued_at < datetime.fromisoformat(scope["licensed_until"]) + timedelta(days=1)
        )
    entities = list(query)
    grades = refresh_grades(entities, now)
    window = now - timedelta(days=grading_config().frequency_window_days)
    checks, last = _history([e.id for e in entities], window)
    return [
        published.FrameEntity(
            entity_id=e.credit_code,
            grade=grades[e.id].grade,
            street=e.street.code,
            checks_last_12m=checks.get(e.id, 0),
            last_inspectors=last.get(e.id, ()),
        )
        for e in entities
        if e.id in grades
    ]


def _history(
    entity_ids: list[int], window: datetime
) -> tuple[dict[int, int], dict[int, tuple[str, ...]]]:
    """Random checks per entity since `window` (a joint check is one inspection, so counts once),
    and the inspectors of each entity's most recent inspection."""
    checks: dict[int, int] = defaultdict(int)
    latest: dict[int, tuple[datetime, int]] = {}
    for start in range(0, len(entity_ids), 5000):
        chunk = entity_ids[start : start + 5000]
        for entity_id, inspection_id, created in (
            Inspection.select(Inspection.entity, Inspection.id, Inspection.created_at)
            .where(Inspection.entity.in_(chunk))
            .tuples()
        ):
            created = (
                created if isinstance(created, datetime) else datetime.fromisoformat(str(created))
            )
            if created.replace(tzinfo=None) >= window.replace(tzinfo=None):
                checks[entity_id] += 1
            if entity_id not in latest or (created, inspection_id) > latest[entity_id]:
                latest[entity_id] = (created, inspection_id)
    members: dict[int, list[str]] = defaultdict(list)
    by_inspection = {inspection_id: entity_id for entity_id, (_, inspection_id) in latest.items()}
    ids = list(by_inspection)
    for start in range(0, len(ids), 5000):
        for inspection_id, code in (
            InspectionMember.select(InspectionMember.inspection, Inspector.code)
            .join(Inspector)
            .where(InspectionMember.inspection.in_(ids[start : start + 5000]))
            .tuples()
        ):
            members[by_inspection[inspection_id]].append(code)
    return dict(checks), {entity_id: tuple(sorted(codes)) for entity_id, codes in members.items()}


def pool_for(
    task: SpotCheckTask, departments: Sequence[str], frame_ids: Collection[str] | None = None
) -> list[published.PoolInspector]:
    """The directory of inspectors (执法检查人员名录库) of the task's departments, with workloads and
    recusals (only those of `frame_ids` when given: no other entity can be drawn, and a
    disclosed record's recusal digests are then restorable from the frame alone)."""
    inspectors = list(
        Inspector.select(Inspector, Department)
        .join(Department)
        .where(Inspector.active & Department.code.in_(list(departments)))
    )
    ids = [i.id for i in inspectors]
    qualifications: dict[int, list[str]] = defaultdict(list)
    for inspector_id, code in (
        InspectorQualification.select(InspectorQualification.inspector, Industry.code)
        .join(Industry)
        .where(InspectorQualification.inspector.in_(ids))
        .tuples()
    ):
        qualifications[inspector_id].append(code)
    workload: dict[int, int] = defaultdict(int)
    for (inspector_id,) in (
        InspectionMember.select(InspectionMember.inspector)
        .join(Inspection)
        .where(
            InspectionMember.inspector.in_(ids) & Inspection.status.in_(inspection_lifecycle.OPEN)
        )
        .tuples()
    ):
        workload[inspector_id] += 1
    recusals: dict[int, list[str]] = defaultdict(list)
    for inspector_id, code in (
        Recusal.select(Recusal.inspector, Entity.credit_code)
        .join(Entity)
        .where(Recusal.inspector.in_(ids) & Recusal.withdrawn_at.is_null())
        .tuples()
    ):
        if frame_ids is None or code in frame_ids:
            recusals[inspector_id].append(code)
    return [
        published.PoolInspector(
            inspector_id=i.code,
            department=i.department.code,
            qualifications=tuple(sorted(qualifications[i.id])),
            workload=workload[i.id],
            recusals=tuple(sorted(recusals[i.id])),
        )
        for i in inspectors
    ]


def params_for(task: SpotCheckTask, seed_source: Mapping | None = None) -> published.DrawParameters:
    """The draw's parameters: the lead and the accepting partners whose items are in the task,
    and (version 2) the seed source announced with the commitment."""
    accepted = set(tasks.accepting_partners(task))
    return published.DrawParameters(
        task_id=task.code,
        industry=task.industry.code,
        lead_department=task.lead.code,
        partner_departments=tuple(
            p for p in tasks.task_departments_with_items(task) if p in accepted
        ),
        ratios=task.ratios,
        fixed_count=task.fixed_count,
        team_size=task.team_size,
        workload_cap=task.workload_cap,
        frequency_cap=task.frequency_cap,
        key_items_exempt=task.key_items_exempt,
        algorithm_version=published.ALGORITHM_VERSION_2,
        seed_source=seed_source,
    )


def pinned_chain(chain_hash: object):
    """The pinned drand chain of a hash (services/beacons.py; UNKNOWN_CHAIN otherwise)."""
    return beacons.pinned_chain(chain_hash)


def announced_source(source: Mapping, now: datetime) -> dict[str, Any]:
    """The seed source as committed at freeze: a drand round after freeze + the minimum delay
    (the first such round when only the chain is given), or a public session not before today
    (in Beijing time, as the lottery's days are).
    A round earlier than that is refused: its value might already exist."""
    if not isinstance(source, Mapping):
        raise _as_app_error(published.InvalidParameters("seed_source", "须给出随机源", "required"))
    source = dict(source)
    earliest = now.replace(tzinfo=now.tzinfo or UTC).timestamp() + draw_min_delay_seconds()
    if source.get("kind") == DRAND:
        from scheduler import beacon

        chain = pinned_chain(source.get("chain_hash"))
        if source.get("round") is None:
            source["round"] = beacon.first_round_at_or_after(chain, earliest)
        elif type(source["round"]) is int and beacon.round_time(chain, source["round"]) < earliest:
            first = beacon.first_round_at_or_after(chain, earliest)
            raise AppError(
                "SEED_ROUND_TOO_EARLY",
                errors={"seed_source": {"round": source["round"], "first_allowed_round": first}},
                zh=f"轮次 {source['round']} 早于冻结时间加 {draw_min_delay_seconds()} 秒；"
                f"最早可用轮次 {first}",
                en=f"round {source['round']} comes before the freeze plus "
                f"{draw_min_delay_seconds()} s; the first allowed round is {first}",
            )
    elif (
        source.get("kind") == LOTTERY
        and isinstance(source.get("date"), str)
        and source["date"] < local(now).date().isoformat()  # the session's day is Beijing time
    ):
        raise AppError("SEED_SESSION_PAST")
    return source


def _as_app_error(error: published.DrawInputError) -> AppError:
    return AppError("VALIDATION_FAILED", errors={error.field: [{"zh": error.zh, "en": error.en}]})


def _next_status(task: SpotCheckTask, step: TaskStep) -> TaskStatus:
    try:
        return task_lifecycle.next_status(task.status, step)
    except task_lifecycle.TaskStepRefused as error:
        raise AppError(error.code) from error


def freeze_task(actor: Actor, code: str, seed_source: Mapping, now: datetime) -> Draw:
    """DRAFT -> FROZEN: snapshot the frame and pool, publish their hashes and the seed source
    (the commitment), before the source's value exists."""
    with database.atomic():
        task = tasks.task_for_lead(actor, code)
        frozen_status = _next_status(task, TaskStep.FREEZE)
        tasks.ensure_partners_agreed(task)
        source = announced_source(seed_source, now)
        try:
            params = params_for(task, source)
            frame = frame_for(task, now)
            pool = pool_for(task, params.departments, {e.entity_id for e in frame})
            commitment = published.commitment(frame, pool, params)
        except published.DrawInputError as error:
            raise _as_app_error(error) from error
        row = Draw.create(
            task=task,
            algorithm_version=params.algorithm_version,
            frame=published.frame_to_dicts(frame),
            pool=published.pool_to_dicts(pool),
            params=published.params_to_dict(params),
            frame_hash=commitment.frame_hash,
            pool_hash=commitment.pool_hash,
            params_hash=commitment.params_hash,
            commitment_hash=commitment.commitment_hash,
            committed_at=now,
        )
        frozen = (
            SpotCheckTask.update(
                status=frozen_status, version=SpotCheckTask.version + 1, updated_at=now
            )
            .where((SpotCheckTask.id == task.id) & (SpotCheckTask.status == task.status))
            .execute()
        )
        if not frozen:
            raise AppError("TASK_NOT_DRAFT")
        audit.record(
            actor.label,
            "task.freeze",
            "task",
            code,
            before={"status": task.status},
            after={
                "status": frozen_status,
                **commitment_of(row),
                "seed_source": params.seed_source,
                "frame_size": len(frame),
                "pool_size": len(pool),
            },
            at=now,
        )
        Draw.update(committed_head=audit.signed_head()).where(Draw.id == row.id).execute()
    return Draw.get_by_id(row.id)


def run_draw(actor: Actor, code: str, reveal: Mapping, now: datetime) -> Draw:
    """FROZEN -> DRAWN: check the revealed value against the source committed at freeze (a drand
    round's signature against the pinned chain; lottery numbers against the declared draws),
    derive the seed from it and the commitment, and draw."""
    with database.atomic():
        task = tasks.task_for_lead(actor, code)
        drawn_status = _next_status(task, TaskStep.DRAW)
        row = Draw.get(Draw.task == task)
        stored, seed, result, provenance = _reveal_and_draw(row, reveal)
        values = {
            "seed_source": stored,
            "provenance": provenance,
            "seed": seed.hex(),
            "drawn_at": now,
            "result": published.result_to_dict(result),
            "result_hash": published.result_hash(result),
        }
        changed = (
            SpotCheckTask.update(
                status=drawn_status, version=SpotCheckTask.version + 1, updated_at=now
            )
            .where((SpotCheckTask.id == task.id) & (SpotCheckTask.status == task.status))
            .execute()
        )
        if not changed:  # voided (or drawn) by another request since it was read
            current = SpotCheckTask.get_by_id(task.id).status
            raise AppError("TASK_VOIDED" if current == TaskStatus.VOIDED else "ALREADY_DRAWN")
        Draw.update(**values).where((Draw.id == row.id) & Draw.seed.is_null()).execute()
        row = Draw.get_by_id(row.id)
        # dispatch and reminder commit with the draw, or not at all
        dispatch.record_after_draw(row.id, task)
        audit.record(
            actor.label,
            "draw.run",
            "task",
            code,
            before={"status": task.status},
            after={
                "status": drawn_status,
                "commitment_hash": row.commitment_hash,
                "seed": row.seed,
                "source_values": _source_values(row),
                "reveal": row.seed_source.get("reveal") if _is_v2(row) else None,
                "provenance": provenance,
                "result_hash": row.result_hash,
                "picked": len(result.assignments),
            },
            at=now,
        )
        Draw.update(drawn_head=audit.signed_head()).where(Draw.id == row.id).execute()
    return Draw.get_by_id(row.id)


def _is_v2(row: Draw) -> bool:
    return row.algorithm_version == published.ALGORITHM_VERSION_2


def _source_values(row: Draw) -> list[str]:
    return row.seed_source["source_values"] if _is_v2(row) else row.seed_source


def _reveal_and_draw(row: Draw, reveal: Mapping):
    """(stored seed_source, seed, result, provenance) of a draw; refusals bilingual."""
    try:
        frame = published.frame_from_dicts(row.frame)
        pool = published.pool_from_dicts(row.pool)
        params = published.params_from_dict(row.params)
        if _is_v2(row):
            spec = params.seed_source
            chain = pinned_chain(spec["chain_hash"]) if spec["kind"] == DRAND else None
            given = reveal.get("beacon") if chain else {"numbers": reveal.get("numbers")}
            values, revealed = published.reveal_values(spec, given, chain)
            seed = published.derive_seed_2(row.commitment_hash, values)
            stored = {"reveal": revealed, "source_values": values}
            provenance = published.describe(spec)
        else:  # a task frozen before version 2: the values and provenance as typed
            values, provenance = reveal.get("source_values"), reveal.get("provenance")
            seed = published.derive_seed(row.commitment_hash, values or [], provenance)
            stored = list(values)
        return stored, seed, published.draw(frame, pool, params, seed), provenance
    except published.InvalidSeed as error:
        raise AppError(
            "SEED_REFUSED", errors={error.field: [{"zh": error.zh, "en": error.en}]}
        ) from error
    except published.DrawInputError as error:
        raise _as_app_error(error) from error


def commitment_of(row: Draw) -> dict[str, str]:
    return {
        "algorithm_version": row.algorithm_version,
        "frame_hash": row.frame_hash,
        "pool_hash": row.pool_hash,
        "params_hash": row.params_hash,
        "commitment_hash": row.commitment_hash,
    }


def record_of(row: Draw) -> dict[str, Any]:
    """The published draw record: everything a third party needs to recompute it."""
    record = {
        "algorithm_version": row.algorithm_version,
        "params": row.params,
        "frame": row.frame,
        "pool": row.pool,
        "commitment": commitment_of(row),
        # the audit chain's signed head as it stood after the freeze (after the draw, once drawn)
        "audit_head": row.drawn_head or row.committed_head,
    }
    if _is_v2(row):
        record |= {
            "seed_source": row.params["seed_source"],
            "checkable_by_platform": row.params["seed_source"]["kind"] == DRAND,
            "committed_at": _iso(row.committed_at),
            "drawn_at": _iso(row.drawn_at),
        }
    if row.seed is not None:
        record |= {
            "seed": seed_of(row),
            "result": row.result,
            "result_hash": row.result_hash,
        }
    return record


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.replace(tzinfo=at.tzinfo or UTC).isoformat()


def seed_of(row: Draw) -> dict[str, Any]:
    if _is_v2(row):
        return seed_record_2(
            row.params["seed_source"],
            row.seed_source["reveal"],
            row.seed_source["source_values"],
            bytes.fromhex(row.seed),
        )
    return {"source_values": row.seed_source, "provenance": row.provenance, "value": row.seed}


def public_view(record: dict[str, Any], disclosed: bool) -> dict[str, Any]:
    """What the public sees of a draw record, by stage (docs/draw-algorithm.md §10): at freeze the
    parameters, the commitment and the audit chain's signed head; at the draw also the seed and the result's hash; at disclosure
    the whole record, with each recusal as a digest and recusal exclusions without the inspector."""
    public = {k: record[k] for k in ("algorithm_version", "params", "commitment", "audit_head")}
    public |= {k: record[k] for k in PUBLIC_AT_FREEZE_2 if k in record}
    public["stage"] = "frozen"
    if "seed" in record:
        public |= {"seed": record["seed"], "result_hash": record["result_hash"], "stage": "drawn"}
        if disclosed:
            salt = record["commitment"]["commitment_hash"]
            public |= {
                "frame": record["frame"],
                "pool": [_masked_pool_row(row, salt) for row in record["pool"]],
                "result": _masked_result(record["result"]),
                "stage": "disclosed",
            }
    return public


PUBLIC_AT_FREEZE_2 = ("seed_source", "checkable_by_platform", "committed_at", "drawn_at")


def recusal_digest(salt: str, inspector_id: str, entity_id: str) -> str:
    """A recusal as published: SHA-256 of `commitment_hash|inspector|entity`, so a verifier can
    confirm a pair it already knows from the frame, and nobody reads the list in clear."""
    return hashlib.sha256(f"{salt}|{inspector_id}|{entity_id}".encode()).hexdigest()


def _masked_pool_row(row: dict[str, Any], salt: str) -> dict[str, Any]:
    digests = sorted(recusal_digest(salt, row["inspector_id"], e) for e in row["recusals"])
    return row | {"recusals": digests}


def _masked_result(result: dict[str, Any]) -> dict[str, Any]:
    exclusions = [
        x | {"inspector_id": None} if x["reason"] == published.Reason.RECUSAL_APPLIED else x
        for x in result["exclusions"]
    ]
    return result | {"exclusions": exclusions}


def verify_public(row: Draw, disclosed: bool, now: datetime) -> dict[str, Any]:
    """The server's verification of the whole stored record; before disclosure a difference names
    only where it is, not the values (they would show picks or teams)."""
    answer = verify_draw(row, now)
    if not disclosed and answer.get("difference"):
        answer["difference"] |= {"recorded": None, "recomputed": None}
    return answer


def visible_draw(actor: Actor, code: str) -> Draw:
    """The draw record of a task the actor may see."""
    return draw_of(tasks.visible_task(actor, code))


def draw_of(task: SpotCheckTask) -> Draw:
    row = Draw.get_or_none(Draw.task == task)
    if row is None:
        raise AppError("TASK_NOT_FROZEN")
    return row


def chain_of_record(record: Mapping) -> Any:
    """The pinned chain of a version-2 record's drand source (None otherwise, or when the chain
    is not pinned here: the record then fails to verify, saying the round is unchecked)."""
    params = record.get("params") if isinstance(record, Mapping) else None
    source = params.get("seed_source") if isinstance(params, Mapping) else None
    if not isinstance(source, Mapping) or source.get("kind") != DRAND:
        return None
    try:
        return pinned_chain(source.get("chain_hash"))
    except AppError:
        return None


def verify_record(record: dict[str, Any], announced: str | None = None) -> dict[str, Any]:
    """Recompute a record; report a match or the first difference (never raises on bad input).
    A public record is checked as far as its stage goes: before disclosure the commitment and
    the seed; at disclosure everything, its recusal digests first restored from the frame."""
    if "seed" not in record:
        return {"ok": False, "problem": "not drawn yet: nothing to verify beyond the commitment"}
    if "result" not in record:
        return _verify_commitment_and_seed(record, announced)
    if record.get("stage") == "disclosed":
        record = _restored(record)
    report = published.verify(record, commitment_hash=announced, chain=chain_of_record(record))
    answer: dict[str, Any] = {"ok": report.ok}
    if report.difference is not None:
        answer["difference"] = {
            "path": report.difference.path,
            "recorded": report.difference.recorded,
            "recomputed": report.difference.recomputed,
        }
    if report.problem:
        answer["problem"] = report.problem
    return answer


def _verify_commitment_and_seed(
    record: dict[str, Any], announced: str | None = None
) -> dict[str, Any]:
    """What a record published before disclosure proves: its hashes bind together, and the seed
    comes from the announced values and the commitment. The picks wait for `result_hash`."""
    try:
        stored = record["commitment"]
        params = published.params_from_dict(record["params"])
        recomputed = commitment_from_hashes(
            stored["frame_hash"],
            stored["pool_hash"],
            params_hash(params),
            record["algorithm_version"],
        )
        seed = record["seed"]
        derived: list[tuple[str, Any, Any]] = []
        if params.algorithm_version == published.ALGORITHM_VERSION_2:
            values, revealed = published.reveal_values(
                params.seed_source, seed["reveal"], chain_of_record(record)
            )
            value = published.derive_seed_2(recomputed.commitment_hash, values).hex()
            expected = seed_record_2(params.seed_source, revealed, values, bytes.fromhex(value))
            derived = [(f"seed.{k}", seed.get(k), v) for k, v in expected.items() if k != "value"]
        else:
            value = published.derive_seed(
                recomputed.commitment_hash, seed["source_values"], seed["provenance"]
            ).hex()
    except (published.DrawInputError, KeyError, TypeError, ValueError) as error:
        return {"ok": False, "problem": f"{type(error).__name__}: {error}"}
    for path, recorded, expected in (
        ("commitment.params_hash", stored.get("params_hash"), recomputed.params_hash),
        ("commitment.commitment_hash", stored.get("commitment_hash"), recomputed.commitment_hash),
        *derived,
        ("seed.value", seed.get("value"), value),
        ("commitment (announced)", announced or recomputed.commitment_hash,
         recomputed.commitment_hash),
    ):  # fmt: skip
        if recorded != expected:
            return {
                "ok": False,
                "difference": {"path": path, "recorded": recorded, "recomputed": expected},
            }
    return {"ok": True, "problem": "picks and teams are checked against result_hash at disclosure"}


def _restored(record: dict[str, Any]) -> dict[str, Any]:
    """A disclosed record with its recusals back in clear, as any verifier can do: each digest is
    matched against the frame's entities (a frozen pool only holds recusals of frame entities),
    and the recusal exclusions get their inspectors from the recomputation when all else agrees
    (the result's hash, published at the draw, then binds the whole)."""
    try:
        salt = record["commitment"]["commitment_hash"]
        entities = [row["entity_id"] for row in record["frame"]]
        pool = []
        for row in record["pool"]:
            digests = set(row["recusals"])
            clear = [e for e in entities if recusal_digest(salt, row["inspector_id"], e) in digests]
            pool.append(row | {"recusals": sorted(clear)})
        restored = record | {"pool": pool}
        seed = bytes.fromhex(record["seed"]["value"])
        result = published.result_to_dict(
            published.draw(
                published.frame_from_dicts(record["frame"]),
                published.pool_from_dicts(pool),
                published.params_from_dict(record["params"]),
                seed,
            )
        )
    except (published.DrawInputError, KeyError, TypeError, ValueError):
        return record
    if _masked_result(result) == record["result"]:
        restored["result"] = result
    return restored


def verify_draw(row: Draw, now: datetime | None = None) -> dict[str, Any]:
    """Recompute the stored record and check it against the audit log, at a cost bounded
    whatever the chain's length: the draw's own entries, the signed heads it carries and the
    chain's signed head, and the latest whole-chain check kept (by `lianjian audit verify` or
    its job). It reads; it never writes (`now` is unused, kept for the callers)."""
    answer = verify_record(record_of(row))
    entries = _draw_entries(row)
    chain = _chain_as_seen_by(row, entries)
    answer["audit_chain"] = chain
    answer["audit_matches"] = _audit_mismatches(row, entries)
    answer["ok"] = bool(answer["ok"] and chain["ok"] and not answer["audit_matches"])
    return answer


def _chain_as_seen_by(row: Draw, entries: dict[str, AuditEntry]) -> dict[str, Any]:
    """The draw's entries and heads, the chain's head, and the latest kept check."""
    head = AuditHead.get()
    current = audit.as_head(head)
    ring = audit.public_keys()
    problem, bad_seq = audit.head_problem(current, ring), None
    for carried in (h for h in (row.committed_head, row.drawn_head) if h):
        problem = problem or audit.published_head_problem(carried, current, ring)
    for entry in sorted(entries.values(), key=lambda e: e.seq):
        entry_problem = audit.entry_problem(entry)
        if entry_problem and not problem:
            problem, bad_seq = entry_problem, entry.seq
    kept = audit.latest_check()
    if not problem and kept is not None:
        if not kept.ok:
            problem, bad_seq = kept.reason, kept.first_bad_seq
        elif kept.head_seq and not (
            AuditEntry.select()
            .where((AuditEntry.seq == kept.head_seq) & (AuditEntry.hash == kept.head_hash))
            .exists()
            and kept.head_seq <= head.seq
        ):
            problem = "the chain changed below its last check"
    return {
        "ok": not problem,
        "checked": kept.checked if kept else 0,
        "checked_at": kept.checked_at.isoformat() if kept else None,
        "first_bad_seq": bad_seq,
        "reason": problem,
        "head": current,
    }


def _draw_entries(row: Draw) -> dict[str, AuditEntry]:
    """The task's freeze and draw entries of the audit log, by action."""
    return {
        e.action: e
        for e in AuditEntry.select().where(
            (AuditEntry.object_type == "task")
            & (AuditEntry.object_id == row.task.code)
            & AuditEntry.action.in_(["task.freeze", "draw.run"])
        )
    }


def _audit_mismatches(row: Draw, entries: dict[str, AuditEntry]) -> list[str]:
    """The freeze and draw entries of the audit log must name this record's hashes and seed."""
    problems = []
    freeze = entries.get("task.freeze")
    if freeze is None or (freeze.after or {}).get("commitment_hash") != row.commitment_hash:
        problems.append("commitment_hash differs from the audit log's task.freeze entry")
    if row.seed is not None:
        run = entries.get("draw.run")
        after = (run.after or {}) if run else {}
        for name, value in (
            ("seed", row.seed),
            ("result_hash", row.result_hash),
            ("commitment_hash", row.commitment_hash),
        ):
            if after.get(name) != value:
                problems.append(f"{name} differs from the audit log's draw.run entry")
    return problems
