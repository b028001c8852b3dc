"""draw(): the pure function from (frame, pool, parameters, seed) to the draw result."""

from __future__ import annotations

from collections.abc import Sequence

from scheduler.draw_canonical import validate_frame, validate_pool, validate_pool_departments
from scheduler.draw_model import (
    ALGORITHM_VERSION,
    RISK_ORDER,
    SEED_BYTES,
    DrawParameters,
    DrawResult,
    FrameEntity,
    InvalidSeed,
    PoolInspector,
    StratumResult,
)
from scheduler.draw_strata import pick, pick_2, sample_sizes, stratify
from scheduler.draw_teams import TeamFormer


def draw(
    frame: Sequence[FrameEntity],
    pool: Sequence[PoolInspector],
    params: DrawParameters,
    seed: bytes,
) -> DrawResult:
    """Pick entities per grade, then staff each pick; the same inputs give the same result.

    The order of rows in frame and pool does not matter. Entities are picked from the
    frame alone, so a short inspector pool never changes which entities are checked.
    """
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise InvalidSeed("seed", "种子须为 32 字节", f"need {SEED_BYTES} bytes")
    validate_frame(frame)
    validate_pool(pool)
    validate_pool_departments(pool, params)
    version_1 = params.algorithm_version == ALGORITHM_VERSION
    strata = stratify(frame, params)
    sizes = sample_sizes({g: len(ids) for g, ids in strata.eligible.items()}, params)
    stratum_results = tuple(
        StratumResult(
            grade,
            strata.frame_counts[grade],
            len(strata.eligible[grade]),
            sizes[grade],
            pick(seed, strata.eligible[grade], sizes[grade])
            if version_1
            else pick_2(seed, grade, strata.eligible[grade], sizes[grade]),
        )
        for grade in RISK_ORDER
    )
    former = TeamFormer(pool, params, seed)
    picked = [(s.grade, eid) for s in stratum_results for eid in s.picks]
    last_of = strata.last_inspectors
    assignments = tuple(
        former.form(n, eid, grade, last_of.get(eid, ())) for n, (grade, eid) in enumerate(picked, 1)
    )
    return DrawResult(
        params.algorithm_version,
        params.task_id,
        seed.hex(),
        stratum_results,
        assignments,
        (*strata.capped, *former.exclusions),
    )
