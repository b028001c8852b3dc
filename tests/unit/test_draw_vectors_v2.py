"""The published test vectors of `double-random/2` (docs/draw-vectors/06-… to 08-…), checked by
the reference and by the second implementation of tests/unit/test_draw_vectors.py (written from
docs/draw-algorithm.md alone); the version-1 vectors there still verify. Regenerate (after a
deliberate change of the algorithm and its version) with:

    .venv/bin/python tests/unit/test_draw_vectors_v2.py --write
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys

import pytest

from scheduler.beacon import TestChain, chain_from_info, verify_round
from scheduler.draw import ALGORITHM_VERSION_2, DrawParameters, build_record_2, verify
from tests.unit.test_draw_vectors import (
    VECTOR_DIR,
    _entity,
    _ins,
    cjson,
    second_draw,
    sha,
)

# A local test chain with a published secret: anyone can re-sign its rounds. Vectors only.
VECTOR_CHAIN = TestChain.generate(
    genesis_time=1_700_000_000, period=3, secret=b"double-random/2 test vectors: not a beacon"
)
ROUND = 4_321


def _drand(round_number: int = ROUND) -> dict:
    return {"kind": "drand", "chain_hash": VECTOR_CHAIN.info.hash, "round": round_number}


LOTTERY = {
    "kind": "lottery",
    "date": "2024-06-03",
    "name": "宝山区行政服务中心公开摇号（测试向量，非真实摇号）",
    "draws": [{"count": 6, "min": 1, "max": 49}] * 5 + [{"count": 2, "min": 1, "max": 10**9}],
}
NUMBERS = [
    [41, 5, 18, 23, 7, 30],
    [3, 12, 30, 44, 9, 1],
    [22, 17, 3, 49, 38, 11],
    [6, 14, 27, 35, 40, 48],
    [2, 13, 21, 34, 45, 46],
    [271828182, 314159265],
]


def _params(task_id: str, source: dict, **values: object) -> DrawParameters:
    base = {"industry": "IC", "lead_department": "CT", "partner_departments": ("PS", "FR")}
    return DrawParameters(
        task_id=task_id,
        algorithm_version=ALGORITHM_VERSION_2,
        seed_source=source,
        **{**base, **values},
    )


def _joint_drand():
    frame = [_entity(n, "DCBA"[n % 4]) for n in range(1, 25)]
    frame[3] = _entity(4, "D", 2)
    frame[11] = _entity(12, "D", 1, ("CT0001", "PS0001", "FR0001"))
    pool = [
        _ins("CT0001", 1, recusals=(16, 20)), _ins("CT0002", 0, recusals=(12,)),
        _ins("CT0003", 2), _ins("CT0004", 0, quals=("FS",)),
        _ins("PS0001", 0, recusals=(12, 16, 20)), _ins("PS0002", 2), _ins("PS0003", 1),
        _ins("FR0001", 1, recusals=(20, 24)), _ins("FR0002", 0), _ins("FR0003", 2),
    ]  # fmt: skip
    ratios = {"A": "0.05", "B": "0.1", "C": "0.3", "D": "1"}
    params = _params("BS-2026-IC-V06", _drand(), ratios=ratios, team_size=3, workload_cap=4)
    return frame, pool, params, VECTOR_CHAIN.sign(ROUND)


def _fixed_lottery():
    frame = [_entity(n, "AABBBCCD"[n % 8], n % 3 // 2) for n in range(100, 130)]
    pool = [_ins(f"{d}{n:04d}", n % 3) for d in ("CT", "PS", "FR") for n in range(1, 4)]
    params = _params("BS-2026-IC-V07", LOTTERY, fixed_count=6, team_size=3, workload_cap=4)
    return frame, pool, params, {"numbers": NUMBERS}


def _single_department_drand():
    frame = [_entity(n, "DCBA"[n % 4], 0, ("MS0002",) if n % 2 else ()) for n in range(200, 212)]
    pool = [_ins(f"MS{n:04d}", n % 2, quals=("FS",)) for n in range(1, 6)]
    params = DrawParameters(
        task_id="BS-2026-FS-V08", industry="FS", lead_department="MS",
        ratios={g: "0.5" for g in "ABCD"}, team_size=2, workload_cap=3,
        algorithm_version=ALGORITHM_VERSION_2, seed_source=_drand(ROUND + 1),
    )  # fmt: skip
    return frame, pool, params, VECTOR_CHAIN.sign(ROUND + 1)


VECTORS = {
    "06-v2-ic-joint-drand": (
        _joint_drand,
        "版本 2：联合抽查，种子来源为冻结时公告的 drand 轮次（本地测试链，不是公开信标），"
        "签名须通过 chain 所列公钥的验证。",
    ),
    "07-v2-ic-fixed-lottery": (
        _fixed_lottery,
        "版本 2：固定抽取 6 户；种子来源为公告的公开摇号（6 组，约 177 位熵），平台无法核验。",
    ),
    "08-v2-fs-single-department-drand": (
        _single_department_drand,
        "版本 2：单部门抽查，人员池只含任务部门（市场监管局）；drand 轮次为公告的下一轮。",
    ),
}


def generate(name: str) -> dict:
    build, description = VECTORS[name]
    frame, pool, params, reveal = build()
    record = build_record_2(frame, pool, params, reveal, VECTOR_CHAIN.info)
    extra = {"chain": VECTOR_CHAIN.info.to_info()} if params.seed_source["kind"] == "drand" else {}
    return {"name": name, "description": description, **extra, **record}


def load(name: str) -> dict:
    return json.loads((VECTOR_DIR / f"{name}.json").read_text(encoding="utf-8"))


def chain_of(v: dict):
    return chain_from_info(v["chain"]) if "chain" in v else None


# --- the second implementation's version-2 parts, from the document only ---------------------


def second_commitment_2(v: dict) -> str:
    frame = sorted(
        ({**r, "last_inspectors": sorted(set(r["last_inspectors"]))} for r in v["frame"]),
        key=lambda r: r["entity_id"].encode(),
    )
    pool = sorted(v["pool"], key=lambda r: r["inspector_id"].encode())
    assert all(r["department"] in _departments(v["params"]) for r in pool)  # §2.2, version 2
    params = {**v["params"], "partner_departments": sorted(v["params"]["partner_departments"])}
    hashes = {
        "algorithm_version": "double-random/2",
        "frame_hash": sha({"kind": "frame", "rows": frame}),
        "pool_hash": sha({"kind": "pool", "rows": pool}),
        "params_hash": sha({"kind": "params", "params": params}),
    }
    return sha({**hashes, "kind": "commitment"})


def _departments(p: dict) -> set[str]:
    return {p["lead_department"], *p["partner_departments"]}


def second_seed_2(commitment_hash: str, source: dict, reveal: dict) -> bytes:
    if source["kind"] == "drand":
        assert reveal["round"] == source["round"]
        randomness = hashlib.sha256(bytes.fromhex(reveal["signature"])).hexdigest()
        assert randomness == reveal["randomness"]
        key = randomness + "/"
    else:
        key = ""
        for declared, drawn in zip(source["draws"], reveal["numbers"], strict=True):
            assert len(set(drawn)) == declared["count"]
            assert all(declared["min"] <= n <= declared["max"] for n in drawn)
            key += "".join(f"{n}." for n in sorted(drawn)) + "/"
    message = b"double-random/2/seed\x00" + key.encode("ascii")
    return hmac.new(bytes.fromhex(commitment_hash), message, hashlib.sha256).digest()


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_v2_vector_file_matches_what_the_reference_generates(name):
    assert load(name) == json.loads(json.dumps(generate(name), ensure_ascii=False))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_v2_vector_verifies_with_the_reference_and_its_chain(name):
    v = load(name)
    report = verify(v, commitment_hash=v["commitment"]["commitment_hash"], chain=chain_of(v))
    assert report.ok, report.summary()


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_v2_vector_matches_the_second_implementation(name):
    v = load(name)
    assert second_commitment_2(v) == v["commitment"]["commitment_hash"]
    seed = second_seed_2(
        v["commitment"]["commitment_hash"], v["params"]["seed_source"], v["seed"]["reveal"]
    )
    assert seed.hex() == v["seed"]["value"]
    result = second_draw(v, seed)
    assert result == v["result"] and sha(result) == v["result_hash"]


def test_v2_drand_vectors_carry_a_round_that_verifies_against_their_chain():
    for name in ("06-v2-ic-joint-drand", "08-v2-fs-single-department-drand"):
        v = load(name)
        chain = chain_of(v)
        assert chain.test_chain and chain.hash == v["params"]["seed_source"]["chain_hash"]
        verified = verify_round(chain, v["seed"]["reveal"])
        assert verified.round == v["params"]["seed_source"]["round"]
        assert not verify(v).ok  # without the pinned chain the round is not checked: no pass


def test_v2_lottery_vector_says_it_is_not_checkable_by_the_platform():
    v = load("07-v2-ic-fixed-lottery")
    assert v["seed"]["checkable_by_platform"] is False
    assert "not checkable by the platform" in v["seed"]["provenance"]


def test_v2_vector_with_another_round_or_a_respelled_ratio_fails():
    v = load("06-v2-ic-joint-drand")
    chain = chain_of(v)
    other = v | {"seed": v["seed"] | {"reveal": VECTOR_CHAIN.sign(ROUND + 1)}}
    report = verify(other, chain=chain)
    assert not report.ok and "announced round" in report.summary()
    respelled = v | {"params": v["params"] | {"ratios": v["params"]["ratios"] | {"C": "0.30"}}}
    report = verify(respelled, chain=chain)
    assert not report.ok and "canonical spelling" in report.summary()


def test_v2_hashes_are_over_canonical_json_bytes():
    v = load("07-v2-ic-fixed-lottery")
    params = {**v["params"], "partner_departments": sorted(v["params"]["partner_departments"])}
    digest = hashlib.sha256(cjson({"kind": "params", "params": params})).hexdigest()
    assert digest == v["commitment"]["params_hash"]


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    for vector_name in VECTORS:
        path = VECTOR_DIR / f"{vector_name}.json"
        text = json.dumps(generate(vector_name), ensure_ascii=False, indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
