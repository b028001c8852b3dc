"""A spot-check task only moves forward: planned while DRAFT, committed when FROZEN, then DRAWN."""

from __future__ import annotations

import pytest

from inspect_app.domain.task import (
    HAS_RESULTS,
    STATUS_LABELS,
    TRANSITIONS,
    TaskStatus,
    TaskStep,
    TaskStepRefused,
    next_status,
)
from inspect_app.errors import CATALOGUE


def test_a_draft_is_edited_then_frozen_then_drawn():
    status = next_status(TaskStatus.DRAFT, TaskStep.EDIT)
    assert status == TaskStatus.DRAFT
    status = next_status(status, TaskStep.FREEZE)
    assert status == TaskStatus.FROZEN
    assert next_status(status, TaskStep.DRAW) == TaskStatus.DRAWN


@pytest.mark.parametrize(
    ("status", "step", "code"),
    [
        (TaskStatus.FROZEN, TaskStep.EDIT, "TASK_NOT_DRAFT"),
        (TaskStatus.DRAWN, TaskStep.EDIT, "TASK_NOT_DRAFT"),
        (TaskStatus.FROZEN, TaskStep.FREEZE, "TASK_NOT_DRAFT"),
        (TaskStatus.DRAWN, TaskStep.FREEZE, "TASK_NOT_DRAFT"),
        (TaskStatus.DRAFT, TaskStep.DRAW, "TASK_NOT_FROZEN"),
        (TaskStatus.DRAWN, TaskStep.DRAW, "ALREADY_DRAWN"),
    ],
)
def test_a_step_out_of_order_is_refused_with_its_catalogued_code(status, step, code):
    with pytest.raises(TaskStepRefused) as refused:
        next_status(status, step)
    assert refused.value.code == code
    assert code in CATALOGUE


def test_a_stored_status_string_is_read_as_its_status():
    assert next_status("FROZEN", TaskStep.DRAW) == TaskStatus.DRAWN


def test_every_step_has_a_transition_and_every_status_a_label():
    assert set(TRANSITIONS) == set(TaskStep)
    assert set(STATUS_LABELS) == set(TaskStatus)


def test_only_a_drawn_task_has_results_to_publish():
    assert {TaskStatus.DRAWN} == HAS_RESULTS


# -- issue 14 §4: every commitment ends drawn or voided --


def test_a_frozen_task_is_voided_and_a_voided_one_goes_nowhere():
    assert next_status(TaskStatus.FROZEN, TaskStep.VOID) == TaskStatus.VOIDED
    for step in TaskStep:
        with pytest.raises(TaskStepRefused) as refused:
            next_status(TaskStatus.VOIDED, step)
        assert refused.value.code == "TASK_VOIDED" and "TASK_VOIDED" in CATALOGUE


@pytest.mark.parametrize(
    ("status", "code"),
    [(TaskStatus.DRAFT, "TASK_NOT_FROZEN"), (TaskStatus.DRAWN, "ALREADY_DRAWN")],
)
def test_only_a_frozen_task_is_voided(status, code):
    with pytest.raises(TaskStepRefused) as refused:
        next_status(status, TaskStep.VOID)
    assert refused.value.code == code
