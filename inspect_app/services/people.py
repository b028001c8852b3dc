"""User accounts (an admin's): list, create, deactivate, reactivate, reset a password, link an
account to an inspector record (两库), and a user's devices. Every change audited.

A user's row carries a `version`: a change states the version its caller read (If-Match in the
API, the version read just before at the console), so two admins never overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import JOIN

from inspect_app import audit
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor, Role
from inspect_app.auth import hash_password
from inspect_app.db import database
from inspect_app.domain import passwords
from inspect_app.errors import AppError
from inspect_app.models import Department, Inspector, Token, User
from inspect_app.services.listing import Listing


@dataclass(frozen=True)
class WithPassword:
    """A user just created or reset, and the one-time temporary password (shown once; None when
    the admin chose the password)."""

    user: User
    temporary_password: str | None


def _no_such_user() -> AppError:
    return AppError("NOT_FOUND", zh="未找到该用户", en="No such user")


def _field_error(field: str, zh: str, en: str) -> AppError:
    return AppError("VALIDATION_FAILED", errors={field: [{"zh": zh, "en": en}]})


def _linked(users: list[User]) -> list[User]:
    """Attach each user's department code and linked inspector code (two queries per page)."""
    ids = [u.id for u in users]
    codes = dict(
        Inspector.select(Inspector.user, Inspector.code).where(Inspector.user.in_(ids)).tuples()
    )
    departments = dict(Department.select(Department.id, Department.code).tuples()) if users else {}
    for user in users:
        user.inspector_code = codes.get(user.id)
        user.department_code = departments.get(user.department_id)
    return users


def snapshot(user: User) -> dict[str, Any]:
    (user,) = _linked([user])
    return {
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "department": user.department_code,
        "active": user.active,
        "must_change_password": user.must_change_password,
        "inspector": user.inspector_code,
        "version": user.version,
    }


def user_list(actor: Actor, args: dict[str, Any]) -> Listing:
    """Users matching the filters (role, department, active, q: username or name contains)."""
    ensure(actor, Action.MANAGE_USERS)
    query = User.select().join(Department, JOIN.LEFT_OUTER)
    if "role" in args:
        query = query.where(User.role == args["role"])
    if "department" in args:
        query = query.where(Department.code == args["department"])
    if "active" in args:
        query = query.where(User.active == args["active"])
    if "q" in args:
        query = query.where(User.username.contains(args["q"]) | User.name.contains(args["q"]))
    return Listing(query.order_by(User.username), _linked)


def get_user(actor: Actor, user_id: int) -> User:
    ensure(actor, Action.MANAGE_USERS)
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise _no_such_user()
    return _linked([user])[0]


def user_by_name(actor: Actor, username: str) -> User:
    """The console names users by their username."""
    ensure(actor, Action.MANAGE_USERS)
    user = User.get_or_none(User.username == username)
    if user is None:
        raise AppError("NOT_FOUND", zh=f"未找到用户 {username}", en=f"No user {username}")
    return _linked([user])[0]


def _department(code: str | None) -> Department | None:
    if code is None:
        return None
    department = Department.get_or_none(Department.code == code)
    if department is None:
        raise _field_error("department", f"未知部门 {code}", f"Unknown department {code}")
    return department


def _refuse_weak(password: str, username: str, field: str) -> None:
    problems = passwords.problems(password, username)
    if problems:
        raise AppError("VALIDATION_FAILED", errors={field: problems})


def create_user(actor: Actor, data: dict[str, Any], now: datetime) -> WithPassword:
    """A new account in a department. Without a password given, a temporary one is made up and
    the user sets their own at first sign-in."""
    ensure(actor, Action.MANAGE_USERS)
    given = data.get("password")
    if given is not None:
        _refuse_weak(given, data["username"], "password")
    password = given or passwords.generate()
    department = _department(data.get("department"))
    if data["role"] != Role.ADMIN and department is None:
        raise _field_error(
            "department",
            "除系统管理员外，用户须属于一个部门",
            "Every user but an admin has a department",
        )
    digest = hash_password(password)
    with database.atomic():
        if User.select().where(User.username == data["username"]).exists():
            raise AppError(
                "DUPLICATE",
                zh=f"用户名 {data['username']} 已存在",
                en=f"The user name {data['username']} is already taken",
            )
        user = User.create(
            username=data["username"],
            name=data["name"],
            role=data["role"],
            department=department,
            password_hash=digest,
            must_change_password=given is None,
            created_at=now,
        )
        audit.record(
            actor.label, "user.create", "user", user.username, after=snapshot(user), at=now
        )
    return WithPassword(get_user(actor, user.id), None if given else password)


def _change(
    actor: Actor, user: User, action: str, values: dict, expected_version: int, now: datetime
) -> User:
    """Apply `values` if the user is still at `expected_version`; audited as `action`."""
    before = snapshot(user)
    values = {**values, User.version: User.version + 1}
    updated = (
        User.update(values)
        .where((User.id == user.id) & (User.version == expected_version))
        .execute()
    )
    if not updated:
        raise AppError("STALE_VERSION")
    user = User.get_by_id(user.id)
    audit.record(
        actor.label, action, "user", user.username, before=before, after=snapshot(user), at=now
    )
    return user


def revoke_tokens(user_id: int, now: datetime) -> list[int]:
    """Every live token of the user stops working at once (inside the caller's transaction)."""
    live = (Token.user == user_id) & Token.revoked_at.is_null()
    ids = [token_id for (token_id,) in Token.select(Token.id).where(live).tuples()]
    if ids:
        Token.update(revoked_at=now).where(live & Token.id.in_(ids)).execute()
    return ids


def set_active(
    actor: Actor, user_id: int, active: bool, expected_version: int, now: datetime
) -> User:
    """Deactivate (its tokens revoked in the same transaction) or reactivate an account."""
    with database.atomic():
        user = get_user(actor, user_id)
        if not active and user.id == actor.user_id:
            raise AppError(
                "CONFLICT", zh="不能停用自己的账号", en="You cannot deactivate your own account"
            )
        if user.active == active:
            return user
        user = _change(
            actor,
            user,
            "user.activate" if active else "user.deactivate",
            {User.active: active},
            expected_version,
            now,
        )
        if not active:
            revoked = revoke_tokens(user.id, now)
            if revoked:
                audit.record(
                    actor.label, "auth.revoke_all", "user", user.username,
                    after={"tokens": revoked}, at=now,
                )  # fmt: skip
    return get_user(actor, user.id)


def reset_password(
    actor: Actor, user_id: int, expected_version: int, now: datetime
) -> WithPassword:
    """A one-time temporary password for the admin to hand over; it signs in to nothing but
    setting a new password (POST /api/v1/auth/password). The user's tokens are revoked."""
    temporary = passwords.generate()
    digest = hash_password(temporary)
    with database.atomic():
        user = get_user(actor, user_id)
        values = {User.password_hash: digest, User.must_change_password: True}
        user = _change(actor, user, "user.reset_password", values, expected_version, now)
        revoke_tokens(user.id, now)
    return WithPassword(get_user(actor, user.id), temporary)


def _inspector_by_code(code: str) -> Inspector:
    inspector = Inspector.get_or_none(Inspector.code == code)
    if inspector is None:
        raise _field_error(
            "inspector_code", f"未知执法检查人员 {code}", f"Unknown inspector {code}"
        )
    return inspector


def link_inspector(
    actor: Actor, user_id: int, inspector_code: str, expected_version: int, now: datetime
) -> User:
    """One account ↔ one inspector record: an inspector-role account of the same department."""
    ensure(actor, Action.LINK_ACCOUNT)
    with database.atomic():
        user = get_user(actor, user_id)
        inspector = _inspector_by_code(inspector_code)
        _check_link(user, inspector)
        user = _change(actor, user, "user.link_inspector", {}, expected_version, now)
        Inspector.update(user=user.id, version=Inspector.version + 1).where(
            Inspector.id == inspector.id
        ).execute()
        audit.record(
            actor.label, "inspector.link", "inspector", inspector.code,
            before={"user": None}, after={"user": user.username}, at=now,
        )  # fmt: skip
    return get_user(actor, user.id)


def _check_link(user: User, inspector: Inspector) -> None:
    if user.role != Role.INSPECTOR:
        raise AppError(
            "CONFLICT",
            zh="只有执法检查人员角色的账号可以关联检查人员记录",
            en="Only an account of the inspector role is linked to an inspector record",
        )
    if user.inspector_code is not None:
        raise AppError(
            "CONFLICT",
            zh=f"该账号已关联检查人员 {user.inspector_code}",
            en=f"This account is already linked to inspector {user.inspector_code}",
        )
    if inspector.user_id is not None:
        raise AppError(
            "CONFLICT",
            zh=f"检查人员 {inspector.code} 已关联其他账号",
            en=f"Inspector {inspector.code} is already linked to another account",
        )
    if inspector.department_id != user.department_id:
        raise AppError(
            "CONFLICT",
            zh="账号与检查人员须属于同一部门",
            en="The account and the inspector must belong to the same department",
        )


def unlink_inspector(actor: Actor, user_id: int, expected_version: int, now: datetime) -> User:
    ensure(actor, Action.LINK_ACCOUNT)
    with database.atomic():
        user = get_user(actor, user_id)
        code = user.inspector_code
        if code is None:
            raise AppError(
                "CONFLICT", zh="该账号未关联检查人员", en="This account is linked to no inspector"
            )
        user = _change(actor, user, "user.unlink_inspector", {}, expected_version, now)
        Inspector.update(user=None, version=Inspector.version + 1).where(
            Inspector.code == code
        ).execute()
        audit.record(
            actor.label, "inspector.unlink", "inspector", code,
            before={"user": user.username}, after={"user": None}, at=now,
        )  # fmt: skip
    return get_user(actor, user.id)


def user_devices(actor: Actor, user_id: int):
    """The user's live tokens (signed-in devices), oldest first."""
    user = get_user(actor, user_id)
    return (
        Token.select(Token, User)
        .join(User)
        .where((Token.user == user.id) & Token.revoked_at.is_null())
        .order_by(Token.id)
    )


def revoke_all_devices(actor: Actor, user_id: int, now: datetime) -> list[int]:
    """Sign the user out of every device at once."""
    with database.atomic():
        user = get_user(actor, user_id)
        revoked = revoke_tokens(user.id, now)
        audit.record(
            actor.label, "auth.revoke_all", "user", user.username,
            after={"tokens": revoked}, at=now,
        )  # fmt: skip
    return revoked
