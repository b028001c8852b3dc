"""An inspection's photos by their hash: GET for the team, the task's planners, the record's
reviewers and admins (services/photos.py), cached for good (the hash is the ETag)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, request, send_file
from flask.views import MethodView

from inspect_app.api.base import Blueprint
from inspect_app.auth import current_actor, require
from inspect_app.services import photos

blp = Blueprint(
    "photos", __name__, url_prefix="/api/v1/inspections", description="现场照片 Inspection photos"
)

# A photo never changes under its hash: keep it, privately (it is not public), for a year.
CACHE_CONTROL = "private, max-age=31536000, immutable"


def _answer(photo: photos.Photo) -> Response:
    """The bytes (or 304 when the client holds them), typed, with the hash as strong ETag."""
    if request.if_none_match.contains(photo.sha256):
        response = Response(status=304)
    else:
        response = send_file(photo.path, mimetype=photo.content_type, conditional=False)
    response.set_etag(photo.sha256)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/<int:inspection_id>/photos/<string:sha256>")
class InspectionPhoto(MethodView):
    @require("inspector", "planner", "licensing", "admin")
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="image/*",
        description="the photo: image/jpeg or image/png, as its content showed at upload",
    )
    @blp.alt_response(304, description="Not Modified: If-None-Match named the photo's hash")
    def get(self, inspection_id, sha256):
        """A photo of the inspection by its SHA-256 (the evidence's `url` in the offline copy)."""
        photo = photos.photo(
            current_actor(), inspection_id, sha256, Path(current_app.config["EVIDENCE_DIR"])
        )
        return _answer(photo)
