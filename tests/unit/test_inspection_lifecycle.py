"""An inspection is open until submitted; overdue marks it for escalation but leaves it open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_app.domain import inspection
from inspect_app.domain.inspection import (
    FAILING,
    LICENCE_IN_DOUBT,
    NO_ACCESS,
    NO_ITEMS,
    ON_SCHEDULE,
    OPEN,
    OUTCOME_LABELS,
    RESULT_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    CheckResult,
    InspectionStatus,
    InspectionStep,
    InspectionSubmitted,
    NotOverdue,
    Outcome,
    next_status,
)
from inspect_app.errors import CATALOGUE

S = InspectionStatus
RULES = Path(__file__).resolve().parents[2] / "seeds" / "catalogue" / "feedback_rules.json"


@pytest.mark.parametrize(
    ("step", "before", "after"),
    [
        (InspectionStep.CHECK_IN, S.ASSIGNED, S.CHECKED_IN),
        (InspectionStep.CHECK_IN, S.CHECKED_IN, S.CHECKED_IN),
        (InspectionStep.CHECK_IN, S.RECORDING, S.RECORDING),
        (InspectionStep.CHECK_IN, S.OVERDUE, S.OVERDUE),
        (InspectionStep.RECORD_ITEM, S.ASSIGNED, S.RECORDING),
        (InspectionStep.RECORD_ITEM, S.CHECKED_IN, S.RECORDING),
        (InspectionStep.RECORD_ITEM, S.RECORDING, S.RECORDING),
        (InspectionStep.RECORD_ITEM, S.OVERDUE, S.OVERDUE),
        (InspectionStep.FALL_OVERDUE, S.ASSIGNED, S.OVERDUE),
        (InspectionStep.FALL_OVERDUE, S.CHECKED_IN, S.OVERDUE),
        (InspectionStep.FALL_OVERDUE, S.RECORDING, S.OVERDUE),
        (InspectionStep.SUBMIT, S.ASSIGNED, S.SUBMITTED),
        (InspectionStep.SUBMIT, S.RECORDING, S.SUBMITTED),
        (InspectionStep.SUBMIT, S.OVERDUE, S.SUBMITTED),
    ],
)
def test_each_step_leads_from_an_open_status(step, before, after):
    assert next_status(before, step) == after
    assert next_status(before.value, step) == after  # as stored


@pytest.mark.parametrize("step", list(InspectionStep))
def test_nothing_follows_a_submission(step):
    with pytest.raises(InspectionSubmitted) as refused:
        next_status(S.SUBMITTED, step)
    assert refused.value.code in CATALOGUE


def test_an_overdue_inspection_is_not_marked_overdue_again():
    with pytest.raises(NotOverdue):
        next_status(S.OVERDUE, InspectionStep.FALL_OVERDUE)


def test_open_is_everything_but_submitted_and_overdue_stays_open():
    assert set(InspectionStatus) - OPEN == {S.SUBMITTED}
    assert S.OVERDUE in OPEN and S.OVERDUE not in ON_SCHEDULE
    assert OPEN - {S.OVERDUE} == ON_SCHEDULE
    inspection.ensure_open(S.OVERDUE)
    with pytest.raises(InspectionSubmitted):
        inspection.ensure_open("SUBMITTED")


def test_the_overdue_mark_applies_exactly_to_the_inspections_on_schedule():
    assert set(TRANSITIONS[InspectionStep.FALL_OVERDUE]) == ON_SCHEDULE
    assert set(TRANSITIONS[InspectionStep.SUBMIT]) == OPEN


def test_the_outcome_groups():
    assert {Outcome.NOADDR, Outcome.CLOSED, Outcome.REFUSE} == NO_ACCESS
    assert NO_ACCESS | {Outcome.NOBIZ} == NO_ITEMS
    assert {Outcome.FIXED, Outcome.CASE, Outcome.REFUSE} == FAILING
    assert Outcome.OK not in NO_ITEMS | FAILING | LICENCE_IN_DOUBT


def test_the_outcomes_sent_to_licensing_are_the_licence_in_doubt():
    rules = json.loads(RULES.read_text(encoding="utf-8"))["outcomes"]
    assert set(rules) == set(Outcome)
    to_licensing = {o for o, steps in rules.items() if any(s["kind"] == "LICENSING" for s in steps)}
    assert to_licensing == LICENCE_IN_DOUBT


def test_every_status_outcome_and_result_has_a_chinese_label():
    assert set(STATUS_LABELS) == set(InspectionStatus)
    assert set(OUTCOME_LABELS) == set(Outcome)
    assert set(RESULT_LABELS) == set(CheckResult)
    assert set(TRANSITIONS) == set(InspectionStep)
