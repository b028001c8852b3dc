"""The tablet's two reads, answered as cheaply as they are asked: a 304 before any work when the
tablet holds the current state, else the kept offline copy as stored (gzip'd when it may be).

Both answers are made here, whole, so the views stay one call: the ETag spellings flask-compress
gives gzip'd answers, and the order of the state queries, are this module's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import Response, jsonify
from werkzeug.datastructures import ETags

from inspect_app import auth
from inspect_app.actor import Role
from inspect_app.prepared import Prepared
from inspect_app.schemas.tablet import SyncPageSchema
from inspect_app.services import inspections, offline_copies, sync

GZIP_TAG = "{}:gzip"  # how flask-compress marks the ETag of an answer it compressed
SYNC_PAGE = SyncPageSchema()
# Who asks and the state of the inspection they ask for, in one query (one round trip fewer on
# PostgreSQL than signing in first): a read that the tablet already holds costs just this.
SIGNED_IN_STATE = {
    body: Prepared(
        lambda digest, inspection_id, body=body: offline_copies.with_member_state(
            auth.sign_in_query(digest), inspection_id, body
        ).tuples(),
        digest=str,
        inspection_id=int,
    )
    for body in offline_copies.BODIES
    if body != "frame"
}
# Who asks and the state of their list's window (its newest change and count), in one query.
SIGNED_IN_NEWEST = sync.by_shape(
    lambda digest, **bounds: sync.with_newest(auth.sign_in_query(digest), **bounds).tuples(),
    digest=str,
)


@dataclass(frozen=True)
class Answer:
    """A read's answer: its status, its body (a schema's dump, or the kept copy's text or gzip'd
    bytes) and headers."""

    status: int
    body: dict | str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        if isinstance(self.body, dict):
            response = jsonify(self.body)
        elif self.body is None:
            response = Response()
        else:
            response = Response(self.body, mimetype="application/json")
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def _unchanged(tag: str, if_none_match: ETags) -> Answer | None:
    """304 when the tablet holds this version, under either spelling (answered with its own)."""
    for held in (tag, GZIP_TAG.format(tag)):
        if if_none_match.contains(held):
            return Answer(304, headers={"ETag": f'"{held}"'})
    return None


def read_list(
    bearer_digest: str | None,
    *,
    since: datetime | None,
    cursor: str | None,
    limit: int,
    if_none_match: ETags,
) -> Answer:
    """For the inspector holding the bearer token, their inspections, oldest change first
    (delta sync); 401 or 403 as for any inspector's request (the view's asked_by_the_view puts
    them before a bad cursor's 422). An unchanged list costs one query, the sign-in in it."""
    window = sync.window_for(None, since, cursor)  # whose, once the query says who asks
    row = None
    if bearer_digest is not None:
        row = SIGNED_IN_NEWEST[window.shape].first(digest=bearer_digest, **window.bounds())
    inspector_id = inspections.inspector_id_of(auth.sign_in_from(row, Role.INSPECTOR))
    window = replace(window, inspector_id=inspector_id)
    newest, count = row[auth.SIGN_IN_WIDTH :]
    asked = {"updated_since": since, "cursor": cursor, "limit": limit}
    asked = sorted((name, value) for name, value in asked.items() if value is not None)
    tag = offline_copies.etag("list", inspector_id, asked, newest, count)
    if (unchanged := _unchanged(tag, if_none_match)) is not None:
        return unchanged
    page = sync.read_page(window, limit, cursor)
    return Answer(200, SYNC_PAGE.dump(page), {"ETag": f'"{tag}"'})


def read_detail(
    bearer_digest: str | None, inspection_id: int, if_none_match: ETags, gzip_ok: bool
) -> Answer:
    """For the inspector holding the bearer token: 304, the kept copy as it is stored, or (no
    copy of this state yet) a fresh rendering; 401 or 403 as for any inspector's request, then
    404 when the inspection is not theirs."""
    wanted = "gzip" if gzip_ok else "text"
    # A tablet sending If-None-Match mostly holds this state: the body is asked for only if not.
    first = "none" if if_none_match else wanted
    row = None
    if bearer_digest is not None:
        row = SIGNED_IN_STATE[first].first(digest=bearer_digest, inspection_id=inspection_id)
    inspector_id = inspections.inspector_id_of(auth.sign_in_from(row, Role.INSPECTOR))
    state = offline_copies.state_from(inspection_id, row[auth.SIGN_IN_WIDTH :], first)
    if (unchanged := _unchanged(state.etag, if_none_match)) is not None:
        return unchanged
    if state.kept and state.body is None:
        state = offline_copies.state_for(inspector_id, inspection_id, wanted)
    if state.kept and gzip_ok:  # compressed when it was kept; flask-compress leaves it be
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Answer(200, state.body, {"ETag": f'"{GZIP_TAG.format(state.etag)}"', **headers})
    text = (
        state.body
        if state.kept
        else offline_copies.render_for_read(inspections.get_for(inspector_id, inspection_id), state)
    )
    return Answer(200, text, {"ETag": f'"{state.etag}"'})
