"""An inspection's lifecycle (检查), its outcome categories and the groups the rules speak of.

An inspection is open until it is submitted; after that only an amendment changes it. Falling
overdue is a mark for escalation, not an end: an overdue inspection is still work to do.
"""

from __future__ import annotations

from enum import StrEnum


class InspectionStatus(StrEnum):
    ASSIGNED = "ASSIGNED"  # 已分派
    CHECKED_IN = "CHECKED_IN"  # 已签到
    RECORDING = "RECORDING"  # 检查中
    OVERDUE = "OVERDUE"  # 已逾期
    SUBMITTED = "SUBMITTED"  # 已提交


class InspectionStep(StrEnum):
    CHECK_IN = "CHECK_IN"  # 扫码签到
    RECORD_ITEM = "RECORD_ITEM"  # 记录检查事项
    FALL_OVERDUE = "FALL_OVERDUE"  # 逾期（定时任务标记）
    SUBMIT = "SUBMIT"  # 提交


class InspectionKind(StrEnum):
    RANDOM = "RANDOM"  # 随机抽查
    REINSPECTION = "REINSPECTION"  # 整改后复查


class Outcome(StrEnum):
    """The overall result of an inspection, in the categories the disclosure publishes."""

    OK = "OK"  # 未发现问题
    FIXED = "FIXED"  # 发现问题已责令改正
    CASE = "CASE"  # 发现问题待后续处理
    NOBIZ = "NOBIZ"  # 未发现开展本次抽查涉及的经营活动
    NOADDR = "NOADDR"  # 通过登记的住所（经营场所）无法联系
    REFUSE = "REFUSE"  # 不配合检查，情节严重
    CLOSED = "CLOSED"  # 已关闭停业或正在组织清算


class CheckResult(StrEnum):
    """One check item's result."""

    PASS = "PASS"  # 符合
    FAIL = "FAIL"  # 不符合
    NA = "NA"  # 不适用


STATUS_LABELS = {
    InspectionStatus.ASSIGNED: "已分派",
    InspectionStatus.CHECKED_IN: "已签到",
    InspectionStatus.RECORDING: "检查中",
    InspectionStatus.OVERDUE: "已逾期",
    InspectionStatus.SUBMITTED: "已提交",
}
OUTCOME_LABELS = {
    Outcome.OK: "未发现问题",
    Outcome.FIXED: "发现问题已责令改正",
    Outcome.CASE: "发现问题待后续处理",
    Outcome.NOBIZ: "未发现开展本次抽查涉及的经营活动",
    Outcome.NOADDR: "通过登记的住所（经营场所）无法联系",
    Outcome.REFUSE: "不配合检查，情节严重",
    Outcome.CLOSED: "已关闭停业或正在组织清算",
}
RESULT_LABELS = {CheckResult.PASS: "符合", CheckResult.FAIL: "不符合", CheckResult.NA: "不适用"}

# Open: work still to do, overdue or not (it counts toward an inspector's workload).
OPEN = frozenset(
    {
        InspectionStatus.ASSIGNED,
        InspectionStatus.CHECKED_IN,
        InspectionStatus.RECORDING,
        InspectionStatus.OVERDUE,
    }
)
# Open and not yet marked overdue: what the overdue job may mark, and whose team the deadline
# reminder still addresses (an overdue one has been escalated to the planners instead).
ON_SCHEDULE = OPEN - {InspectionStatus.OVERDUE}

# The team could not check the premises, so there was nothing to check in at.
NO_ACCESS = frozenset({Outcome.NOADDR, Outcome.CLOSED, Outcome.REFUSE})
# Nothing to check item by item: no access, or no licensed business going on.
NO_ITEMS = NO_ACCESS | {Outcome.NOBIZ}
# A problem was found on the premises (some item failed).
PROBLEM_FOUND = frozenset({Outcome.FIXED, Outcome.CASE})
# What the failure map counts: a problem found, or the check refused.
FAILING = PROBLEM_FOUND | {Outcome.REFUSE}
# The licence itself is in doubt: these outcomes go to licensing (see feedback_rules.json).
LICENCE_IN_DOUBT = frozenset({Outcome.NOBIZ, Outcome.NOADDR, Outcome.CLOSED})

# step -> {status it may follow: status after it}
TRANSITIONS: dict[InspectionStep, dict[InspectionStatus, InspectionStatus]] = {
    InspectionStep.CHECK_IN: {
        InspectionStatus.ASSIGNED: InspectionStatus.CHECKED_IN,
        InspectionStatus.CHECKED_IN: InspectionStatus.CHECKED_IN,  # a second check-in
        InspectionStatus.RECORDING: InspectionStatus.RECORDING,
        InspectionStatus.OVERDUE: InspectionStatus.OVERDUE,  # late stays late
    },
    InspectionStep.RECORD_ITEM: {
        InspectionStatus.ASSIGNED: InspectionStatus.RECORDING,
        InspectionStatus.CHECKED_IN: InspectionStatus.RECORDING,
        InspectionStatus.RECORDING: InspectionStatus.RECORDING,
        InspectionStatus.OVERDUE: InspectionStatus.OVERDUE,
    },
    InspectionStep.FALL_OVERDUE: {status: InspectionStatus.OVERDUE for status in ON_SCHEDULE},
    InspectionStep.SUBMIT: {status: InspectionStatus.SUBMITTED for status in OPEN},
}


class InspectionSubmitted(Exception):
    """A change to a submitted inspection, which only an amendment may correct."""

    code = "INSPECTION_SUBMITTED"

    def __init__(self, step: InspectionStep | None = None):
        self.step = step
        super().__init__(f"{step or 'a change'} is not allowed: the inspection is submitted")


class NotOverdue(Exception):
    """The overdue mark on an inspection that is already overdue (or submitted)."""


def is_open(status: InspectionStatus | str) -> bool:
    return status in OPEN


def ensure_open(status: InspectionStatus | str) -> None:
    """InspectionSubmitted unless the inspection may still change."""
    if not is_open(status):
        raise InspectionSubmitted()


def next_status(status: InspectionStatus | str, step: InspectionStep) -> InspectionStatus:
    """The status after `step`: InspectionSubmitted once submitted, NotOverdue for a second mark."""
    after = TRANSITIONS[step].get(InspectionStatus(status))
    if after is not None:
        return after
    if step == InspectionStep.FALL_OVERDUE and status != InspectionStatus.SUBMITTED:
        raise NotOverdue(f"the inspection is {status}")
    raise InspectionSubmitted(step)
