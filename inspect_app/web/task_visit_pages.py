"""The console's progress of a drawn task (its inspections, overdue, the map) and an inspection's
record with results, signatures and photos (served under the photos' own policy)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template, send_file

from inspect_app.clock import local
from inspect_app.services import photos, task_progress
from inspect_app.web import session
from inspect_app.web.console import bp
from inspect_app.web.labels import OUTCOME_LABELS, PLANNERS
from inspect_app.web.task_forms import (
    INSPECTION_STATUS_LABELS,
    RESULT_LABELS,
    now,
)

# -- progress and an inspection's record --


@bp.get("/tasks/<code>/progress")
@session.signed_in(*PLANNERS)
def task_progress_page(code):
    task, rows = task_progress.progress(session.actor(), code, local(now()).date())
    return render_template(
        "console/task_progress.html",
        task=task,
        rows=rows,
        outcome_labels=OUTCOME_LABELS,
        overdue=sum(1 for r in rows if r.overdue),
        submitted=sum(1 for r in rows if r.inspection.status == "SUBMITTED"),
        status_labels=INSPECTION_STATUS_LABELS,
    )


@bp.get("/inspections/<int:inspection_id>")
@session.signed_in(*PLANNERS)
def inspection_page(inspection_id):
    task, detail = task_progress.inspection_record(session.actor(), inspection_id)
    return render_template(
        "console/task_inspection.html",
        task=task,
        detail=detail,
        status_labels=INSPECTION_STATUS_LABELS,
        outcome_labels=OUTCOME_LABELS,
        result_labels=RESULT_LABELS,
        overdue=task_progress.is_overdue(detail.inspection, local(now()).date()),
    )


@bp.get("/inspections/<int:inspection_id>/photos/<sha256>")
@session.signed_in(*PLANNERS)
def inspection_photo(inspection_id, sha256):
    """A photo for whoever the API would show it to (services/photos.py), privately cached."""
    photo = photos.photo(
        session.actor(), inspection_id, sha256, Path(current_app.config["EVIDENCE_DIR"])
    )
    response = send_file(photo.path, mimetype=photo.content_type, conditional=False)
    response.set_etag(photo.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
