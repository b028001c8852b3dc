"""Licensing desks (审批窗口/科室): who handles which licences' feedback and credit records.

The routing rule (docs/domain.md, "Desks and inboxes"): a licence belongs to the desk of the
wanted kind whose scope matches it most closely — a scope line naming its industry and its
street beats one naming only the industry, which beats one naming only the street, which beats
a line naming neither; a tie goes to the desk with the smallest code. When no desk's scope
matches, the default desk of the kind takes it; with no default either, nobody's desk does and
the notice goes to the platform's admins, so nothing is ever addressed to no one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inspect_app import audit
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Desk,
    DeskMember,
    DeskScope,
    Entity,
    Feedback,
    Industry,
    Inspection,
    Licence,
    Notification,
    SpotCheckTask,
    Street,
    User,
)
from inspect_app.services import notifications

LICENSING, CREDIT, ENFORCEMENT = "LICENSING", "CREDIT", "ENFORCEMENT"
KINDS = (LICENSING, CREDIT, ENFORCEMENT)
# The desk kind each kind of follow-up is routed to (RECTIFICATION goes to planners, not a desk).
FEEDBACK_DESK_KIND = {"LICENSING": LICENSING, "CREDIT": CREDIT, "REFERRAL": ENFORCEMENT}
# Roles that may work at a desk: licensing staff, and planners at an enforcement desk.
MEMBER_ROLES = {LICENSING: ("licensing",), CREDIT: ("licensing",), ENFORCEMENT: ("planner",)}
OPEN_FEEDBACK = ("RECORDED", "DELIVERED", "ACKNOWLEDGED", "ESCALATED")
# What `lianjian seed` creates when a district has no desk yet: one default desk per kind.
DEFAULT_LAYOUT = (
    ("ASC-LIC", "区行政服务中心综合审批窗口", "ASC", LICENSING),
    ("ASC-CREDIT", "区行政服务中心信用管理科", "ASC", CREDIT),
)


@dataclass(frozen=True)
class ScopeLine:
    desk_id: int
    desk_code: str
    industry_id: int | None
    street_id: int | None


def _not_found() -> AppError:
    return AppError("NOT_FOUND", zh="未找到该审批窗口", en="No such desk")


def best_desk(
    lines: Iterable[ScopeLine], defaults: dict[int, str], industry_id: int, street_id: int
) -> int | None:
    """The desk a licence of `industry_id` held in `street_id` belongs to (the module's rule);
    `lines` are the scope lines of the desks of one kind, `defaults` its default desks."""
    best: tuple[int, str, int] | None = None
    for line in lines:
        if line.industry_id not in (None, industry_id) or line.street_id not in (None, street_id):
            continue
        score = 2 * (line.industry_id is not None) + (line.street_id is not None)
        candidate = (-score, line.desk_code, line.desk_id)
        best = candidate if best is None or candidate < best else best
    if best is not None:
        return best[2]
    if defaults:
        return min(defaults.items(), key=lambda item: item[1])[0]
    return None


class Router:
    """The scopes of every desk, read once, to route many licences."""

    def __init__(self) -> None:
        self.lines: dict[str, list[ScopeLine]] = {kind: [] for kind in KINDS}
        self.defaults: dict[str, dict[int, str]] = {kind: {} for kind in KINDS}
        for desk in Desk.select():
            if desk.is_default:
                self.defaults[desk.kind][desk.id] = desk.code
        query = DeskScope.select(DeskScope, Desk).join(Desk)
        for line in query:
            self.lines[line.desk.kind].append(
                ScopeLine(line.desk_id, line.desk.code, line.industry_id, line.street_id)
            )

    def desk_for(self, kind: str, industry_id: int, street_id: int) -> int | None:
        return best_desk(self.lines[kind], self.defaults[kind], industry_id, street_id)


def desk_for_feedback(row: Feedback, router: Router | None = None) -> int | None:
    """The desk a follow-up is routed to (None: its kind goes to no desk, or no desk matches)."""
    kind = FEEDBACK_DESK_KIND.get(row.kind)
    if kind is None:
        return None
    industry_id, street_id = _place_of(row)
    return (router or Router()).desk_for(kind, industry_id, street_id)


def _place_of(row: Feedback) -> tuple[int, int]:
    """The licence's industry (else the task's) and the holder's street."""
    if row.licence_id is not None:
        industry_id = Licence.get_by_id(row.licence_id).industry_id
    else:
        inspection = Inspection.get_by_id(row.inspection_id)
        industry_id = SpotCheckTask.get_by_id(inspection.task_id).industry_id
    return industry_id, Entity.get_by_id(row.entity_id).street_id


def recipient_of_feedback(row: Feedback) -> dict[str, Any]:
    """Who a follow-up is for (docs/domain.md, "Desks and inboxes"): its desk when it has one;
    else a rectification order or a referral to the planners of the task's lead department, and
    feedback or a credit record with no desk to the admins, so that nobody's silence loses it."""
    if row.desk_id is not None:
        return {"desk": row.desk_id}
    if row.kind in ("RECTIFICATION", "REFERRAL"):
        inspection = Inspection.get_by_id(row.inspection_id)
        lead = SpotCheckTask.get_by_id(inspection.task_id).lead_id
        return notifications.planners_of(lead)
    return dict(notifications.ADMINS)


def desk_ids_of(user_id: int) -> list[int]:
    """The desks a user works at."""
    return [
        d for (d,) in DeskMember.select(DeskMember.desk).where(DeskMember.user == user_id).tuples()
    ]


def desks_of(user_id: int) -> list[Desk]:
    """The desks a user works at, by code: what their inbox can be filtered by."""
    return list(
        Desk.select(Desk).join(DeskMember).where(DeskMember.user == user_id).order_by(Desk.code)
    )


def reroute_open(now: datetime) -> int:
    """After a change of desks or scopes: open follow-ups (and their unsettled notices) move to
    the desk the rule now names. Returns how many moved."""
    router = Router()
    moved = 0
    rows = Feedback.select().where(
        Feedback.kind.in_(list(FEEDBACK_DESK_KIND)) & Feedback.status.in_(OPEN_FEEDBACK)
    )
    for row in rows:
        desk_id = desk_for_feedback(row, router)
        if desk_id == row.desk_id:
            continue
        Feedback.update(desk=desk_id, updated_at=now).where(Feedback.id == row.id).execute()
        row.desk = desk_id
        recipient = {"desk": None, "role": None, "department": None}
        recipient |= recipient_of_feedback(row)
        Notification.update(**recipient).where(
            (Notification.feedback == row.id)
            & Notification.settled_at.is_null()
            & Notification.escalation_of.is_null()
        ).execute()
        moved += 1
    return moved


def list_desks(actor: Actor):
    ensure(actor, Action.MANAGE_DESKS)
    return Desk.select(Desk, Department).join(Department).order_by(Desk.code)


def get_desk(actor: Actor, code: str) -> Desk:
    ensure(actor, Action.MANAGE_DESKS)
    desk = Desk.select(Desk, Department).join(Department).where(Desk.code == code).first()
    if desk is None:
        raise _not_found()
    return desk


def _department(code: str) -> Department:
    department = Department.get_or_none(Department.code == code)
    if department is None:
        raise AppError(
            "VALIDATION_FAILED",
            errors={"department": [f"没有代码为 {code} 的部门 / no department {code}"]},
        )
    return department


def _user(username: str, field: str = "username") -> User:
    user = User.get_or_none(User.username == username)
    if user is None:
        raise AppError(
            "VALIDATION_FAILED", errors={field: [f"没有用户 {username} / no user {username}"]}
        )
    return user


def describe(desk: Desk) -> dict[str, Any]:
    """What the audit keeps of a desk."""
    return {
        "code": desk.code,
        "name": desk.name,
        "department": Department.get_by_id(desk.department_id).code,
        "kind": desk.kind,
        "default": desk.is_default,
        "head": User.get_by_id(desk.head_id).username if desk.head_id else None,
        "scope": sorted(
            (
                {
                    "industry": line.industry.code if line.industry_id else None,
                    "street": line.street.code if line.street_id else None,
                }
                for line in desk.scope
            ),
            key=lambda line: (line["industry"] or "", line["street"] or ""),
        ),
        "members": sorted(m.user.username for m in desk.members),
    }


def create_desk(actor: Actor, data: dict[str, Any], now: datetime) -> Desk:
    """A new desk (code, name, department, kind, default or not, its head)."""
    ensure(actor, Action.MANAGE_DESKS)
    with database.atomic():
        if Desk.select().where(Desk.code == data["code"]).exists():
            raise AppError("DUPLICATE", zh=f"审批窗口 {data['code']} 已存在", en="Desk exists")
        head = _user(data["head"], "head") if data.get("head") else None
        if head is not None:
            _may_work_at(head, data.get("kind") or LICENSING)
        desk = Desk.create(
            code=data["code"],
            name=data["name"],
            department=_department(data["department"]),
            kind=data.get("kind") or LICENSING,
            is_default=bool(data.get("is_default")),
            head=head,
            created_at=now,
        )
        audit.record(actor.label, "desk.create", "desk", desk.code, after=describe(desk), at=now)
        reroute_open(now)
    return get_desk(actor, desk.code)


def set_scope(actor: Actor, code: str, lines: list[dict[str, str | None]], now: datetime) -> Desk:
    """Replace a desk's scope with `lines` (each an industry code, a street code, or both)."""
    ensure(actor, Action.MANAGE_DESKS)
    with database.atomic():
        desk = get_desk(actor, code)
        before = describe(desk)
        wanted = {_scope_ids(line) for line in lines}
        DeskScope.delete().where(DeskScope.desk == desk).execute()
        for industry_id, street_id in sorted(wanted, key=str):
            DeskScope.create(desk=desk, industry=industry_id, street=street_id)
        audit.record(
            actor.label,
            "desk.scope",
            "desk",
            desk.code,
            before={"scope": before["scope"]},
            after={"scope": describe(desk)["scope"]},
            at=now,
        )
        reroute_open(now)
    return get_desk(actor, code)


def _scope_ids(line: dict[str, str | None]) -> tuple[int | None, int | None]:
    industry = street = None
    if line.get("industry"):
        industry = Industry.get_or_none(Industry.code == line["industry"])
        if industry is None:
            raise AppError(
                "VALIDATION_FAILED",
                errors={"industry": [f"没有行业 {line['industry']} / no such industry"]},
            )
    if line.get("street"):
        street = Street.get_or_none(Street.code == line["street"])
        if street is None:
            raise AppError(
                "VALIDATION_FAILED",
                errors={"street": [f"没有街镇 {line['street']} / no such street"]},
            )
    return (industry.id if industry else None, street.id if street else None)


def _may_work_at(user: User, kind: str) -> None:
    if user.role not in MEMBER_ROLES[kind]:
        raise AppError(
            "CONFLICT",
            zh=f"{user.username} 的角色（{user.role}）不能在该窗口工作",
            en=f"A {user.role} account cannot work at a {kind} desk",
        )


def set_head(actor: Actor, code: str, username: str | None, now: datetime) -> Desk:
    """Name the desk's head, who receives its escalations (None: the admins do)."""
    ensure(actor, Action.MANAGE_DESKS)
    with database.atomic():
        desk = get_desk(actor, code)
        before = describe(desk)["head"]
        head = _user(username, "username") if username else None
        if head is not None:
            _may_work_at(head, desk.kind)
        Desk.update(head=head).where(Desk.id == desk.id).execute()
        audit.record(
            actor.label,
            "desk.head",
            "desk",
            desk.code,
            before={"head": before},
            after={"head": username},
            at=now,
        )
    return get_desk(actor, code)


def add_member(actor: Actor, code: str, username: str, now: datetime) -> Desk:
    """A user joins a desk (licensing staff; planners at an enforcement desk)."""
    ensure(actor, Action.MANAGE_DESKS)
    with database.atomic():
        desk = get_desk(actor, code)
        user = _user(username)
        _may_work_at(user, desk.kind)
        added = (
            DeskMember.insert(desk=desk, user=user, added_at=now)
            .on_conflict_ignore()
            .as_rowcount()
            .execute()
        )
        if added:
            audit.record(
                actor.label, "desk.member_add", "desk", desk.code, after={"user": username}, at=now
            )
    return get_desk(actor, code)


def remove_member(actor: Actor, code: str, username: str, now: datetime) -> Desk:
    ensure(actor, Action.MANAGE_DESKS)
    with database.atomic():
        desk = get_desk(actor, code)
        user = _user(username)
        removed = (
            DeskMember.delete()
            .where((DeskMember.desk == desk) & (DeskMember.user == user))
            .execute()
        )
        if not removed:
            raise AppError(
                "NOT_FOUND", zh=f"{username} 不在该窗口", en=f"{username} is not at this desk"
            )
        audit.record(
            actor.label, "desk.member_remove", "desk", desk.code, before={"user": username}, at=now
        )
    return get_desk(actor, code)


def ensure_default_desks(actor: Actor, now: datetime) -> list[str]:
    """The default layout for a district with no desk: one default desk per kind of
    DEFAULT_LAYOUT whose department the catalogue has. Returns the codes created."""
    ensure(actor, Action.MANAGE_DESKS)
    created = []
    with database.atomic():
        if Desk.select().exists():
            return created
        for code, name, department, kind in DEFAULT_LAYOUT:
            if Department.select().where(Department.code == department).exists():
                data = {"code": code, "name": name, "department": department, "kind": kind}
                create_desk(actor, data | {"is_default": True}, now)
                created.append(code)
    return created
