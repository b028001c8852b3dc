"""Canonical bytes, hashes, the commitment and the seed of the draw.

Every byte layout here is specified in docs/draw-algorithm.md; change one and the
algorithm version must change with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from json.encoder import encode_basestring as _quote  # the C encoder json.dumps uses
from operator import attrgetter

from scheduler.draw_model import (
    ALGORITHM_VERSION,
    ALGORITHM_VERSION_2,
    GRADES,
    Commitment,
    DrawParameters,
    FrameEntity,
    InvalidParameters,
    InvalidSeed,
    InvalidSnapshot,
    PoolInspector,
    check_code,
)

_CHUNK_ROWS = 1024  # frame rows joined and hashed at a time: the text stays in the CPU cache
SEED_LABEL = b"double-random/1/seed\x00"
HASH_PATTERN = re.compile(r"[0-9a-f]{64}\Z")
# A public-session set: ASCII integers separated by spaces, tabs or commas.
NUMBER_SET_PATTERN = re.compile(r"[0-9]+(?:[ \t,]+[0-9]+)*\Z")
# A beacon value: hexadecimal digits (upper or lower case).
HEX_VALUE_PATTERN = re.compile(r"[0-9A-Fa-f]+\Z")

FRAME_FIELDS = ("checks_last_12m", "entity_id", "grade", "last_inspectors", "street")
POOL_FIELDS = ("department", "inspector_id", "qualifications", "recusals", "workload")
PARAM_FIELDS = (
    "algorithm_version", "fixed_count", "frequency_cap", "industry", "key_items_exempt",
    "lead_department", "partner_departments", "ratios", "task_id", "team_size", "workload_cap",
)  # fmt: skip
PARAM_FIELDS_2 = (*PARAM_FIELDS, "seed_source")  # version 2: the announced seed source too
SEED_LABEL_2 = b"double-random/2/seed\x00"


class DuplicateKey(ValueError):
    """A JSON object names the same key twice (which one counts is not defined: refused)."""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"duplicate key {key!r} / 重复的键")
        seen[key] = value
    return seen


def _no_float(text: str) -> object:
    raise ValueError(f"not an integer: {text} (the record has integers only / 只允许整数)")


def _no_constant(text: str) -> object:
    raise ValueError(f"not JSON: {text}")


def parse_json(text: str | bytes) -> object:
    """The input grammar of records and vectors (docs/draw-algorithm.md §3.1): JSON with
    integers only (no fraction, no exponent, no NaN) and no duplicate keys; else ValueError."""
    return json.loads(
        text,
        object_pairs_hook=_no_duplicates,
        parse_float=_no_float,
        parse_constant=_no_constant,
    )


def canonical_json(value: object) -> bytes:
    """JSON with sorted keys, no whitespace, raw UTF-8 (RFC 8785 escaping for our types)."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bad_code(value: object) -> bool:
    return type(value) is not str or not value or "\x00" in value


def _check_codes(values: object, field_name: str, owner: str) -> None:
    if type(values) is not tuple or any(map(_bad_code, values)):
        raise InvalidSnapshot(field_name, "须为非空编码的元组", f"{owner}: bad {values!r}")


def _bad_count(value: object) -> bool:
    return type(value) is not int or value < 0


# The last frame validated, when a tuple (of frozen rows: it cannot change), kept alive so its
# id() stays its own: commitment(), frame_from_dicts() and draw() then check one frame once.
_VALIDATED: list[tuple | None] = [None]


def validate_frame(frame: Sequence[FrameEntity]) -> None:
    """Raise InvalidSnapshot for a malformed or duplicated row (exact str/int/tuple types)."""
    if frame is _VALIDATED[0]:
        return
    _validate_frame(frame)
    if type(frame) is tuple:
        _VALIDATED[0] = frame


def _validate_frame(frame: Sequence[FrameEntity]) -> None:
    grades = frozenset(GRADES)
    for e in frame:  # a million rows: one combined test each, the precise error on failure
        entity_id, checks, last = e.entity_id, e.checks_last_12m, e.last_inspectors
        if (
            type(entity_id) is not str
            or not entity_id
            or "\x00" in entity_id
            or type(e.grade) is not str
            or e.grade not in grades
            or type(e.street) is not str
            or type(checks) is not int
            or checks < 0
            or type(last) is not tuple
            or (last and any(map(_bad_code, last)))
        ):
            _explain_bad_row(e)
    if len({e.entity_id for e in frame}) != len(frame):
        raise InvalidSnapshot("entity_id", "检查对象重复", "an entity appears twice in the frame")


def _explain_bad_row(e: FrameEntity) -> None:
    check_code(e.entity_id, "entity_id", InvalidSnapshot)
    if e.grade not in GRADES:
        raise InvalidSnapshot("grade", "未知的信用风险等级", f"{e.entity_id}: {e.grade!r}")
    if type(e.street) is not str:
        raise InvalidSnapshot("street", "街镇必须为字符串", f"{e.entity_id}: {e.street!r}")
    if _bad_count(e.checks_last_12m):
        raise InvalidSnapshot("checks_last_12m", "须为非负整数", e.entity_id)
    _check_codes(e.last_inspectors, "last_inspectors", e.entity_id)


def validate_pool(pool: Sequence[PoolInspector]) -> None:
    """Raise InvalidSnapshot for a malformed or duplicated inspector."""
    for i in pool:
        check_code(i.inspector_id, "inspector_id", InvalidSnapshot)
        check_code(i.department, "department", InvalidSnapshot)
        _check_codes(i.qualifications, "qualifications", i.inspector_id)
        _check_codes(i.recusals, "recusals", i.inspector_id)
        if _bad_count(i.workload):
            raise InvalidSnapshot("workload", "须为非负整数", i.inspector_id)
    if len({i.inspector_id for i in pool}) != len(pool):
        raise InvalidSnapshot("inspector_id", "执法人员重复", "an inspector appears twice")


def validate_pool_departments(pool: Sequence[PoolInspector], params: DrawParameters) -> None:
    """Version 2: the pool holds only the task's departments (lead and partners), so no
    inspector of an unrelated department is a knob on the commitment."""
    if params.algorithm_version != ALGORITHM_VERSION_2:
        return
    departments = set(params.departments)
    for i in pool:
        if i.department not in departments:
            raise InvalidSnapshot(
                "department",
                "执法人员不属于任务的部门",
                f"{i.inspector_id}: department {i.department!r} is not one of the task's",
            )


def frame_to_dicts(frame: Iterable[FrameEntity]) -> list[dict]:
    """Canonical frame rows: sorted by entity_id, sets sorted and deduplicated."""
    rows = [
        {
            "checks_last_12m": e.checks_last_12m,
            "entity_id": e.entity_id,
            "grade": e.grade,
            "last_inspectors": sorted(set(e.last_inspectors)),
            "street": e.street,
        }
        for e in frame
    ]
    rows.sort(key=lambda row: row["entity_id"])
    return rows


def pool_to_dicts(pool: Iterable[PoolInspector]) -> list[dict]:
    """Canonical pool rows: sorted by inspector_id, sets sorted and deduplicated."""
    rows = [
        {
            "department": i.department,
            "inspector_id": i.inspector_id,
            "qualifications": sorted(set(i.qualifications)),
            "recusals": sorted(set(i.recusals)),
            "workload": i.workload,
        }
        for i in pool
    ]
    rows.sort(key=lambda row: row["inspector_id"])
    return rows


def params_to_dict(params: DrawParameters) -> dict:
    """Canonical parameters: partners sorted, ratios kept as the decimal strings given;
    under version 2 also the announced seed source."""
    data = {
        "algorithm_version": params.algorithm_version,
        "fixed_count": params.fixed_count,
        "frequency_cap": params.frequency_cap,
        "industry": params.industry,
        "key_items_exempt": params.key_items_exempt,
        "lead_department": params.lead_department,
        "partner_departments": sorted(params.partner_departments),
        "ratios": None if params.ratios is None else dict(params.ratios),
        "task_id": params.task_id,
        "team_size": params.team_size,
        "workload_cap": params.workload_cap,
    }
    if params.algorithm_version == ALGORITHM_VERSION_2:
        data["seed_source"] = params.seed_source
    return data


def _fields_of(row: object, fields: tuple[str, ...], error: type, name: str) -> Mapping:
    if not isinstance(row, Mapping) or set(row) != set(fields):
        raise error(name, "字段不符", f"expected exactly the fields {fields}, got {row!r}")
    return row


def frame_from_dicts(rows: Iterable[Mapping]) -> tuple[FrameEntity, ...]:
    """Frame entities from stored rows (the inverse of frame_to_dicts)."""
    frame = []
    for row in rows:
        r = _fields_of(row, FRAME_FIELDS, InvalidSnapshot, "frame")
        frame.append(FrameEntity(
            r["entity_id"], r["grade"], r["street"], r["checks_last_12m"],
            _as_tuple(r["last_inspectors"]),
        ))  # fmt: skip
    validate_frame(frame)
    return tuple(frame)


def pool_from_dicts(rows: Iterable[Mapping]) -> tuple[PoolInspector, ...]:
    """Pool inspectors from stored rows (the inverse of pool_to_dicts)."""
    pool = []
    for row in rows:
        r = _fields_of(row, POOL_FIELDS, InvalidSnapshot, "pool")
        pool.append(PoolInspector(
            r["inspector_id"], r["department"], _as_tuple(r["qualifications"]),
            r["workload"], _as_tuple(r["recusals"]),
        ))  # fmt: skip
    validate_pool(pool)
    return tuple(pool)


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def params_from_dict(data: Mapping) -> DrawParameters:
    """Draw parameters from their stored form (the inverse of params_to_dict)."""
    is_v2 = isinstance(data, Mapping) and data.get("algorithm_version") == ALGORITHM_VERSION_2
    d = _fields_of(data, PARAM_FIELDS_2 if is_v2 else PARAM_FIELDS, InvalidParameters, "params")
    return DrawParameters(**{**d, "partner_departments": _as_tuple(d["partner_departments"])})


def _codes_json(values: tuple[str, ...]) -> str:
    if not values:
        return "[]"
    if len(values) == 1:
        return "[" + _quote(values[0]) + "]"
    return "[" + ",".join(map(_quote, sorted(set(values)))) + "]"


def frame_row_json(e: FrameEntity) -> str:
    """canonical_json of the entity's frame_to_dicts row, written out field by field."""
    return (
        f'{{"checks_last_12m":{e.checks_last_12m},"entity_id":{_quote(e.entity_id)},'
        f'"grade":{_quote(e.grade)},"last_inspectors":{_codes_json(e.last_inspectors)},'
        f'"street":{_quote(e.street)}}}'
    )


def frame_hash(frame: Sequence[FrameEntity], validate: bool = False) -> str:
    """SHA-256 of canonical_json({"kind": "frame", "rows": frame_to_dicts(frame)}).

    Streamed row by row: the same bytes as the one-liner, without a million dicts. With
    `validate`, each row is checked in the same pass (validate_frame's rules; duplicates show
    as equal neighbours in id order) and the first bad row raises validate_frame's error;
    without it, the frame must already be valid (a bool or float count is not told from an int).
    """
    if validate and frame is _VALIDATED[0]:
        validate = False
    digest = _frame_digest(frame, frame, validate)  # a frame read in id order needs no sort
    if digest is None:
        try:
            ordered = sorted(frame, key=attrgetter("entity_id"))
        except TypeError:  # an id that is not a string
            _validate_frame(frame)
            raise
        digest = _frame_digest(ordered, frame, validate)
        if digest is None:  # ids that sort but do not compare with a string: not strings
            _validate_frame(frame)
            raise InvalidSnapshot("entity_id", "须为字符串", "entity ids must be strings")
    if validate and type(frame) is tuple:
        _VALIDATED[0] = frame
    return digest


def _frame_digest(
    ordered: Sequence[FrameEntity], frame: Sequence[FrameEntity], validate: bool
) -> str | None:
    """The frame hash (hex) of `frame`'s rows in entity_id order, or None on finding `ordered`
    out of that order. A bad row raises validate_frame(frame)'s error.

    frame_row_json, inlined for 10^6 rows: an id that needs no JSON escape (letters and
    digits) goes in as it is, the rest of a row without last inspectors comes from a cache
    per (grade, street), and rows are joined and hashed in cache-sized chunks.
    """
    digest = hashlib.sha256(b'{"kind":"frame","rows":[')
    quote, codes = _quote, _codes_json
    heads: dict[int, str] = {}  # checks -> the row's text up to the id
    tails: dict[str, dict[str, str]] = {g: {} for g in GRADES}  # grade -> street -> the rest
    previous, separator = "", ""
    remaining = iter(ordered)
    for _ in range(0, len(ordered), _CHUNK_ROWS):
        rows = []
        append = rows.append
        for e in islice(remaining, _CHUNK_ROWS):
            entity_id, grade, street, checks, last = (
                e.entity_id, e.grade, e.street, e.checks_last_12m, e.last_inspectors,
            )  # fmt: skip
            if validate and (
                type(entity_id) is not str
                or entity_id == previous
                or type(grade) is not str
                or grade not in tails
                or type(street) is not str
                or type(checks) is not int
                or checks < 0
                or type(last) is not tuple
                or (last and any(map(_bad_code, last)))
            ):
                _validate_frame(frame)  # raises, naming the row and the rule
            try:
                if entity_id < previous:
                    return None
            except TypeError:
                return None
            previous = entity_id
            head = heads.get(checks)
            if head is None:
                head = heads[checks] = f'{{"checks_last_12m":{checks},"entity_id":'
            if not entity_id.isalnum():  # may need escapes; empty or NUL when not validated
                if validate and (not entity_id or "\x00" in entity_id):
                    _validate_frame(frame)
                append(
                    f'{head}{quote(entity_id)},"grade":{quote(grade)},'
                    f'"last_inspectors":{codes(last)},"street":{quote(street)}}}'
                )
            elif last:
                append(
                    f'{head}"{entity_id}","grade":{quote(grade)},'
                    f'"last_inspectors":{codes(last)},"street":{quote(street)}}}'
                )
            else:
                by_street = tails[grade]
                tail = by_street.get(street)
                if tail is None:
                    tail = by_street[street] = (
                        f',"grade":{quote(grade)},"last_inspectors":[],"street":{quote(street)}}}'
                    )
                append(f'{head}"{entity_id}"{tail}')
        digest.update((separator + ",".join(rows)).encode("utf-8"))
        separator = ","
    digest.update(b"]}")
    return digest.hexdigest()


def pool_hash(pool: Sequence[PoolInspector]) -> str:
    return sha256_hex(canonical_json({"kind": "pool", "rows": pool_to_dicts(pool)}))


def params_hash(params: DrawParameters) -> str:
    return sha256_hex(canonical_json({"kind": "params", "params": params_to_dict(params)}))


def commitment_from_hashes(
    frame_h: str, pool_h: str, params_h: str, algorithm_version: str = ALGORITHM_VERSION
) -> Commitment:
    """Bind the three snapshot hashes and the algorithm version into one hash."""
    document = {
        "algorithm_version": algorithm_version,
        "frame_hash": frame_h,
        "kind": "commitment",
        "params_hash": params_h,
        "pool_hash": pool_h,
    }
    return Commitment(
        algorithm_version, frame_h, pool_h, params_h, sha256_hex(canonical_json(document))
    )


def commitment(
    frame: Sequence[FrameEntity], pool: Sequence[PoolInspector], params: DrawParameters
) -> Commitment:
    """The hashes to publish before the seed exists, so no input can change after it."""
    frame_h = frame_hash(frame, validate=True)
    validate_pool(pool)
    validate_pool_departments(pool, params)
    return commitment_from_hashes(
        frame_h, pool_hash(pool), params_hash(params), params.algorithm_version
    )


def canonical_seed_source(source_values: Sequence[str]) -> str:
    """RFC 3797-style key string: each set sorted, numbers as 'n.', each set closed by '/'."""
    if isinstance(source_values, str) or not source_values:
        raise InvalidSeed("source_values", "至少需要一组公开随机数", "give a list of values")
    return "".join(_canonical_set(value) for value in source_values)


def _canonical_set(value: object) -> str:
    text = value.strip(" \t") if isinstance(value, str) else ""
    if NUMBER_SET_PATTERN.match(text):
        numbers = sorted(int(n) for n in re.split(r"[ \t,]+", text))
        return "".join(f"{n}." for n in numbers) + "/"
    if HEX_VALUE_PATTERN.match(text):
        return text.lower() + "/"
    raise InvalidSeed(
        "source_values", "须为整数组或十六进制信标值", f"not a number set or hex value: {value!r}"
    )


def derive_seed(commitment_hash: str, source_values: Sequence[str], provenance: str) -> bytes:
    """The draw seed: HMAC-SHA256 keyed by the commitment over the public values.

    provenance (which beacon pulse, which public session) is recorded with the draw but
    deliberately not hashed: free text written after the values are known could be
    varied until a draw pleases, which is exactly the grinding the commitment prevents.
    """
    if not isinstance(commitment_hash, str) or not HASH_PATTERN.match(commitment_hash):
        raise InvalidSeed("commitment_hash", "须为 64 位小写十六进制", "need 64 lower-case hex")
    if not isinstance(provenance, str) or not provenance.strip():
        raise InvalidSeed("provenance", "须说明随机数来源", "say where the values come from")
    message = SEED_LABEL + canonical_seed_source(source_values).encode("ascii")
    return hmac.new(bytes.fromhex(commitment_hash), message, "sha256").digest()


def derive_seed_2(commitment_hash: str, source_values: Sequence[str]) -> bytes:
    """The version-2 seed: HMAC-SHA256 keyed by the commitment over the key string of the
    values checked against the committed source (no free text enters it)."""
    if not isinstance(commitment_hash, str) or not HASH_PATTERN.match(commitment_hash):
        raise InvalidSeed("commitment_hash", "须为 64 位小写十六进制", "need 64 lower-case hex")
    message = SEED_LABEL_2 + canonical_seed_source(source_values).encode("ascii")
    return hmac.new(bytes.fromhex(commitment_hash), message, "sha256").digest()
