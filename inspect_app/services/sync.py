"""My inspections for a tablet's delta sync: what changed since a time or after a cursor.

Every tablet asks this on every sync, mostly to learn that nothing changed, so the two queries are
built once per filter shape (inspect_app/prepared.py): the newest change and the count, which the
list's ETag is made of (asked with the sign-in: with_newest), and one page in (updated_at, id)
order.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import product

from peewee import ModelSelect, fn

from inspect_app.clock import as_utc, within_years
from inspect_app.errors import AppError
from inspect_app.models import Inspection, Inspector
from inspect_app.prepared import Prepared
from inspect_app.services.inspections import SUMMARY_COLUMNS, my_inspections


@dataclass(frozen=True)
class Window:
    """Which of my inspections a sync asks for: changed after `since`, and after the cursor
    (`after`, `after_id`: the last row of the previous page). `inspector_id` None: whose is
    not known yet (the list asks who asks and the window's state in one query)."""

    inspector_id: int | None
    since: datetime | None = None
    after: datetime | None = None
    after_id: int | None = None

    @property
    def shape(self) -> tuple[bool, bool]:
        return self.since is not None, self.after is not None

    def values(self) -> dict:
        return {"inspector_id": self.inspector_id, **self.bounds()}

    def bounds(self) -> dict:
        """The window's bounds, as the prepared queries take them (the inspector's id aside)."""
        stored = Inspection.updated_at.db_value
        values: dict = {}
        if self.since is not None:
            values["since"] = stored(self.since)
        if self.after is not None:
            values |= {"after": stored(self.after), "after_id": self.after_id}
        return values


def _window(inspector_id: int, since=None, after=None, after_id=None):
    query = my_inspections(inspector_id)
    if since is not None:
        query = query.where(Inspection.updated_at > since)
    if after is not None:
        query = query.where(
            (Inspection.updated_at > after)
            | ((Inspection.updated_at == after) & (Inspection.id > after_id))
        )
    return query


def with_newest(query: ModelSelect, **bounds) -> ModelSelect:
    """`query` (in which Inspector is joined) and after its own columns the newest change and
    the number of inspections in that inspector's window (`bounds`: Window.bounds()), what the
    list's ETag follows; null and 0 when it is not an inspector. How a tablet's list asks who it
    is and the list's state in one query."""
    window = partial(_window, Inspector.id, **bounds)
    return query.select_extend(
        window().select(fn.MAX(Inspection.updated_at)), window().select(fn.COUNT(Inspection.id))
    )


def _page(limit: int, **values):
    return (
        _window(**values)
        .select(*SUMMARY_COLUMNS)
        .order_by(Inspection.updated_at, Inspection.id)
        .limit(limit)
    )


def by_shape(build: Callable, **extra: type) -> dict[tuple[bool, bool], Prepared]:
    """`build` prepared once for each shape of window (Window.shape), taking `extra` and the
    bounds that shape has."""
    prepared = {}
    for since, after in product((False, True), repeat=2):
        kinds: dict[str, type] = dict(extra)
        if since:
            kinds["since"] = datetime
        if after:
            kinds |= {"after": datetime, "after_id": int}
        prepared[since, after] = Prepared(build, **kinds)
    return prepared


PAGE = by_shape(_page, inspector_id=int, limit=int)


def window_for(inspector_id: int | None, since: datetime | None, cursor: str | None) -> Window:
    """The window a sync asks for: changed after `since`, after the previous page's cursor."""
    after, after_id = _parse_cursor(cursor) if cursor is not None else (None, None)
    return Window(inspector_id, since, after, after_id)


def _cursor(inspection: Inspection) -> str:
    raw = f"{as_utc(inspection.updated_at).isoformat()}|{inspection.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_cursor(text: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = (
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        )
        after = datetime.fromisoformat(stamp)
        if not within_years(after):  # no cursor of ours is; year 1 overflows in as_utc
            raise ValueError(stamp)
        return as_utc(after), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise AppError(
            "VALIDATION_FAILED",
            errors={"cursor": [{"zh": "同步游标无效", "en": "Invalid cursor."}]},
        ) from error


@dataclass(frozen=True)
class SyncPage:
    """One page of a delta sync (dumped by SyncPageSchema)."""

    items: list[Inspection]
    next_cursor: str | None
    has_more: bool


def read_page(window: Window, limit: int, cursor: str | None) -> SyncPage:
    """Up to `limit` inspections of the window and the cursor of the next page (one query)."""
    rows = page(window, limit + 1)
    items = rows[:limit]
    return SyncPage(items, _cursor(items[-1]) if items else cursor, len(rows) > limit)


def page(window: Window, limit: int) -> list[Inspection]:
    """Up to `limit` inspections of the window, oldest change first, with what summary() reads."""
    return list(PAGE[window.shape].rows(limit=limit, **window.values()))
