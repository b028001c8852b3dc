"""Who may do what to which object: the one policy. Services call `ensure`; views only name roles.

Each action has one rule. A rule returns when the actor may act and raises the AppError the
client sees otherwise: FORBIDDEN for a role that may not act at all, NOT_FOUND where the object
itself is hidden (another department's task, another user's device), so an id tells nothing.
Rules read plain values or an object's attributes; they never query and never import Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from inspect_app.actor import Actor, Role
from inspect_app.domain.lifecycle import SUPERVISION_EVENTS, EventKind
from inspect_app.errors import AppError


class Action(StrEnum):
    WRITE_REGISTRY = "WRITE_REGISTRY"  # 修改登记信息（主体、许可证、导入）
    POST_LICENCE_EVENT = "POST_LICENCE_EVENT"  # obj: LicenceEventRequest
    EDIT_RISK_POINT = "EDIT_RISK_POINT"  # obj: the risk point (its owning department)
    LIST_TASKS = "LIST_TASKS"  # 查看抽查任务列表
    READ_ALL_TASKS = "READ_ALL_TASKS"  # every department's tasks, not only one's own
    READ_TASK = "READ_TASK"  # obj: the task (its lead department and partners)
    LEAD_TASK = "LEAD_TASK"  # obj: the task; change, freeze, draw, publish it
    PLAN_TASK = "PLAN_TASK"  # obj: the code of the department that is to lead the new task
    USE_TABLET = "USE_TABLET"  # 平板端：本人所在检查组的检查
    ACT_ON_FEEDBACK = "ACT_ON_FEEDBACK"  # 审批反馈的查看、签收与处理
    READ_MAPS = "READ_MAPS"  # 监管地图
    SEE_ALL_DEVICES = "SEE_ALL_DEVICES"  # 查看所有用户的登录设备
    REVOKE_DEVICE = "REVOKE_DEVICE"  # obj: the device's token (None when there is none)
    # -- issue 12, planner/public/licensing side --
    ANSWER_PARTNERSHIP = "ANSWER_PARTNERSHIP"  # obj: PartnershipAnswer (a joint task's partner)
    FILE_COMPLAINT = "FILE_COMPLAINT"  # obj: the departments responsible for the entity's industry
    DECIDE_PERMIT_STEP = "DECIDE_PERMIT_STEP"  # obj: LicenceEventRequest (suspend, revoke)
    # The team's own record of an inspection (the tablet side of issue 12):
    RECORD_ITEM = "RECORD_ITEM"  # obj: TeamWrite with the item's owning department
    RECORD_OUTCOME = "RECORD_OUTCOME"  # obj: TeamWrite (the outcome is the lead department's)
    # -- issue 14 §4: the commitment ledger --
    VOID_TASK = "VOID_TASK"  # obj: the task; void a frozen task publicly, with a reason


@dataclass(frozen=True)
class LicenceEventRequest:
    """A licence event about to be posted, with the departments that issue its permits."""

    kind: EventKind
    supervising_departments: Collection[str]
    issuing_departments: Collection[str] = ()


@dataclass(frozen=True)
class TeamWrite:
    """A team member's write on an inspection: the member's department on the team, the task's
    lead department and, for a check item (or its evidence), the item and its owning department."""

    member_department: str
    lead_department: str
    item: str | None = None
    item_department: str | None = None


Rule = Callable[[Actor, Any], None]

REGISTRY_WRITERS = frozenset({Role.ADMIN, Role.LICENSING})
# Registry reads are a role check only, named by the views (`@require(*REGISTRY_READERS)`):
# inspectors see registry objects through their assignments (the tablet API).
REGISTRY_READERS = frozenset({Role.ADMIN, Role.LICENSING, Role.PLANNER})
TASK_PLANNERS = frozenset({Role.ADMIN, Role.PLANNER})
FEEDBACK_HANDLERS = frozenset({Role.ADMIN, Role.LICENSING})


def _forbidden(zh: str, en: str) -> AppError:
    return AppError("FORBIDDEN", zh=zh, en=en)


def _write_registry(actor: Actor, obj: Any) -> None:
    if actor.role not in REGISTRY_WRITERS:
        raise _forbidden(
            "只有审批（许可）人员可以修改登记信息", "Only licensing staff may change the registry"
        )


def _post_licence_event(actor: Actor, event: LicenceEventRequest) -> None:
    """Licensing writes the lifecycle; a planner may only suspend, resume or revoke a licence
    integrating a permit their own department issues (or whose industry it leads)."""
    if actor.role in REGISTRY_WRITERS:
        return
    if actor.role == Role.PLANNER and event.kind in SUPERVISION_EVENTS:
        if actor.department in event.supervising_departments:
            return
        raise _forbidden(
            "贵部门不签发该许可证所含的许可事项，不能对其暂停、恢复或撤销",
            "Your department issues no permit of this licence; "
            "it cannot suspend, resume or revoke it",
        )
    raise _forbidden("无权办理该许可证事项", "You may not post this licence event")


def _edit_risk_point(actor: Actor, point: Any) -> None:
    """Only planners of the owning department (or an admin) edit a point."""
    if actor.role == Role.ADMIN:
        return
    if actor.role != Role.PLANNER or actor.department != point.department.code:
        raise _forbidden(
            "只有该风险点的责任部门可以修改", "Only the owning department may edit this risk point"
        )


def _list_tasks(actor: Actor, obj: Any) -> None:
    if actor.role not in TASK_PLANNERS:
        raise _forbidden("只有计划人员可以查看抽查任务", "Only planners see spot-check tasks")


def _read_all_tasks(actor: Actor, obj: Any) -> None:
    if actor.role != Role.ADMIN:
        raise AppError("FORBIDDEN")


def _read_task(actor: Actor, task: Any) -> None:
    """A task is visible to admins and to planners of its lead or partner departments."""
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.PLANNER and (
        actor.department == task.lead.code or actor.department in task.partners
    ):
        return
    raise AppError("NOT_FOUND", zh="未找到该抽查任务", en="No such spot-check task")


def _lead_task(actor: Actor, task: Any) -> None:
    """Visible first (404 otherwise), then led by the actor's department (403 otherwise)."""
    _read_task(actor, task)
    if actor.role == Role.ADMIN or (
        actor.role == Role.PLANNER and actor.department == task.lead.code
    ):
        return
    raise _forbidden(
        "只有牵头部门的计划人员可以操作该任务",
        "Only planners of the task's lead department may do this",
    )


def _plan_task(actor: Actor, lead_code: str | None) -> None:
    if actor.role not in TASK_PLANNERS:
        raise _forbidden("只有计划人员可以制定抽查任务", "Only planners plan spot-check tasks")
    if actor.role == Role.PLANNER and lead_code != actor.department:
        raise _forbidden(
            "只能以本部门为牵头部门制定任务", "You can only plan tasks your own department leads"
        )


def _use_tablet(actor: Actor, obj: Any) -> None:
    """An active inspector's account (the tablet reaches only their own team's inspections)."""
    if actor.role != Role.INSPECTOR or actor.inspector_id is None:
        raise _forbidden(
            "只有在册执法检查人员可以使用平板端", "Only active inspectors use the tablet API"
        )


def _act_on_feedback(actor: Actor, obj: Any) -> None:
    if actor.role not in FEEDBACK_HANDLERS:
        raise _forbidden("只有审批（许可）人员处理反馈", "Only licensing staff handle feedback")


def _read_maps(actor: Actor, obj: Any) -> None:
    if actor.role not in TASK_PLANNERS:
        raise _forbidden("只有计划人员查看监管地图", "Only planners see the supervision maps")


def _see_all_devices(actor: Actor, obj: Any) -> None:
    if actor.role != Role.ADMIN:
        raise AppError("FORBIDDEN")


def _revoke_device(actor: Actor, token: Any) -> None:
    """One's own devices (an admin: anyone's); another user's device looks like no device."""
    if token is None or (actor.role != Role.ADMIN and token.user_id != actor.user_id):
        raise AppError("NOT_FOUND", zh="未找到该设备", en="No such device")


# -- issue 12, planner/public/licensing side: partner consent, complaints, permits' departments --


@dataclass(frozen=True)
class PartnershipAnswer:
    """A partner department answering a joint task (accept or decline)."""

    task: Any
    department: str


def _answer_partnership(actor: Actor, answer: PartnershipAnswer) -> None:
    """A planner of the partner department itself (or an admin) answers for it; the task must be
    visible and the department one of its partners (404 otherwise)."""
    _read_task(actor, answer.task)
    if answer.department not in answer.task.partners:
        raise AppError("NOT_FOUND", zh="该部门不是此任务的协同部门", en="No such partner")
    if actor.role == Role.ADMIN or (
        actor.role == Role.PLANNER and actor.department == answer.department
    ):
        return
    raise _forbidden(
        "只有协同部门本部门的计划人员可以答复", "Only a planner of the partner department answers"
    )


def _file_complaint(actor: Actor, departments: Collection[str]) -> None:
    """Complaints shift an entity's grade and draw odds: only the departments responsible for its
    industry (lead or partner) file them, and admins."""
    if actor.role == Role.ADMIN:
        return
    if actor.role in (Role.PLANNER, Role.LICENSING) and actor.department in departments:
        return
    raise _forbidden(
        "只有该行业的牵头或协同部门可以登记投诉",
        "Only the lead or a partner department of the entity's industry may file a complaint",
    )


# A suspension or revocation is decided by a permit's issuing department (实施主体不变); anyone
# else who may post it has it recorded as routed to that department (services/licences.py).
ROUTED_EVENTS = frozenset({EventKind.SUSPEND, EventKind.REVOKE})


def _decide_permit_step(actor: Actor, event: LicenceEventRequest) -> None:
    if actor.role == Role.ADMIN:
        return
    if actor.role in (Role.LICENSING, Role.PLANNER) and actor.department in (
        event.issuing_departments
    ):
        return
    raise _forbidden(
        "暂停或撤销须由许可事项的签发部门决定：" + "、".join(sorted(event.issuing_departments)),
        "A suspension or revocation is decided by a permit's issuing department: "
        + ", ".join(sorted(event.issuing_departments)),
    )


def _team_member(actor: Actor) -> None:
    if actor.role != Role.INSPECTOR:
        raise _forbidden("只有检查组成员可以记录检查", "Only team members record an inspection")


def _record_item(actor: Actor, write: TeamWrite) -> None:
    """Each department records its own check items (and their evidence), on a joint check too."""
    _team_member(actor)
    if write.member_department != write.item_department:
        raise _forbidden(
            f"检查事项 {write.item} 由{write.item_department}负责，只能由该部门的检查人员记录",
            f"Check item {write.item} is owned by {write.item_department}; "
            "only that department's inspector records it",
        )


def _record_outcome(actor: Actor, write: TeamWrite) -> None:
    """The lead department's member records the overall outcome."""
    _team_member(actor)
    if write.member_department != write.lead_department:
        raise _forbidden(
            f"检查结果由牵头部门（{write.lead_department}）的检查人员填写",
            f"The outcome is recorded by the lead department's ({write.lead_department}) inspector",
        )


# -- issue 14 §4: the commitment ledger --


def _void_task(actor: Actor, task: Any) -> None:
    """Every commitment ends drawn or voided: a void is the lead department's call (or an
    admin's), as the draw is; others see the task (404 otherwise) but may not void it (403)."""
    _read_task(actor, task)
    if actor.role == Role.ADMIN or (
        actor.role == Role.PLANNER and actor.department == task.lead.code
    ):
        return
    raise _forbidden(
        "只有牵头部门的计划人员可以作废该任务",
        "Only planners of the task's lead department may void it",
    )


RULES: dict[Action, Rule] = {
    Action.WRITE_REGISTRY: _write_registry,
    Action.POST_LICENCE_EVENT: _post_licence_event,
    Action.EDIT_RISK_POINT: _edit_risk_point,
    Action.LIST_TASKS: _list_tasks,
    Action.READ_ALL_TASKS: _read_all_tasks,
    Action.READ_TASK: _read_task,
    Action.LEAD_TASK: _lead_task,
    Action.PLAN_TASK: _plan_task,
    Action.USE_TABLET: _use_tablet,
    Action.ACT_ON_FEEDBACK: _act_on_feedback,
    Action.READ_MAPS: _read_maps,
    Action.SEE_ALL_DEVICES: _see_all_devices,
    Action.REVOKE_DEVICE: _revoke_device,
    Action.ANSWER_PARTNERSHIP: _answer_partnership,
    Action.FILE_COMPLAINT: _file_complaint,
    Action.DECIDE_PERMIT_STEP: _decide_permit_step,
    Action.RECORD_ITEM: _record_item,
    Action.RECORD_OUTCOME: _record_outcome,
    Action.VOID_TASK: _void_task,
}


def ensure(actor: Actor, action: Action, obj: Any = None) -> None:
    """Return if `actor` may do `action` (to `obj`), else raise the AppError the client gets."""
    RULES[action](actor, obj)


def allows(actor: Actor, action: Action, obj: Any = None) -> bool:
    """Whether `ensure` would let the actor act: for narrowing a list rather than refusing it."""
    try:
        ensure(actor, action, obj)
    except AppError:
        return False
    return True
