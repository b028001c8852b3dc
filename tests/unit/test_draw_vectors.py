"""The published test vectors, checked by the reference and by a second implementation.

The second implementation below is written from docs/draw-algorithm.md alone, on plain
dicts, with hmac.new and integer arithmetic: it shares no code with scheduler/draw*.py,
so the vectors are not only self-consistent. Regenerate the vectors (after a deliberate
change of the algorithm and its version) with:

    .venv/bin/python tests/unit/test_draw_vectors.py --write
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sys
from pathlib import Path

import pytest

from inspect_app.domain.credit_code import complete
from scheduler.draw import (
    DrawParameters,
    FrameEntity,
    PoolInspector,
    Reason,
    build_record,
    verify,
)

VECTOR_DIR = Path(__file__).resolve().parents[2] / "docs" / "draw-vectors"
STREETS = (
    "友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇",
    "月浦镇", "罗泾镇", "顾村镇", "高境镇", "庙行镇", "淞南镇",
)  # fmt: skip
DEFAULT_RATIOS = {"A": "0.03", "B": "0.05", "C": "0.15", "D": "0.4"}
SESSION = ["7 23 41 5 18", "12 3 30"]
SESSION_NOTE = "宝山区行政服务中心公开摇号（测试向量，非真实摇号）：两组号码，按公告顺序"
BEACON = hashlib.sha512("test vector beacon 宝山 2024".encode()).hexdigest()
BEACON_NOTE = "示例信标值（测试向量，非真实信标脉冲）"


# --- the vectors' inputs ------------------------------------------------------------------


def code(n: int) -> str:
    return complete("91310113MA1G" + f"{n:05d}")


def _entity(n: int, grade: str, checks: int = 0, last: tuple[str, ...] = ()) -> FrameEntity:
    return FrameEntity(code(n), grade, STREETS[n % len(STREETS)], checks, last)


def _ins(iid: str, workload: int = 0, recusals=(), quals=("IC",)) -> PoolInspector:
    return PoolInspector(iid, iid[:2], tuple(quals), workload, tuple(code(n) for n in recusals))


def _params(task_id: str, **values: object) -> DrawParameters:
    base = {"industry": "IC", "lead_department": "CT", "partner_departments": ("PS", "FR")}
    return DrawParameters(task_id=task_id, **{**base, **values})


def _joint_ratios():
    frame = [_entity(n, "DCBA"[n % 4]) for n in range(1, 25)]
    frame[3] = _entity(4, "D", 2)  # at the frequency cap
    frame[7] = _entity(8, "D", 3)  # above it
    frame[11] = _entity(12, "D", 1, ("CT0001", "PS0001", "FR0001"))
    frame[15] = _entity(16, "D", 0, ("CT0002", "PS0002", "FR0002"))
    pool = [
        _ins("CT0001", 1, recusals=(16, 20)), _ins("CT0002", 0, recusals=(12,)),
        _ins("CT0003", 2), _ins("CT0004", 0, quals=("FS",)),
        _ins("PS0001", 0, recusals=(12, 16, 20)), _ins("PS0002", 2), _ins("PS0003", 1),
        _ins("FR0001", 1, recusals=(20, 24)), _ins("FR0002", 0), _ins("FR0003", 2),
        _ins("MS0001", 0),
    ]  # fmt: skip
    ratios = {"A": "0.05", "B": "0.1", "C": "0.3", "D": "1"}
    params = _params("BS-2024-IC-V01", ratios=ratios, team_size=3, workload_cap=4)
    return frame, pool, params, SESSION, SESSION_NOTE


def _key_items_exempt():
    frame = [_entity(n, "DC"[n % 2], n % 4) for n in range(30, 40)]
    pool = [
        *(_ins(f"CT{n:04d}", n % 2) for n in range(1, 5)),
        *(_ins(f"{d}{n:04d}", n % 2) for d in ("PS", "FR") for n in range(1, 4)),
    ]
    params = _params(
        "BS-2024-IC-V02", ratios={"D": "1", "C": "0.2"}, team_size=4, workload_cap=4,
        key_items_exempt=True,
    )  # fmt: skip
    return frame, pool, params, SESSION, SESSION_NOTE


def _shortfall():
    frame = [_entity(n, "DCB"[n % 3]) for n in range(50, 65)]
    pool = [
        _ins("CT0001"), _ins("CT0002", 1), _ins("CT0003"),
        _ins("PS0001", recusals=(51, 54, 57, 60, 63)), _ins("PS0002", 1, quals=("FS",)),
        _ins("FR0001", 1), _ins("FR0002", quals=("KT",)),
    ]  # fmt: skip
    params = _params("BS-2024-IC-V03", ratios={"D": "0.6", "C": "0.4", "B": "0.2"}, workload_cap=3)
    return frame, pool, params, SESSION, SESSION_NOTE


def _fixed_count():
    frame = [_entity(n, "AABBBCCD"[n % 8], n % 3 // 2) for n in range(100, 130)]
    pool = [_ins(f"{d}{n:04d}", n % 3) for d in ("CT", "PS", "FR") for n in range(1, 4)]
    params = _params("BS-2024-IC-V04", fixed_count=6, team_size=3, workload_cap=4)
    return frame, pool, params, [BEACON], BEACON_NOTE


def _single_department():
    frame = [_entity(n, "DCBA"[n % 4], 0, ("MS0002",) if n % 2 else ()) for n in range(200, 212)]
    pool = [_ins(f"MS{n:04d}", n % 2, quals=("FS",)) for n in range(1, 6)] + [_ins("CT0001")]
    params = DrawParameters(
        task_id="BS-2024-FS-V05", industry="FS", lead_department="MS",
        ratios={g: "0.5" for g in "ABCD"}, team_size=2, workload_cap=3,
    )  # fmt: skip
    return frame, pool, params, [BEACON.upper(), "9 4"], BEACON_NOTE + "，另加一组公开号码"


VECTORS = {
    "01-ic-joint-ratios": (
        _joint_ratios,
        "互联网上网服务营业场所联合抽查：按信用风险等级比例抽取，文化旅游局 + 公安、消防各 1 人；"
        "含回避、频次上限、连续检查、无资格、工作量上限。",
    ),
    "02-ic-key-items-exempt": (
        _key_items_exempt,
        "重点检查事项：频次上限不排除对象，已抽查 2 次及以上的对象仍可被抽中；"
        "每组 4 人，牵头部门出 2 人。",
    ),
    "03-ic-shortfall": (
        _shortfall,
        "检查人员不足：公安回避、消防无资格或满工作量时如实报告缺口，不从其他部门补足。",
    ),
    "04-ic-fixed-count": (
        _fixed_count,
        "固定抽取 6 户，按各等级合格对象数以最大余额法分配（C 与 A 余数相同，C 风险高者优先）；"
        "种子来自信标值。",
    ),
    "05-fs-single-department": (
        _single_department,
        "现制现售食品单部门抽查：市场监管局 2 人一组；种子来自信标值加一组公开号码。",
    ),
}


def generate(name: str) -> dict:
    build, description = VECTORS[name]
    frame, pool, params, values, provenance = build()
    record = build_record(frame, pool, params, values, provenance)
    return {"name": name, "description": description, **record}


def load(name: str) -> dict:
    return json.loads((VECTOR_DIR / f"{name}.json").read_text(encoding="utf-8"))


# --- a second implementation, from the document only ------------------------------------


def cjson(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha(value: object) -> str:
    return hashlib.sha256(cjson(value)).hexdigest()


def second_commitment(v: dict) -> dict:
    frame = sorted(
        ({**r, "last_inspectors": sorted(set(r["last_inspectors"]))} for r in v["frame"]),
        key=lambda r: r["entity_id"].encode(),
    )
    pool = sorted(
        (
            {**r, "qualifications": sorted(set(r["qualifications"])),
             "recusals": sorted(set(r["recusals"]))}
            for r in v["pool"]
        ),
        key=lambda r: r["inspector_id"].encode(),
    )  # fmt: skip
    params = {**v["params"], "partner_departments": sorted(v["params"]["partner_departments"])}
    hashes = {
        "algorithm_version": "double-random/1",
        "frame_hash": sha({"kind": "frame", "rows": frame}),
        "pool_hash": sha({"kind": "pool", "rows": pool}),
        "params_hash": sha({"kind": "params", "params": params}),
    }
    return {**hashes, "commitment_hash": sha({**hashes, "kind": "commitment"})}


def second_seed(commitment_hash: str, values: list[str]) -> bytes:
    key = ""
    for value in values:
        text = value.strip(" \t")
        if re.fullmatch(r"[0-9]+([ \t,]+[0-9]+)*", text):
            key += "".join(f"{n}." for n in sorted(int(x) for x in re.split(r"[ \t,]+", text)))
        else:
            assert re.fullmatch(r"[0-9A-Fa-f]+", text)
            key += text.lower()
        key += "/"
    message = b"double-random/1/seed\x00" + key.encode("ascii")
    return hmac.new(bytes.fromhex(commitment_hash), message, hashlib.sha256).digest()


def second_sizes(p: dict, eligible: dict[str, int]) -> dict[str, int]:
    if p["fixed_count"] is None:
        sizes = {}
        for g in "ABCD":
            whole, _, frac = p["ratios"].get(g, "0").partition(".")
            num, den = int(whole + frac), 10 ** len(frac)
            sizes[g] = -(-num * eligible[g] // den)  # ceil with integers only
        return sizes
    total = sum(eligible.values())
    seats = min(p["fixed_count"], total)
    if seats == 0:
        return dict.fromkeys("ABCD", 0)
    sizes = {g: seats * eligible[g] // total for g in "ABCD"}
    remainders = {g: seats * eligible[g] % total for g in "ABCD"}  # same denominator
    order = sorted("DCBA", key=lambda g: (-remainders[g], "DCBA".index(g)))
    for g in order[: seats - sum(sizes.values())]:
        sizes[g] += 1
    return sizes


def second_draw(v: dict, seed: bytes) -> dict:
    p = v["params"]
    cap = None if p["key_items_exempt"] else p["frequency_cap"]
    capped = sorted(
        (r for r in v["frame"] if cap is not None and r["checks_last_12m"] >= cap),
        key=lambda r: r["entity_id"].encode(),
    )
    capped_ids = {r["entity_id"] for r in capped}
    exclusions = [_x("frequency_cap", r["entity_id"], None, None, {
        "checks_last_12m": r["checks_last_12m"]}) for r in capped]  # fmt: skip
    eligible = {g: [r for r in v["frame"] if r["grade"] == g and r["entity_id"] not in capped_ids]
                for g in "ABCD"}  # fmt: skip
    sizes = second_sizes(p, {g: len(rows) for g, rows in eligible.items()})
    strata = []
    for g in "DCBA":
        if p["algorithm_version"] == "double-random/1":
            keyed = sorted(
                (hmac.new(seed, b"double-random/1/entity\x00" + r["entity_id"].encode(),
                          hashlib.sha256).digest(), r["entity_id"].encode(), r)
                for r in eligible[g]
            )  # fmt: skip
            picks = [k[2]["entity_id"] for k in keyed[: sizes[g]]]
        else:
            picks = _second_picks_2(seed, g, [r["entity_id"] for r in eligible[g]], sizes[g])
        strata.append({
            "grade": g, "frame_count": sum(1 for r in v["frame"] if r["grade"] == g),
            "eligible_count": len(eligible[g]), "sample_size": sizes[g], "picks": picks,
        })  # fmt: skip
    assignments = _second_teams(v, seed, strata, exclusions)
    return {"kind": "result", "algorithm_version": p["algorithm_version"],
            "task_id": p["task_id"], "seed": seed.hex(), "strata": strata,
            "assignments": assignments, "exclusions": exclusions}  # fmt: skip


def _second_picks_2(seed: bytes, grade: str, ids: list[str], size: int) -> list[str]:
    """§7 v2: Fisher–Yates over the stratum's ids in UTF-8 byte order, from the pick stream."""
    order = sorted(ids, key=str.encode)
    positions = list(range(len(order)))  # a plain array, not the sparse map of the reference
    words = _Words(seed, grade, "double-random/2", "pick")
    picks = []
    for t in range(size):
        r = len(order) - t
        p = words.below(r)
        picks.append(order[positions[p]])
        positions[p] = positions[r - 1]
    return picks


def _x(reason, entity_id, inspector_id, department, detail=None) -> dict:
    return {"reason": reason, "entity_id": entity_id, "inspector_id": inspector_id,
            "department": department, "detail": detail or {}}  # fmt: skip


def _second_teams(v: dict, seed: bytes, strata: list[dict], exclusions: list[dict]) -> list:
    p = v["params"]
    departments = [p["lead_department"], *sorted(p["partner_departments"])]
    slots = {d: 1 for d in departments}
    slots[p["lead_department"]] = max(1, p["team_size"] - len(p["partner_departments"]))
    pool = sorted((r for r in v["pool"] if r["department"] in slots),
                  key=lambda r: r["inspector_id"].encode())  # fmt: skip
    workload = {r["inspector_id"]: r["workload"] for r in pool}
    available = {d: [] for d in departments}
    unqualified = {d: 0 for d in departments}
    members = {d: sum(1 for r in pool if r["department"] == d) for d in departments}
    at_cap = []
    for r in pool:
        if p["industry"] not in r["qualifications"]:
            unqualified[r["department"]] += 1
            exclusions.append(_x("not_qualified", None, r["inspector_id"], r["department"]))
        elif r["workload"] >= p["workload_cap"]:
            at_cap.append(_x("workload_cap", None, r["inspector_id"], r["department"],
                             {"workload": r["workload"]}))  # fmt: skip
        else:
            available[r["department"]].append(r["inspector_id"])
    exclusions.extend(at_cap)
    recusals = {r["inspector_id"]: set(r["recusals"]) for r in pool}
    last = {r["entity_id"]: set(r["last_inspectors"]) for r in v["frame"]}
    out, sequence = [], 0
    for stratum in strata:
        for eid in stratum["picks"]:
            sequence += 1
            words = _Words(seed, eid, p["algorithm_version"])
            team, short = {}, False
            for d in departments:
                lst, chosen, vmap, t = available[d], [], {}, 0
                while len(chosen) < slots[d] and t < len(lst):
                    r = len(lst) - t
                    pos = words.below(r)
                    i = vmap.get(pos, pos)
                    vmap[pos] = vmap.get(r - 1, r - 1)
                    t += 1
                    x = lst[i]
                    if eid in recusals[x]:
                        exclusions.append(_x("recusal_applied", eid, x, d))
                    elif x in last[eid]:
                        exclusions.append(_x("consecutive_inspection", eid, x, d))
                    else:
                        chosen.append(x)
                if len(chosen) < slots[d]:
                    short = True
                    exclusions.append(_x("shortfall", eid, None, d, {
                        "available": len(lst), "filled": len(chosen), "needed": slots[d],
                        "not_qualified": unqualified[d],
                        "workload_cap": members[d] - unqualified[d] - len(lst)}))  # fmt: skip
                team[d] = chosen
            for d in departments:
                for x in team[d]:
                    workload[x] += 1
                    if workload[x] >= p["workload_cap"]:
                        available[d] = [y for y in available[d] if y != x]
                        exclusions.append(_x("workload_cap", eid, x, d, {"workload": workload[x]}))
            out.append({"sequence": sequence, "entity_id": eid, "grade": stratum["grade"],
                        "team": team, "shortfall": short})  # fmt: skip
    return out


class _Words:
    """§8.3: four big-endian 64-bit words per HMAC block, blocks made on demand."""

    def __init__(
        self, seed: bytes, entity_id: str, version: str = "double-random/1", kind: str = "team"
    ) -> None:
        self.seed, self.entity_id, self.used = seed, entity_id, 0
        self.label = f"{version}/{kind}\x00".encode()

    def _word(self, n: int) -> int:
        block_no, word_no = divmod(n, 4)
        message = (self.label + self.entity_id.encode() + b"\x00"
                   + block_no.to_bytes(4, "big"))  # fmt: skip
        block = hmac.new(self.seed, message, hashlib.sha256).digest()
        return int.from_bytes(block[8 * word_no : 8 * word_no + 8], "big")

    def below(self, bound: int) -> int:
        if bound == 1:
            return 0
        mask = 2 ** (bound - 1).bit_length() - 1
        while True:
            value = self._word(self.used) & mask
            self.used += 1
            if value < bound:
                return value


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_file_matches_what_the_reference_generates(name):
    assert load(name) == json.loads(json.dumps(generate(name), ensure_ascii=False))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_verifies_with_the_reference(name):
    report = verify(load(name))
    assert report.ok, report.summary()


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_commitment_and_seed_match_the_second_implementation(name):
    v = load(name)
    assert second_commitment(v) == v["commitment"]
    seed = second_seed(v["commitment"]["commitment_hash"], v["seed"]["source_values"])
    assert seed.hex() == v["seed"]["value"]


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_result_matches_the_second_implementation(name):
    v = load(name)
    result = second_draw(v, bytes.fromhex(v["seed"]["value"]))
    assert result == v["result"]
    assert sha(result) == v["result_hash"]


def test_vectors_cover_every_reason_and_kind_of_task():
    vectors = [load(name) for name in VECTORS]
    reasons = {x["reason"] for v in vectors for x in v["result"]["exclusions"]}
    assert reasons == {str(r) for r in Reason}
    assert any(v["params"]["fixed_count"] is not None for v in vectors)
    assert any(v["params"]["key_items_exempt"] for v in vectors)
    assert any(len(a["team"]) >= 3 for v in vectors for a in v["result"]["assignments"])
    assert any(a["shortfall"] for v in vectors for a in v["result"]["assignments"])


def test_key_items_exempt_vector_picks_an_entity_at_the_frequency_cap():
    v = load("02-ic-key-items-exempt")
    at_cap = {r["entity_id"] for r in v["frame"] if r["checks_last_12m"] >= 2}
    assert at_cap & {e for s in v["result"]["strata"] for e in s["picks"]}


def test_first_vector_c_order_computed_by_hand():
    v = load("01-ic-joint-ratios")
    seed = bytes.fromhex(v["seed"]["value"])
    c_ids = [r["entity_id"] for r in v["frame"] if r["grade"] == "C"]
    keys = {e: hmac.new(seed, b"double-random/1/entity\x00" + e.encode(), "sha256").hexdigest()
            for e in c_ids}  # fmt: skip
    (stratum_c,) = [s for s in v["result"]["strata"] if s["grade"] == "C"]
    assert stratum_c["sample_size"] == 2  # ceil(0.3 × 6) = ceil(1.8)
    assert stratum_c["picks"] == sorted(c_ids, key=keys.__getitem__)[:2]


def _worked_example() -> dict:
    """§12 of the document, typed in from its canonical JSON."""
    frame = [
        (1, "D", 0, [], "友谊路街道"), (2, "D", 1, ["CT0001"], "吴淞街道"),
        (3, "D", 2, [], "罗店镇"), (4, "C", 0, [], "大场镇"),
        (5, "C", 0, ["PS0002"], "杨行镇"), (6, "A", 0, [], "顾村镇"),
    ]  # fmt: skip
    pool = [
        ("CT0001", ["IC"], [], 0), ("CT0002", ["IC", "KT"], [], 1), ("CT0003", ["FS"], [], 0),
        ("PS0001", ["IC"], [code(2)], 0), ("PS0002", ["IC"], [], 2),
    ]  # fmt: skip
    return {
        "frame": [
            {"checks_last_12m": c, "entity_id": code(n), "grade": g, "last_inspectors": last,
             "street": street}
            for n, g, c, last, street in frame
        ],
        "pool": [
            {"department": iid[:2], "inspector_id": iid, "qualifications": q, "recusals": r,
             "workload": w}
            for iid, q, r, w in pool
        ],
        "params": {
            "algorithm_version": "double-random/1", "fixed_count": None, "frequency_cap": 2,
            "industry": "IC", "key_items_exempt": False, "lead_department": "CT",
            "partner_departments": ["PS"], "ratios": {"C": "0.5", "D": "0.5"},
            "task_id": "BS-2024-IC-EX", "team_size": 2, "workload_cap": 3,
        },
    }  # fmt: skip


def test_worked_example_of_the_document_holds():
    text = (VECTOR_DIR.parent / "draw-algorithm.md").read_text(encoding="utf-8")
    example = _worked_example()
    c = second_commitment(example)
    seed = second_seed(c["commitment_hash"], ["17 3 22", "5, 41"])
    result_hash = sha(second_draw(example, seed))
    for value in (*c.values(), seed.hex(), result_hash):
        assert value in text


def _write_all() -> None:
    VECTOR_DIR.mkdir(parents=True, exist_ok=True)
    for name in VECTORS:
        text = json.dumps(generate(name), ensure_ascii=False, indent=1) + "\n"
        (VECTOR_DIR / f"{name}.json").write_text(text, encoding="utf-8")
        print("wrote", VECTOR_DIR / f"{name}.json")


if __name__ == "__main__" and "--write" in sys.argv:
    _write_all()
