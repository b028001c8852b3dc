"""Offline copies: one inspection as a tablet downloads it, rendered once per state.

Tablets read far more often than teams write: 200 tablets syncing after a draw each fetch every
inspection of theirs. Every write (and the dispatch job) renders the inspection's detail once and
keeps it as text with the ETag of the state it shows; a read whose current state has that ETag is
answered with the stored text, in one indexed query (the sign-in in it). The state is what the ETag
always followed: the inspection's version (every field write bumps it), the entity's version, the
newest change to its licences and to its other submitted results (and their version sums).

A copy is never served for another state, only rendered again; the state is read before the
detail, so a copy is never older than its ETag says (at worst newer, which the next read renews).

A copy also keeps its frame: the parts that follow the entity, its licences and its history
rather than the inspection (street, licence and permits, last results), with the state of those
(the frame tag: the ETag's values but the inspection's own). A tablet write moves only the
inspection, so its copy is rendered around the frame kept by the write before, four queries fewer
(issue 17); the frame is read before the rest and is only taken when its tag is the one the state
gives, so it is never older than the copy says either.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import peewee
from peewee import JOIN, fn

from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.models import (
    Entity,
    Inspection,
    InspectionMember,
    Inspector,
    Licence,
    OfflineCopy,
)
from inspect_app.prepared import Prepared, raw
from inspect_app.schemas.tablet import DETAIL
from inspect_app.services import inspections
from inspect_app.services.idempotency import Encoded

log = logging.getLogger(__name__)
PREPARE_BATCH = 200  # inspections rendered per transaction by the dispatch job


def etag(*parts: object) -> str:
    """A short, stable tag for the values a response depends on."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


# Which stored body a state query brings along: none when the tablet probably holds this state
# already (it sent If-None-Match), else the one it will be sent.
BODIES = {
    "none": (),
    "text": (OfflineCopy.body,),
    "gzip": (OfflineCopy.body_gzip,),
    "frame": (OfflineCopy.frame_tag, OfflineCopy.frame),  # a write's: what it may render around
}
# What a copy's frame holds (InspectionSchema's keys).
FRAME = ("street", "licence", "last_results")


def _state_columns(body: str) -> tuple:
    holder = Licence.holder == Entity.id
    others = Inspection.alias()
    submitted = (others.entity == Entity.id) & (others.status == InspectionStatus.SUBMITTED)
    depends_on = (  # a version sum moves on every change even if a clock stands still
        Licence.select(fn.MAX(Licence.updated_at)).where(holder),
        Licence.select(fn.SUM(Licence.version)).where(holder),
        others.select(fn.MAX(others.updated_at)).where(submitted),
        others.select(fn.SUM(others.version)).where(submitted),
    )
    return (
        Inspection.version,
        Inspection.updated_at,
        Entity.version,
        *depends_on,
        OfflineCopy.etag,
        *BODIES[body],
    )


def _state_query(inspection_id: int, inspector_id: int | None = None, *, body: str = "none"):
    query = (
        Inspection.select(*_state_columns(body))
        .join(Entity)
        .switch(Inspection)
        .join(OfflineCopy, JOIN.LEFT_OUTER)
    )
    where = Inspection.id == inspection_id
    if inspector_id is not None:  # access by team: another team's inspection is not found
        query = query.switch(Inspection).join(InspectionMember)
        where &= InspectionMember.inspector == inspector_id
    return query.where(where).tuples()


def with_member_state(
    query: peewee.ModelSelect, inspection_id: int, body: str = "none"
) -> peewee.ModelSelect:
    """`query` (in which Inspector is joined) and after its own columns the state of the
    inspection, when that inspector is on its team; nulls when not (state_from reads them). How a
    tablet's read asks who it is and the state in one query."""
    on_team = (InspectionMember.inspector == Inspector.id) & (
        InspectionMember.inspection == inspection_id
    )
    return (
        query.select_extend(*_state_columns(body))
        .switch(Inspector)
        .join(InspectionMember, JOIN.LEFT_OUTER, on=on_team)
        .join(Inspection, JOIN.LEFT_OUTER, on=(Inspection.id == InspectionMember.inspection))
        .join(Entity, JOIN.LEFT_OUTER, on=(Entity.id == Inspection.entity))
        .switch(Inspection)
        .join(OfflineCopy, JOIN.LEFT_OUTER, on=(OfflineCopy.inspection == Inspection.id))
    )


FOR_MEMBER = {
    body: Prepared(partial(_state_query, body=body), inspection_id=int, inspector_id=int)
    for body in BODIES
}
ANY = Prepared(_state_query, inspection_id=int)
WITH_FRAME = Prepared(partial(_state_query, body="frame"), inspection_id=int)


@dataclass(frozen=True)
class State:
    """An inspection's current state as a tablet sees it: whether a copy of it is kept, and that
    copy's body when the query asked for one (text, or gzip'd bytes)."""

    etag: str
    kept: bool
    body: str | bytes | None = None
    frame_tag: str = ""  # the state of what the frame shows (the entity's, licences', history's)


def _state(inspection_id: int, row: tuple, body: str = "none") -> State:
    width = len(row) - len(BODIES[body])
    *depends_on, kept_tag = row[:width]
    tag = etag("detail", inspection_id, *depends_on)
    frame_tag = etag("frame", inspection_id, *depends_on[2:])  # all but the inspection's own
    if kept_tag != tag or body == "frame":
        return State(tag, kept_tag == tag, frame_tag=frame_tag)
    stored = row[width] if width < len(row) else None
    if body == "gzip":
        stored = bytes(stored)  # PostgreSQL: memoryview
    return State(tag, True, stored, frame_tag)


def state_for(inspector_id: int, inspection_id: int, body: str = "none") -> State:
    """The state of one of my inspections (with the kept copy's `body`: none, text or gzip);
    404 when it is not mine."""
    row = FOR_MEMBER[body].first(inspection_id=inspection_id, inspector_id=inspector_id)
    return state_from(inspection_id, row, body)


def state_from(inspection_id: int, row: tuple | None, body: str = "none") -> State:
    """The state a state query's row (or with_member_state's last columns) gives; 404 when
    there is none (the inspection is not mine)."""
    if row is None or row[0] is None:
        raise inspections.not_found()
    return _state(inspection_id, row, body)


def render(inspection: Inspection) -> dict[str, Any]:
    """The inspection's detail (InspectionSchema's dump), kept as its offline copy."""
    return _render(inspection, _state(inspection.id, ANY.first(inspection_id=inspection.id)))


def render_unkept(
    inspection: Inspection,
) -> tuple[dict[str, Any], Callable[[], None], Encoded]:
    """The inspection's detail, how to keep it as its offline copy, and the copy encoded: a
    tablet write renders it (on SQLite after its commit, outside any transaction; on PostgreSQL
    in the change's), keeps it with its answer, and sends the very bytes it kept."""
    row = WITH_FRAME.first(inspection_id=inspection.id)
    state = _state(inspection.id, row, "frame")
    if _moved(inspection, row):  # a teammate's write committed since: show it, as the tag does
        inspection = inspections.get(inspection.id)
    frame = _kept_frame(row, state)
    if frame is None:
        body = DETAIL.dump(inspections.detail(inspection))  # read after the state: never older
    else:  # the entity, its licences and its history stood still: render the rest around it
        around = DETAIL.dump(inspections.detail(inspection, frame=False))
        body = {key: frame.get(key, value) for key, value in around.items()}
    text = _text(body)
    packed = _packed(text)
    return body, lambda: _keep(inspection.id, state, body, text, packed), Encoded(text, packed)


def _kept_frame(row: tuple, state: State) -> dict[str, Any] | None:
    """The kept copy's frame (WITH_FRAME's last two values), if it shows the state as it stands."""
    kept_tag, kept = row[-2:]
    if kept is None or kept_tag != state.frame_tag:
        return None
    frame = json.loads(kept)
    return frame if frame.keys() >= set(FRAME) else None


def _moved(inspection: Inspection, row: tuple) -> bool:
    """Whether the inspection or its entity changed since `inspection` was read (a state row's
    versions are its first and third values)."""
    return (row[0], row[2]) != (inspection.version, inspection.entity.version)


def _render(inspection: Inspection, state: State) -> dict[str, Any]:
    body = DETAIL.dump(inspections.detail(inspection))  # read after the state: never older
    _keep(inspection.id, state, body, _text(body))
    return body


def render_for_read(inspection: Inspection, state: State) -> str:
    """A read found no copy of `state`: render it, keep it for the next reader, answer with it.
    Keeping it is a convenience; a busy database only costs the next reader a render."""
    body = DETAIL.dump(inspections.detail(inspection))
    text = _text(body)
    try:
        with database.atomic():
            _keep(inspection.id, state, body, text)
    except (peewee.OperationalError, peewee.IntegrityError) as error:
        log.warning("offline_copy.keep_failed inspection_id=%s error=%r", inspection.id, error)
    return text


def prepare(inspection_ids: Iterable[int]) -> int:
    """Render the copies that are missing or stale (the dispatch job, after a draw), in batches;
    returns how many were rendered. Running it again renders nothing."""
    ids, rendered = sorted(inspection_ids), 0
    for start in range(0, len(ids), PREPARE_BATCH):
        with database.atomic():
            for inspection_id in ids[start : start + PREPARE_BATCH]:
                state = _state(inspection_id, ANY.first(inspection_id=inspection_id))
                if not state.kept:
                    _render(inspections.get(inspection_id), state)
                    rendered += 1
    return rendered


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _packed(text: str) -> bytes:
    """A copy's text as sent to tablets that accept gzip (the same bytes for the same text)."""
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def _keep_query(inspection_id, **markers):
    values = {getattr(OfflineCopy, name): raw(marker) for name, marker in markers.items()}
    return OfflineCopy.insert({OfflineCopy.inspection: inspection_id, **values}).on_conflict(
        conflict_target=[OfflineCopy.inspection], update=values
    )


# One copy kept, in place of the one before (inspect_app/prepared.py).
KEEP = Prepared(
    _keep_query,
    inspection_id=int,
    **dict.fromkeys(("etag", "body", "body_gzip", "rendered_at", "frame_tag", "frame"), str),
)


def _keep(
    inspection_id: int, state: State, body: dict[str, Any], text: str, packed: bytes | None = None
) -> None:
    """Keep a copy of `state` and its frame (gzip it first, outside the caller's transaction,
    when it can: `packed`)."""
    if packed is None:
        packed = _packed(text)
    KEEP.run(
        inspection_id=inspection_id,
        etag=state.etag,
        body=text,
        body_gzip=OfflineCopy.body_gzip.db_value(packed),
        rendered_at=OfflineCopy.rendered_at.db_value(utcnow()),
        frame_tag=state.frame_tag,
        frame=_text({key: body[key] for key in FRAME}),
    )
