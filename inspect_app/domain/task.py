"""A spot-check task's lifecycle (抽查任务): planned while DRAFT, committed when FROZEN, then DRAWN.

Freezing publishes the commitment (the frame, pool and parameters' hashes) before any seed
exists; the draw then reveals the seed. Neither step can be undone, so a task only moves forward.
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    DRAFT = "DRAFT"  # 草拟
    FROZEN = "FROZEN"  # 已冻结（承诺值已公布）
    DRAWN = "DRAWN"  # 已抽取


class TaskStep(StrEnum):
    EDIT = "EDIT"  # 修改计划
    FREEZE = "FREEZE"  # 冻结并公布承诺值
    DRAW = "DRAW"  # 抽取


STATUS_LABELS = {
    TaskStatus.DRAFT: "草拟",
    TaskStatus.FROZEN: "已冻结",
    TaskStatus.DRAWN: "已抽取",
}

# step -> (statuses it may follow, status after it)
TRANSITIONS: dict[TaskStep, tuple[frozenset[TaskStatus], TaskStatus]] = {
    TaskStep.EDIT: (frozenset({TaskStatus.DRAFT}), TaskStatus.DRAFT),
    TaskStep.FREEZE: (frozenset({TaskStatus.DRAFT}), TaskStatus.FROZEN),
    TaskStep.DRAW: (frozenset({TaskStatus.FROZEN}), TaskStatus.DRAWN),
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
        if self.step == TaskStep.DRAW and self.status == TaskStatus.DRAWN:
            return "ALREADY_DRAWN"
        if self.step == TaskStep.DRAW:
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
