"""The console's labels written once: the roles a planner's page admits, and the page-language
names of inspection outcomes, licence statuses and licence events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PLANNERS = ("planner", "admin")
OUTCOME_LABELS = {
    "OK": _l("未发现问题"),
    "FIXED": _l("发现问题已责令改正"),
    "CASE": _l("发现问题待后续处理"),
    "NOBIZ": _l("未发现开展本次抽查涉及的经营活动"),
    "NOADDR": _l("通过登记的住所（经营场所）无法联系"),
    "REFUSE": _l("不配合检查，情节严重"),
    "CLOSED": _l("已关闭停业或正在组织清算"),
}
LICENCE_STATUS_LABELS = {
    "ACTIVE": _l("有效"),
    "SUSPENDED": _l("暂停"),
    "CANCELLED": _l("注销"),
    "REVOKED": _l("撤销"),
}
EVENT_LABELS = {
    "NEW": _l("新办"),
    "CHANGE": _l("变更"),
    "RENEW": _l("延续"),
    "REPLACE": _l("补证"),
    "SUSPEND": _l("暂停"),
    "RESUME": _l("恢复"),
    "CANCEL": _l("注销"),
    "REVOKE": _l("撤销"),
    "NOTE": _l("备注"),
}
