"""The licensing inbox (/api/v1/licensing): feedback from inspections, acknowledged and acted on,
each at the desk it is routed to (docs/domain.md, "Desks and inboxes")."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.fields import Strict, Text
from inspect_app.auth import current_actor, require
from inspect_app.clock import local, utcnow
from inspect_app.domain.inspection import Outcome
from inspect_app.services import feedback

# Who handles feedback (the service asks the same of every call).
FEEDBACK_HANDLERS = ("licensing", "admin")

blp = Blueprint(
    "licensing", __name__, url_prefix="/api/v1/licensing", description="审批反馈 Licensing inbox"
)


class FeedbackSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    outcome = ma.fields.String()
    inspection = ma.fields.Integer(attribute="inspection_id")
    credit_code = ma.fields.String(attribute="entity.credit_code")
    entity_name = ma.fields.String(attribute="entity.name")
    licence = ma.fields.Function(
        lambda f: f.licence.number if f.licence_id else None,
        metadata={"type": "string", "nullable": True},
    )
    status = ma.fields.String()
    details = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    due_on = ma.fields.Date(allow_none=True)
    delivered_at = ma.fields.DateTime(allow_none=True)
    acknowledged_at = ma.fields.DateTime(allow_none=True)
    action = ma.fields.String(allow_none=True)
    action_reason = ma.fields.String(allow_none=True)
    acted_at = ma.fields.DateTime(allow_none=True)
    licence_event = ma.fields.Integer(attribute="licence_event_id", allow_none=True)
    version = ma.fields.Integer()
    desk = ma.fields.Function(  # issue 13 §2: the desk it is routed to
        lambda f: f.desk.code if f.desk_id else None,
        metadata={"type": "string", "nullable": True},
    )


class InboxFilterSchema(Strict):
    status = ma.fields.String(
        validate=validate.OneOf(["DELIVERED", "ACKNOWLEDGED", "ESCALATED", "ACTED"])
    )
    # the outcomes that reach licensing (domain.inspection.LICENCE_IN_DOUBT), in this order
    outcome = ma.fields.String(
        validate=validate.OneOf([o.value for o in (Outcome.NOBIZ, Outcome.NOADDR, Outcome.CLOSED)])
    )
    overdue = ma.fields.Boolean()
    desk = ma.fields.String(validate=validate.Length(min=1, max=16))  # one of my desks


class ActSchema(Strict):
    action = ma.fields.String(required=True, validate=validate.OneOf(feedback.LICENSING_ACTIONS))
    reason = Text(max_length=256, required=True)


@blp.route("/feedback")
class Inbox(MethodView):
    @require(*FEEDBACK_HANDLERS)
    @blp.etag
    @blp.arguments(InboxFilterSchema, location="query")
    @blp.response(200, FeedbackSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Feedback for licensing at my desks, newest first; filter by desk, status, outcome,
        overdue."""
        return feedback.inbox(current_actor(), args | {"today": local(utcnow()).date()})


@blp.route("/feedback/<int:feedback_id>")
class OneFeedback(MethodView):
    @require(*FEEDBACK_HANDLERS)
    @blp.etag
    @blp.response(200, FeedbackSchema)
    def get(self, feedback_id):
        return feedback.get_feedback(current_actor(), feedback_id)


@blp.route("/feedback/<int:feedback_id>/acknowledge")
class Acknowledge(MethodView):
    @require(*FEEDBACK_HANDLERS)
    @blp.etag
    @blp.response(200, FeedbackSchema)
    @blp.if_match_documented
    def post(self, feedback_id):
        """Acknowledge receipt; If-Match carries the feedback's ETag (412 when stale, 428 when absent)."""
        actor = current_actor()
        row = feedback.get_feedback(actor, feedback_id)
        blp.check_if_match(row, FeedbackSchema)
        return feedback.acknowledge(actor, feedback_id, row.version, utcnow())


@blp.route("/feedback/<int:feedback_id>/act")
class Act(MethodView):
    @require(*FEEDBACK_HANDLERS)
    @blp.etag
    @blp.arguments(ActSchema)
    @blp.response(200, FeedbackSchema)
    @blp.if_match_documented
    def post(self, data, feedback_id):
        """Act: SUSPEND_PERMIT, START_CANCELLATION or NO_ACTION (with a reason) — a licence event.
        If-Match carries the feedback's ETag (412 when stale, 428 when absent)."""
        actor = current_actor()
        row = feedback.get_feedback(actor, feedback_id)
        blp.check_if_match(row, FeedbackSchema)
        return feedback.act(
            actor, feedback_id, data["action"], data["reason"], row.version, utcnow()
        )
