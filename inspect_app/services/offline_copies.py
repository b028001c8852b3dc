"""Offline copies: one inspection as a tablet downloads it, rendered once per state.

Tablets read far more often than teams write: 200 tablets syncing after a draw each fetch every
inspection of theirs. Every write (and the dispatch job) renders the inspection's detail once and
keeps it as text with the ETag of the state it shows; a read whose current state has that ETag is
answered with the stored text, in one indexed query after sign-in. The state is what the ETag
always followed: the inspection's version (every field write bumps it), the entity's version, the
newest change to its licences and to its other submitted results (and their version sums).

A copy is never served for another state, only rendered again; the state is read before the
detail, so a copy is never older than its ETag says (at worst newer, which the next read renews).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import peewee
from peewee import JOIN, fn

from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.models import Entity, Inspection, InspectionMember, Licence, OfflineCopy
from inspect_app.prepared import Prepared
from inspect_app.services import inspections

log = logging.getLogger(__name__)
PREPARE_BATCH = 200  # inspections rendered per transaction by the dispatch job


def etag(*parts: object) -> str:
    """A short, stable tag for the values a response depends on."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def _state_query(inspection_id: int, inspector_id: int | None = None):
    holder = Licence.holder == Entity.id
    others = Inspection.alias()
    submitted = (others.entity == Entity.id) & (others.status == inspections.SUBMITTED)
    depends_on = (  # a version sum moves on every change even if a clock stands still
        Licence.select(fn.MAX(Licence.updated_at)).where(holder),
        Licence.select(fn.SUM(Licence.version)).where(holder),
        others.select(fn.MAX(others.updated_at)).where(submitted),
        others.select(fn.SUM(others.version)).where(submitted),
    )
    query = (
        Inspection.select(
            Inspection.version,
            Inspection.updated_at,
            Entity.version,
            *depends_on,
            OfflineCopy.etag,
            OfflineCopy.body,
            OfflineCopy.body_gzip,
        )
        .join(Entity)
        .switch(Inspection)
        .join(OfflineCopy, JOIN.LEFT_OUTER)
    )
    where = Inspection.id == inspection_id
    if inspector_id is not None:  # access by team: another team's inspection is not found
        query = query.switch(Inspection).join(InspectionMember)
        where &= InspectionMember.inspector == inspector_id
    return query.where(where).tuples()


FOR_MEMBER = Prepared(_state_query, inspection_id=int, inspector_id=int)
ANY = Prepared(_state_query, inspection_id=int)


@dataclass(frozen=True)
class State:
    """An inspection's current state as a tablet sees it, and the stored text if it shows it."""

    etag: str
    copy: str | None
    copy_gzip: bytes | None = None


def _state(inspection_id: int, row: tuple) -> State:
    *depends_on, kept_tag, text, packed = row
    tag = etag("detail", inspection_id, *depends_on)
    if kept_tag != tag:
        return State(tag, None)
    return State(tag, text, None if packed is None else bytes(packed))  # PostgreSQL: memoryview


def state_for(inspector_id: int, inspection_id: int) -> State:
    """The state of one of my inspections; 404 when it is not mine."""
    row = FOR_MEMBER.first(inspection_id=inspection_id, inspector_id=inspector_id)
    if row is None:
        raise inspections.not_found()
    return _state(inspection_id, row)


def render(inspection: Inspection) -> dict[str, Any]:
    """The inspection's detail, kept as its offline copy; inside the write's transaction."""
    state = _state(inspection.id, ANY.first(inspection_id=inspection.id))
    body = inspections.detail(inspection)
    _keep(inspection.id, state.etag, _text(body))
    return body


def render_for_read(inspection: Inspection, state: State) -> str:
    """A read found no copy of `state`: render it, keep it for the next reader, answer with it.
    Keeping it is a convenience; a busy database only costs the next reader a render."""
    text = _text(inspections.detail(inspection))
    try:
        with database.atomic():
            _keep(inspection.id, state.etag, text)
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
                if state.copy is None:
                    render(inspections.get(inspection_id))
                    rendered += 1
    return rendered


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _keep(inspection_id: int, tag: str, text: str) -> None:
    values = {
        OfflineCopy.etag: tag,
        OfflineCopy.body: text,
        OfflineCopy.body_gzip: gzip.compress(text.encode(), compresslevel=9, mtime=0),
        OfflineCopy.rendered_at: utcnow(),
    }
    OfflineCopy.insert({OfflineCopy.inspection: inspection_id, **values}).on_conflict(
        conflict_target=[OfflineCopy.inspection], update=values
    ).execute()
