"""Entity risk grading: explainable, decaying, deterministic, tuned by data."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk.grading import (
    COMPLAINTS,
    CREDIT_CLASS,
    CREDIT_RECORDS,
    INDUSTRY_BASE,
    INSPECTION_OUTCOME,
    NO_BASE_POINTS,
    NO_LIVE_LICENCE,
    SINCE_LAST_CHECK,
    UNKNOWN_CREDIT_CLASS,
    GradeInputs,
    GradingError,
    grade_entity,
    grade_inputs_hash,
    graded_industry,
    unclassified_reason,
)
from risk.grading_config import (
    GradingConfigError,
    config_hash,
    parse_grading_config,
)
from seeds.catalogue_loader import read_document


def load_grading_config():
    """The packaged grading document, parsed as the app parses the seeded one."""
    return parse_grading_config(read_document("risk_grading"))


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 5, 20, 10, 0, tzinfo=SHANGHAI)
ALL_INDUSTRIES = {
    "IC", "FS", "CS", "SM", "RS", "HT", "PH", "GY", "SW", "BE", "KT", "GA", "CI",
    "BK", "PV", "TA", "EL", "CC", "TR", "CL", "AR", "GS", "PR", "HR", "SC",
}  # fmt: skip


@pytest.fixture(scope="module")
def config():
    return load_grading_config()


def internet_cafe(credit="A", results=(), complaints=(), last_checked=date(2025, 3, 10)):
    """上海宝山某网咖（友谊路街道）: an internet café, inspected in March 2025 by default."""
    return GradeInputs("IC", credit, tuple(results), tuple(complaints), last_checked)


def test_clean_entity_with_good_credit_is_grade_a(config):
    grade = grade_entity(internet_cafe(results=[(date(2025, 3, 10), "OK")]), config, NOW)
    assert grade.grade == "A"
    assert grade.score == 20.0


def test_recent_failure_raises_grade_and_decays_over_time(config):
    failed = internet_cafe(credit="B", results=[(date(2025, 5, 6), "CASE")])
    clean = internet_cafe(credit="B", last_checked=date(2025, 5, 6))
    just_after = grade_entity(failed, config, NOW)
    a_year_later = grade_entity(failed, config, NOW + timedelta(days=365))
    assert grade_entity(clean, config, NOW).grade == "B"
    assert just_after.grade == "C"
    assert a_year_later.score < just_after.score
    assert a_year_later.grade == "B"


def test_refusal_weighs_more_than_fixed(config):
    when = date(2024, 11, 12)
    fixed = grade_entity(internet_cafe(results=[(when, "FIXED")]), config, NOW)
    refused = grade_entity(internet_cafe(results=[(when, "REFUSE")]), config, NOW)
    assert refused.score > fixed.score


def test_every_grade_explains_its_factors(config):
    inputs = internet_cafe(
        credit="C",
        results=[(date(2024, 8, 1), "FIXED"), (date(2023, 9, 5), "NOADDR")],
        complaints=[date(2025, 4, 2), date(2025, 1, 18)],
        last_checked=None,
    )
    grade = grade_entity(inputs, config, NOW)
    codes = [f.code for f in grade.factors]
    assert codes == [
        INDUSTRY_BASE,
        CREDIT_CLASS,
        INSPECTION_OUTCOME,
        INSPECTION_OUTCOME,
        COMPLAINTS,
        SINCE_LAST_CHECK,
    ]
    assert all(f.label_zh and f.label_en and f.detail for f in grade.factors)
    assert round(sum(f.points for f in grade.factors), 2) == grade.score


def test_outcome_factor_says_date_outcome_and_decayed_weight(config):
    grade = grade_entity(internet_cafe(results=[(date(2024, 5, 20), "FIXED")]), config, NOW)
    [outcome] = [f for f in grade.factors if f.code == INSPECTION_OUTCOME]
    assert outcome.detail.startswith("2024-05-20 FIXED, weight 0.50 after decay")
    assert outcome.label_zh == "检查结果：发现问题已责令改正"
    assert outcome.points == 6.0


def test_grade_is_deterministic_for_same_now(config):
    results = [(date(2024, 8, 1), "FIXED"), (date(2023, 9, 5), "NOADDR")]
    complaints = [date(2025, 4, 2), date(2025, 1, 18)]
    first = grade_entity(internet_cafe("B", results, complaints), config, NOW)
    again = grade_entity(internet_cafe("B", results[::-1], complaints[::-1]), config, NOW)
    assert first == again


def test_same_instant_in_any_timezone_gives_the_same_grade(config):
    inputs = internet_cafe(results=[(date(2025, 5, 19), "FIXED")])
    past_midnight_in_shanghai = datetime(2025, 5, 19, 16, 30, tzinfo=UTC)
    assert grade_entity(inputs, config, past_midnight_in_shanghai) == grade_entity(
        inputs, config, past_midnight_in_shanghai.astimezone(SHANGHAI)
    )


def test_naive_now_is_rejected(config):
    with pytest.raises(GradingError):
        grade_entity(internet_cafe(), config, datetime(2025, 5, 20, 10, 0))


def test_unknown_outcome_code_is_rejected(config):
    with pytest.raises(GradingError):
        grade_entity(internet_cafe(results=[(date(2025, 1, 3), "LOST")]), config, NOW)


def test_failure_older_than_the_horizon_no_longer_counts(config):
    old = internet_cafe(results=[(date(2021, 4, 1), "CASE")])
    grade = grade_entity(old, config, NOW)
    assert INSPECTION_OUTCOME not in [f.code for f in grade.factors]


def test_recent_complaint_weighs_more_than_an_old_one(config):
    recent = grade_entity(internet_cafe(complaints=[date(2025, 5, 1)]), config, NOW)
    old = grade_entity(internet_cafe(complaints=[date(2024, 7, 1)]), config, NOW)
    assert recent.score > old.score > 20.0


def test_complaints_are_capped(config):
    flood = [date(2025, 5, 1) + timedelta(days=i) for i in range(15)]
    grade = grade_entity(internet_cafe(complaints=flood), config, NOW)
    [complaints] = [f for f in grade.factors if f.code == COMPLAINTS]
    assert complaints.points == config.complaints.cap


def test_long_time_since_last_check_raises_score_up_to_a_cap(config):
    def overdue_points(last_checked):
        grade = grade_entity(internet_cafe(last_checked=last_checked), config, NOW)
        return next(f.points for f in grade.factors if f.code == SINCE_LAST_CHECK)

    assert overdue_points(date(2024, 9, 1)) == 0.0
    assert 0.0 < overdue_points(date(2023, 5, 20)) < config.since_last_check.cap
    assert overdue_points(date(2019, 1, 1)) == config.since_last_check.cap


def test_never_checked_entity_gets_the_overdue_cap(config):
    grade = grade_entity(internet_cafe(last_checked=None), config, NOW)
    assert grade.score == 20.0 + config.since_last_check.cap


def test_worked_example_of_the_docs(config):
    # docs/risk-grading.md: 星际网咖, 宝山区友谊路街道, credit B.
    inputs = internet_cafe(
        credit="B",
        results=[(date(2024, 5, 20), "FIXED"), (date(2023, 3, 15), "OK")],
        complaints=[date(2025, 3, 2)],
        last_checked=date(2024, 5, 20),
    )
    grade = grade_entity(inputs, config, NOW)
    a_year_later = grade_entity(inputs, config, datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI))
    assert [f.points for f in grade.factors] == [20.0, 10.0, 6.0, 3.69, 0.0]
    assert (grade.grade, grade.score) == ("B", 39.69)
    assert [f.points for f in a_year_later.factors] == [20.0, 10.0, 3.0, 0.0, 7.5]


def test_worked_example_with_a_refusal_instead_is_grade_c(config):
    inputs = internet_cafe(
        credit="B",
        results=[(date(2024, 5, 20), "REFUSE"), (date(2023, 3, 15), "OK")],
        complaints=[date(2025, 3, 2)],
        last_checked=date(2024, 5, 20),
    )
    assert grade_entity(inputs, config, NOW).score == 51.19
    assert grade_entity(inputs, config, NOW).grade == "C"


def test_inputs_hash_ignores_order_but_sees_a_new_complaint():
    results = [(date(2024, 8, 1), "FIXED"), (date(2023, 9, 5), "OK")]
    first = internet_cafe("B", results, [date(2025, 4, 2)])
    reordered = internet_cafe("B", results[::-1], [date(2025, 4, 2)])
    complained = internet_cafe("B", results, [date(2025, 4, 2), date(2025, 5, 9)])
    assert grade_inputs_hash(first) == grade_inputs_hash(reordered)
    assert grade_inputs_hash(first) != grade_inputs_hash(complained)


def test_default_config_carries_the_domain_sampling_ratios_and_frequency_cap(config):
    assert config.sampling_ratios == {
        "A": Decimal("0.03"),
        "B": Decimal("0.05"),
        "C": Decimal("0.15"),
        "D": Decimal("0.40"),
    }
    assert (config.frequency_cap, config.frequency_window_days) == (2, 365)


def test_default_config_has_a_base_risk_for_every_industry(config):
    assert set(config.industry_base_points) == ALL_INDUSTRIES


@pytest.mark.parametrize(("score", "grade"), [(0, "A"), (29.99, "A"), (30, "B"), (70, "D")])
def test_thresholds_map_scores_to_grades(config, score, grade):
    assert config.grade_for(score) == grade


def _seed_document():
    return read_document("risk_grading")


def test_config_missing_a_grade_is_rejected():
    document = copy.deepcopy(_seed_document())
    del document["sampling_ratios"]["D"]
    with pytest.raises(GradingConfigError):
        parse_grading_config(document)


def test_retuned_config_changes_its_hash(config):
    document = copy.deepcopy(_seed_document())
    document["outcomes"]["REFUSE"]["points"] = 40
    assert config_hash(parse_grading_config(document)) != config_hash(config)


@given(
    st.lists(st.dates(date(2022, 6, 1), date(2025, 5, 20)), max_size=8),
    st.dates(date(2022, 6, 1), date(2025, 5, 20)),
)
def test_an_extra_complaint_never_lowers_the_score(complaints, extra):
    config = load_grading_config()
    before = grade_entity(internet_cafe(complaints=complaints), config, NOW)
    after = grade_entity(internet_cafe(complaints=[*complaints, extra]), config, NOW)
    assert after.score >= before.score


def bookshop(credit_records=()):
    """宝山某书店 (CS), credit class B, inspected on 2025-03-10 with nothing found."""
    return GradeInputs(
        "CS",
        "B",
        ((date(2025, 3, 10), "OK"),),
        (),
        date(2025, 3, 10),
        tuple(credit_records),
    )


def test_a_credit_record_lowers_the_grade_and_says_why(config):
    clean = grade_entity(bookshop(), config, NOW)
    recorded = grade_entity(bookshop([date(2025, 5, 1)]), config, NOW)
    assert (clean.grade, clean.score) == ("A", 20.0)
    assert recorded.grade == "B"
    (factor,) = [f for f in recorded.factors if f.code == CREDIT_RECORDS]
    assert factor.points == round(15 * 0.5 ** (19 / 365), 2)
    assert factor.label_zh == "信用记录" and "2025-05-01" in factor.detail
    assert recorded.score == round(clean.score + factor.points, 2)
    assert CREDIT_RECORDS not in [f.code for f in clean.factors]


def test_credit_records_decay_leave_after_the_horizon_and_are_capped(config):
    old = grade_entity(bookshop([date(2022, 1, 1)]), config, NOW)
    assert CREDIT_RECORDS not in [f.code for f in old.factors]
    many = grade_entity(bookshop([date(2025, 5, d) for d in range(1, 8)]), config, NOW)
    (factor,) = [f for f in many.factors if f.code == CREDIT_RECORDS]
    assert factor.points == config.credit_records.cap == 30


def test_a_credit_record_changes_the_inputs_hash():
    assert grade_inputs_hash(bookshop()) != grade_inputs_hash(bookshop([date(2025, 5, 1)]))


def test_a_district_file_without_credit_records_counts_none(config):
    document = copy.deepcopy(read_document("risk_grading"))
    del document["credit_records"]
    older = parse_grading_config(document)
    graded = grade_entity(bookshop([date(2025, 5, 1)]), older, NOW)
    assert graded.score == 20.0 and config_hash(older) != config_hash(config)


def test_unclassified_only_where_an_input_is_missing(config):
    assert unclassified_reason([], "B", config) == NO_LIVE_LICENCE
    assert unclassified_reason(["XX"], "B", config) == NO_BASE_POINTS
    assert unclassified_reason(["IC"], "Z", config) == UNKNOWN_CREDIT_CLASS
    assert unclassified_reason(["XX", "IC"], "B", config) is None
    assert graded_industry(["XX", "BK", "IC"], config) == "IC"
    assert all(r.zh and r.en for r in (NO_LIVE_LICENCE, NO_BASE_POINTS, UNKNOWN_CREDIT_CLASS))
