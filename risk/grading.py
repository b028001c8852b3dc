"""Explainable entity risk grade (风险分级): a score from named factors, then a letter.

score = industry base + credit class + min(cap, Σ decayed credit records)
        + Σ decayed inspection outcomes + min(cap, Σ decayed complaints) + overdue-check ramp

Every term is a Factor carrying its points and the reason, so a planner can say why an
entity is D. The function is pure: it takes `now` and never reads the clock, so the same
inputs and the same `now` always give the same grade (docs/risk-grading.md).

An entity whose inputs are truly missing is not graded but *unclassified* (未分类), and
`unclassified_reason` says why (no live licence, no base points for its industries, an
unknown credit class).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from risk.canonical import sha256_hex
from risk.grading_config import GradingConfig

INDUSTRY_BASE = "industry_base"
CREDIT_CLASS = "credit_class"
CREDIT_RECORDS = "credit_records"
INSPECTION_OUTCOME = "inspection_outcome"
COMPLAINTS = "complaints"
SINCE_LAST_CHECK = "since_last_check"

_LABELS = {
    INDUSTRY_BASE: ("行业基础风险", "Industry base risk"),
    CREDIT_CLASS: ("信用风险分类", "Credit risk class"),
    CREDIT_RECORDS: ("信用记录", "Credit records"),
    COMPLAINTS: ("投诉举报", "Complaints"),
    SINCE_LAST_CHECK: ("距上次检查时间", "Time since last check"),
}
_INPUTS_SCHEMA = "grade-inputs/1"


class GradingError(ValueError):
    """The inputs cannot be graded under this config (unknown code, naive `now`)."""


@dataclass(frozen=True)
class GradeInputs:
    """What is known about one entity; the order of results and complaints changes nothing.

    `results` are (inspection date, outcome code) pairs; `last_checked` may be None for
    an entity never checked. A result later than `last_checked` counts as the last check.
    `credit_records` are the dates of the entity's credit records (信用记录, e.g. for refusing
    an inspection) still in force: a withdrawn one is simply not given.
    """

    industry: str
    credit_class: str
    results: tuple[tuple[date, str], ...] = ()
    complaints: tuple[date, ...] = ()
    last_checked: date | None = None
    credit_records: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", tuple((d, code) for d, code in self.results))
        object.__setattr__(self, "complaints", tuple(self.complaints))
        object.__setattr__(self, "credit_records", tuple(self.credit_records))


@dataclass(frozen=True)
class Unclassified:
    """Why an entity has no grade (未分类): its inputs are missing, said in both languages."""

    code: str
    zh: str
    en: str


NO_LIVE_LICENCE = Unclassified(
    "NO_LIVE_LICENCE",
    "无有效许可证（未持证或许可证均已注销、撤销）",
    "No live licence (none held, or all cancelled or revoked)",
)
NO_BASE_POINTS = Unclassified(
    "NO_BASE_POINTS",
    "所持许可证的行业未配置基础风险分",
    "No base risk configured for the industries of its licences",
)
UNKNOWN_CREDIT_CLASS = Unclassified(
    "UNKNOWN_CREDIT_CLASS",
    "信用风险分类未知",
    "Unknown credit risk class",
)
UNCLASSIFIED_REASONS = (NO_LIVE_LICENCE, NO_BASE_POINTS, UNKNOWN_CREDIT_CLASS)


@dataclass(frozen=True)
class Factor:
    """One term of the score and the reason for it."""

    code: str
    label_zh: str
    label_en: str
    points: float
    detail: str


@dataclass(frozen=True)
class Grade:
    """The grade, its score and the factors that add up to it (in a stable order)."""

    grade: str
    score: float
    factors: tuple[Factor, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form, for storing a grade beside its inputs hash."""
        return {
            "grade": self.grade,
            "score": self.score,
            "factors": [
                {
                    "code": f.code,
                    "label_zh": f.label_zh,
                    "label_en": f.label_en,
                    "points": f.points,
                    "detail": f.detail,
                }
                for f in self.factors
            ],
        }


def grade_entity(inputs: GradeInputs, config: GradingConfig, now: datetime) -> Grade:
    """Grade one entity as of `now` (tz-aware); raises GradingError on unknown codes.

    Ages are whole days between local calendar dates in `config.timezone`, so the grade
    changes at local midnight, not at an arbitrary instant.
    """
    today = _local_date(now, config)
    _check_codes(inputs, config)
    factors = [
        _industry_factor(inputs, config),
        _credit_factor(inputs, config),
        *_credit_records_factor(inputs, config, today),
        *_outcome_factors(inputs, config, today),
        _complaints_factor(inputs, config, today),
        _since_check_factor(inputs, config, today),
    ]
    score = round(sum(f.points for f in factors), config.score_decimals)
    return Grade(grade=config.grade_for(score), score=score, factors=tuple(factors))


def graded_industry(live_industries: Iterable[str], config: GradingConfig) -> str | None:
    """The industry an entity is graded in: the riskiest (highest base points, then code) of
    those it holds a live licence in that the config knows; None when it knows none."""
    known = [code for code in live_industries if code in config.industry_base_points]
    if not known:
        return None
    return max(known, key=lambda code: (config.industry_base_points[code], code))


def unclassified_reason(
    live_industries: Iterable[str], credit_class: str | None, config: GradingConfig
) -> Unclassified | None:
    """Why an entity cannot be graded, or None when its inputs are all there."""
    held = list(live_industries)
    if not held:
        return NO_LIVE_LICENCE
    if graded_industry(held, config) is None:
        return NO_BASE_POINTS
    if credit_class not in config.credit_class_points:
        return UNKNOWN_CREDIT_CLASS
    return None


def grade_inputs_hash(inputs: GradeInputs) -> str:
    """SHA-256 fingerprint of the inputs: a stored grade with another hash is stale.

    Order of results and complaints does not matter; any added, removed or changed value
    does.
    """
    return sha256_hex(
        {
            "schema": _INPUTS_SCHEMA,
            "industry": inputs.industry,
            "credit_class": inputs.credit_class,
            "results": sorted([d.isoformat(), code] for d, code in inputs.results),
            "complaints": sorted(d.isoformat() for d in inputs.complaints),
            "last_checked": inputs.last_checked,
            "credit_records": sorted(d.isoformat() for d in inputs.credit_records),
        }
    )


def decay_weight(age_days: int, half_life_days: float) -> float:
    """2^(−age/half-life): 1 today, ½ after one half-life; a future date counts as today."""
    return 0.5 ** (max(age_days, 0) / half_life_days)


def _local_date(now: datetime, config: GradingConfig) -> date:
    if now.tzinfo is None or now.utcoffset() is None:
        raise GradingError("now 须带时区 (now must be timezone-aware)")
    return now.astimezone(ZoneInfo(config.timezone)).date()


def _check_codes(inputs: GradeInputs, config: GradingConfig) -> None:
    if inputs.industry not in config.industry_base_points:
        raise GradingError(f"未配置行业基础风险 (no base risk for industry): {inputs.industry}")
    if inputs.credit_class not in config.credit_class_points:
        raise GradingError(f"未知信用等级 (unknown credit class): {inputs.credit_class}")
    unknown = sorted({code for _, code in inputs.results} - set(config.outcomes))
    if unknown:
        raise GradingError(f"未知检查结果 (unknown outcome codes): {unknown}")


def _factor(code: str, points: float, detail: str, config: GradingConfig) -> Factor:
    label_zh, label_en = _LABELS[code]
    return Factor(code, label_zh, label_en, round(points, config.score_decimals), detail)


def _industry_factor(inputs: GradeInputs, config: GradingConfig) -> Factor:
    points = config.industry_base_points[inputs.industry]
    return _factor(INDUSTRY_BASE, points, f"industry {inputs.industry}: {points:g}", config)


def _credit_factor(inputs: GradeInputs, config: GradingConfig) -> Factor:
    points = config.credit_class_points[inputs.credit_class]
    return _factor(CREDIT_CLASS, points, f"credit class {inputs.credit_class}: {points:g}", config)


def _credit_records_factor(inputs: GradeInputs, config: GradingConfig, today: date) -> list[Factor]:
    """The credit records in force within the horizon, decayed and capped; none, no factor."""
    rule = config.credit_records
    recent = sorted(
        (d for d in inputs.credit_records if (today - d).days <= rule.decay.horizon_days),
        reverse=True,
    )
    if not recent or rule.points_each == 0:
        return []
    weights = [decay_weight((today - d).days, rule.decay.half_life_days) for d in recent]
    points = min(rule.points_each * sum(weights), rule.cap)
    listed = ", ".join(
        f"{d.isoformat()} weight {w:.2f}" for d, w in zip(recent, weights, strict=True)
    )
    detail = (
        f"{len(recent)} within {rule.decay.horizon_days} d ({listed}); "
        f"{rule.points_each:g} each after decay (half-life {rule.decay.half_life_days:g} d), "
        f"cap {rule.cap:g}"
    )
    return [_factor(CREDIT_RECORDS, points, detail, config)]


def _outcome_factors(inputs: GradeInputs, config: GradingConfig, today: date) -> list[Factor]:
    """One factor per weighing outcome within the horizon, newest first."""
    rule = config.history
    factors = []
    for when, code in sorted(inputs.results, key=lambda r: (r[0], r[1]), reverse=True):
        outcome = config.outcomes[code]
        age = (today - when).days
        if outcome.points == 0 or age > rule.horizon_days:
            continue
        weight = decay_weight(age, rule.half_life_days)
        points = round(outcome.points * weight, config.score_decimals)
        detail = (
            f"{when.isoformat()} {code}, weight {weight:.2f} after decay "
            f"({age} d, half-life {rule.half_life_days:g} d): {outcome.points:g} × {weight:.2f}"
        )
        factors.append(
            Factor(
                INSPECTION_OUTCOME,
                f"检查结果：{outcome.label_zh}",
                f"Inspection result: {outcome.label_en}",
                points,
                detail,
            )
        )
    return factors


def _complaints_factor(inputs: GradeInputs, config: GradingConfig, today: date) -> Factor:
    rule = config.complaints
    recent = sorted(
        (d for d in inputs.complaints if (today - d).days <= rule.decay.horizon_days),
        reverse=True,
    )
    weights = [decay_weight((today - d).days, rule.decay.half_life_days) for d in recent]
    points = min(rule.points_each * sum(weights), rule.cap)
    listed = ", ".join(
        f"{d.isoformat()} weight {w:.2f}" for d, w in zip(recent, weights, strict=True)
    )
    detail = (
        f"{len(recent)} within {rule.decay.horizon_days} d ({listed or 'none'}); "
        f"{rule.points_each:g} each after decay (half-life {rule.decay.half_life_days:g} d), "
        f"cap {rule.cap:g}"
    )
    return _factor(COMPLAINTS, points, detail, config)


def _since_check_factor(inputs: GradeInputs, config: GradingConfig, today: date) -> Factor:
    rule = config.since_last_check
    last = _last_check(inputs.last_checked, (d for d, _ in inputs.results))
    if last is None:
        return _factor(SINCE_LAST_CHECK, rule.cap, f"never checked: cap {rule.cap:g}", config)
    days = (today - last).days
    share = min(max((days - rule.grace_days) / rule.ramp_days, 0.0), 1.0)
    detail = (
        f"last checked {last.isoformat()}, {days} d ago "
        f"(grace {rule.grace_days} d, cap {rule.cap:g} after {rule.grace_days + rule.ramp_days} d)"
    )
    return _factor(SINCE_LAST_CHECK, rule.cap * share, detail, config)


def _last_check(declared: date | None, result_dates: Iterable[date]) -> date | None:
    known = [d for d in (declared, *result_dates) if d is not None]
    return max(known) if known else None
