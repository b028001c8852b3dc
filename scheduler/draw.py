"""The published double-random draw (双随机): the one import the app needs.

A pure function of (frame snapshot, inspector pool snapshot, parameters, public seed,
algorithm version): no Flask, no database, no `random`, no clock. The algorithm is
specified byte for byte in docs/draw-algorithm.md; test vectors are in
docs/draw-vectors/. Typical use:

    c = commitment(frame, pool, params)              # publish c before the seed exists
    seed = derive_seed(c.commitment_hash, values, provenance)
    result = draw(frame, pool, params, seed)         # or build_record(...) for all of it
    verify(record).ok
"""

from scheduler.draw_canonical import (
    canonical_json,
    canonical_seed_source,
    commitment,
    derive_seed,
    derive_seed_2,
    frame_from_dicts,
    frame_to_dicts,
    params_from_dict,
    params_to_dict,
    parse_json,
    pool_from_dicts,
    pool_to_dicts,
)
from scheduler.draw_engine import draw
from scheduler.draw_keys import entity_key
from scheduler.draw_model import (
    ALGORITHM_VERSION,
    ALGORITHM_VERSION_2,
    GRADES,
    RISK_ORDER,
    Assignment,
    Commitment,
    DrawInputError,
    DrawParameters,
    DrawResult,
    Exclusion,
    FrameEntity,
    InvalidParameters,
    InvalidSeed,
    InvalidSnapshot,
    PoolInspector,
    Reason,
    StratumResult,
)
from scheduler.draw_record import (
    Difference,
    VerifyReport,
    build_record,
    build_record_2,
    result_hash,
    result_json,
    result_to_dict,
    verify,
)
from scheduler.draw_source import canonical_seed_source_spec, describe, reveal_values

__all__ = [
    "ALGORITHM_VERSION",
    "ALGORITHM_VERSION_2",
    "GRADES",
    "RISK_ORDER",
    "Assignment",
    "Commitment",
    "Difference",
    "DrawInputError",
    "DrawParameters",
    "DrawResult",
    "Exclusion",
    "FrameEntity",
    "InvalidParameters",
    "InvalidSeed",
    "InvalidSnapshot",
    "PoolInspector",
    "Reason",
    "StratumResult",
    "VerifyReport",
    "build_record",
    "build_record_2",
    "canonical_json",
    "canonical_seed_source",
    "canonical_seed_source_spec",
    "commitment",
    "derive_seed",
    "derive_seed_2",
    "describe",
    "draw",
    "entity_key",
    "frame_from_dicts",
    "frame_to_dicts",
    "params_from_dict",
    "params_to_dict",
    "parse_json",
    "pool_from_dicts",
    "pool_to_dicts",
    "result_hash",
    "result_json",
    "result_to_dict",
    "reveal_values",
    "verify",
]
