"""The tunable side of risk grading: every weight, half-life and threshold, read from JSON.

The document is the district's risk_grading.json, handed over by the caller as a mapping;
the code has no numbers of its own, so a district retunes the grading by editing data, and
the fingerprint of the config is recorded with each grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from risk.canonical import sha256_hex

GRADES = ("A", "B", "C", "D")


class GradingConfigError(ValueError):
    """The grading document is incomplete or inconsistent."""


@dataclass(frozen=True)
class OutcomeRule:
    """Points one inspection outcome adds when it is fresh, and how to name it."""

    points: float
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class DecayRule:
    """Points that halve every `half_life_days` and are ignored after `horizon_days`."""

    half_life_days: float
    horizon_days: int


@dataclass(frozen=True)
class ComplaintRule:
    """Each complaint adds `points_each`, decaying; the sum never exceeds `cap`."""

    points_each: float
    decay: DecayRule
    cap: float


@dataclass(frozen=True)
class CreditRecordRule:
    """Each counted credit record (信用记录) adds `points_each`, decaying; the sum never exceeds
    `cap`. A district file without the section counts none (points 0)."""

    points_each: float
    decay: DecayRule
    cap: float


NO_CREDIT_RECORDS = CreditRecordRule(0.0, DecayRule(365.0, 0), 0.0)


@dataclass(frozen=True)
class OverdueRule:
    """Time since the last check: 0 within grace, linear to `cap` over `ramp_days` more."""

    grace_days: int
    ramp_days: int
    cap: float


@dataclass(frozen=True)
class GradingConfig:
    """Everything grade_entity needs besides the entity's own inputs."""

    version: str
    timezone: str
    score_decimals: int
    industry_base_points: Mapping[str, float]
    credit_class_points: Mapping[str, float]
    outcomes: Mapping[str, OutcomeRule]
    history: DecayRule
    complaints: ComplaintRule
    since_last_check: OverdueRule
    grade_thresholds: Mapping[str, float]
    grade_labels: Mapping[str, Mapping[str, str]]
    sampling_ratios: Mapping[str, Decimal]
    frequency_cap: int
    frequency_window_days: int
    provisional: bool = False
    credit_records: CreditRecordRule = NO_CREDIT_RECORDS

    def grade_for(self, score: float) -> str:
        """The highest grade whose lower bound the score reaches (A when none does)."""
        reached = [g for g in GRADES if score >= self.grade_thresholds[g]]
        return reached[-1] if reached else GRADES[0]

    def sampling_ratio(self, grade: str) -> Decimal:
        """Default share of a grade's entities drawn by a task that sets no ratio itself."""
        return self.sampling_ratios[grade]


def parse_grading_config(document: Mapping[str, Any]) -> GradingConfig:
    """Build a GradingConfig from its JSON document, checking it covers every grade."""
    try:
        config = _build(document)
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise GradingConfigError(f"评级参数缺失或格式错误 (bad grading config): {exc!r}") from exc
    _check(config)
    return config


def config_hash(config: GradingConfig) -> str:
    """SHA-256 of the config's canonical JSON: store it with a grade to know its rules."""
    return sha256_hex(asdict(config))


def _build(doc: Mapping[str, Any]) -> GradingConfig:
    complaints = doc["complaints"]
    overdue = doc["since_last_check"]
    frequency = doc["frequency_cap"]
    return GradingConfig(
        version=str(doc["version"]),
        timezone=doc["timezone"],
        score_decimals=int(doc["score_decimals"]),
        industry_base_points={k: float(v) for k, v in doc["industry_base_points"].items()},
        credit_class_points={k: float(v) for k, v in doc["credit_class_points"].items()},
        outcomes={
            code: OutcomeRule(float(rule["points"]), rule["label_zh"], rule["label_en"])
            for code, rule in doc["outcomes"].items()
        },
        history=_decay(doc["history"]),
        complaints=ComplaintRule(
            float(complaints["points_each"]), _decay(complaints), float(complaints["cap"])
        ),
        since_last_check=OverdueRule(
            int(overdue["grace_days"]), int(overdue["ramp_days"]), float(overdue["cap"])
        ),
        grade_thresholds={k: float(v) for k, v in doc["grade_thresholds"].items()},
        grade_labels={k: dict(v) for k, v in doc["grade_labels"].items()},
        sampling_ratios={k: Decimal(str(v)) for k, v in doc["sampling_ratios"].items()},
        frequency_cap=int(frequency["max_checks"]),
        frequency_window_days=int(frequency["window_days"]),
        provisional=bool(doc.get("provisional", False)),
        credit_records=_credit_records(doc.get("credit_records")),
    )


def _credit_records(section: Mapping[str, Any] | None) -> CreditRecordRule:
    if section is None:
        return NO_CREDIT_RECORDS
    return CreditRecordRule(float(section["points_each"]), _decay(section), float(section["cap"]))


def _decay(section: Mapping[str, Any]) -> DecayRule:
    return DecayRule(float(section["half_life_days"]), int(section["horizon_days"]))


def _check(config: GradingConfig) -> None:
    for name in ("credit_class_points", "grade_thresholds", "grade_labels", "sampling_ratios"):
        missing = set(GRADES) - set(getattr(config, name))
        if missing:
            raise GradingConfigError(f"{name} 缺少等级 (missing grades): {sorted(missing)}")
    bounds = [config.grade_thresholds[g] for g in GRADES]
    if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
        raise GradingConfigError("grade_thresholds 须按 A<B<C<D 递增 (must increase A to D)")
    half_lives = (
        config.history.half_life_days,
        config.complaints.decay.half_life_days,
        config.credit_records.decay.half_life_days,
    )
    if min(half_lives) <= 0:
        raise GradingConfigError("half_life_days 须为正数 (must be positive)")
    if config.since_last_check.ramp_days <= 0:
        raise GradingConfigError("ramp_days 须为正数 (must be positive)")
