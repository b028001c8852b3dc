"""A spot-check task's lifecycle (抽查任务): planned while DRAFT, committed when FROZEN, then DRAWN
or VOIDED.

Freezing publishes the commitment (the frame, pool and parameters' hashes) before any seed
exists; the draw then reveals the seed. Neither step can be undone, so a task only moves forward.
Every commitment ends: a frozen task is drawn, or voided publicly with a reason (docs/domain.md,
"The commitment ledger"); a voided task keeps its commitment on the ledger and is never drawn.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class TaskStatus(StrEnum):
    DRAFT = "DRAFT"  # 草拟
    FROZEN = "FROZEN"  # 已冻结（承诺值已公布）
    DRAWN = "DRAWN"  # 已抽取
    VOIDED = "VOIDED"  # 已作废（公开说明理由）


class TaskStep(StrEnum):
    EDIT = "EDIT"  # 修改计划
    FREEZE = "FREEZE"  # 冻结并公布承诺值
    DRAW = "DRAW"  # 抽取
    VOID = "VOID"  # 作废（须说明理由）


STATUS_LABELS = {
    TaskStatus.DRAFT: "草拟",
    TaskStatus.FROZEN: "已冻结",
    TaskStatus.DRAWN: "已抽取",
    TaskStatus.VOIDED: "已作废",
}

# step -> (statuses it may follow, status after it)
TRANSITIONS: dict[TaskStep, tuple[frozenset[TaskStatus], TaskStatus]] = {
    TaskStep.EDIT: (frozenset({TaskStatus.DRAFT}), TaskStatus.DRAFT),
    TaskStep.FREEZE: (frozenset({TaskStatus.DRAFT}), TaskStatus.FROZEN),
    TaskStep.DRAW: (frozenset({TaskStatus.FROZEN}), TaskStatus.DRAWN),
    TaskStep.VOID: (frozenset({TaskStatus.FROZEN}), TaskStatus.VOIDED),
}

# A task whose results may be published (一公开) and that counts toward disclosure deadlines.
HAS_RESULTS = frozenset({TaskStatus.DRAWN})


class TaskStepRefused(Exception):
    """A step the task's current status does not allow; `code` is its error-catalogue code."""

    def __init__(self, step: TaskStep, status: TaskStatus):
        self.step = step
        self.status = status
        super().__init__(f"{step} is not allowed when the task is {status}")

    @property
    def code(self) -> str:
        if self.status == TaskStatus.VOIDED:
            return "TASK_VOIDED"
        if self.step in (TaskStep.DRAW, TaskStep.VOID) and self.status == TaskStatus.DRAWN:
            return "ALREADY_DRAWN"
        if self.step in (TaskStep.DRAW, TaskStep.VOID):
            return "TASK_NOT_FROZEN"
        return "TASK_NOT_DRAFT"


def next_status(status: TaskStatus | str, step: TaskStep) -> TaskStatus:
    """The status after `step`, or TaskStepRefused."""
    allowed_from, after = TRANSITIONS[step]
    if status not in allowed_from:
        raise TaskStepRefused(step, TaskStatus(status))
    return after


class PartnerAnswer(StrEnum):
    """A partner department's answer to a joint task: it takes part only once it accepts."""

    ACCEPTED = "ACCEPTED"  # 同意参加
    DECLINED = "DECLINED"  # 不参加
    AWAITED = "AWAITED"  # 尚未答复 (no row yet)


class LedgerState(StrEnum):
    """Where a frozen task's commitment stands on the public ledger (承诺公示台账)."""

    AWAITING_DRAW = "awaiting_draw"  # 待抽取
    OVERDUE = "overdue"  # 逾期未抽取: its seed source's time has passed by the grace period
    DRAWN = "drawn"  # 已抽取
    VOIDED = "voided"  # 已作废


LEDGER_LABELS = {
    LedgerState.AWAITING_DRAW: "待抽取",
    LedgerState.OVERDUE: "逾期未抽取",
    LedgerState.DRAWN: "已抽取",
    LedgerState.VOIDED: "已作废",
}


def ledger_state(
    status: TaskStatus | str, seed_due_at: datetime, now: datetime, grace: timedelta
) -> LedgerState:
    """A frozen task's state on the ledger: overdue once its seed's time plus the grace has
    passed without a draw (read, not stored: it holds whether or not the flagging job ran)."""
    if status == TaskStatus.DRAWN:
        return LedgerState.DRAWN
    if status == TaskStatus.VOIDED:
        return LedgerState.VOIDED
    return LedgerState.OVERDUE if now > seed_due_at + grace else LedgerState.AWAITING_DRAW
