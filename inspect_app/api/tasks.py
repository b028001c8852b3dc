"""Spot-check tasks (抽查任务): plan, freeze (publish the commitment), draw, read teams and exclusions."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from inspect_app.actor import ROLES
from inspect_app.api.base import Blueprint, QueryPage
from inspect_app.api.draw_schemas import (
    DrawResultSchema,
    RevealSchema,
    SeedSourceSchema,
    no_duplicate_keys,
)
from inspect_app.api.fields import Day, Strict, Text
from inspect_app.api.public import LedgerEntrySchema
from inspect_app.auth import current_actor, require
from inspect_app.clock import utcnow
from inspect_app.domain.task import PartnerAnswer
from inspect_app.services import disclosure, draws, ledger, tasks

blp = Blueprint(
    "tasks", __name__, url_prefix="/api/v1/tasks", description="抽查任务 Spot-check tasks"
)

GRADE_KEYS = validate.OneOf(["A", "B", "C", "D"])
RATIO = validate.Regexp(
    r"^(0|1|0\.\d{0,3}[1-9])$",
    error="Must be a decimal between 0 and 1 in its one spelling, e.g. 0.05 or 0.4 (not 0.050, "
    "0.40, 1.0) / 须为 0 到 1 之间唯一写法的小数，如 0.05、0.4（不写 0.050、0.40、1.0）",
)


class ScopeSchema(Strict):
    streets = ma.fields.List(Text(max_length=8), validate=validate.Length(max=50))
    statuses = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(["ACTIVE", "SUSPENDED"])),
        validate=validate.Length(min=1),
    )
    licensed_from = Day()
    licensed_until = Day()


class TaskPlanSchema(Strict):
    name = Text(max_length=128, required=True)
    industry = Text(max_length=4, required=True)
    lead = Text(max_length=8)
    partners = ma.fields.List(
        Text(max_length=8), load_default=list, validate=validate.Length(max=10)
    )
    risk_points = ma.fields.List(
        Text(max_length=16), required=True, validate=validate.Length(min=1, max=100)
    )
    scope = ma.fields.Nested(ScopeSchema, load_default=dict)
    ratios = ma.fields.Dict(
        keys=ma.fields.String(validate=GRADE_KEYS), values=ma.fields.String(validate=RATIO)
    )
    fixed_count = ma.fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    team_size = ma.fields.Integer(validate=validate.Range(min=2, max=10))
    workload_cap = ma.fields.Integer(validate=validate.Range(min=1, max=1000))
    frequency_cap = ma.fields.Integer(validate=validate.Range(min=1, max=12))
    key_items_exempt = ma.fields.Boolean()
    period_start = Day(required=True)
    period_end = Day(required=True)
    deadline = Day(required=True)


class TaskEditSchema(TaskPlanSchema):
    class Meta:
        exclude = ("industry", "lead")


class TaskPointSchema(ma.Schema):
    code = ma.fields.String()
    version = ma.fields.Integer()
    department = ma.fields.String(attribute="department.code")
    title = ma.fields.String()
    key_item = ma.fields.Boolean()


class TaskScopeSchema(ma.Schema):
    streets = ma.fields.List(ma.fields.String())
    statuses = ma.fields.List(ma.fields.String())
    licensed_from = ma.fields.String(metadata={"format": "date"})
    licensed_until = ma.fields.String(metadata={"format": "date"})


class TaskSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    industry = ma.fields.String(attribute="industry.code")
    lead = ma.fields.String(attribute="lead.code")
    partners = ma.fields.List(ma.fields.String())
    risk_points = ma.fields.List(ma.fields.Nested(TaskPointSchema), attribute="point_rows")
    scope = ma.fields.Nested(TaskScopeSchema)
    ratios = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), allow_none=True)
    fixed_count = ma.fields.Integer(allow_none=True)
    team_size = ma.fields.Integer()
    workload_cap = ma.fields.Integer()
    frequency_cap = ma.fields.Integer()
    key_items_exempt = ma.fields.Boolean()
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    deadline = ma.fields.Date()
    status = ma.fields.String()
    version = ma.fields.Integer()
    partner_answers = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(validate=validate.OneOf(["ACCEPTED", "DECLINED", "AWAITED"])),
        attribute="partner_states",
        metadata={"description": "each partner's answer; the task freezes once all accepted"},
    )


class CommitmentSchema(ma.Schema):
    task = ma.fields.String(attribute="task.code")
    seed_source = ma.fields.Nested(
        SeedSourceSchema, attribute="params.seed_source", metadata={"description": "announced"}
    )
    algorithm_version = ma.fields.String()
    frame_hash = ma.fields.String()
    pool_hash = ma.fields.String()
    params_hash = ma.fields.String()
    commitment_hash = ma.fields.String()
    committed_at = ma.fields.DateTime()
    frame_size = ma.fields.Function(lambda d: len(d.frame), metadata={"type": "integer"})
    pool_size = ma.fields.Function(lambda d: len(d.pool), metadata={"type": "integer"})


class DrawSchema(CommitmentSchema):
    reveal = ma.fields.Nested(
        RevealSchema, attribute="seed_source.reveal", metadata={"description": "as checked"}
    )
    provenance = ma.fields.String(allow_none=True)
    seed = ma.fields.String(allow_none=True)
    drawn_at = ma.fields.DateTime(allow_none=True)
    result = ma.fields.Nested(
        DrawResultSchema,
        allow_none=True,
        metadata={"description": "strata, assignments (teams), exclusions"},
    )
    result_hash = ma.fields.String(allow_none=True)


SAFE_INTEGER = validate.Range(min=0, max=2**53 - 1)  # exact in every JSON reader (RFC 8785)
ROUND = validate.Range(min=1, max=2**53 - 1)


class LotteryDrawInSchema(Strict):
    count = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=100))
    min = ma.fields.Integer(strict=True, required=True, validate=SAFE_INTEGER)
    max = ma.fields.Integer(strict=True, required=True, validate=SAFE_INTEGER)


class SeedSourceInSchema(Strict):
    """Where the seed will come from, fixed before its value exists (docs/draw-algorithm.md §5)."""

    kind = ma.fields.String(required=True, validate=validate.OneOf(["drand", "lottery"]))
    chain_hash = ma.fields.String(metadata={"description": "drand: a pinned chain's hash"})
    round = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ROUND,
        metadata={"description": "drand: omitted, the first round after freeze + the delay"},
    )
    date = ma.fields.String(metadata={"format": "date", "description": "lottery"})
    name = Text(max_length=200, metadata={"description": "lottery: the public session"})
    draws = ma.fields.List(ma.fields.Nested(LotteryDrawInSchema), validate=validate.Length(max=20))


class FreezeSchema(Strict):
    seed_source = ma.fields.Nested(SeedSourceInSchema, required=True)


class BeaconRoundInSchema(Strict):
    """A drand round exactly as drand publishes it (GET /{chain}/public/{round})."""

    round = ma.fields.Integer(strict=True, required=True, validate=ROUND)
    signature = ma.fields.String(required=True, validate=validate.Length(max=1024))
    randomness = ma.fields.String(validate=validate.Length(max=128))
    previous_signature = ma.fields.String(validate=validate.Length(max=1024))


class SeedSchema(Strict):
    """The seed source's value: the drand round, or the lottery numbers (a task frozen before
    version 2 takes its public values and provenance as before)."""

    beacon = ma.fields.Nested(BeaconRoundInSchema)
    numbers = ma.fields.List(
        ma.fields.List(
            ma.fields.Integer(strict=True, validate=SAFE_INTEGER), validate=validate.Length(max=100)
        ),
        validate=validate.Length(max=20),
        metadata={"description": "lottery: one list per announced draw"},
    )
    source_values = ma.fields.List(
        Text(max_length=512),
        validate=validate.Length(min=1, max=20),
        metadata={"description": "version 1 only: public values typed in"},
    )
    provenance = Text(max_length=512, metadata={"description": "version 1 only"})


@blp.route("")
class Tasks(MethodView):
    @require("planner", "admin")
    @blp.etag
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self):
        """Tasks your department leads or partners in."""
        return tasks.visible_tasks(current_actor())

    @require("planner", "admin")
    @blp.arguments(TaskPlanSchema)
    @blp.response(201, TaskSchema)
    def post(self, data):
        """Plan a task (DRAFT), led by your department."""
        return tasks.create_task(current_actor(), data, utcnow())


# Tasks answer 404 to whoever may not see them (as if absent), so every role reaches the view.
@blp.route("/<string:code>")
class TaskByCode(MethodView):
    @require(*ROLES)
    @blp.etag
    @blp.response(200, TaskSchema)
    def get(self, code):
        return tasks.visible_task(current_actor(), code)

    @require(*ROLES)
    @blp.etag
    @blp.arguments(TaskEditSchema(partial=True))
    @blp.response(200, TaskSchema)
    def patch(self, changes, code):
        """Change a DRAFT task (If-Match); frozen tasks are immutable (409)."""
        actor = current_actor()
        task = tasks.visible_task(actor, code)
        blp.check_etag(task, TaskSchema)
        return tasks.update_task(actor, code, changes, task.version, utcnow())


@blp.route("/<string:code>/partners/<string:department>/accept")
class PartnerAccept(MethodView):
    @require(*ROLES)
    @blp.response(200, TaskSchema)
    def post(self, code, department):
        """A planner of the partner department agrees to take part (before the freeze)."""
        return tasks.answer_partnership(
            current_actor(), code, department, PartnerAnswer.ACCEPTED, utcnow()
        )


@blp.route("/<string:code>/partners/<string:department>/decline")
class PartnerDecline(MethodView):
    @require(*ROLES)
    @blp.response(200, TaskSchema)
    def post(self, code, department):
        """A planner of the partner department declines: the task cannot freeze with it."""
        return tasks.answer_partnership(
            current_actor(), code, department, PartnerAnswer.DECLINED, utcnow()
        )


@blp.route("/<string:code>/freeze")
class TaskFreeze(MethodView):
    @require(*ROLES)
    @no_duplicate_keys
    @blp.arguments(FreezeSchema)
    @blp.response(201, CommitmentSchema)
    def post(self, data, code):
        """Freeze the task: snapshot frame and pool, publish the commitment and the seed source
        before the seed exists (409 PARTNERS_AWAITED until every partner has accepted)."""
        return draws.freeze_task(current_actor(), code, data["seed_source"], utcnow())


@blp.route("/<string:code>/draw")
class TaskDraw(MethodView):
    @require(*ROLES)
    @blp.response(200, DrawSchema)
    def get(self, code):
        """The draw record: commitment, then seed, teams and the exclusion report."""
        return draws.visible_draw(current_actor(), code)

    @require(*ROLES)
    @no_duplicate_keys
    @blp.arguments(SeedSchema)
    @blp.response(201, DrawSchema)
    def post(self, data, code):
        """Give the announced source's value (the drand round, or the lottery numbers); the
        platform checks it against the source committed at freeze, then draws."""
        return draws.run_draw(current_actor(), code, data, utcnow())


class DisclosureSchema(ma.Schema):
    task = ma.fields.String(attribute="task.code")
    due_on = ma.fields.Date()
    published_at = ma.fields.DateTime(allow_none=True)
    late = ma.fields.Boolean()


@blp.route("/<string:code>/publish")
class TaskPublish(MethodView):
    @require(*ROLES)
    @blp.response(200, DisclosureSchema)
    def post(self, code):
        """Publish the task's results (一公开); the deadline counts working days after the period."""
        return disclosure.publish(current_actor(), code, utcnow())


# -- issue 14 §4: every commitment ends drawn or voided, publicly --


class VoidArgs(Strict):
    reason = Text(
        max_length=500,
        required=True,
        metadata={"description": "published on the ledger and the task's public page"},
    )


@blp.route("/<string:code>/void")
class TaskVoid(MethodView):
    @require(*ROLES)
    @blp.arguments(VoidArgs)
    @blp.response(200, LedgerEntrySchema)
    def post(self, data, code):
        """Void a FROZEN task with a public reason (its commitment stays on the ledger); a drawn
        task cannot be voided (409 ALREADY_DRAWN), a draft is edited instead (409)."""
        return ledger.void_task(current_actor(), code, data["reason"], utcnow())
