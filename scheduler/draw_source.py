"""Version 2 of the draw: the seed source is a committed parameter, and its value is checked.

The source is announced with the commitment, inside the parameters (so it is hashed into
`params_hash`): a drand round (chain hash and round number) or a public lottery session
(date, name, and the ranges and counts of its draws). At the draw the revealed value is
checked against it: the drand round's BLS signature against the pinned chain
(scheduler.beacon), the lottery numbers against the declared ranges and counts.
docs/draw-algorithm.md §5 specifies every rule here.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping, Sequence
from math import comb, log2

from scheduler.draw_errors import MAX_SAFE_INTEGER, InvalidParameters, InvalidSeed

DRAND = "drand"
LOTTERY = "lottery"
KINDS = (DRAND, LOTTERY)
DRAND_FIELDS = frozenset({"kind", "chain_hash", "round"})
LOTTERY_FIELDS = frozenset({"kind", "date", "name", "draws"})
LOTTERY_DRAW_FIELDS = frozenset({"count", "min", "max"})
DRAND_REVEAL_FIELDS = frozenset({"round", "signature", "randomness"})
ENTROPY_FLOOR_BITS = 128  # RFC 3797 asks for "well over 100 bits"; a drand round gives 256
MAX_LOTTERY_DRAWS = 20
_HASH = re.compile(r"[0-9a-f]{64}\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
NOT_CHECKABLE = "not checkable by the platform / 平台无法核验: numbers drawn at a public session"


def _bad(zh: str, en: str) -> None:
    raise InvalidParameters("seed_source", zh, en)


def _is_int(value: object) -> bool:
    return type(value) is int


def _exact_fields(value: object, fields: frozenset[str], what: str) -> Mapping:
    if not isinstance(value, Mapping) or set(value) != fields:
        _bad("随机源字段不符", f"{what}: expected exactly the fields {sorted(fields)}")
    return value


def canonical_seed_source_spec(source: object) -> dict:
    """The announced seed source, checked to its one spelling (a copy in plain JSON types).

    Nothing is normalised: a value in another spelling is refused with the reason.
    """
    if not isinstance(source, Mapping) or source.get("kind") not in KINDS:
        _bad("须给出随机源：drand 轮次或公开摇号", f"seed_source.kind must be one of {KINDS}")
    if source["kind"] == DRAND:
        spec = _exact_fields(source, DRAND_FIELDS, "drand")
        if not isinstance(spec["chain_hash"], str) or not _HASH.match(spec["chain_hash"]):
            _bad("链哈希须为 64 位小写十六进制", "chain_hash must be 64 lower-case hex digits")
        if not _is_int(spec["round"]) or not 1 <= spec["round"] <= MAX_SAFE_INTEGER:
            _bad("轮次须为正整数", "round must be a positive integer")
        return {"chain_hash": spec["chain_hash"], "kind": DRAND, "round": spec["round"]}
    spec = _exact_fields(source, LOTTERY_FIELDS, "lottery")
    if not isinstance(spec["date"], str) or not _DATE.match(spec["date"]):
        _bad("摇号日期须写作 YYYY-MM-DD", "date must be written YYYY-MM-DD")
    year, month, day = (int(part) for part in spec["date"].split("-"))
    if not (1 <= month <= 12 and year >= 1 and 1 <= day <= monthrange(year, month)[1]):
        _bad("摇号日期无效", f"no such date {spec['date']!r}")
    name = spec["name"]
    if not isinstance(name, str) or not name.strip() or name != name.strip() or "\x00" in name:
        _bad("须写明摇号会名称（首尾无空格）", "name: a non-empty text without outer spaces")
    draws = spec["draws"]
    if not isinstance(draws, list | tuple) or not 1 <= len(draws) <= MAX_LOTTERY_DRAWS:
        _bad("须列出各次摇号", f"draws: a list of 1 to {MAX_LOTTERY_DRAWS} draws")
    canonical = [_canonical_lottery_draw(d) for d in draws]
    if lottery_outcomes(canonical) < 1 << ENTROPY_FLOOR_BITS:
        bits = lottery_entropy_bits(canonical)
        _bad(
            f"摇号熵不足：约 {bits:.1f} 位，至少需要 {ENTROPY_FLOOR_BITS} 位",
            f"the session gives about {bits:.1f} bits of entropy; at least "
            f"{ENTROPY_FLOOR_BITS} are needed (more draws or wider ranges)",
        )
    return {"date": spec["date"], "draws": canonical, "kind": LOTTERY, "name": name}


def _canonical_lottery_draw(value: object) -> dict:
    d = _exact_fields(value, LOTTERY_DRAW_FIELDS, "lottery draw")
    low, high, count = d["min"], d["max"], d["count"]
    if not all(_is_int(v) and 0 <= v <= MAX_SAFE_INTEGER for v in (low, high, count)):
        _bad("摇号范围与个数须为非负整数", "count, min and max must be integers >= 0")
    if low > high or not 1 <= count <= high - low + 1:
        _bad("摇号范围或个数无效", f"need min <= max and 1 <= count <= max - min + 1, got {d!r}")
    return {"count": count, "max": high, "min": low}


def lottery_outcomes(draws: Sequence[Mapping]) -> int:
    """The number of possible outcomes: each draw a set of `count` distinct numbers of
    [min, max] (order does not count: the key string sorts it)."""
    outcomes = 1
    for d in draws:
        outcomes *= comb(d["max"] - d["min"] + 1, d["count"])
    return outcomes


def lottery_entropy_bits(draws: Sequence[Mapping]) -> float:
    """log2 of the number of outcomes (for messages; the floor compares integers)."""
    n = lottery_outcomes(draws)
    shift = max(n.bit_length() - 60, 0)
    return log2(n >> shift) + shift


def lottery_values(spec: Mapping, numbers: object) -> list[str]:
    """The key-string sets of a lottery reveal, after checking it against the declared draws."""
    draws = spec["draws"]
    if not isinstance(numbers, list | tuple) or len(numbers) != len(draws):
        raise InvalidSeed("numbers", "摇号组数与公告不符", f"announced {len(draws)} draws")
    values = []
    for n, (declared, drawn) in enumerate(zip(draws, numbers, strict=True), 1):
        if not isinstance(drawn, list | tuple) or not all(map(_is_int, drawn)):
            raise InvalidSeed("numbers", "摇号结果须为整数列表", f"draw {n}: a list of integers")
        if len(drawn) != declared["count"] or len(set(drawn)) != len(drawn):
            raise InvalidSeed(
                "numbers",
                "摇号个数与公告不符或有重复",
                f"draw {n}: {declared['count']} distinct numbers announced",
            )
        if any(not declared["min"] <= v <= declared["max"] for v in drawn):
            raise InvalidSeed(
                "numbers",
                "摇号数字超出公告范围",
                f"draw {n}: numbers in [{declared['min']}, {declared['max']}] announced",
            )
        values.append(" ".join(str(v) for v in sorted(drawn)))
    return values


def drand_values(spec: Mapping, chain: object, beacon: object) -> tuple[list[str], dict]:
    """Verify a drand round against the pinned chain of the committed chain hash.

    Answers the key-string values ([randomness]) and the reveal as recorded ({round,
    signature, randomness}). Refuses another chain, another round, a bad signature.
    """
    from scheduler.beacon import BeaconError, verify_round

    if getattr(chain, "hash", None) != spec["chain_hash"]:
        raise InvalidSeed("beacon", "不是公告的信标链", "the chain is not the announced one")
    if not isinstance(beacon, Mapping):
        raise InvalidSeed("beacon", "信标轮次须为 drand 发布的 JSON", "give the round's JSON")
    if beacon.get("round") != spec["round"]:
        raise InvalidSeed(
            "beacon",
            f"不是公告的轮次 {spec['round']}",
            f"round {beacon.get('round')!r} is not the announced round {spec['round']}",
        )
    try:
        verified = verify_round(chain, beacon)
    except BeaconError as error:
        raise InvalidSeed("beacon", error.zh, error.en) from error
    if verified.round != spec["round"]:  # verify_round answers what it checked
        raise InvalidSeed("beacon", "不是公告的轮次", "not the announced round")
    reveal = {
        "randomness": verified.randomness,
        "round": verified.round,
        "signature": verified.signature,
    }
    return [verified.randomness], reveal


def reveal_values(spec: Mapping, reveal: object, chain: object = None) -> tuple[list[str], dict]:
    """Check a reveal against the committed source; answers (key-string values, reveal record).

    reveal: for drand the round's JSON as drand publishes it (needs the pinned `chain`);
    for a lottery {"numbers": [[...], ...]}, one list per declared draw.
    """
    if spec["kind"] == DRAND:
        if chain is None:
            raise InvalidSeed("beacon", "缺少固定的信标链信息", "the pinned chain is needed")
        return drand_values(spec, chain, reveal)
    numbers = reveal.get("numbers") if isinstance(reveal, Mapping) else None
    if not isinstance(reveal, Mapping) or set(reveal) != {"numbers"}:
        raise InvalidSeed("numbers", "须给出摇号结果", 'give {"numbers": [[...], ...]}')
    values = lottery_values(spec, numbers)
    return values, {"numbers": [sorted(n) for n in numbers]}


def describe(spec: Mapping) -> str:
    """The provenance as recorded: generated from the committed source, never typed in."""
    if spec["kind"] == DRAND:
        return f"drand round {spec['round']} of chain {spec['chain_hash']}"
    return f"{spec['date']} {spec['name']} ({len(spec['draws'])} draws; {NOT_CHECKABLE})"
