"""The double-random draw, rule by rule (scheduler/draw.py, docs/draw-algorithm.md)."""

from __future__ import annotations

import ast
import copy
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from inspect_app.domain.credit_code import complete, is_valid
from scheduler.draw import (
    DrawParameters,
    FrameEntity,
    InvalidParameters,
    InvalidSeed,
    InvalidSnapshot,
    PoolInspector,
    Reason,
    build_record,
    canonical_json,
    commitment,
    derive_seed,
    draw,
    entity_key,
    frame_to_dicts,
    result_hash,
    result_json,
    verify,
)
from scheduler.draw_canonical import frame_hash
from scheduler.draw_keys import ENTITY_LABEL, HmacSha256
from scheduler.draw_strata import allocate_fixed, sample_sizes

STREETS = (
    "友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇",
    "月浦镇", "罗泾镇", "顾村镇", "高境镇", "庙行镇", "淞南镇",
)  # fmt: skip
RATIOS = {"A": "0.03", "B": "0.05", "C": "0.15", "D": "0.4"}
SEED = hashlib.sha256("宝山区 2024 第一次联合抽查 公开摇号".encode()).digest()
OTHER_SEED = hashlib.sha256("宝山区 2024 第二次联合抽查 公开摇号".encode()).digest()


def code(n: int) -> str:
    return complete("91310113MA1G" + f"{n:05d}")


def entity(n: int, grade: str = "B", checks: int = 0, last: tuple[str, ...] = ()) -> FrameEntity:
    return FrameEntity(code(n), grade, STREETS[n % len(STREETS)], checks, last)


def inspector(
    inspector_id: str, qualified: bool = True, workload: int = 0, recusals: tuple[str, ...] = ()
) -> PoolInspector:
    qualifications = ("IC", "KT") if qualified else ("FS",)
    return PoolInspector(inspector_id, inspector_id[:2], qualifications, workload, recusals)


def params(**overrides: object) -> DrawParameters:
    values = {
        "task_id": "BS-2024-IC-001",
        "industry": "IC",
        "lead_department": "CT",
        "partner_departments": ("PS", "FR"),
        "ratios": RATIOS,
        "team_size": 3,
        "workload_cap": 5,
    }
    values.update(overrides)
    return DrawParameters(**values)


def joint_pool() -> list[PoolInspector]:
    return [inspector(f"{d}{n:04d}") for d in ("CT", "PS", "FR") for n in range(1, 5)]


def every_one(grade: str = "B") -> dict[str, str]:
    return {grade: "1"}


# --- parameters -----------------------------------------------------------------


def test_team_of_one_is_rejected():
    with pytest.raises(InvalidParameters) as error:
        params(team_size=1)
    assert error.value.field == "team_size"


def test_ratio_above_one_is_rejected():
    with pytest.raises(InvalidParameters, match="ratio"):
        params(ratios={"D": "1.5"})


def test_ratio_given_as_a_float_is_rejected():
    with pytest.raises(InvalidParameters):
        params(ratios={"D": 0.4})


def test_ratios_and_fixed_count_are_exclusive():
    with pytest.raises(InvalidParameters):
        params(fixed_count=10)


def test_lead_department_cannot_also_be_a_partner():
    with pytest.raises(InvalidParameters):
        params(partner_departments=("CT", "PS"))


def test_partner_departments_given_as_one_string_is_rejected():
    with pytest.raises(InvalidParameters):
        params(partner_departments="PS")


def test_unknown_algorithm_version_is_rejected():
    with pytest.raises(InvalidParameters):
        params(algorithm_version="double-random/0")


def test_invalid_parameters_is_a_value_error_with_both_languages():
    with pytest.raises(ValueError) as error:
        params(workload_cap=0)
    assert error.value.zh and error.value.en


# --- snapshots and seed input -----------------------------------------------------


def test_duplicate_entity_in_frame_is_rejected():
    with pytest.raises(InvalidSnapshot):
        draw([entity(1), entity(1)], joint_pool(), params(), SEED)


def test_unknown_grade_is_rejected():
    with pytest.raises(InvalidSnapshot):
        draw([entity(1, grade="E")], joint_pool(), params(), SEED)


def test_negative_workload_is_rejected():
    with pytest.raises(InvalidSnapshot):
        commitment([entity(1)], [inspector("CT0001", workload=-1)], params())


def test_seed_must_be_32_bytes():
    with pytest.raises(InvalidSeed):
        draw([entity(1)], joint_pool(), params(), b"short")


# --- commitment and seed ----------------------------------------------------------------


def test_commitment_ignores_row_order():
    frame = [entity(n, grade, last=("CT0002", "CT0001")) for n, grade in enumerate("ABCD")]
    shuffled = [
        FrameEntity(e.entity_id, e.grade, e.street, e.checks_last_12m, e.last_inspectors[::-1])
        for e in reversed(frame)
    ]
    assert commitment(frame, joint_pool(), params()) == commitment(
        shuffled, joint_pool()[::-1], params()
    )


def test_commitment_changes_with_any_parameter():
    frame, pool = [entity(1)], joint_pool()
    assert commitment(frame, pool, params()) != commitment(frame, pool, params(workload_cap=6))


def test_commitment_hash_binds_the_three_snapshot_hashes():
    c = commitment([entity(1)], joint_pool(), params())
    document = {
        "algorithm_version": c.algorithm_version,
        "frame_hash": c.frame_hash,
        "kind": "commitment",
        "params_hash": c.params_hash,
        "pool_hash": c.pool_hash,
    }
    expected = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert c.commitment_hash == hashlib.sha256(expected).hexdigest()


def test_streamed_frame_hash_equals_hash_of_canonical_rows():
    frame = [entity(n, "ABCD"[n % 4], n % 3, ("PS0001", "CT0002")) for n in range(40)]
    document = canonical_json({"kind": "frame", "rows": frame_to_dicts(frame)})
    assert frame_hash(frame) == hashlib.sha256(document).hexdigest()


def test_streamed_frame_hash_is_the_canonical_one_for_any_order_and_spelling():
    # over several hashing chunks; ids and streets that JSON must escape, in order and not
    odd = [
        FrameEntity('91310113"A', "D", '罗店镇"东', 1, ("CT0001",)),
        FrameEntity("91310113\\B", "C", "月浦镇\t", 0),
        FrameEntity("E-0001", "A", "", 2),
    ]
    frame = [entity(n, "ABCD"[n % 4], n % 3, ("PS0001",) if n % 7 else ()) for n in range(2500)]
    frame += odd
    document = canonical_json({"kind": "frame", "rows": frame_to_dicts(frame)})
    expected = hashlib.sha256(document).hexdigest()
    in_order = sorted(frame, key=lambda e: e.entity_id)
    assert frame_hash(in_order) == frame_hash(frame[::-1]) == frame_hash(frame) == expected
    assert commitment(in_order, joint_pool(), params()).frame_hash == expected


def test_duplicate_entity_in_a_frame_in_id_order_is_rejected():
    frame = sorted([entity(n) for n in range(3000)] + [entity(1500)], key=lambda e: e.entity_id)
    with pytest.raises(InvalidSnapshot):
        commitment(frame, joint_pool(), params())


def test_canonical_json_keeps_chinese_as_utf8():
    assert canonical_json({"street": "罗店镇"}) == '{"street":"罗店镇"}'.encode()


def test_seed_sorts_numbers_within_a_set_like_rfc3797():
    c = "ab" * 32
    assert derive_seed(c, ["17 3 22"], "摇号") == derive_seed(c, ["03,17, 22"], "摇号")


def test_seed_keeps_the_order_of_sets():
    c = "ab" * 32
    assert derive_seed(c, ["1 2", "3"], "摇号") != derive_seed(c, ["3", "1 2"], "摇号")


def test_seed_ignores_the_case_of_a_beacon_value():
    c = "ab" * 32
    assert derive_seed(c, ["ABCDEF01"], "信标") == derive_seed(c, ["abcdef01"], "信标")


def test_seed_does_not_hash_the_provenance_text():
    c = "ab" * 32
    assert derive_seed(c, ["5 9"], "公开摇号 上午") == derive_seed(c, ["5 9"], "public session")


def test_seed_rejects_free_text_values():
    with pytest.raises(InvalidSeed):
        derive_seed("ab" * 32, ["七 八 九"], "摇号")


def test_seed_is_hmac_sha256_keyed_by_the_commitment():
    c = hashlib.sha256(b"commitment").hexdigest()
    message = b"double-random/1/seed\x00" + b"3.17.22./9./beef/"
    expected = hmac.new(bytes.fromhex(c), message, "sha256").digest()
    assert derive_seed(c, ["22 17 3", "9", "BEEF"], "摇号") == expected


def test_prepared_hmac_equals_standard_hmac():
    for key in (SEED, b"k", b"x" * 100):
        mac = HmacSha256(key, ENTITY_LABEL)
        standard = hmac.new(key, ENTITY_LABEL + b"91310113MA1G00001H", "sha256").digest()
        assert mac.digest(b"91310113MA1G00001H") == standard


# --- sample sizes -----------------------------------------------------------------------


def test_ratio_sample_size_is_rounded_up_exactly():
    # 0.15 * 20 is 3.0000000000000004 in floating point: exact arithmetic gives 3.
    sizes = sample_sizes({"A": 21, "B": 20, "C": 20, "D": 0}, params(ratios=RATIOS))
    assert sizes == {"A": 1, "B": 1, "C": 3, "D": 0}


def test_grade_without_a_ratio_is_not_sampled():
    assert sample_sizes({"A": 9, "B": 9, "C": 9, "D": 9}, params(ratios={"D": "0.5"}))["A"] == 0


def test_fixed_count_is_shared_by_largest_remainder():
    assert allocate_fixed({"A": 50, "B": 30, "C": 15, "D": 5}, 7) == {
        "A": 4, "B": 2, "C": 1, "D": 0,
    }  # fmt: skip


def test_fixed_count_ties_go_to_the_higher_risk_grade():
    assert allocate_fixed({"A": 1, "B": 1, "C": 1, "D": 1}, 2) == {"A": 0, "B": 0, "C": 1, "D": 1}


def test_fixed_count_above_the_frame_picks_every_eligible_entity():
    assert allocate_fixed({"A": 2, "B": 0, "C": 1, "D": 0}, 10) == {"A": 2, "B": 0, "C": 1, "D": 0}


# --- picking entities ---------------------------------------------------------------------


def test_picks_follow_the_hmac_key_order():
    frame = [entity(n, "C") for n in range(30)]
    result = draw(frame, joint_pool(), params(ratios={"C": "0.2"}), SEED)
    expected = sorted(frame, key=lambda e: (entity_key(SEED, e.entity_id), e.entity_id))[:6]
    assert result.strata[1].picks == tuple(e.entity_id for e in expected)


def test_entity_key_is_hmac_of_label_and_credit_code():
    entity_id = code(7)
    expected = hmac.new(SEED, b"double-random/1/entity\x00" + entity_id.encode(), "sha256")
    assert is_valid(entity_id) and entity_key(SEED, entity_id) == expected.digest()


def test_frequency_capped_entity_is_never_picked():
    frame = [entity(1, checks=2), entity(2, checks=1)]
    result = draw(frame, joint_pool(), params(ratios=every_one()), SEED)
    assert result.strata[2].picks == (code(2),)


def test_frequency_capped_entity_is_reported():
    result = draw([entity(1, checks=3)], joint_pool(), params(ratios=every_one()), SEED)
    (exclusion,) = [x for x in result.exclusions if x.reason == Reason.FREQUENCY_CAP]
    assert (exclusion.entity_id, exclusion.detail) == (code(1), (("checks_last_12m", 3),))


def test_key_items_exempt_lifts_the_frequency_cap():
    frame = [entity(1, checks=2), entity(2, checks=1)]
    result = draw(frame, joint_pool(), params(ratios=every_one(), key_items_exempt=True), SEED)
    assert set(result.strata[2].picks) == {code(1), code(2)}


def test_entity_picks_do_not_depend_on_the_inspector_pool():
    frame = [entity(n, "ABCD"[n % 4]) for n in range(40)]
    with_pool = draw(frame, joint_pool(), params(), SEED)
    without_pool = draw(frame, [], params(), SEED)
    assert with_pool.strata == without_pool.strata


def test_a_different_seed_picks_differently():
    frame = [entity(n, "D") for n in range(40)]
    one = draw(frame, joint_pool(), params(), SEED)
    other = draw(frame, joint_pool(), params(), OTHER_SEED)
    assert one.strata[0].picks != other.strata[0].picks


# --- teams --------------------------------------------------------------------------------


def test_recused_inspector_is_never_drawn():
    target = code(1)
    pool = [inspector("CT0001", recusals=(target,)), inspector("CT0002"), *joint_pool()[4:]]
    for seed in (SEED, OTHER_SEED, hashlib.sha256(b"3").digest()):
        team = draw([entity(1)], pool, params(ratios=every_one()), seed).assignments[0]
        assert "CT0001" not in team.inspectors()


def test_applied_recusal_is_reported_with_the_ids_involved():
    target = code(1)
    pool = [inspector("CT0001", recusals=(target,)), inspector("CT0002"), *joint_pool()[4:]]
    result = draw([entity(1)], pool, params(ratios=every_one(), team_size=4), SEED)
    applied = [x for x in result.exclusions if x.reason == Reason.RECUSAL_APPLIED]
    assert [(x.entity_id, x.inspector_id, x.department) for x in applied] == [
        (target, "CT0001", "CT")
    ]


def test_inspector_is_not_sent_to_the_same_entity_twice_in_a_row():
    frame = [entity(1, last=("PS0001", "PS0002", "PS0003"))]
    result = draw(frame, joint_pool(), params(ratios=every_one()), SEED)
    assert dict(result.assignments[0].team)["PS"] == ("PS0004",)


def test_unqualified_inspector_is_never_drawn_and_is_reported():
    pool = [inspector("CT0001", qualified=False), inspector("CT0002"), *joint_pool()[4:]]
    result = draw([entity(1)], pool, params(ratios=every_one()), SEED)
    assert dict(result.assignments[0].team)["CT"] == ("CT0002",)
    assert [x.inspector_id for x in result.exclusions if x.reason == Reason.NOT_QUALIFIED] == [
        "CT0001"
    ]


def test_joint_team_has_one_member_from_the_lead_and_from_each_partner():
    result = draw([entity(1)], joint_pool(), params(ratios=every_one()), SEED)
    team = result.assignments[0].team
    assert [(department, len(ids)) for department, ids in team] == [
        ("CT", 1), ("FR", 1), ("PS", 1),
    ]  # fmt: skip


def test_extra_members_come_from_the_lead_department():
    result = draw([entity(1)], joint_pool(), params(ratios=every_one(), team_size=5), SEED)
    assert {d: len(ids) for d, ids in result.assignments[0].team} == {"CT": 3, "FR": 1, "PS": 1}


def test_a_single_department_check_still_sends_two_officers():
    p = params(ratios=every_one(), partner_departments=(), team_size=2)
    team = draw([entity(1)], joint_pool(), p, SEED).assignments[0].team
    assert len(set(dict(team)["CT"])) == 2


def test_workload_cap_counts_assignments_made_earlier_in_the_draw():
    frame = [entity(n) for n in range(6)]
    pool = [inspector("CT0001", workload=1), inspector("CT0002"), inspector("PS0001", workload=0)]
    p = params(ratios=every_one(), partner_departments=("PS",), team_size=2, workload_cap=3)
    result = draw(frame, pool, p, SEED)
    assigned = [i for a in result.assignments for i in a.inspectors()]
    assert assigned.count("CT0001") == 2 and assigned.count("PS0001") == 3


def test_reaching_the_workload_cap_is_reported_with_the_entity_that_filled_it():
    pool = [inspector("CT0001", workload=4), *joint_pool()[4:]]
    result = draw([entity(1)], pool, params(ratios=every_one()), SEED)
    capped = [x for x in result.exclusions if x.reason == Reason.WORKLOAD_CAP]
    assert [(x.inspector_id, x.entity_id) for x in capped] == [("CT0001", code(1))]


def test_inspector_at_the_cap_before_the_draw_is_never_drawn():
    pool = [inspector("CT0001", workload=5), inspector("CT0002"), *joint_pool()[4:]]
    result = draw([entity(1)], pool, params(ratios=every_one()), SEED)
    assert dict(result.assignments[0].team)["CT"] == ("CT0002",)


def test_shortfall_is_reported_never_filled_from_another_department():
    pool = [inspector("CT0001"), inspector("PS0001"), inspector("FR0001", qualified=False)]
    result = draw([entity(1)], pool, params(ratios=every_one()), SEED)
    assignment = result.assignments[0]
    assert dict(assignment.team) == {"CT": ("CT0001",), "FR": (), "PS": ("PS0001",)}
    (short,) = [x for x in result.exclusions if x.reason == Reason.SHORTFALL]
    assert (short.entity_id, short.department) == (code(1), "FR")
    assert dict(short.detail) == {
        "available": 0, "filled": 0, "needed": 1, "not_qualified": 1, "workload_cap": 0,
    }  # fmt: skip


def test_shortfall_entity_stays_picked_and_its_members_count_toward_workload():
    pool = [inspector("CT0001", workload=4), inspector("PS0001")]
    result = draw([entity(1)], pool, params(ratios=every_one()), SEED)
    assert result.assignments[0].shortfall
    assert result.strata[2].picks == (code(1),)
    assert Reason.WORKLOAD_CAP in {x.reason for x in result.exclusions}


def test_recusal_that_empties_a_department_is_a_shortfall_with_its_reasons():
    target = code(1)
    pool = [inspector("CT0001"), inspector("PS0001", recusals=(target,)), inspector("FR0001")]
    result = draw([entity(1)], pool, params(ratios=every_one()), SEED)
    reasons = [(x.reason, x.inspector_id, x.department) for x in result.exclusions]
    assert reasons == [
        (Reason.RECUSAL_APPLIED, "PS0001", "PS"),
        (Reason.SHORTFALL, None, "PS"),
    ]


def test_teams_are_formed_from_the_highest_risk_grade_down():
    frame = [entity(n, "ABCD"[n % 4]) for n in range(8)]
    result = draw(frame, joint_pool(), params(ratios={g: "1" for g in "ABCD"}), SEED)
    assert [a.grade for a in result.assignments] == list("DDCCBBAA")
    assert [a.sequence for a in result.assignments] == list(range(1, 9))


# --- result and verification -----------------------------------------------------------------


def _record() -> dict:
    frame = [entity(n, "ABCD"[n % 4], n % 3, ("CT0001",) if n % 5 == 0 else ()) for n in range(24)]
    pool = [*joint_pool(), inspector("CT0005", recusals=(code(3),))]
    return build_record(frame, pool, params(), ["7 23 41 5 18", "12 3 30"], "宝山区公开摇号")


def test_result_hash_is_sha256_of_the_canonical_result():
    result = draw([entity(1)], joint_pool(), params(ratios=every_one()), SEED)
    assert result_hash(result) == hashlib.sha256(result_json(result)).hexdigest()


def test_verify_accepts_an_untouched_record():
    assert verify(_record()).ok


def test_verify_accepts_a_record_after_a_json_round_trip():
    assert verify(json.loads(json.dumps(_record(), ensure_ascii=False))).ok


def test_verify_detects_a_changed_frame_row():
    record = _record()
    record["frame"][4]["checks_last_12m"] += 1
    assert verify(record).difference.path == "commitment.frame_hash"


def test_verify_detects_a_changed_pool_row():
    record = _record()
    (row,) = [r for r in record["pool"] if r["inspector_id"] == "CT0005"]
    row["recusals"] = []
    assert verify(record).difference.path == "commitment.pool_hash"


def test_verify_detects_a_changed_seed():
    record = _record()
    record["seed"]["value"] = "00" * 32
    assert verify(record).difference.path == "seed.value"


def test_verify_detects_changed_public_values():
    record = _record()
    record["seed"]["source_values"][0] = "7 23 41 5 19"
    assert verify(record).difference.path == "seed.value"


def test_verify_detects_a_changed_pick_and_says_which():
    record = _record()
    original = copy.deepcopy(record["result"]["strata"][0]["picks"])
    record["result"]["strata"][0]["picks"][0] = code(999)
    report = verify(record)
    assert report.difference.path == "result.strata[0].picks[0]"
    assert report.difference.recomputed == original[0]


def test_verify_detects_a_changed_team():
    record = _record()
    record["result"]["assignments"][0]["team"]["PS"] = ["PS0009"]
    assert verify(record).difference.path == "result.assignments[0].team.PS[0]"


def test_verify_detects_a_changed_result_hash():
    record = _record()
    record["result_hash"] = "0" * 64
    assert verify(record).difference.path == "result_hash"


def test_verify_refuses_a_record_of_an_unknown_algorithm_version():
    record = _record()
    record["algorithm_version"] = "double-random/9"
    report = verify(record)
    assert not report.ok and "double-random/9" in report.problem


def test_verify_reports_an_unreadable_record():
    record = _record()
    del record["pool"]
    report = verify(record)
    assert not report.ok and report.problem


def test_draw_modules_import_no_framework_randomness_or_clock():
    forbidden = {"flask", "peewee", "random", "time", "datetime", "inspect_app", "secrets"}
    for path in Path("scheduler").glob("draw*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {n.split(".")[0] for n in names} & forbidden, path
