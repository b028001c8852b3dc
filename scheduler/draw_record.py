"""The published draw record, and verify(): anyone can recompute a draw and compare.

A record holds the snapshots, the parameters, the commitment, the public seed values
and the result; verify() recomputes each in the order they came into being and names
the first thing that does not match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.draw_canonical import (
    canonical_json,
    commitment,
    commitment_from_hashes,
    derive_seed,
    derive_seed_2,
    frame_from_dicts,
    frame_hash,
    frame_to_dicts,
    params_from_dict,
    params_hash,
    params_to_dict,
    pool_from_dicts,
    pool_hash,
    pool_to_dicts,
    sha256_hex,
)
from scheduler.draw_engine import draw
from scheduler.draw_model import (
    ALGORITHM_VERSION_2,
    SUPPORTED_VERSIONS,
    Assignment,
    Commitment,
    DrawParameters,
    DrawResult,
    Exclusion,
    FrameEntity,
    PoolInspector,
    StratumResult,
)
from scheduler.draw_source import DRAND, describe, reveal_values


@dataclass(frozen=True)
class Difference:
    """The first place where a record and its recomputation disagree."""

    path: str  # e.g. "commitment.frame_hash", "result.assignments[3].team.PS"
    recorded: object
    recomputed: object


@dataclass(frozen=True)
class VerifyReport:
    """ok, or the first difference; `problem` explains a record that cannot be read."""

    ok: bool
    difference: Difference | None = None
    problem: str | None = None

    def summary(self) -> str:
        if self.ok:
            return "一致 match: the record recomputes exactly"
        if self.problem:
            return f"无法核验 unreadable record: {self.problem}"
        d = self.difference
        return f"不一致 mismatch at {d.path}: recorded {d.recorded!r}, recomputed {d.recomputed!r}"


def _stratum_to_dict(s: StratumResult) -> dict:
    return {
        "grade": s.grade,
        "frame_count": s.frame_count,
        "eligible_count": s.eligible_count,
        "sample_size": s.sample_size,
        "picks": list(s.picks),
    }


def _assignment_to_dict(a: Assignment) -> dict:
    return {
        "sequence": a.sequence,
        "entity_id": a.entity_id,
        "grade": a.grade,
        "team": {department: list(ids) for department, ids in a.team},
        "shortfall": a.shortfall,
    }


def _exclusion_to_dict(x: Exclusion) -> dict:
    return {
        "reason": str(x.reason),
        "entity_id": x.entity_id,
        "inspector_id": x.inspector_id,
        "department": x.department,
        "detail": dict(x.detail),
    }


def result_to_dict(result: DrawResult) -> dict:
    """The published form of a result (plain JSON types; keys in reading order)."""
    return {
        "kind": "result",
        "algorithm_version": result.algorithm_version,
        "task_id": result.task_id,
        "seed": result.seed,
        "strata": [_stratum_to_dict(s) for s in result.strata],
        "assignments": [_assignment_to_dict(a) for a in result.assignments],
        "exclusions": [_exclusion_to_dict(x) for x in result.exclusions],
    }


def result_json(result: DrawResult) -> bytes:
    """Canonical JSON bytes of the result: what result_hash hashes."""
    return canonical_json(result_to_dict(result))


def result_hash(result: DrawResult) -> str:
    return sha256_hex(result_json(result))


def build_record(
    frame: Sequence[FrameEntity],
    pool: Sequence[PoolInspector],
    params: DrawParameters,
    source_values: Sequence[str],
    provenance: str,
) -> dict:
    """Commit, derive the seed, draw, and gather everything verify() needs."""
    c = commitment(frame, pool, params)
    seed = derive_seed(c.commitment_hash, source_values, provenance)
    result = draw(frame, pool, params, seed)
    record = build_record_from(frame, pool, params, c, seed, result)
    record["seed"] = {
        "source_values": list(source_values),
        "provenance": provenance,
        "value": seed.hex(),
    }
    return record


def build_record_2(
    frame: Sequence[FrameEntity],
    pool: Sequence[PoolInspector],
    params: DrawParameters,
    reveal: Mapping,
    chain: object = None,
) -> dict:
    """A version-2 record: the reveal (the drand round, or the lottery numbers) is checked
    against the seed source committed in the parameters before the seed is derived."""
    c = commitment(frame, pool, params)
    values, revealed = reveal_values(params.seed_source, reveal, chain)
    seed = derive_seed_2(c.commitment_hash, values)
    result = draw(frame, pool, params, seed)
    record = build_record_from(frame, pool, params, c, seed, result)
    record["seed"] = seed_record_2(params.seed_source, revealed, values, seed)
    return record


def seed_record_2(source: Mapping, revealed: Mapping, values: Sequence[str], seed: bytes) -> dict:
    """The `seed` member of a version-2 record (docs/draw-algorithm.md §10)."""
    return {
        "source": dict(source),
        "reveal": dict(revealed),
        "source_values": list(values),
        "provenance": describe(source),
        "checkable_by_platform": source["kind"] == DRAND,
        "value": seed.hex(),
    }


def build_record_from(
    frame: Sequence[FrameEntity],
    pool: Sequence[PoolInspector],
    params: DrawParameters,
    c: Commitment,
    seed: bytes,
    result: DrawResult,
) -> dict:
    return {
        "algorithm_version": params.algorithm_version,
        "params": params_to_dict(params),
        "frame": frame_to_dicts(frame),
        "pool": pool_to_dicts(pool),
        "commitment": {
            "algorithm_version": c.algorithm_version,
            "frame_hash": c.frame_hash,
            "pool_hash": c.pool_hash,
            "params_hash": c.params_hash,
            "commitment_hash": c.commitment_hash,
        },
        "seed": {"value": seed.hex()},
        "result": result_to_dict(result),
        "result_hash": result_hash(result),
    }


def verify(
    record: Mapping, *, commitment_hash: str | None = None, chain: object = None
) -> VerifyReport:
    """Recompute a stored draw and report a match or the first difference.

    commitment_hash: the commitment announced at freeze (a re-sealed record, every hash
    recomputed over changed snapshots, differs from it). chain: the pinned chain of a
    version-2 drand source, whose signature is then checked (without it such a record is
    not verified).
    """
    try:
        return _verify(record, commitment_hash, chain)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a malformed record
        return VerifyReport(ok=False, problem=f"{type(exc).__name__}: {exc}")


def _verify(record: Mapping, announced: str | None, chain: object) -> VerifyReport:
    version = record["algorithm_version"]
    if version not in SUPPORTED_VERSIONS:
        return VerifyReport(ok=False, problem=f"unsupported algorithm_version {version!r}")
    params = params_from_dict(record["params"])
    if params.algorithm_version != version:
        return VerifyReport(
            ok=False, difference=Difference("params.algorithm_version", version, version)
        )
    frame = frame_from_dicts(record["frame"])
    pool = pool_from_dicts(record["pool"])
    recomputed = commitment_from_hashes(
        frame_hash(frame), pool_hash(pool), params_hash(params), params.algorithm_version
    )
    difference = _commitment_difference(record, recomputed)
    if difference is None and announced is not None and announced != recomputed.commitment_hash:
        difference = Difference("commitment (announced)", announced, recomputed.commitment_hash)
    if difference:
        return VerifyReport(ok=False, difference=difference)
    stored_seed = record["seed"]
    if version == ALGORITHM_VERSION_2:
        values, revealed = reveal_values(params.seed_source, stored_seed["reveal"], chain)
        seed = derive_seed_2(recomputed.commitment_hash, values)
        expected = seed_record_2(params.seed_source, revealed, values, seed)
        for name in ("source", "reveal", "source_values", "provenance", "checkable_by_platform"):
            if stored_seed.get(name) != expected[name]:
                difference = Difference(f"seed.{name}", stored_seed.get(name), expected[name])
                return VerifyReport(ok=False, difference=difference)
    else:
        seed = derive_seed(
            recomputed.commitment_hash, stored_seed["source_values"], stored_seed["provenance"]
        )
    if stored_seed.get("value") != seed.hex():
        difference = Difference("seed.value", stored_seed.get("value"), seed.hex())
        return VerifyReport(ok=False, difference=difference)
    result = draw(frame, pool, params, seed)
    difference = first_difference(record["result"], result_to_dict(result), "result")
    if difference is None and record.get("result_hash") != result_hash(result):
        difference = Difference("result_hash", record.get("result_hash"), result_hash(result))
    return VerifyReport(ok=difference is None, difference=difference)


def _commitment_difference(record: Mapping, recomputed: Commitment) -> Difference | None:
    stored = record["commitment"]
    checks = [("algorithm_version", record["algorithm_version"], recomputed.algorithm_version)]
    for name in ("algorithm_version", "frame_hash", "pool_hash", "params_hash", "commitment_hash"):
        checks.append((f"commitment.{name}", stored.get(name), getattr(recomputed, name)))
    for path, recorded, expected in checks:
        if recorded != expected:
            return Difference(path, recorded, expected)
    return None


def first_difference(recorded: object, recomputed: object, path: str) -> Difference | None:
    """Walk two JSON values in the recomputed value's order; return the first mismatch."""
    if isinstance(recomputed, dict) and isinstance(recorded, Mapping):
        for key in [*recomputed, *(k for k in recorded if k not in recomputed)]:
            if key not in recorded or key not in recomputed:
                return Difference(f"{path}.{key}", recorded.get(key), recomputed.get(key))
            found = first_difference(recorded[key], recomputed[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(recomputed, list) and isinstance(recorded, list | tuple):
        for n, (old, new) in enumerate(zip(recorded, recomputed, strict=False)):
            found = first_difference(old, new, f"{path}[{n}]")
            if found:
                return found
        if len(recorded) != len(recomputed):
            n = min(len(recorded), len(recomputed))
            return Difference(f"{path}[{n}]", _at(recorded, n), _at(recomputed, n))
        return None
    same = type(recorded) is type(recomputed) and recorded == recomputed
    return None if same else Difference(path, recorded, recomputed)


def _at(values: Sequence, n: int) -> object:
    return values[n] if n < len(values) else None
