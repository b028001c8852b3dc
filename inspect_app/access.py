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
    # -- issue 13 §1, people and roster (两库) --
    MANAGE_USERS = "MANAGE_USERS"  # 用户账号：列表、新建、停用、重置密码、设备
    KEEP_ROSTER = "KEEP_ROSTER"  # obj: the department code of the inspector directory (名录库)
    LINK_ACCOUNT = "LINK_ACCOUNT"  # 将账号关联到执法检查人员记录
    # -- issue 13 §5 (sync): a photo of an inspection, read back by its hash --
    READ_PHOTO = "READ_PHOTO"  # obj: PhotoAudience (the inspection's team, planners, reviewers)
    # -- issue 13 §2: desks and inboxes --
    MANAGE_DESKS = "MANAGE_DESKS"  # 审批窗口的设立、受理范围与人员
    READ_NOTICE = "READ_NOTICE"  # obj: NoticeSeen (None: one's own inbox); 本人收件箱的通知
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


def _act_on_feedback(actor: Actor, work: DeskWork | None) -> None:
    """Licensing staff (and admins); one piece of feedback only at the desk it is routed to
    (another desk's looks like none: 404). A licensing account at no desk sees no feedback."""
    if actor.role not in FEEDBACK_HANDLERS:
        raise _forbidden("只有审批（许可）人员处理反馈", "Only licensing staff handle feedback")
    if work is None or actor.role == Role.ADMIN:
        return
    if work.desk_id is None or work.desk_id not in work.my_desks:
        raise AppError("NOT_FOUND", zh="未找到该反馈", en="No such feedback")


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


# -- issue 13 §1, people and roster: admins keep accounts; each department its own directory --


def _manage_users(actor: Actor, obj: Any) -> None:
    if actor.role != Role.ADMIN:
        raise _forbidden("只有系统管理员可以管理用户账号", "Only an admin manages user accounts")


def _keep_roster(actor: Actor, department: str | None) -> None:
    """Departments keep their own inspector directory (DOMAIN.md 两库): its planners, or an admin."""
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.PLANNER and department is not None and actor.department == department:
        return
    raise _forbidden(
        "只有本部门的计划人员（或系统管理员）可以查看和维护本部门的执法检查人员名录",
        "Only the department's own planners (or an admin) see and keep its inspector directory",
    )


def _link_account(actor: Actor, obj: Any) -> None:
    if actor.role != Role.ADMIN:
        raise _forbidden(
            "只有系统管理员可以将账号关联到执法检查人员",
            "Only an admin links an account to an inspector record",
        )


# -- issue 13 §5 (sync): who reads an inspection's photos --


@dataclass(frozen=True)
class PhotoAudience:
    """Who may read an inspection's photos: its team (user ids), its task's planners (the lead's
    and the partners' departments), and whether the reader reviews its record (licensing staff
    who see its feedback)."""

    team_user_ids: frozenset[int]
    planner_departments: frozenset[str]
    reviewer: bool = False


def _read_photo(actor: Actor, audience: PhotoAudience) -> None:
    """The team, the task's planners, the record's reviewers, admins; to anyone else the photo
    does not exist (404, like another team's inspection)."""
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.INSPECTOR and actor.user_id in audience.team_user_ids:
        return
    if actor.role == Role.PLANNER and actor.department in audience.planner_departments:
        return
    if actor.role == Role.LICENSING and audience.reviewer:
        return
    raise AppError("NOT_FOUND", zh="未找到该照片", en="No such photo")


# -- issue 13 §2: desks and inboxes --


@dataclass(frozen=True)
class DeskWork:
    """A piece of feedback as a desk sees it: the desk it is routed to, the actor's desks."""

    desk_id: int | None
    my_desks: Collection[int]


@dataclass(frozen=True)
class NoticeSeen:
    """A notice and whether it is addressed to the actor (as a user, an inspector, a desk
    member or one of a group)."""

    addressed: bool


def _manage_desks(actor: Actor, obj: Any) -> None:
    if actor.role != Role.ADMIN:
        raise _forbidden("只有系统管理员管理审批窗口", "Only admins manage licensing desks")


def group_of(actor: Actor) -> tuple[str, str | None]:
    """The group an actor receives notices as: (their role, their department's code)."""
    return actor.role, actor.department


def _read_notice(actor: Actor, notice: NoticeSeen | None) -> None:
    """Everyone has an inbox; another's notice looks like none (404), even to an admin."""
    if notice is not None and not notice.addressed:
        raise AppError("NOT_FOUND", zh="未找到该通知", en="No such notice")


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
    Action.MANAGE_USERS: _manage_users,
    Action.KEEP_ROSTER: _keep_roster,
    Action.LINK_ACCOUNT: _link_account,
    Action.READ_PHOTO: _read_photo,
    Action.MANAGE_DESKS: _manage_desks,
    Action.READ_NOTICE: _read_notice,
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
