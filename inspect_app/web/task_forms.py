"""What the console's task pages share: the labels of statuses and answers, the messages beside
a refused field in the page's language, and how a schema's or a service's refusal is put beside
the form's fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from inspect_app.clock import utcnow
from inspect_app.errors import AppError
from inspect_app.web import forms

GRADES = ("A", "B", "C", "D")
LICENCE_STATUSES = {"ACTIVE": _l("有效"), "SUSPENDED": _l("暂停")}
ANSWER_LABELS = {"ACCEPTED": _l("已同意"), "DECLINED": _l("已拒绝"), "AWAITED": _l("待答复")}
INSPECTION_STATUS_LABELS = {
    "ASSIGNED": _l("已分派"),
    "CHECKED_IN": _l("已签到"),
    "RECORDING": _l("检查中"),
    "OVERDUE": _l("已逾期"),
    "SUBMITTED": _l("已提交"),
}
EXCLUSION_LABELS = {
    "frequency_cap": _l("超过频次上限"),
    "not_qualified": _l("无该行业检查资格"),
    "workload_cap": _l("在办检查已达上限"),
    "recusal_applied": _l("回避"),
    "consecutive_inspection": _l("连续两次检查同一对象"),
    "shortfall": _l("人员不足"),
}
RESULT_LABELS = {"PASS": _l("符合"), "FAIL": _l("不符合"), "NA": _l("不适用")}
# What the page says beside a field the schema refused, in the page's language.
FIELD_ERRORS = {
    "name": _l("请填写任务名称（不超过 128 个字）。"),
    "industry": _l("请选择行业。"),
    "lead": _l("请选择牵头部门。"),
    "partners": _l("协同部门无效。"),
    "risk_points": _l("请至少选择一项检查事项。"),
    "scope_streets": _l("街镇无效。"),
    "scope_statuses": _l("请至少选择一种许可证状态。"),
    "ratio": _l("须为 0 到 1 之间唯一写法的小数，如 0.05、0.4（不写 0.050、0.40、1.0）。"),
    "fixed_count": _l("固定数量须为 1 到 1000000 之间的整数。"),
    "team_size": _l("每组人数须为 2 到 10 之间的整数。"),
    "workload_cap": _l("工作量上限须为 1 到 1000 之间的整数。"),
    "frequency_cap": _l("频次上限须为 1 到 12 之间的整数。"),
    "period_start": _l("请填写日期（年-月-日）。"),
    "period_end": _l("请填写日期（年-月-日）。"),
    "deadline": _l("请填写日期（年-月-日）。"),
    "kind": _l("请选择随机源。"),
    "chain_hash": _l("请选择已固定的 drand 链。"),
    "round": _l("轮次须为正整数（留空则由平台选取）。"),
    "date": _l("请填写开奖日期（年-月-日）。"),
    "session_name": _l("请填写公开开奖的名称（不超过 200 个字）。"),
    "draws": _l("每行一次开奖：个数、最小号码、最大号码，如 5,1,35。"),
    "beacon": _l("请粘贴 drand 发布的该轮 JSON（含 round 与 signature）。"),
    "numbers": _l("每行一次开奖的号码，以逗号分隔，如 3,17,25,30,35。"),
    "reason": _l("请填写作废理由（6–500 个字）。"),
    "inspector": _l("请填写检查人员编号（不超过 16 个字符）。"),
}
# The form's names for the fields a service's refusal names.
SERVICE_FIELDS = {"scope": "scope_streets", "ratios": "ratio_A", "seed_source": "kind"}


def field_errors(messages: dict[str, Any], where: dict[str, str] | None = None) -> dict[str, str]:
    """marshmallow's messages as the page's messages beside the form's fields."""
    where = where or {}
    shown: dict[str, str] = {}
    for name, detail in messages.items():
        if name == "ratios" and isinstance(detail, dict):
            for grade in detail:
                shown[f"ratio_{grade}" if grade in GRADES else "ratio_A"] = str(
                    FIELD_ERRORS["ratio"]
                )
        elif name in ("scope", "seed_source") and isinstance(detail, dict):
            shown |= field_errors(detail, where)
        else:
            field = where.get(name, name if name != "scope" else "scope_streets")
            if name in ("streets", "statuses"):
                field = f"scope_{name}"
            shown[field] = str(FIELD_ERRORS.get(field, forms.INVALID))
    return shown


def refusal(error: AppError, default_field: str) -> dict[str, str]:
    """A service's refusal beside the fields it names, in the page's language (its message beside
    `default_field` when it names none, or names them without a message)."""
    shown: dict[str, str] = {}
    for name, detail in (error.errors or {}).items():
        text = forms.in_page_language(detail)
        if not isinstance(detail, list | dict) or (
            isinstance(detail, dict) and not {"zh", "en"} <= detail.keys()
        ):
            text = forms.message(error)
        shown[SERVICE_FIELDS.get(name, name)] = text
    return shown or {default_field: forms.message(error)}


def now():
    return utcnow()
