"""Guards every request passes before any view: text that no database column may hold."""

from __future__ import annotations

from typing import Any

from flask import request

from inspect_app.errors import AppError

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _has_body() -> bool:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return bool(request.content_length) or chunked


def refuse_nul_characters() -> None:
    """A NUL character anywhere in the path, query, form or JSON is refused with a 400: PostgreSQL
    cannot store it, and no field of ours means it."""
    parts: list[Any] = [request.path, list(request.args.items(multi=True))]
    if _has_body():  # most tablet syncs have none, and parse nothing here
        if request.form:
            parts.append(list(request.form.items(multi=True)))
        if request.is_json:
            parts.append(request.get_json(silent=True))
    if any(
        _has_nul(part if not isinstance(part, list) else [x for pair in part for x in pair])
        for part in parts
    ):
        raise AppError(
            "BAD_REQUEST",
            zh="请求中含有不允许的空字符（NUL）",
            en="The request contains a NUL character",
        )
