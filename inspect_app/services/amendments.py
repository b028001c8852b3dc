"""Amending a submitted, signed inspection (更正): the original stays, the team signs again.

An amendment is PENDING until every member has signed its content; until then the record in
force (what the published result, the grades and the follow-ups read) is the original. Each
member changes only their own department's items, and only the lead department's member the
outcome. Once the last member signs, the amendment is written to the record, the original's
signatures stay with the amendment, and the follow-ups are recomputed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inspect_app import audit
from inspect_app.access import Action
from inspect_app.domain.inspection import NO_ACCESS, NO_ITEMS, InspectionStatus
from inspect_app.errors import AppError
from inspect_app.models import (
    Amendment,
    AmendmentSignature,
    Entity,
    Inspection,
    InspectionMember,
    Inspector,
    ItemResult,
    RiskPoint,
    Signature,
    TaskRiskPoint,
)
from inspect_app.services import feedback
from inspect_app.services import inspections as views
from inspect_app.services.grades import refresh_grades
from inspect_app.services.inspections import IN_FORCE, PENDING, SUPERSEDED


def _missing(inspection: Inspection, content: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """What the amended content would lack as a submission (signatures aside)."""
    missing: dict[str, list[dict[str, str]]] = {}
    if content["checked_in_at"] is None and content["outcome"] not in NO_ACCESS:
        missing["check_in"] = [
            {"zh": "该检查未扫码签到", "en": "The inspection was not checked in"}
        ]
    if content["outcome"] not in NO_ITEMS:
        points = (
            RiskPoint.select().join(TaskRiskPoint).where(TaskRiskPoint.task == inspection.task_id)
        )
        open_items = [p.code for p in points if f"{p.code}@v{p.version}" not in content["items"]]
        if open_items:
            missing["items"] = [
                {
                    "zh": f"未记录：{'、'.join(open_items)}",
                    "en": f"Not recorded: {', '.join(open_items)}",
                }
            ]
    return missing


def _signatures_in_force(inspection: Inspection) -> list[dict[str, str]]:
    return [
        {
            "code": s.inspector.code,
            "content_hash": s.content_hash,
            "signed_at": s.signed_at.isoformat(),
        }
        for s in Signature.select(Signature, Inspector)
        .join(Inspector)
        .where(Signature.inspection == inspection)
        .order_by(Inspector.code)
    ]


def amend(
    inspector: Inspector,
    inspection: Inspection,
    changes: dict[str, Any],
    reason: str,
    now: datetime,
) -> Inspection:
    """Propose a correction of a submitted inspection; it waits for every member's signature.
    Made while another is pending, it takes that one's changes in and supersedes it."""
    if inspection.status != InspectionStatus.SUBMITTED:
        raise AppError("NOT_SUBMITTED")
    in_force = views.content(inspection)
    pending = views.pending_amendment(inspection)
    base = pending.content if pending else in_force
    merged = {
        "items": dict((pending.changes.get("items") or {}) if pending else {}),
        **({k: v for k, v in pending.changes.items() if k != "items"} if pending else {}),
    }
    content = dict(base, items=dict(base["items"]))
    for code, item in (changes.get("items") or {}).items():
        point = views.item_to_write(inspector, inspection, code)
        notes = item.get("notes", "")
        content["items"][f"{point.code}@v{point.version}"] = [item["result"], notes]
        merged["items"][code] = {
            "result": item["result"],
            "notes": notes,
            "recorded_by": inspector.code,
        }
    outcome_changes = {k: changes[k] for k in ("outcome", "outcome_notes") if k in changes}
    if outcome_changes:
        views.ensure_team_write(inspector, inspection, Action.RECORD_OUTCOME)
        content.update(outcome_changes)
        merged.update(outcome_changes)
    if content == base:
        raise AppError(
            "VALIDATION_FAILED",
            errors={
                "changes": [{"zh": "更正内容与现有结果相同", "en": "The changes change nothing"}]
            },
        )
    missing = _missing(inspection, content)
    if missing:
        raise AppError("NOT_READY", errors=missing)
    if pending is not None:
        Amendment.update(status=SUPERSEDED).where(Amendment.id == pending.id).execute()
    row = Amendment.create(
        inspection=inspection,
        version_before=inspection.version,
        original=in_force,
        changes=merged,
        reason=reason,
        amended_by=inspector,
        amended_at=now,
        status=PENDING,
        content=content,
        content_hash=views.digest(content),
        original_hash=views.digest(in_force),
        original_signatures=_signatures_in_force(inspection),
    )
    audit.record(
        inspector.code,
        "inspection.amend",
        "inspection",
        inspection.id,
        before=in_force,
        after={
            "amendment": row.id,
            "status": PENDING,
            "content": content,
            "supersedes": pending.id if pending else None,
        },
        at=now,
    )
    return views.bump(inspection, now)


def sign(
    inspector: Inspector, inspection: Inspection, content_hash: str, now: datetime
) -> Inspection:
    """This member signs the pending amendment's content; the last signature brings it in force."""
    pending = views.pending_amendment(inspection)
    if pending is None:
        raise AppError("INSPECTION_SUBMITTED")
    if content_hash != pending.content_hash:
        raise views.stale_write(inspection, content_hash=pending.content_hash)
    AmendmentSignature.delete().where(
        (AmendmentSignature.amendment == pending) & (AmendmentSignature.inspector == inspector)
    ).execute()
    AmendmentSignature.create(
        amendment=pending, inspector=inspector, content_hash=content_hash, signed_at=now
    )
    audit.record(
        inspector.code,
        "inspection.sign_amendment",
        "inspection",
        inspection.id,
        after={"amendment": pending.id, "content_hash": content_hash},
        at=now,
    )
    team = {
        m.inspector_id
        for m in InspectionMember.select().where(InspectionMember.inspection == inspection)
    }
    signed = {
        s.inspector_id
        for s in AmendmentSignature.select().where(
            (AmendmentSignature.amendment == pending)
            & (AmendmentSignature.content_hash == pending.content_hash)
        )
    }
    if team <= signed:
        return _bring_in_force(inspector, inspection, pending, now)
    return views.bump(inspection, now)


def _bring_in_force(
    inspector: Inspector, inspection: Inspection, amendment: Amendment, now: datetime
) -> Inspection:
    """Write the amended content to the record, the team's new signatures beside it, and
    recompute what the result leads to."""
    for code, item in (amendment.changes.get("items") or {}).items():
        point = views.task_point(inspection, code)
        recorder = Inspector.get(Inspector.code == item["recorded_by"])
        existing = ItemResult.get_or_none(
            (ItemResult.inspection == inspection) & (ItemResult.risk_point == point)
        )
        if existing is None:
            ItemResult.create(
                inspection=inspection,
                risk_point=point,
                result=item["result"],
                notes=item["notes"],
                recorded_by=recorder,
                recorded_at=now,
                version=1,
            )
        else:
            ItemResult.update(
                result=item["result"],
                notes=item["notes"],
                recorded_by=recorder,
                recorded_at=now,
                version=ItemResult.version + 1,
            ).where(ItemResult.id == existing.id).execute()
    Signature.delete().where(Signature.inspection == inspection).execute()
    for kept in AmendmentSignature.select().where(AmendmentSignature.amendment == amendment):
        Signature.create(
            inspection=inspection,
            inspector=kept.inspector_id,
            content_hash=kept.content_hash,
            signed_at=kept.signed_at,
        )
    Amendment.update(status=IN_FORCE, in_force_at=now).where(Amendment.id == amendment.id).execute()
    before = inspection.outcome
    updated = views.bump(
        inspection,
        now,
        outcome=amendment.content["outcome"],
        outcome_notes=amendment.content["outcome_notes"],
    )
    followups = {"withdrawn": [], "created": []}
    if updated.outcome != before:
        withdrawn, created = feedback.recompute_followups(updated, amendment.id, now)
        followups = {"withdrawn": [f.id for f in withdrawn], "created": [f.id for f in created]}
        refresh_grades([Entity.get_by_id(updated.entity_id)], now)
    audit.record(
        inspector.code,
        "inspection.amendment_in_force",
        "inspection",
        inspection.id,
        before={"outcome": before, "content_hash": amendment.original_hash},
        after={
            "amendment": amendment.id,
            "outcome": updated.outcome,
            "content_hash": views.content_hash(updated),
            "followups": followups,
        },
        at=now,
    )
    return updated
