"""Guards every request passes before any view: a JSON body that can be read safely, and text that
no database column may hold."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from flask import request

from inspect_app.errors import AppError

NUL = "\x00"
# Our deepest body (an amendment's changes to its items) is four levels deep; a body much deeper
# than that means nothing to any view, and walking it (here, in marshmallow) would need a deep stack.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE = {"zh": "包含无效的 Unicode 字符（孤立代理项）", "en": "Contains a lone surrogate."}


def has_lone_surrogate(text: str) -> bool:
    """True when `text` holds half of a UTF-16 pair: JSON's "\\ud800" decodes to one, and no
    UTF-8 encoder (the database's, the audit hash's, our own answers') can write it."""
    return _SURROGATE.search(text) is not None


def _strings(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every key and string of a JSON value with the path to it, walked without recursion."""
    pending = [(path, value)]
    while pending:
        here, node = pending.pop()
        if isinstance(node, str):
            yield here, node
        elif isinstance(node, Mapping):
            for key, item in node.items():
                yield (*here, key), key
                pending.append(((*here, key), item))
        elif isinstance(node, list):
            pending.extend(((*here, index), item) for index, item in enumerate(node))


def _depth(value: Any) -> int:
    deepest, pending = 0, [(1, value)]
    while pending:
        level, node = pending.pop()
        if isinstance(node, Mapping | list):
            deepest = max(deepest, level)
            pending.extend((level + 1, item) for item in _children(node))
    return deepest


def _children(node: Mapping | list) -> list:
    return list(node.values()) if isinstance(node, Mapping) else node


def _has_body() -> bool:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return bool(request.content_length) or chunked


def _json_body() -> Any:
    """The JSON body, or None when there is none or it is not JSON (the view's schema then says
    so). A body nested beyond MAX_JSON_DEPTH (or the parser's stack), or with a number too long
    for Python to read (over 4,300 digits), is a 400 here: the parsers after us would fail on it."""
    try:
        body = json.loads(request.get_data(cache=True))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:
        raise AppError(
            "MALFORMED_JSON",
            zh="JSON 中的数字过长",
            en="A number in the JSON body is too long",
        ) from error
    if _depth(body) > MAX_JSON_DEPTH:
        raise _too_deep()
    return body


def _too_deep() -> AppError:
    return AppError(
        "MALFORMED_JSON",
        zh=f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）",
        en=f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)",
    )


def _refuse_nul(texts: list[str]) -> None:
    if any(NUL in text for text in texts):
        raise AppError(
            "BAD_REQUEST",
            zh="请求中含有不允许的空字符（NUL）",
            en="The request contains a NUL character",
        )


def lone_surrogate_errors(value: Any, message: Any) -> dict:
    """Where the lone surrogates in a JSON value are, nested as marshmallow nests field errors
    ({"permits": {0: {"permit_number": [message]}}}); {} when there is none. A bad key is named
    "?" rather than echoed back (it could not be written out), and what it holds is not looked at."""
    errors: dict = {}
    for path, text in _strings(value):
        if not has_lone_surrogate(text):
            continue
        names = [p if isinstance(p, int) or not has_lone_surrogate(p) else "?" for p in path]
        if "?" in names[:-1]:
            continue
        node = errors
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1] if names else "_schema"] = [message]
    return errors


def refuse_unsafe_input() -> None:
    """A NUL character anywhere in the path, query, form or JSON is a 400 (PostgreSQL cannot store
    it, and no field of ours means it); so is JSON nested too deeply; a lone surrogate in the JSON
    is a 422 naming the field. Any JSON value is walked, an array or a bare string as well."""
    texts = [request.path, *(t for pair in request.args.items(multi=True) for t in pair)]
    body = None
    if _has_body():  # most tablet syncs have none, and parse nothing here
        if request.form:
            texts.extend(t for pair in request.form.items(multi=True) for t in pair)
        if request.is_json:
            body = _json_body()
            texts.extend(text for _, text in _strings(body))
    _refuse_nul(texts)
    surrogates = lone_surrogate_errors(body, LONE_SURROGATE)
    if surrogates:
        raise AppError("VALIDATION_FAILED", errors={"json": surrogates})
