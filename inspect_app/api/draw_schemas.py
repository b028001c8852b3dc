"""The published draw record and the public task record, field by field (docs/draw-algorithm.md
§10): the schemas dump them and the OpenAPI document describes them."""

from __future__ import annotations

import contextlib
import functools
import json

import marshmallow as ma
from flask import request

from inspect_app.errors import AppError


def _refuse_repeats(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise AppError(
                "VALIDATION_FAILED",
                errors={
                    "json": [{"zh": f"键 {key!r} 出现两次", "en": f"the key {key!r} appears twice"}]
                },
            )
    return dict(pairs)


def no_duplicate_keys(view):
    """The draw's input grammar on a request body (docs/draw-algorithm.md §3.1): an object that
    names a key twice is refused (422), not read as its last value. Anything else malformed is
    left to the usual parsing."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        body = request.get_data(cache=True)
        if body:
            with contextlib.suppress(ValueError):
                json.loads(body, object_pairs_hook=_refuse_repeats)
        return view(*args, **kwargs)

    return checked


def _strings(**kwargs) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(), **kwargs)


def any_json(description: str) -> ma.fields.Raw:
    """A value whose JSON type varies by nature (a recomputed value that differs): said so."""
    return ma.fields.Raw(
        allow_none=True, metadata={"description": description, "x-any-json-value": True}
    )


class FrameRowSchema(ma.Schema):
    entity_id = ma.fields.String()
    grade = ma.fields.String()
    street = ma.fields.String()
    checks_last_12m = ma.fields.Integer()
    last_inspectors = _strings()


class PoolRowSchema(ma.Schema):
    inspector_id = ma.fields.String()
    department = ma.fields.String()
    qualifications = _strings()
    workload = ma.fields.Integer()
    recusals = _strings()


class LotteryDrawSchema(ma.Schema):
    count = ma.fields.Integer()
    min = ma.fields.Integer()
    max = ma.fields.Integer()


class SeedSourceSchema(ma.Schema):
    """The seed source announced at freeze (version 2): a drand round, or a public lottery
    session the platform cannot check."""

    kind = ma.fields.String(metadata={"enum": ["drand", "lottery"]})
    chain_hash = ma.fields.String(metadata={"description": "drand: the chain's hash, hex"})
    round = ma.fields.Integer(metadata={"description": "drand: the round number"})
    date = ma.fields.String(metadata={"format": "date", "description": "lottery: session date"})
    name = ma.fields.String(metadata={"description": "lottery: the public session"})
    draws = ma.fields.List(
        ma.fields.Nested(LotteryDrawSchema), metadata={"description": "lottery: declared draws"}
    )


class RevealSchema(ma.Schema):
    """The source's value as received: the drand round (checked), or the lottery numbers."""

    round = ma.fields.Integer()
    signature = ma.fields.String(metadata={"description": "BLS signature, hex"})
    randomness = ma.fields.String(metadata={"description": "SHA-256 of the signature, hex"})
    numbers = ma.fields.List(ma.fields.List(ma.fields.Integer()))


class DrawParamsSchema(ma.Schema):
    task_id = ma.fields.String()
    industry = ma.fields.String()
    lead_department = ma.fields.String()
    partner_departments = _strings()
    ratios = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), allow_none=True)
    fixed_count = ma.fields.Integer(allow_none=True)
    team_size = ma.fields.Integer()
    workload_cap = ma.fields.Integer()
    frequency_cap = ma.fields.Integer()
    key_items_exempt = ma.fields.Boolean()
    algorithm_version = ma.fields.String()
    seed_source = ma.fields.Nested(SeedSourceSchema, metadata={"description": "version 2"})


class CommitmentValuesSchema(ma.Schema):
    algorithm_version = ma.fields.String()
    frame_hash = ma.fields.String()
    pool_hash = ma.fields.String()
    params_hash = ma.fields.String()
    commitment_hash = ma.fields.String()


class SeedValuesSchema(ma.Schema):
    source_values = _strings()
    provenance = ma.fields.String()
    value = ma.fields.String(metadata={"description": "the seed, hex"})
    source = ma.fields.Nested(SeedSourceSchema, metadata={"description": "version 2"})
    reveal = ma.fields.Nested(RevealSchema, metadata={"description": "version 2"})
    checkable_by_platform = ma.fields.Boolean(metadata={"description": "false for a lottery"})


class StratumSchema(ma.Schema):
    grade = ma.fields.String()
    frame_count = ma.fields.Integer()
    eligible_count = ma.fields.Integer()
    sample_size = ma.fields.Integer()
    picks = _strings()


class AssignmentSchema(ma.Schema):
    sequence = ma.fields.Integer()
    entity_id = ma.fields.String()
    grade = ma.fields.String()
    team = ma.fields.Dict(
        keys=ma.fields.String(), values=_strings(), metadata={"description": "by department"}
    )
    shortfall = ma.fields.Boolean()


class ExclusionSchema(ma.Schema):
    reason = ma.fields.String()
    entity_id = ma.fields.String(allow_none=True)
    inspector_id = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class DrawResultSchema(ma.Schema):
    kind = ma.fields.String()
    algorithm_version = ma.fields.String()
    task_id = ma.fields.String()
    seed = ma.fields.String()
    strata = ma.fields.List(ma.fields.Nested(StratumSchema))
    assignments = ma.fields.List(ma.fields.Nested(AssignmentSchema))
    exclusions = ma.fields.List(ma.fields.Nested(ExclusionSchema))


class SignedHeadSchema(ma.Schema):
    """The audit chain's head, signed with the audit key (Ed25519 over
    "lianjian-audit-head-v1\\n{seq}\\n{hash}\\n{at}"): a later chain must still hold it."""

    seq = ma.fields.Integer()
    hash = ma.fields.String()
    at = ma.fields.String(allow_none=True)
    signature = ma.fields.String(allow_none=True, metadata={"description": "hex"})
    key_id = ma.fields.String(allow_none=True)


class DrawRecordSchema(ma.Schema):
    """The record exactly as docs/draw-algorithm.md describes it: enough to recompute the draw."""

    algorithm_version = ma.fields.String()
    params = ma.fields.Nested(DrawParamsSchema)
    frame = ma.fields.List(ma.fields.Nested(FrameRowSchema))
    pool = ma.fields.List(ma.fields.Nested(PoolRowSchema))
    commitment = ma.fields.Nested(CommitmentValuesSchema)
    audit_head = ma.fields.Nested(SignedHeadSchema, allow_none=True)
    seed = ma.fields.Nested(SeedValuesSchema, metadata={"description": "absent until the draw"})
    result = ma.fields.Nested(DrawResultSchema)
    result_hash = ma.fields.String()
    seed_source = ma.fields.Nested(SeedSourceSchema, metadata={"description": "announced"})
    checkable_by_platform = ma.fields.Boolean()
    committed_at = ma.fields.String(metadata={"format": "date-time"})
    drawn_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})


class PublicDrawRecordSchema(DrawRecordSchema):
    """The record as the public sees it: `stage` says how much of it is out (frozen: params and
    commitment; drawn: also seed and result_hash; disclosed: also frame, pool and result, with
    each recusal as a digest)."""

    stage = ma.fields.String(metadata={"enum": ["frozen", "drawn", "disclosed"]})
    frame = ma.fields.List(
        ma.fields.Nested(FrameRowSchema), metadata={"description": "absent until disclosure"}
    )
    pool = ma.fields.List(
        ma.fields.Nested(PoolRowSchema),
        metadata={"description": "absent until disclosure; recusals as SHA-256 digests"},
    )
    result = ma.fields.Nested(DrawResultSchema, metadata={"description": "absent until disclosure"})


class DifferenceSchema(ma.Schema):
    path = ma.fields.String()
    recorded = any_json("the value in the record")
    recomputed = any_json("the value recomputed")


class AuditChainSchema(ma.Schema):
    ok = ma.fields.Boolean()
    checked = ma.fields.Integer(metadata={"description": "entries of the latest whole-chain check"})
    checked_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    first_bad_seq = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    head = ma.fields.Nested(SignedHeadSchema, metadata={"description": "the chain's head now"})


class VerifyDrawSchema(ma.Schema):
    ok = ma.fields.Boolean()
    difference = ma.fields.Nested(DifferenceSchema, allow_none=True)
    problem = ma.fields.String(allow_none=True)
    audit_chain = ma.fields.Nested(AuditChainSchema)
    audit_matches = _strings()


class PublicScopeSchema(ma.Schema):
    streets = _strings()
    statuses = _strings()
    licensed_from = ma.fields.String(metadata={"format": "date"})
    licensed_until = ma.fields.String(metadata={"format": "date"})


class PublicPlanSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    industry = ma.fields.String()
    lead = ma.fields.String()
    partners = _strings()
    risk_points = _strings(metadata={"description": "code@vVERSION"})
    scope = ma.fields.Nested(PublicScopeSchema)
    ratios = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), allow_none=True)
    fixed_count = ma.fields.Integer(allow_none=True)
    team_size = ma.fields.Integer()
    period_start = ma.fields.String(metadata={"format": "date"})
    period_end = ma.fields.String(metadata={"format": "date"})
    status = ma.fields.String()


class PublicDisclosureSchema(ma.Schema):
    due_on = ma.fields.String(metadata={"format": "date"})
    published_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    late = ma.fields.Boolean()
    audit_head = ma.fields.Nested(SignedHeadSchema, allow_none=True)


class PickSchema(ma.Schema):
    sequence = ma.fields.Integer()
    credit_code = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    street = ma.fields.String(allow_none=True)
    grade = ma.fields.String()
    team_departments = _strings()
    shortfall = ma.fields.Boolean()
    outcome = ma.fields.String(allow_none=True)
    outcome_label = ma.fields.String(allow_none=True)
    checked_on = ma.fields.String(allow_none=True, metadata={"format": "date"})
    visited_at = ma.fields.String(  # issue 13 §4 (sync)
        allow_none=True,
        metadata={"format": "date-time", "description": "the visit time (device), Asia/Shanghai"},
    )


class PublicTaskSchema(ma.Schema):
    task = ma.fields.Nested(PublicPlanSchema)
    commitment = ma.fields.Nested(CommitmentValuesSchema, allow_none=True)
    seed = ma.fields.Nested(SeedValuesSchema, allow_none=True)
    result_hash = ma.fields.String(allow_none=True, metadata={"description": "public at the draw"})
    disclosure = ma.fields.Nested(PublicDisclosureSchema, allow_none=True)
    picks = ma.fields.List(
        ma.fields.Nested(PickSchema),
        metadata={"description": "empty until published; then teams by department and results"},
    )
