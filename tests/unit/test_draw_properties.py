"""Properties of the draw that must hold on any input (hypothesis)."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inspect_app.domain.credit_code import complete
from scheduler.draw import (
    GRADES,
    DrawParameters,
    FrameEntity,
    PoolInspector,
    Reason,
    build_record,
    commitment,
    draw,
    result_to_dict,
    verify,
)
from scheduler.draw_strata import allocate_fixed

STREETS = ("友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇", "顾村镇", "淞南镇")
DEPARTMENTS = ("CT", "PS", "FR", "MS")  # MS: in the pool, not in the task
QUALIFICATIONS = (("IC",), ("FS", "IC"), ("IC", "KT"), ("FS",), ())
RATIOS = ("0", "0.05", "0.15", "0.3", "0.4", "0.5", "1")
FAST = settings(max_examples=60, deadline=None)

seeds = st.binary(min_size=32, max_size=32)


def _some(draw_: st.DrawFn, values: list[str], most: int) -> tuple[str, ...]:
    if not values:
        return ()
    return tuple(sorted(draw_(st.sets(st.sampled_from(values), max_size=most))))


@st.composite
def pools(draw_: st.DrawFn, entity_ids: list[str]) -> list[PoolInspector]:
    numbers = draw_(st.lists(st.integers(1, 16), min_size=0, max_size=14, unique=True))
    pool = []
    for n in numbers:
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        pool.append(PoolInspector(
            f"{department}{n:04d}",
            department,
            draw_(st.sampled_from(QUALIFICATIONS)),
            draw_(st.integers(0, 3)),
            _some(draw_, entity_ids, 3),
        ))  # fmt: skip
    return pool


@st.composite
def frames(draw_: st.DrawFn, inspector_ids: list[str]) -> list[FrameEntity]:
    numbers = draw_(st.lists(st.integers(0, 99_999), min_size=0, max_size=30, unique=True))
    return [
        FrameEntity(
            complete("91310113MA1G" + f"{n:05d}"),
            draw_(st.sampled_from(GRADES)),
            STREETS[n % len(STREETS)],
            draw_(st.integers(0, 3)),
            _some(draw_, inspector_ids, 2),
        )
        for n in numbers
    ]


@st.composite
def parameters(draw_: st.DrawFn) -> DrawParameters:
    fixed = draw_(st.booleans())
    return DrawParameters(
        task_id="BS-2024-IC-" + str(draw_(st.integers(1, 999))),
        industry="IC",
        lead_department="CT",
        partner_departments=_some(draw_, ["PS", "FR"], 2),
        ratios=None if fixed else draw_(st.dictionaries(st.sampled_from(GRADES), st.sampled_from(RATIOS))),
        fixed_count=draw_(st.integers(0, 35)) if fixed else None,
        team_size=draw_(st.integers(2, 4)),
        workload_cap=draw_(st.integers(1, 4)),
        frequency_cap=draw_(st.integers(1, 3)),
        key_items_exempt=draw_(st.booleans()),
    )  # fmt: skip


ALL_INSPECTORS = [f"{d}{n:04d}" for n in range(1, 17) for d in (DEPARTMENTS[n % 4],)]


@st.composite
def cases(draw_: st.DrawFn) -> tuple[list[FrameEntity], list[PoolInspector], DrawParameters]:
    frame = draw_(frames(ALL_INSPECTORS))
    pool = draw_(pools([e.entity_id for e in frame]))
    return frame, pool, draw_(parameters())


@FAST
@given(cases(), seeds, st.data())
def test_shuffled_rows_give_the_identical_result(case, seed, data):
    frame, pool, params = case
    frame2 = [dataclasses.replace(e, last_inspectors=e.last_inspectors[::-1]) for e in frame]
    pool2 = [dataclasses.replace(i, recusals=i.recusals[::-1]) for i in pool]
    frame2 = data.draw(st.permutations(frame2))
    pool2 = data.draw(st.permutations(pool2))
    reshuffled = draw(frame2, pool2, params, seed)
    assert result_to_dict(reshuffled) == result_to_dict(draw(frame, pool, params, seed))


@FAST
@given(cases(), seeds)
def test_every_constraint_holds_on_any_input(case, seed):
    frame, pool, params = case
    result = draw(frame, pool, params, seed)
    _check_picks(frame, params, result)
    _check_teams(frame, pool, params, result)


def _check_picks(frame, params, result):
    by_id = {e.entity_id: e for e in frame}
    picked = [eid for s in result.strata for eid in s.picks]
    assert len(picked) == len(set(picked))
    for stratum in result.strata:
        assert len(stratum.picks) == stratum.sample_size <= stratum.eligible_count
        for eid in stratum.picks:
            e = by_id[eid]
            assert e.grade == stratum.grade
            assert params.key_items_exempt or e.checks_last_12m < params.frequency_cap


def _check_teams(frame, pool, params, result):
    by_id = {i.inspector_id: i for i in pool}
    last = {e.entity_id: set(e.last_inspectors) for e in frame}
    assigned = Counter()
    shorts = {
        (x.entity_id, x.department) for x in result.exclusions if x.reason == Reason.SHORTFALL
    }
    for a in result.assignments:
        assert len(a.inspectors()) == len(set(a.inspectors()))
        for department, ids in a.team:
            needed = params.lead_slots if department == params.lead_department else 1
            assert len(ids) <= needed
            assert (len(ids) < needed) == ((a.entity_id, department) in shorts)
            for inspector_id in ids:
                i = by_id[inspector_id]
                assert i.department == department  # never filled from another department
                assert params.industry in i.qualifications
                assert a.entity_id not in i.recusals
                assert inspector_id not in last[a.entity_id]
                assigned[inspector_id] += 1
        assert a.shortfall == any((a.entity_id, d) in shorts for d, _ in a.team)
    for inspector_id, count in assigned.items():
        assert by_id[inspector_id].workload + count <= params.workload_cap


@FAST
@given(cases(), seeds)
def test_the_same_seed_gives_the_same_result(case, seed):
    frame, pool, params = case
    assert draw(frame, pool, params, seed) == draw(list(frame), list(pool), params, bytes(seed))


@FAST
@given(seeds, seeds)
def test_a_different_seed_gives_a_different_result(seed, other):
    assume(seed != other)
    # 40 entities, 8 picked in order: 40!/32! orderings, so a clash is ~1 in 3e12.
    frame = [FrameEntity(complete("91310113MA1G" + f"{n:05d}"), "D", "吴淞街道") for n in range(40)]
    params = DrawParameters(
        task_id="BS-2024-IC-001", industry="IC", lead_department="CT", ratios={"D": "0.2"},
        workload_cap=5,
    )  # fmt: skip
    assert draw(frame, [], params, seed).strata != draw(frame, [], params, other).strata


@FAST
@given(cases(), st.data())
def test_any_changed_snapshot_row_changes_the_commitment(case, data):
    frame, pool, params = case
    assume(frame)
    before = commitment(frame, pool, params)
    n = data.draw(st.integers(0, len(frame) - 1))
    e = frame[n]
    changes = {
        "grade": GRADES[(GRADES.index(e.grade) + 1) % len(GRADES)],
        "street": e.street + "一",
        "checks_last_12m": e.checks_last_12m + 1,
        "last_inspectors": (*e.last_inspectors, "CT9999"),
    }
    name = data.draw(st.sampled_from(sorted(changes)))
    changed = [*frame[:n], dataclasses.replace(e, **{name: changes[name]}), *frame[n + 1 :]]
    after = commitment(changed, pool, params)
    assert after.frame_hash != before.frame_hash
    assert after.commitment_hash != before.commitment_hash


@FAST
@given(cases(), st.data())
def test_any_changed_inspector_row_changes_the_commitment(case, data):
    frame, pool, params = case
    assume(pool)
    n = data.draw(st.integers(0, len(pool) - 1))
    i = pool[n]
    changes = {"workload": i.workload + 1, "qualifications": (*i.qualifications, "GA")}
    name = data.draw(st.sampled_from(sorted(changes)))
    changed = [*pool[:n], dataclasses.replace(i, **{name: changes[name]}), *pool[n + 1 :]]
    before, after = commitment(frame, pool, params), commitment(frame, changed, params)
    assert after.pool_hash != before.pool_hash
    assert after.commitment_hash != before.commitment_hash


@settings(max_examples=25, deadline=None)
@given(cases(), st.lists(st.integers(0, 9), min_size=3, max_size=3))
def test_verify_accepts_any_honest_record(case, numbers):
    frame, pool, params = case
    record = build_record(frame, pool, params, [" ".join(map(str, numbers))], "公开摇号")
    assert verify(record).ok


@FAST
@given(st.lists(st.integers(0, 500), min_size=4, max_size=4), st.integers(0, 2000))
def test_fixed_count_shares_add_up_and_stay_within_each_grade(counts, fixed_count):
    eligible = dict(zip(GRADES, counts, strict=True))
    sizes = allocate_fixed(eligible, fixed_count)
    assert sum(sizes.values()) == min(fixed_count, sum(counts))
    total = sum(counts)
    for g in GRADES:
        assert sizes[g] <= eligible[g]
        if total:  # Hamilton: each share is its quota rounded down or up
            quota = Fraction(min(fixed_count, total) * eligible[g], total)
            assert math.floor(quota) <= sizes[g] <= math.ceil(quota)
