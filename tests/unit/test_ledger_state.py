"""Where a commitment stands on the public ledger, and when its seed exists: a drand round's
time on its pinned chain, a lottery session's day, else the task's period start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from inspect_app.domain.task import LedgerState, TaskStatus, ledger_state
from inspect_app.services.ledger import seed_due_at
from scheduler.beacon import QUICKNET

TASK = SimpleNamespace(period_start=date(2026, 12, 14))
GRACE = timedelta(hours=1)
DUE = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "now", "state"),
    [
        (TaskStatus.FROZEN, DUE, LedgerState.AWAITING_DRAW),
        (TaskStatus.FROZEN, DUE + GRACE, LedgerState.AWAITING_DRAW),
        (TaskStatus.FROZEN, DUE + GRACE + timedelta(seconds=1), LedgerState.OVERDUE),
        (TaskStatus.DRAWN, DUE + timedelta(days=90), LedgerState.DRAWN),
        (TaskStatus.VOIDED, DUE + timedelta(days=90), LedgerState.VOIDED),
    ],
)
def test_a_frozen_task_is_overdue_only_past_its_seed_time_and_the_grace(status, now, state):
    assert ledger_state(status, DUE, now, GRACE) == state


def test_a_drand_round_is_due_at_its_time_on_the_pinned_chain():
    source = {"kind": "drand", "chain_hash": QUICKNET.hash, "round": 1000}
    # quicknet: genesis 1692803367, a round every 3 s
    assert seed_due_at(source, TASK) == datetime.fromtimestamp(1692803367 + 999 * 3, UTC)


def test_a_lottery_session_is_due_at_the_end_of_its_day_in_shanghai():
    source = {"kind": "lottery", "date": "2026-12-09", "name": "宝山区公开摇号会"}
    assert seed_due_at(source, TASK) == datetime(2026, 12, 9, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "source",
    [
        None,
        {"kind": "drand", "chain_hash": "ab" * 32, "round": 5},  # a chain no longer pinned
        {"kind": "drand", "chain_hash": QUICKNET.hash},  # no round named
        {"kind": "nist", "chain_index": 2, "pulse_index": 1000},
    ],
)
def test_without_a_time_to_read_the_draw_is_due_when_the_period_starts(source):
    assert seed_due_at(source, TASK) == datetime(2026, 12, 13, 16, 0, tzinfo=UTC)
