"""Who may do what to which object. Every route asks here; nothing is decided in a view."""

from __future__ import annotations

from inspect_app.actor import Actor
from inspect_app.domain.lifecycle import SUPERVISION_EVENTS, EventKind
from inspect_app.errors import AppError

REGISTRY_WRITERS = frozenset({"admin", "licensing"})
REGISTRY_READERS = frozenset({"admin", "licensing", "planner"})


def ensure_registry_writer(actor: Actor) -> None:
    if actor.role not in REGISTRY_WRITERS:
        raise AppError(
            "FORBIDDEN",
            zh="只有审批（许可）人员可以修改登记信息",
            en="Only licensing staff may change the registry",
        )


def ensure_registry_reader(actor: Actor) -> None:
    """Inspectors see registry objects only through their assignments (the tablet API)."""
    if actor.role not in REGISTRY_READERS:
        raise AppError(
            "FORBIDDEN",
            zh="检查人员只能通过检查任务查看登记信息",
            en="Inspectors see registry data only through their assignments",
        )


def ensure_may_post_event(actor: Actor, kind: EventKind, supervising_departments: set[str]) -> None:
    """Licensing writes the lifecycle; a planner may only suspend, resume or revoke a licence
    integrating a permit their own department issues (or whose industry it leads)."""
    if actor.role in REGISTRY_WRITERS:
        return
    if actor.role == "planner" and kind in SUPERVISION_EVENTS:
        if actor.department in supervising_departments:
            return
        raise AppError(
            "FORBIDDEN",
            zh="贵部门不签发该许可证所含的许可事项，不能对其暂停、恢复或撤销",
            en="Your department issues no permit of this licence; "
            "it cannot suspend, resume or revoke it",
        )
    raise AppError("FORBIDDEN", zh="无权办理该许可证事项", en="You may not post this licence event")
