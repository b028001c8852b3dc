"""The combined licence's lifecycle: which event may follow which status, and the fold.

A licence's state is never stored on its own: it is what its events say, folded in order.
(The registry keeps a cached copy of the fold for queries, rewritten with every event.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    NEW = "NEW"  # 新办
    CHANGE = "CHANGE"  # 变更
    RENEW = "RENEW"  # 延续
    REPLACE = "REPLACE"  # 补证
    SUSPEND = "SUSPEND"  # 暂停
    RESUME = "RESUME"  # 恢复
    CANCEL = "CANCEL"  # 注销
    REVOKE = "REVOKE"  # 撤销
    NOTE = "NOTE"  # 备注: a decision recorded on the licence that changes nothing (e.g. 不予处理)


class Status(StrEnum):
    ACTIVE = "ACTIVE"  # 有效
    SUSPENDED = "SUSPENDED"  # 暂停
    CANCELLED = "CANCELLED"  # 注销
    REVOKED = "REVOKED"  # 撤销


EVENT_LABELS = {
    EventKind.NEW: "新办",
    EventKind.CHANGE: "变更",
    EventKind.RENEW: "延续",
    EventKind.REPLACE: "补证",
    EventKind.SUSPEND: "暂停",
    EventKind.RESUME: "恢复",
    EventKind.CANCEL: "注销",
    EventKind.REVOKE: "撤销",
    EventKind.NOTE: "备注",
}
STATUS_LABELS = {
    Status.ACTIVE: "有效",
    Status.SUSPENDED: "暂停",
    Status.CANCELLED: "注销",
    Status.REVOKED: "撤销",
}

# kind -> (statuses it may follow, status after it); None stands for "no events yet".
TRANSITIONS: dict[EventKind, tuple[frozenset, Status]] = {
    EventKind.NEW: (frozenset({None}), Status.ACTIVE),
    EventKind.CHANGE: (frozenset({Status.ACTIVE}), Status.ACTIVE),
    EventKind.RENEW: (frozenset({Status.ACTIVE}), Status.ACTIVE),
    EventKind.REPLACE: (frozenset({Status.ACTIVE}), Status.ACTIVE),
    EventKind.SUSPEND: (frozenset({Status.ACTIVE}), Status.SUSPENDED),
    EventKind.RESUME: (frozenset({Status.SUSPENDED}), Status.ACTIVE),
    EventKind.CANCEL: (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.CANCELLED),
    EventKind.REVOKE: (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.REVOKED),
}

# Fields an event's `changes` may set on the licence (permits are replaced whole).
CHANGEABLE_FIELDS = frozenset({"holder_name", "address", "valid_until", "permits", "industry"})

# Which events a supervising department may post; the rest belong to licensing.
SUPERVISION_EVENTS = frozenset({EventKind.SUSPEND, EventKind.RESUME, EventKind.REVOKE})


class IllegalTransition(Exception):
    """An event that the licence's current status does not allow."""

    def __init__(self, kind: EventKind, status: Status | None):
        self.kind = kind
        self.status = status
        super().__init__(f"{kind} is not allowed when the licence is {status or 'not yet issued'}")

    @property
    def message(self) -> dict[str, str]:
        label = STATUS_LABELS.get(self.status, "未发证") if self.status else "未发证"
        return {
            "zh": f"许可证状态为「{label}」，不能{EVENT_LABELS[self.kind]}",
            "en": f"A licence that is {self.status or 'not yet issued'} cannot take {self.kind}",
        }


@dataclass(frozen=True)
class LicenceState:
    status: Status | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    events: int = 0


def next_status(status: Status | None, kind: EventKind) -> Status:
    """The status after `kind`, or IllegalTransition. A NOTE keeps any issued licence's status."""
    if kind == EventKind.NOTE:
        if status is None:
            raise IllegalTransition(kind, status)
        return status
    allowed_from, after = TRANSITIONS[kind]
    if status not in allowed_from:
        raise IllegalTransition(kind, status)
    return after


def apply(state: LicenceState, kind: EventKind, changes: Mapping[str, Any]) -> LicenceState:
    """One event applied to a state."""
    status = next_status(state.status, kind)
    fields = {**state.fields, **{k: v for k, v in changes.items() if k in CHANGEABLE_FIELDS}}
    return LicenceState(status=status, fields=fields, events=state.events + 1)


def fold(events: Iterable[tuple[EventKind | str, Mapping[str, Any]]]) -> LicenceState:
    """The state a sequence of (kind, changes) events leads to, raising on any illegal step."""
    state = LicenceState()
    for kind, changes in events:
        state = apply(state, EventKind(kind), changes)
    return state
