"""Who acts: the signed-in user as services and the policy see it, with no web framework behind it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # 系统管理员
    PLANNER = "planner"  # 计划人员（各监管部门）
    INSPECTOR = "inspector"  # 执法检查人员
    LICENSING = "licensing"  # 审批（许可）人员


ROLES = tuple(Role)


@dataclass(frozen=True)
class Actor:
    """Who acts: passed to services, which never read request globals."""

    user_id: int
    username: str
    role: str
    department: str | None
    inspector_id: int | None = None  # the active inspector record of an inspector's account
    inspector_code: str | None = None  # that record's code (what the audit log names it by)

    @property
    def label(self) -> str:
        return self.username
