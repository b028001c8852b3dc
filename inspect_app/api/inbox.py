"""Everyone's inbox (/api/v1/inbox): the notices addressed to me — as a user, as an inspector,
at my desks, as one of my department's planners — read, filtered and acknowledged."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from inspect_app.actor import ROLES
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import Day, Strict
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.services import notifications

blp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox", description="收件箱 Inbox")


def _recipient_type(row) -> str:
    return next(
        name
        for name, present in (
            ("user", row.user_id),
            ("inspector", row.inspector_id),
            ("desk", row.desk_id),
            ("group", True),
        )
        if present is not None
    )


class NoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    recipient_type = ma.fields.Function(_recipient_type, metadata={"type": "string"})
    user = ma.fields.Integer(attribute="user_id", allow_none=True)
    inspector = ma.fields.Integer(attribute="inspector_id", allow_none=True)
    desk = ma.fields.Function(
        lambda n: n.desk.code if n.desk_id else None,
        metadata={"type": "string", "nullable": True},
    )
    role = ma.fields.String(allow_none=True)
    department = ma.fields.Function(
        lambda n: n.department.code if n.department_id else None,
        metadata={"type": "string", "nullable": True},
    )
    inspection = ma.fields.Integer(attribute="inspection_id", allow_none=True)
    task = ma.fields.Integer(attribute="task_id", allow_none=True)
    feedback = ma.fields.Integer(attribute="feedback_id", allow_none=True)
    payload = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Raw(metadata={"x-any-json-value": True})
    )
    created_at = ma.fields.DateTime()
    due_at = ma.fields.DateTime(allow_none=True)
    acknowledged_at = ma.fields.DateTime(allow_none=True)
    acknowledged_by = ma.fields.String(allow_none=True)
    settled_at = ma.fields.DateTime(allow_none=True)
    escalated_at = ma.fields.DateTime(allow_none=True)
    escalation_of = ma.fields.Integer(attribute="escalation_of_id", allow_none=True)


class NoticeDetailSchema(NoticeSchema):
    escalations = ma.fields.Function(
        lambda n: notifications.escalations_of(n.id),
        metadata={"type": "array", "items": {"type": "integer"}},
    )


class NoticeFilterSchema(Strict):
    kind = ma.fields.String(validate=ma.validate.Length(min=1, max=24))
    desk = ma.fields.String(
        validate=ma.validate.Length(min=1, max=32),
        metadata={"description": "only the notices of this desk (one of mine, by code)"},
    )
    acknowledged = ma.fields.Boolean()
    since = Day()
    until = Day()


@blp.route("")
class Inbox(MethodView):
    @require(*ROLES)
    @blp.etag
    @blp.arguments(NoticeFilterSchema, location="query")
    @blp.response(200, NoticeSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """My notices, newest first; filter by kind, desk, acknowledged or not, created
        since/until."""
        return notifications.inbox(current_actor(), args)


@blp.route("/<int:notice_id>")
class OneNotice(MethodView):
    @require(*ROLES)
    @blp.etag
    @blp.response(200, NoticeDetailSchema)
    def get(self, notice_id):
        """One of my notices, with the escalations it led to (another's: 404)."""
        return notifications.get_notice(current_actor(), notice_id)


@blp.route("/<int:notice_id>/acknowledge")
class Acknowledge(MethodView):
    @require(*ROLES)
    @blp.response(200, NoticeDetailSchema)
    def post(self, notice_id):
        """Acknowledge a notice (idempotent: a second call answers the first acknowledgement)."""
        return notifications.acknowledge(current_actor(), notice_id, utcnow())
