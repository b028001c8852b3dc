"""An inspection's photos, read back by their hash (issue 13 §5; docs/concurrency.md, "Photos").

Who may read one (docs/domain.md, "Who may see and do what"): the inspection's team, the task's
planners (its lead department's and its partners'), admins, and the record's reviewers: licensing
staff who see feedback of that inspection, as services.feedback's inbox decides it (so a change
there, e.g. to desks, carries over here). Anyone else: 404, as if there were no such photo.
The bytes live where fieldwork stored them, under their SHA-256: the hash is the photo's ETag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from inspect_app.access import Action, PhotoAudience, allows, ensure
from inspect_app.actor import Actor
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Evidence,
    Feedback,
    Inspection,
    InspectionMember,
    Inspector,
    SpotCheckTask,
)
from inspect_app.services import feedback

HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Photo:
    sha256: str
    content_type: str
    path: Path


def _not_found() -> AppError:
    return AppError("NOT_FOUND", zh="未找到该照片", en="No such photo")


def _reviews(actor: Actor, inspection_id: int) -> bool:
    """Whether this licensing account sees feedback of the inspection in its inbox."""
    if not allows(actor, Action.ACT_ON_FEEDBACK):
        return False
    return feedback.inbox(actor, {}).where(Feedback.inspection == inspection_id).exists()


def audience(actor: Actor, inspection: Inspection) -> PhotoAudience:
    task = SpotCheckTask.get_by_id(inspection.task_id)
    team = {
        m.inspector.user_id
        for m in InspectionMember.select(InspectionMember, Inspector)
        .join(Inspector)
        .where(InspectionMember.inspection == inspection)
    }
    lead = Department.get_by_id(task.lead_id).code
    return PhotoAudience(
        team_user_ids=frozenset(u for u in team if u is not None),
        planner_departments=frozenset({lead, *(task.partners or [])}),
        reviewer=_reviews(actor, inspection.id),
    )


def photo(actor: Actor, inspection_id: int, sha256: str, evidence_dir: Path) -> Photo:
    """One photo of one inspection, for those allowed to read it (else 404)."""
    inspection = Inspection.get_or_none(Inspection.id == inspection_id)
    if inspection is None or not HASH.fullmatch(sha256):
        raise _not_found()
    ensure(actor, Action.READ_PHOTO, audience(actor, inspection))
    row = Evidence.get_or_none((Evidence.inspection == inspection) & (Evidence.sha256 == sha256))
    path = evidence_dir / sha256[:2] / sha256
    if row is None or not path.is_file():
        raise _not_found()
    return Photo(sha256, row.content_type, path)
