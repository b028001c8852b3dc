"""Recording an inspection: check-in, items, evidence, outcome, signatures, submission, amendment.

Each function is one write on one version of the inspection, called inside the operation's
transaction (services.tablet_writes, through run_once), and returns the inspection's new state.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from inspect_app import audit
from inspect_app.access import Action
from inspect_app.clock import local
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain.inspection import NO_ACCESS, NO_ITEMS, InspectionStep
from inspect_app.errors import AppError
from inspect_app.models import (
    Entity,
    Evidence,
    Inspection,
    Inspector,
    ItemResult,
    RiskPoint,
    Signature,
    TaskRiskPoint,
)
from inspect_app.services import feedback
from inspect_app.services import inspections as views
from inspect_app.services.grades import refresh_grades
from inspect_app.services.licence_codes import answer_scan

EARTH_RADIUS_M = 6_371_008.8
IMAGE_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class FieldSettings:
    far_check_in_m: float
    evidence_dir: Path
    evidence_max_bytes: int
    keys_dir: Path

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FieldSettings:
        """The settings as the app's configuration gives them (the API and the demo alike)."""
        return cls(
            far_check_in_m=config["CHECKIN_FAR_METRES"],
            evidence_dir=Path(config["EVIDENCE_DIR"]),
            evidence_max_bytes=config["EVIDENCE_MAX_BYTES"],
            keys_dir=Path(config["KEYS_DIR"]),
        )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) between two WGS-84 points, in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def check_in(
    inspector: Inspector,
    inspection: Inspection,
    qr_payload: str,
    lat: float,
    lon: float,
    now: datetime,
    settings: FieldSettings,
) -> Inspection:
    """At the premises: the licence's QR code must be genuine and this entity's; the GPS distance
    to the registered location is kept, and a far check-in is flagged."""
    views.ensure_open(inspection)
    entity = Entity.get_by_id(inspection.entity_id)
    answer = answer_scan(qr_payload, settings.keys_dir, local(now).date())
    claimed = answer["licence"] or {}
    if (
        answer["status"] not in ("genuine", "expired", "suspended")
        or claimed.get("holder_code") != entity.credit_code
    ):
        raise AppError(
            "QR_REJECTED",
            errors={
                "qr_payload": [answer["message"]]
                if answer["status"] != "genuine"
                else [{"zh": "二维码属于其他市场主体", "en": "The code belongs to another entity"}]
            },
        )
    distance = distance_m(lat, lon, entity.lat, entity.lon)
    updated = views.bump(
        inspection,
        now,
        status=inspection_lifecycle.next_status(inspection.status, InspectionStep.CHECK_IN),
        checked_in_at=now,
        check_in_lat=lat,
        check_in_lon=lon,
        check_in_distance_m=round(distance, 1),
        far_check_in=distance > settings.far_check_in_m,
    )
    audit.record(
        inspector.code,
        "inspection.check_in",
        "inspection",
        inspection.id,
        after={
            "distance_m": round(distance, 1),
            "far": updated.far_check_in,
            "qr": answer["status"],
            "licence": claimed.get("licence_number"),
        },
        at=now,
    )
    return updated


def record_item(
    inspector: Inspector,
    inspection: Inspection,
    code: str,
    result: str,
    notes: str,
    base_version: int,
    now: datetime,
) -> Inspection:
    """符合 / 不符合 / 不适用 for one check item. Items carry their own version (0 before the first
    record), so members of different departments record their items side by side."""
    views.ensure_open(inspection)
    point = views.task_point(inspection, code)
    views.ensure_team_write(inspector, inspection, Action.RECORD_ITEM, point)
    existing = ItemResult.get_or_none(
        (ItemResult.inspection == inspection) & (ItemResult.risk_point == point)
    )
    current = existing.version if existing else 0
    if base_version != current:
        raise views.stale_write(inspection, item=_item(code, existing))
    if existing is None:
        ItemResult.create(
            inspection=inspection,
            risk_point=point,
            result=result,
            notes=notes,
            recorded_by=inspector,
            recorded_at=now,
            version=1,
        )
    else:
        changed = (
            ItemResult.update(
                result=result,
                notes=notes,
                recorded_by=inspector,
                recorded_at=now,
                version=ItemResult.version + 1,
            )
            .where((ItemResult.id == existing.id) & (ItemResult.version == current))
            .execute()
        )
        if not changed:
            raise views.stale_write(inspection)
    status = inspection_lifecycle.next_status(inspection.status, InspectionStep.RECORD_ITEM)
    audit.record(
        inspector.code,
        "inspection.item",
        "inspection",
        inspection.id,
        before=_item(code, existing) if existing else None,
        after={"code": code, "result": result, "notes": notes, "version": current + 1},
        at=now,
    )
    return views.bump_any(inspection, now, status=status)


def _item(code: str, row: ItemResult | None) -> dict[str, Any]:
    if row is None:
        return {"code": code, "version": 0, "result": None, "notes": ""}
    return {
        "code": code,
        "version": row.version,
        "result": row.result,
        "notes": row.notes,
        "recorded_by": Inspector.get_by_id(row.recorded_by_id).code,
    }


def sniff_image(data: bytes) -> str | None:
    return next((kind for magic, kind in IMAGE_SIGNATURES.items() if data.startswith(magic)), None)


@dataclass(frozen=True)
class StagedPhoto:
    """A photo written under a temporary name in its transaction: `publish` after the commit
    gives it its content-addressed name, `discard` after a rollback leaves no file behind."""

    partial: Path | None
    path: Path

    def publish(self) -> None:
        if self.partial is not None:
            self.partial.replace(self.path)

    def discard(self) -> None:
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)


def _stage(data: bytes, digest: str, settings: FieldSettings) -> StagedPhoto:
    path = settings.evidence_dir / digest[:2] / digest
    if path.exists():
        return StagedPhoto(None, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{digest}.{uuid.uuid4().hex}.part")  # one per writer, no race
    partial.write_bytes(data)
    return StagedPhoto(partial, path)


def _check_photo(data: bytes, settings: FieldSettings) -> str:
    """The photo's content type, after its size and content (not its claimed type) are checked."""
    if len(data) > settings.evidence_max_bytes:
        raise AppError(
            "TOO_LARGE",
            zh=f"照片不能超过 {settings.evidence_max_bytes // 1024 // 1024} MB",
            en=f"A photo may be at most {settings.evidence_max_bytes // 1024 // 1024} MB",
        )
    content_type = sniff_image(data)
    if content_type is None or len(data) < 32:
        raise AppError(
            "UNSUPPORTED_MEDIA_TYPE", zh="只接受 JPEG 或 PNG 照片", en="Only JPEG or PNG photos"
        )
    return content_type


def add_evidence(
    inspector: Inspector,
    inspection: Inspection,
    data: bytes,
    code: str | None,
    now: datetime,
    settings: FieldSettings,
) -> tuple[Inspection, str, StagedPhoto | None]:
    """A photo, stored once by SHA-256. Everything is checked before anything is written (the
    inspection, the risk point, the member's department, size and type); the file comes last,
    staged, for the caller to publish after the commit or discard after a rollback."""
    views.ensure_open(inspection)
    point = views.task_point(inspection, code) if code else None
    if point is not None:
        views.ensure_team_write(inspector, inspection, Action.RECORD_ITEM, point)
    content_type = _check_photo(data, settings)
    digest = hashlib.sha256(data).hexdigest()
    if (
        Evidence.select()
        .where((Evidence.inspection == inspection) & (Evidence.sha256 == digest))
        .exists()
    ):
        return inspection, digest, None
    audit.record(
        inspector.code,
        "inspection.evidence",
        "inspection",
        inspection.id,
        after={"sha256": digest, "size": len(data), "risk_point": code},
        at=now,
    )
    Evidence.create(
        inspection=inspection,
        risk_point=point,
        sha256=digest,
        size=len(data),
        content_type=content_type,
        uploaded_by=inspector,
        uploaded_at=now,
    )
    updated = views.bump(inspection, now)
    return updated, digest, _stage(data, digest, settings)


def set_outcome(
    inspector: Inspector, inspection: Inspection, outcome: str, notes: str, now: datetime
) -> Inspection:
    """The overall result in the categories of docs/domain.md ("Inspection results"), recorded
    by the lead department's member."""
    views.ensure_open(inspection)
    views.ensure_team_write(inspector, inspection, Action.RECORD_OUTCOME)
    audit.record(
        inspector.code,
        "inspection.outcome",
        "inspection",
        inspection.id,
        before={"outcome": inspection.outcome},
        after={"outcome": outcome, "notes": notes},
        at=now,
    )
    return views.bump(inspection, now, outcome=outcome, outcome_notes=notes)


def sign(inspector: Inspector, inspection: Inspection, now: datetime) -> Inspection:
    """This member signs the content as it stands; any later change voids the signature."""
    views.ensure_open(inspection)
    digest = views.content_hash(inspection)
    Signature.delete().where(
        (Signature.inspection == inspection) & (Signature.inspector == inspector)
    ).execute()
    Signature.create(inspection=inspection, inspector=inspector, content_hash=digest, signed_at=now)
    audit.record(
        inspector.code,
        "inspection.sign",
        "inspection",
        inspection.id,
        after={"content_hash": digest},
        at=now,
    )
    return views.bump(inspection, now)


def missing_for_submission(inspection: Inspection) -> dict[str, list[dict[str, str]]]:
    """What still stands between this inspection and its submission."""
    missing: dict[str, list[dict[str, str]]] = {}
    if inspection.checked_in_at is None and inspection.outcome not in NO_ACCESS:
        missing["check_in"] = [{"zh": "尚未扫码签到", "en": "Not checked in"}]
    if inspection.outcome is None:
        missing["outcome"] = [{"zh": "尚未填写检查结果", "en": "No outcome yet"}]
    needs_items = inspection.outcome not in NO_ITEMS
    recorded = {
        r.risk_point_id
        for r in ItemResult.select(ItemResult.risk_point).where(ItemResult.inspection == inspection)
    }
    open_items = [
        p.code
        for p in RiskPoint.select(RiskPoint.id, RiskPoint.code)
        .join(TaskRiskPoint)
        .where(TaskRiskPoint.task == inspection.task_id)
        if p.id not in recorded
    ]
    if needs_items and open_items:
        missing["items"] = [
            {
                "zh": f"未记录：{'、'.join(open_items)}",
                "en": f"Not recorded: {', '.join(open_items)}",
            }
        ]
    unsigned = [m.code for m in views.team(inspection) if not m.signed]
    if unsigned:
        missing["signatures"] = [
            {"zh": f"待签名：{'、'.join(unsigned)}", "en": f"Not signed by: {', '.join(unsigned)}"}
        ]
    return missing


def submit(inspector: Inspector, inspection: Inspection, now: datetime) -> Inspection:
    """Every item, the outcome and every member's signature on the same content: then it is final."""
    views.ensure_open(inspection)
    missing = missing_for_submission(inspection)
    if missing:
        raise AppError("NOT_READY", errors=missing)
    updated = views.bump(
        inspection,
        now,
        status=inspection_lifecycle.next_status(inspection.status, InspectionStep.SUBMIT),
        submitted_at=now,
        checked_on=local(now).date(),
    )
    feedback.record_followups(updated, now)  # follow-ups and their jobs commit with the submission
    refresh_grades([Entity.get_by_id(updated.entity_id)], now)  # the next draw sees the result
    audit.record(
        inspector.code,
        "inspection.submit",
        "inspection",
        inspection.id,
        after={"outcome": updated.outcome, "content_hash": views.content_hash(updated)},
        at=now,
    )
    return updated
