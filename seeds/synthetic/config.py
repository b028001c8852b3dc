"""The knobs of the synthetic district: shares, weights and rates, each with its default.

Illustrative figures, not statistics: they make a district that looks plausible on a map
and in a draw. Change them by passing another ``SyntheticConfig`` to the generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Credit classes A (低) … D (高): most entities are low risk, a few are high.
CREDIT_CLASS_WEIGHTS = {"A": 60, "B": 28, "C": 9, "D": 3}
# A suspension or revocation in an entity's history worsens its class to at least this.
CLASS_AFTER_SUSPENSION = "C"
CLASS_AFTER_REVOCATION = "D"

# Licences per 1,000 entities, by industry (food and retail dominate; IC tens per thousand).
INDUSTRY_WEIGHTS = {
    "FS": 170, "RS": 210, "CS": 140, "SM": 40, "BE": 90, "PH": 35, "HT": 25, "IC": 20,
    "GY": 30, "SW": 4, "KT": 8, "GA": 5, "CI": 3, "BK": 12, "PV": 2, "TA": 10,
    "EL": 8, "CC": 10, "TR": 35, "CL": 30, "AR": 40, "GS": 4, "PR": 8, "HR": 12, "SC": 4,
}  # fmt: skip
DEFAULT_INDUSTRY_WEIGHT = 5

# Relative density of shops by street/town (dense old sub-districts and big towns weigh more).
STREET_WEIGHTS = {
    "友谊路街道": 12, "吴淞街道": 8, "张庙街道": 9, "罗店镇": 9, "罗泾镇": 3, "庙行镇": 6,
    "顾村镇": 12, "大场镇": 14, "杨行镇": 9, "月浦镇": 7, "高境镇": 6, "淞南镇": 5,
}  # fmt: skip
DEFAULT_STREET_WEIGHT = 5

# Share of entities registered as 个体工商户 (credit code type '2'), by industry; others are
# companies (type '1') apart from a rare 农民专业合作社 (type '3') in food retail.
INDIVIDUAL_SHARE = {
    "FS": 0.55, "RS": 0.55, "CS": 0.45, "SM": 0.15, "BE": 0.70, "BK": 0.30, "AR": 0.35,
    "CL": 0.20, "GY": 0.10, "IC": 0.10, "PH": 0.05,
}  # fmt: skip
COOPERATIVE_SHARE = {"CS": 0.01, "SM": 0.01, "FS": 0.005}
# Companies registered before the 2015 code reform keep a legacy 组织机构代码 inside their code.
LEGACY_ORGANISATION_CODE_SHARE = 0.25

# Some holders run a second, related industry (a hotel with a restaurant, …).
SECOND_INDUSTRY = {"HT": "RS", "GY": "SW", "SW": "GY", "BK": "FS", "SM": "PH", "KT": "RS"}
SECOND_LICENCE_SHARE = 0.08
# Share of licences that integrate each conditional permit ('(if …)' in the catalogue).
CONDITIONAL_PERMIT_SHARE = 0.35

# Lifecycle: validity, renewals and the yearly rate of each event while the licence is active.
VALIDITY_YEARS = 5
RENEWAL_SHARE = 0.85
RENEWAL_LEAD_DAYS = (15, 60)
ACTIVE_EVENT_RATES = {
    "CHANGE": 0.15,
    "REPLACE": 0.02,
    "SUSPEND": 0.012,
    "CANCEL": 0.012,
    "REVOKE": 0.001,
}
SUSPENSION_MEAN_DAYS = 45
SUSPENSION_OUTCOMES = {"RESUME": 80, "CANCEL": 12, "REVOKE": 8}
CHANGE_FIELDS = {"address": 45, "name": 35, "permit_added": 20}
# Counter hours 09:00–17:00 Asia/Shanghai, stored in UTC (UTC+8, no daylight saving).
OFFICE_HOURS_UTC = (1, 9)

# Staff.
ENTITIES_PER_INSPECTOR = 400
MIN_INSPECTORS_PER_DEPARTMENT = 4
QUALIFICATION_SHARE = 0.85
INACTIVE_INSPECTOR_SHARE = 0.03
RECUSING_INSPECTOR_SHARE = 0.005
RECUSALS_PER_INSPECTOR = (1, 4)
RECUSAL_REASONS = {"亲属关系": 40, "曾任职": 25, "投诉回避": 20, "经济利益关系": 15}
LICENSING_USERS = 5
ADMIN_DEPARTMENT = "GSO"
LICENSING_DEPARTMENT = "ASC"


@dataclass(frozen=True)
class SyntheticConfig:
    """Every tunable figure of the generator; the defaults are the module constants.

    Dict defaults are copies, so changing one config never changes another.
    """

    credit_class_weights: dict[str, int] = field(default_factory=CREDIT_CLASS_WEIGHTS.copy)
    class_after_suspension: str = CLASS_AFTER_SUSPENSION
    class_after_revocation: str = CLASS_AFTER_REVOCATION
    industry_weights: dict[str, int] = field(default_factory=INDUSTRY_WEIGHTS.copy)
    default_industry_weight: int = DEFAULT_INDUSTRY_WEIGHT
    street_weights: dict[str, int] = field(default_factory=STREET_WEIGHTS.copy)
    default_street_weight: int = DEFAULT_STREET_WEIGHT
    individual_share: dict[str, float] = field(default_factory=INDIVIDUAL_SHARE.copy)
    cooperative_share: dict[str, float] = field(default_factory=COOPERATIVE_SHARE.copy)
    legacy_organisation_code_share: float = LEGACY_ORGANISATION_CODE_SHARE
    second_industry: dict[str, str] = field(default_factory=SECOND_INDUSTRY.copy)
    second_licence_share: float = SECOND_LICENCE_SHARE
    conditional_permit_share: float = CONDITIONAL_PERMIT_SHARE
    validity_years: int = VALIDITY_YEARS
    renewal_share: float = RENEWAL_SHARE
    renewal_lead_days: tuple[int, int] = RENEWAL_LEAD_DAYS
    active_event_rates: dict[str, float] = field(default_factory=ACTIVE_EVENT_RATES.copy)
    suspension_mean_days: int = SUSPENSION_MEAN_DAYS
    suspension_outcomes: dict[str, int] = field(default_factory=SUSPENSION_OUTCOMES.copy)
    change_fields: dict[str, int] = field(default_factory=CHANGE_FIELDS.copy)
    office_hours_utc: tuple[int, int] = OFFICE_HOURS_UTC
    entities_per_inspector: int = ENTITIES_PER_INSPECTOR
    min_inspectors_per_department: int = MIN_INSPECTORS_PER_DEPARTMENT
    qualification_share: float = QUALIFICATION_SHARE
    inactive_inspector_share: float = INACTIVE_INSPECTOR_SHARE
    recusing_inspector_share: float = RECUSING_INSPECTOR_SHARE
    recusals_per_inspector: tuple[int, int] = RECUSALS_PER_INSPECTOR
    recusal_reasons: dict[str, int] = field(default_factory=RECUSAL_REASONS.copy)
    licensing_users: int = LICENSING_USERS
    admin_department: str = ADMIN_DEPARTMENT
    licensing_department: str = LICENSING_DEPARTMENT


DEFAULT_CONFIG = SyntheticConfig()
