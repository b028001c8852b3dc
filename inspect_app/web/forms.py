"""The pages' query parameters, parsed by marshmallow as the API parses its own; a bad value is
shown beside its field, never raised as a 500."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from inspect_app.domain.licence_qr import MAX_SCAN_CHARS
from inspect_app.domain.task import LedgerState
from inspect_app.errors import AppError
from inspect_app.services import ledger

STATES = [state.value for state in LedgerState]
PAGE_SIZE = 20
STATE_LABELS = {
    "awaiting_draw": _l("待抽取"),
    "overdue": _l("逾期未抽取"),
    "drawn": _l("已抽取"),
    "voided": _l("已作废"),
}
# What the page says beside a bad field, in the page's language.
FIELD_ERRORS = {
    "state": _l("未知的状态，请从列表中选择。"),
    "page": _l("页码须为正整数。"),
    "payload": _l("请粘贴许可证二维码的内容（不超过 %(n)s 个字符）。", n=MAX_SCAN_CHARS),
    "username": _l("请输入用户名（不超过 32 个字符）。"),
    "password": _l("请输入密码。"),
    "new_password": _l("请输入新密码。"),
    "repeat": _l("请再输入一次新密码。"),
}


INVALID = _l("此项的值无效。")


class PageForm(ma.Schema):
    """A page's query or form: the CSRF token and the language are not fields; a blank field is
    an absent one."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _blank_is_absent(self, data, **kwargs):
        return {k: v for k, v in data.items() if v != ""}


class LedgerQuery(PageForm):
    state = ma.fields.String(validate=ma.validate.OneOf(STATES), load_default=None)
    page = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100_000), load_default=1)


class VerifyQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    payload = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=MAX_SCAN_CHARS)
    )


class SignInForm(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # csrf_token

    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))


class PasswordForm(SignInForm):
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))
    repeat = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))


def in_page_language(text: Any) -> str:
    """A {"zh", "en"} message (or a list of them, or plain text) in the page's language."""
    if isinstance(text, list):
        return " ".join(in_page_language(part) for part in text)
    if isinstance(text, dict) and {"zh", "en"} <= text.keys():
        return text["zh"] if get_locale_code() == "zh" else text["en"]
    return str(text)


def message(error: AppError) -> str:
    """An error's message in the page's language."""
    return in_page_language(error.payload()["message"])


def errors_of(error: AppError, default_field: str) -> dict[str, str]:
    """A service's refusal as messages beside the fields it names (its message beside
    `default_field` when it names none)."""
    named = {name: in_page_language(text) for name, text in (error.errors or {}).items()}
    return named or {default_field: message(error)}


def get_locale_code() -> str:
    return str(get_locale() or "zh")[:2]


def parse(
    schema: ma.Schema, args, messages: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values, errors by field); values hold the defaults where a field was bad. The message
    beside a bad field is the page's own (`messages`), else the portal's, else INVALID."""
    mine = messages or {}
    try:
        return schema.load(args), {}
    except ma.ValidationError as error:
        bad = tuple(error.messages)
        good = {k: v for k, v in args.items() if k not in bad}
        defaults = {
            name: field.load_default
            for name, field in schema.fields.items()
            if name in bad and field.load_default is not ma.missing
        }
        return defaults | schema.load(good, partial=bad), {
            k: mine.get(k, FIELD_ERRORS.get(k, INVALID)) for k in bad
        }


def ledger_filter(values: dict[str, Any]) -> ledger.LedgerFilter:
    state = values.get("state")
    return ledger.LedgerFilter(state=LedgerState(state) if state else None)


class Pager:
    """Page `number` of `total` rows, `size` a page (a number past the end shows the last page)."""

    def __init__(self, number: int, size: int, total: int):
        self.size, self.total = size, total
        self.pages = max(1, -(-total // size))
        self.number = min(number, self.pages)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None
