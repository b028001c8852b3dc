"""double-random/2's pure rules: the committed seed source, one spelling per value, the pool of
the task's departments, the input grammar (scheduler/draw_source.py, draw_canonical.py)."""

from __future__ import annotations

import pytest

from scheduler.beacon import TestChain
from scheduler.draw import (
    ALGORITHM_VERSION_2,
    DrawParameters,
    FrameEntity,
    InvalidParameters,
    InvalidSeed,
    InvalidSnapshot,
    PoolInspector,
    build_record_2,
    commitment,
    parse_json,
    reveal_values,
    verify,
)
from scheduler.draw_source import ENTROPY_FLOOR_BITS, lottery_entropy_bits, lottery_outcomes
from tests.factories import credit_code

CHAIN = TestChain.generate(1_577_836_800, 3, b"unit tests of the draw's seed source")
OTHER = TestChain.generate(1_577_836_800, 3, b"another chain altogether, unpinned")
DRAND = {"kind": "drand", "chain_hash": CHAIN.info.hash, "round": 1_000}
FRAME = tuple(FrameEntity(credit_code(n), "DCBA"[n % 4], "BS01") for n in range(1, 13))
POOL = tuple(PoolInspector(f"{d}{n:04d}", d, ("IC",)) for d in ("CT", "PS") for n in range(1, 4))


def params(**overrides) -> DrawParameters:
    values = {
        "task_id": "CT-2026-0001", "industry": "IC", "lead_department": "CT",
        "partner_departments": ("PS",), "ratios": {"D": "0.5", "C": "0.25"},
        "workload_cap": 5, "algorithm_version": ALGORITHM_VERSION_2, "seed_source": DRAND,
    }  # fmt: skip
    return DrawParameters(**(values | overrides))


@pytest.mark.parametrize("spelling", ["0.150", "0.50", "1.0", "0.0", ".5", "1.5e-1", " 0.5"])
def test_a_second_spelling_of_a_ratio_is_refused(spelling):
    with pytest.raises(InvalidParameters) as refused:
        params(ratios={"D": spelling})
    assert refused.value.field == "ratios" and refused.value.zh


@pytest.mark.parametrize("spelling", ["0", "1", "0.5", "0.15", "0.0001"])
def test_canonical_ratios_are_taken_as_they_are(spelling):
    assert params(ratios={"D": spelling}).ratios == {"D": spelling}


def test_version_1_still_takes_its_spellings():
    v1 = params(ratios={"D": "0.50"}, algorithm_version="double-random/1", seed_source=None)
    assert v1.ratios == {"D": "0.50"}
    with pytest.raises(InvalidParameters):
        params(algorithm_version="double-random/1")  # no seed source in version 1


@pytest.mark.parametrize(
    "source",
    [
        None,
        {"kind": "drand", "chain_hash": CHAIN.info.hash},  # the round is fixed at freeze
        {**DRAND, "round": 0},
        {**DRAND, "round": True},
        {**DRAND, "chain_hash": CHAIN.info.hash.upper()},
        {**DRAND, "note": "x"},
        {"kind": "nist", "chain_index": 2, "pulse_index": 1},
    ],
)
def test_a_malformed_seed_source_is_refused(source):
    with pytest.raises(InvalidParameters):
        params(seed_source=source)


def test_the_lottery_entropy_floor_is_computed_from_its_ranges():
    six_of_49 = {"count": 6, "min": 1, "max": 49}
    assert lottery_outcomes([six_of_49]) == 13_983_816
    assert 23.7 < lottery_entropy_bits([six_of_49]) < 23.8
    source = {"kind": "lottery", "date": "2026-12-05", "name": "公开摇号", "draws": [six_of_49] * 5}
    with pytest.raises(InvalidParameters) as refused:  # 118.6 bits
        params(seed_source=source)
    assert str(ENTROPY_FLOOR_BITS) in refused.value.en
    enough = params(seed_source=source | {"draws": [six_of_49] * 6})
    assert enough.seed_source["draws"] == [{"count": 6, "max": 49, "min": 1}] * 6
    with pytest.raises(InvalidParameters):
        params(seed_source=source | {"date": "2026-02-30"})


def test_the_pool_holds_only_the_tasks_departments():
    stranger = PoolInspector("MS0001", "MS", ("FS",))
    with pytest.raises(InvalidSnapshot) as refused:
        commitment(FRAME, (*POOL, stranger), params())
    assert "MS0001" in refused.value.en


def test_the_committed_round_signed_by_the_chain_verifies_and_nothing_else_does():
    values, reveal = reveal_values(DRAND, CHAIN.sign(1_000), CHAIN.info)
    assert values == [reveal["randomness"]] and reveal["round"] == 1_000
    for wrong in (CHAIN.sign(1_001), OTHER.sign(1_000), CHAIN.sign(1_000) | {"round": 1_001}):
        with pytest.raises(InvalidSeed):
            reveal_values(DRAND, wrong, CHAIN.info)
    with pytest.raises(InvalidSeed):
        reveal_values(DRAND, CHAIN.sign(1_000), OTHER.info)  # not the committed chain
    with pytest.raises(InvalidSeed):
        reveal_values(DRAND, CHAIN.sign(1_000), None)  # no pinned chain, no check, no seed


def test_a_record_verifies_against_the_announced_commitment_only():
    record = build_record_2(FRAME, POOL, params(), CHAIN.sign(1_000), CHAIN.info)
    announced = record["commitment"]["commitment_hash"]
    assert verify(record, commitment_hash=announced, chain=CHAIN.info).ok
    resealed = build_record_2(FRAME[1:], POOL, params(), CHAIN.sign(1_000), CHAIN.info)
    assert verify(resealed, chain=CHAIN.info).ok
    report = verify(resealed, commitment_hash=announced, chain=CHAIN.info)
    assert not report.ok and report.difference.path == "commitment (announced)"


def test_the_input_grammar_takes_integers_only_and_no_duplicate_keys():
    assert parse_json('{"a": [1, -2, "0.5"]}') == {"a": [1, -2, "0.5"]}
    for text in ('{"a": 1, "a": 1}', '{"a": {"b": 1, "b": 2}}', '{"a": 1.0}', '{"a": 1e3}',
                 '{"a": NaN}', '{"a": Infinity}'):  # fmt: skip
        with pytest.raises(ValueError):
            parse_json(text)


def test_version_2_picks_do_not_depend_on_the_order_of_the_rows():
    from scheduler.draw import draw

    frame = tuple(FrameEntity(credit_code(n), "DCBA"[n % 4], "BS01") for n in range(1, 200))
    seed = bytes(range(32))
    forward = draw(frame, POOL, params(), seed)
    backward = draw(tuple(reversed(frame)), tuple(reversed(POOL)), params(), seed)
    assert forward == backward
    picks = [e for s in forward.strata for e in s.picks]
    assert len(picks) == len(set(picks)) == sum(s.sample_size for s in forward.strata) > 0
    other = draw(frame, POOL, params(), bytes(reversed(range(32))))
    assert [e for s in other.strata for e in s.picks] != picks
