"""The first random: which entities, stratum by stratum (grade by grade).

Sample sizes use exact rationals, never floats, so every implementation agrees.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from scheduler.draw_keys import DIGEST_BYTES, TeamStream, entity_sort_records, pick_mac
from scheduler.draw_model import (
    GRADES,
    RISK_ORDER,
    DrawParameters,
    Exclusion,
    FrameEntity,
    Reason,
    ratio_of,
)

# Below this share of the stratum, a bounded heap beats sorting every record.
HEAP_SHARE = Fraction(1, 8)


@dataclass(frozen=True)
class Strata:
    """The frame split by grade, after the frequency cap."""

    frame_counts: dict[str, int]
    eligible: dict[str, list[str]]  # entity ids per grade, in frame order
    capped: list[Exclusion]  # sorted by entity_id
    last_inspectors: dict[str, tuple[str, ...]]  # of the eligible entities that have any


def stratify(frame: Sequence[FrameEntity], params: DrawParameters) -> Strata:
    """Split by grade and drop entities at the frequency cap (unless key items are exempt)."""
    eligible: dict[str, list[str]] = {g: [] for g in GRADES}
    add_to = {g: ids.append for g, ids in eligible.items()}  # 10^6 rows: no lookup of .append
    capped = []
    # With key items exempt no count reaches the cap; one comparison per row either way.
    cap = math.inf if params.key_items_exempt else params.frequency_cap
    last: dict[str, tuple[str, ...]] = {}
    for e in frame:
        if e.checks_last_12m < cap:
            add_to[e.grade](e.entity_id)
            if e.last_inspectors:
                last[e.entity_id] = e.last_inspectors
        else:
            capped.append((e.entity_id, e.checks_last_12m, e.grade))
    capped.sort()
    counts = {g: len(ids) for g, ids in eligible.items()}
    for _, _, grade in capped:
        counts[grade] += 1
    reason = Reason.FREQUENCY_CAP
    exclusions = [
        Exclusion(reason, eid, None, None, (("checks_last_12m", checks),))
        for eid, checks, _ in capped
    ]
    return Strata(counts, eligible, exclusions, last)


def sample_sizes(eligible_counts: Mapping[str, int], params: DrawParameters) -> dict[str, int]:
    """How many to pick per grade: by ratio (rounded up), or fixed_count shared out."""
    if params.fixed_count is None:
        return {g: math.ceil(ratio_of(params, g) * eligible_counts[g]) for g in GRADES}
    return allocate_fixed(eligible_counts, params.fixed_count)


def allocate_fixed(eligible_counts: Mapping[str, int], fixed_count: int) -> dict[str, int]:
    """Largest-remainder (Hamilton) shares of fixed_count, proportional to eligible counts.

    A count above the eligible total picks everyone. Equal remainders go to the higher
    risk grade first (RISK_ORDER).
    """
    total = sum(eligible_counts[g] for g in GRADES)
    seats = min(fixed_count, total)
    if seats == 0:
        return dict.fromkeys(GRADES, 0)
    quotas = {g: Fraction(seats * eligible_counts[g], total) for g in GRADES}
    sizes = {g: math.floor(q) for g, q in quotas.items()}
    left = seats - sum(sizes.values())
    by_remainder = sorted(RISK_ORDER, key=lambda g: (-(quotas[g] - sizes[g]), RISK_ORDER.index(g)))
    for g in by_remainder[:left]:
        sizes[g] += 1
    return sizes


def pick(seed: bytes, entity_ids: Sequence[str], size: int) -> tuple[str, ...]:
    """The first `size` ids in order of (HMAC key, id): the stratum's random sample."""
    if size == 0:
        return ()
    records = entity_sort_records(seed, entity_ids)
    if size < HEAP_SHARE * len(records):
        chosen = heapq.nsmallest(size, records)  # equal to sorted(records)[:size]
    else:
        records.sort()
        chosen = records[:size]
    return tuple(r[DIGEST_BYTES:].decode("utf-8") for r in chosen)


def pick_2(seed: bytes, grade: str, entity_ids: Sequence[str], size: int) -> tuple[str, ...]:
    """Version 2: the first `size` entities of a uniformly random order of the stratum (its ids
    sorted), drawn lazily by Fisher–Yates from the stratum's stream: one HMAC block per few
    picks, instead of a key for every entity (docs/draw-algorithm.md §7)."""
    if size == 0:
        return ()
    ordered = sorted(entity_ids)  # code point order = UTF-8 byte order; near free when sorted
    stream = TeamStream(pick_mac(seed), grade)
    moved: dict[int, int] = {}  # sparse Fisher–Yates: position -> index it now holds
    picks = []
    remaining = len(ordered)
    below, get = stream.below, moved.get
    for _ in range(size):
        position = below(remaining)
        index = get(position, position)
        remaining -= 1
        moved[position] = get(remaining, remaining)
        picks.append(ordered[index])
    return tuple(picks)
