"""Plain data of the double-random draw (双随机): inputs, outputs, errors, constants.

Nothing here knows about Flask or the database: the app builds these values from its
tables, and the published algorithm (docs/draw-algorithm.md) is written against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from scheduler.draw_errors import (  # noqa: F401  (the names callers import from here)
    MAX_SAFE_INTEGER,
    DrawInputError,
    InvalidParameters,
    InvalidSeed,
    InvalidSnapshot,
)
from scheduler.draw_source import canonical_seed_source_spec

ALGORITHM_VERSION = "double-random/1"  # the dataclass default, kept for version-1 callers
ALGORITHM_VERSION_2 = "double-random/2"  # the seed source bound in the parameters; what freezes
SUPPORTED_VERSIONS = (ALGORITHM_VERSION, ALGORITHM_VERSION_2)

# Credit/risk grades, A lowest risk … D highest (docs/domain.md).
GRADES = ("A", "B", "C", "D")
# Strata are reported, staffed and tie-broken from the highest risk down, so that when
# inspectors run short the shortfall falls on the lowest-risk entities.
RISK_ORDER = ("D", "C", "B", "A")

MIN_TEAM_SIZE = 2  # 执法人员不少于两人
DEFAULT_FREQUENCY_CAP = 2  # random checks per entity per rolling 12 months
SEED_BYTES = 32

# A ratio is an exact decimal in [0, 1], written without sign, exponent or spaces.
RATIO_PATTERN = re.compile(r"(?:0(?:\.[0-9]+)?|1(?:\.0+)?)\Z")
# Version 2: one spelling per value ("0.15", never "0.150", "1.0" or "0.0").
CANONICAL_RATIO_PATTERN = re.compile(r"(?:0|1|0\.[0-9]*[1-9])\Z")
# Version 2: codes are printable ASCII, so key order by code point is RFC 8785's order too.
CANONICAL_CODE_PATTERN = re.compile(r"[\x21-\x7e]{1,64}\Z")


class Reason(StrEnum):
    """Reason codes of the exclusions report (the published vocabulary)."""

    FREQUENCY_CAP = "frequency_cap"
    NOT_QUALIFIED = "not_qualified"
    WORKLOAD_CAP = "workload_cap"
    RECUSAL_APPLIED = "recusal_applied"
    CONSECUTIVE_INSPECTION = "consecutive_inspection"
    SHORTFALL = "shortfall"


@dataclass(frozen=True, slots=True)
class FrameEntity:
    """One licence holder in the directory of inspected objects (检查对象名录库)."""

    entity_id: str  # 统一社会信用代码, stable across draws
    grade: str  # 'A' | 'B' | 'C' | 'D'
    street: str  # 街镇
    checks_last_12m: int = 0  # random checks in the rolling 12 months, joint checks once
    last_inspectors: tuple[str, ...] = ()  # inspectors of its most recent inspection


@dataclass(frozen=True, slots=True)
class PoolInspector:
    """One officer in the directory of inspectors (执法检查人员名录库)."""

    inspector_id: str
    department: str
    qualifications: tuple[str, ...] = ()  # industry codes
    workload: int = 0  # open assignments now
    recusals: tuple[str, ...] = ()  # entity ids declared 回避


@dataclass(frozen=True, kw_only=True)
class DrawParameters:
    """What a spot-check task fixes before the draw; validated on construction."""

    task_id: str
    industry: str
    lead_department: str
    workload_cap: int
    partner_departments: tuple[str, ...] = ()
    ratios: Mapping[str, str] | None = None
    fixed_count: int | None = None
    team_size: int = MIN_TEAM_SIZE
    frequency_cap: int = DEFAULT_FREQUENCY_CAP
    key_items_exempt: bool = False
    algorithm_version: str = ALGORITHM_VERSION
    # version 2 only: where the seed comes from, announced and hashed with the commitment
    # (scheduler/draw_source.py validates it); must be None under version 1
    seed_source: Mapping | None = None

    def __post_init__(self) -> None:
        if isinstance(self.partner_departments, str):  # tuple("PS") would be ('P', 'S')
            _fail("partner_departments", "须为部门编码的列表", "give a list of codes")
        object.__setattr__(self, "partner_departments", tuple(self.partner_departments))
        if self.ratios is not None:
            if not isinstance(self.ratios, Mapping):
                _fail("ratios", "须为等级到比例的映射", "give a mapping grade -> ratio")
            object.__setattr__(self, "ratios", dict(sorted(self.ratios.items(), key=str)))
        validate_parameters(self)
        if self.algorithm_version == ALGORITHM_VERSION_2:
            object.__setattr__(self, "seed_source", canonical_seed_source_spec(self.seed_source))
        elif self.seed_source is not None:
            _fail("seed_source", "版本 1 不含随机源参数", "version 1 takes no seed_source")

    @property
    def departments(self) -> tuple[str, ...]:
        """Departments on every team: the lead first, then partners by code."""
        return (self.lead_department, *sorted(self.partner_departments))

    @property
    def lead_slots(self) -> int:
        """Lead members per team: one, plus whatever team_size asks beyond the partners."""
        return max(1, self.team_size - len(self.partner_departments))


@dataclass(frozen=True)
class Commitment:
    """Hashes published before the seed exists (hex SHA-256, lower case)."""

    algorithm_version: str
    frame_hash: str
    pool_hash: str
    params_hash: str
    commitment_hash: str


@dataclass(frozen=True)
class StratumResult:
    """One grade's sample: counts and the picked entity ids in draw order."""

    grade: str
    frame_count: int
    eligible_count: int
    sample_size: int
    picks: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """One picked entity and its team, in the order teams were formed."""

    sequence: int  # 1-based
    entity_id: str
    grade: str
    team: tuple[tuple[str, tuple[str, ...]], ...]  # (department, inspector ids), lead first
    shortfall: bool

    def inspectors(self) -> tuple[str, ...]:
        """Every inspector on the team, lead first."""
        return tuple(i for _, ids in self.team for i in ids)


@dataclass(frozen=True)
class Exclusion:
    """Why an entity or inspector was left out; detail holds integer facts."""

    reason: Reason
    entity_id: str | None = None
    inspector_id: str | None = None
    department: str | None = None
    detail: tuple[tuple[str, int], ...] = field(default=())


@dataclass(frozen=True)
class DrawResult:
    """Everything the draw decided; result_to_dict gives its published form."""

    algorithm_version: str
    task_id: str
    seed: str  # hex
    strata: tuple[StratumResult, ...]  # RISK_ORDER
    assignments: tuple[Assignment, ...]
    exclusions: tuple[Exclusion, ...]

    def assignment_of(self, entity_id: str) -> Assignment | None:
        """The assignment of one entity, or None when it was not picked."""
        return next((a for a in self.assignments if a.entity_id == entity_id), None)


def _fail(field_name: str, zh: str, en: str) -> None:
    raise InvalidParameters(field_name, zh, en)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_code(value: object, field_name: str, error: type[DrawInputError]) -> None:
    """Ids and codes enter key derivation NUL-separated, so they must not contain NUL."""
    if not isinstance(value, str) or not value or "\x00" in value:
        raise error(
            field_name, "必须为非空字符串且不含 NUL", f"must be a non-empty string, got {value!r}"
        )


def validate_parameters(params: DrawParameters) -> None:
    """Raise InvalidParameters for the first rule the parameters break."""
    for name in ("task_id", "industry", "lead_department", "algorithm_version"):
        check_code(getattr(params, name), name, InvalidParameters)
    if params.algorithm_version not in SUPPORTED_VERSIONS:
        _fail("algorithm_version", "不支持的算法版本", f"unsupported {params.algorithm_version!r}")
    _validate_partners(params)
    _validate_sampling(params)
    if params.algorithm_version == ALGORITHM_VERSION_2:
        _validate_canonical(params)
    if not _is_int(params.team_size) or params.team_size < MIN_TEAM_SIZE:
        _fail("team_size", "执法人员不少于两人", f"must be an integer >= {MIN_TEAM_SIZE}")
    if not _is_int(params.workload_cap) or params.workload_cap < 1:
        _fail("workload_cap", "工作量上限至少为 1", "must be an integer >= 1")
    if not _is_int(params.frequency_cap) or params.frequency_cap < 1:
        _fail("frequency_cap", "抽查频次上限至少为 1", "must be an integer >= 1")
    if not isinstance(params.key_items_exempt, bool):
        _fail("key_items_exempt", "必须为布尔值", "must be true or false")


def _validate_partners(params: DrawParameters) -> None:
    for code in params.partner_departments:
        check_code(code, "partner_departments", InvalidParameters)
    if len(set(params.partner_departments)) != len(params.partner_departments):
        _fail("partner_departments", "协同部门重复", "a partner department is listed twice")
    if params.lead_department in params.partner_departments:
        _fail("partner_departments", "牵头部门不能同时为协同部门", "the lead is also a partner")


def _validate_sampling(params: DrawParameters) -> None:
    if (params.ratios is None) == (params.fixed_count is None):
        _fail("ratios", "抽查比例与固定数量须二选一", "give exactly one of ratios, fixed_count")
    if params.fixed_count is not None:
        if not _is_int(params.fixed_count) or params.fixed_count < 0:
            _fail("fixed_count", "固定数量须为非负整数", "must be an integer >= 0")
        return
    for grade, ratio in params.ratios.items():
        if grade not in GRADES:
            _fail("ratios", "未知的信用风险等级", f"unknown grade {grade!r}")
        if not isinstance(ratio, str) or not RATIO_PATTERN.match(ratio):
            _fail("ratios", "抽查比例须为 0 到 1 之间的小数字符串", f"{grade}: bad ratio {ratio!r}")


def _validate_canonical(params: DrawParameters) -> None:
    """Version 2: one spelling per value, so the commitment cannot be ground by respelling."""
    for name in ("industry", "lead_department"):
        if not CANONICAL_CODE_PATTERN.match(getattr(params, name)):
            _fail(name, "编码须为可打印 ASCII 字符", "a code is 1-64 printable ASCII characters")
    for code in params.partner_departments:
        if not CANONICAL_CODE_PATTERN.match(code):
            _fail("partner_departments", "编码须为可打印 ASCII 字符", f"bad code {code!r}")
    for grade, ratio in (params.ratios or {}).items():
        if not CANONICAL_RATIO_PATTERN.match(ratio):
            _fail(
                "ratios",
                "抽查比例须为唯一写法的小数（如 0.15，不写 0.150、1.0 或 0.0）",
                f"{grade}: {ratio!r} is not the canonical spelling (write 0.15, not 0.150; "
                "1 not 1.0; 0 not 0.0)",
            )
    for name in ("fixed_count", "team_size", "workload_cap", "frequency_cap"):
        value = getattr(params, name)
        if value is not None and value > MAX_SAFE_INTEGER:
            _fail(name, "整数超出范围", f"must be at most {MAX_SAFE_INTEGER}")


def ratio_of(params: DrawParameters, grade: str) -> Fraction:
    """The exact sampling ratio of a grade; a grade absent from ratios is not sampled."""
    return Fraction(params.ratios.get(grade, "0"))
