"""Recording an inspection: check-in, items, evidence, outcome, signatures, submission, amendment.

Each function is one write on one version of the inspection, called inside the operation's
transaction (services.tablet_writes, through idempotency.run_once_then_answer), and returns the inspection's new state.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from inspect_app import audit
from inspect_app.access import Action
from inspect_app.clock import as_utc, local
from inspect_app.domain import inspection as inspection_lifecycle
from inspect_app.domain.inspection import NO_ACCESS, NO_ITEMS, InspectionStep
from inspect_app.domain.lifecycle import Status
from inspect_app.errors import AppError
from inspect_app.models import (
    Entity,
    Evidence,
    Inspection,
    Inspector,
    ItemResult,
    Licence,
    RiskPoint,
    Signature,
    TaskRiskPoint,
)
from inspect_app.prepared import Prepared, PreparedInsert
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
    # How far a device's clock may run ahead of the server's, and how old a queued write's
    # device time may be (a tablet offline for days), before the device time is refused.
    device_skew_s: float = 300.0
    device_max_age_h: float = 7 * 24.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FieldSettings:
        """The settings as the app's configuration gives them (the API and the demo alike)."""
        return cls(
            far_check_in_m=config["CHECKIN_FAR_METRES"],
            evidence_dir=Path(config["EVIDENCE_DIR"]),
            evidence_max_bytes=config["EVIDENCE_MAX_BYTES"],
            keys_dir=Path(config["KEYS_DIR"]),
            device_skew_s=config.get("DEVICE_CLOCK_SKEW_SECONDS", 300.0),
            device_max_age_h=config.get("DEVICE_TIME_MAX_AGE_HOURS", 7 * 24.0),
        )


def device_time(device_at: datetime | None, now: datetime, settings: FieldSettings):
    """The device's time of a tablet write, in UTC, once it is believable: not ahead of the
    server's clock by more than the configured skew, not older than the configured age (a 422
    in both languages). None when the write carries none (the receipt time stands alone)."""
    if device_at is None:
        return None
    device_at = as_utc(device_at)
    if device_at > now + timedelta(seconds=settings.device_skew_s):
        raise AppError(
            "DEVICE_TIME_REJECTED",
            errors={
                "device_at": [
                    {
                        "zh": f"设备时间晚于服务器时间超过 {int(settings.device_skew_s)} 秒，请校准平板时钟",
                        "en": f"The device time is more than {int(settings.device_skew_s)} s "
                        "ahead of the server's; set the tablet's clock",
                    }
                ]
            },
        )
    if device_at < now - timedelta(hours=settings.device_max_age_h):
        raise AppError(
            "DEVICE_TIME_REJECTED",
            errors={
                "device_at": [
                    {
                        "zh": f"设备时间早于 {int(settings.device_max_age_h)} 小时之前，无法采信",
                        "en": f"The device time is more than {int(settings.device_max_age_h)} "
                        "hours old; it cannot be taken as the visit time",
                    }
                ]
            },
        )
    return device_at


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) between two WGS-84 points, in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def check_in(
    inspector: Inspector,
    inspection: Inspection,
    qr_payload: str | None,
    lat: float,
    lon: float,
    now: datetime,
    settings: FieldSettings,
    *,
    part_version: int | None = None,
    device_at: datetime | None = None,
    licence_number: str | None = None,
) -> Inspection:
    """At the premises: the licence's QR code must be genuine and this entity's — or, where the
    code cannot be read, its number typed (`licence_number`: a live licence of this entity,
    recorded as a typed check-in, weaker evidence); the GPS distance to the registered location
    is kept, and a far check-in is flagged. Written on the check-in's own version (`part_version`;
    None: the caller checked the inspection's version)."""
    views.ensure_open(inspection)
    entity = Entity.get_by_id(inspection.entity_id)
    if qr_payload is not None:
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
                    else [
                        {"zh": "二维码属于其他市场主体", "en": "The code belongs to another entity"}
                    ]
                },
            )
        method, shown, number = "qr", answer["status"], claimed.get("licence_number")
    else:
        number = _typed_licence(entity, licence_number)
        method, shown = "typed", "typed"
    distance = distance_m(lat, lon, entity.lat, entity.lon)
    updated = views.bump_part(
        inspection,
        now,
        "check_in",
        inspection.check_in_version if part_version is None else part_version,
        {"device_at": device_at.isoformat() if device_at else None, "lat": lat, "lon": lon},
        status=inspection_lifecycle.next_status(inspection.status, InspectionStep.CHECK_IN),
        checked_in_at=now,
        checked_in_device_at=device_at,
        check_in_lat=lat,
        check_in_lon=lon,
        check_in_distance_m=round(distance, 1),
        far_check_in=distance > settings.far_check_in_m,
        check_in_method=method,
    )
    audit.record(
        inspector.code,
        "inspection.check_in",
        "inspection",
        inspection.id,
        after={
            "distance_m": round(distance, 1),
            "far": updated.far_check_in,
            "qr": shown,
            "method": method,
            "licence": number,
            "device_at": device_at.isoformat() if device_at else None,
        },
        at=now,
    )
    return updated


def _typed_licence(entity: Entity, number: str | None) -> str:
    """The typed number of a live (active or suspended) licence of this entity, or QR_REJECTED
    beside `licence_number`."""
    licence = Licence.get_or_none(Licence.number == (number or "").strip())
    if (
        licence is None
        or licence.holder_id != entity.id
        or licence.status not in (Status.ACTIVE, Status.SUSPENDED)
    ):
        message = {
            "zh": "许可证编号与该市场主体的有效许可证不符",
            "en": "The number is not a live licence of this entity",
        }
        raise AppError("QR_REJECTED", errors={"licence_number": [message]})
    return licence.number


ITEM_RESULT = Prepared(
    lambda inspection_id, risk_point_id: ItemResult.select().where(
        (ItemResult.inspection == inspection_id) & (ItemResult.risk_point == risk_point_id)
    ),
    inspection_id=int,
    risk_point_id=int,
)
NEW_ITEM_RESULT = PreparedInsert(  # an item's first record, unless a teammate's came first
    ItemResult,
    *("inspection", "risk_point", "result", "notes", "recorded_by", "recorded_at", "device_at"),
    "version",
    unless_taken=(ItemResult.inspection, ItemResult.risk_point),
)


def item_to_record(inspector: Inspector, inspection: Inspection, code: str) -> RiskPoint:
    """The task's check item `code`, once this member may record it on the inspection as it
    stands: 409 once submitted, 404 when the task has no such item, 403 when it is another
    department's."""
    views.ensure_open(inspection)
    return views.item_to_write(inspector, inspection, code)


def record_item(
    inspector: Inspector,
    inspection: Inspection,
    code: str,
    result: str,
    notes: str,
    base_version: int,
    now: datetime,
    device_at: datetime | None = None,
    *,
    point: RiskPoint | None = None,
) -> Inspection:
    """符合 / 不符合 / 不适用 for one check item. Items carry their own version (0 before the first
    record), so members of different departments record their items side by side. `point`: the
    item as item_to_record gave it for this very state of the inspection (checked already)."""
    if point is None:
        point = item_to_record(inspector, inspection, code)
    yours = {"code": code, "version": base_version, "result": result, "notes": notes}
    # A first record (version 0) is inserted at once: the item had none, or the write is stale.
    first = (
        base_version == 0
        and NEW_ITEM_RESULT.new_id(
            inspection=inspection.id,
            risk_point=point.id,
            result=result,
            notes=notes,
            recorded_by=inspector.id,
            recorded_at=now,
            device_at=device_at,
            version=1,
        )
        is not None
    )
    existing = (
        None if first else ITEM_RESULT.one(inspection_id=inspection.id, risk_point_id=point.id)
    )
    current = existing.version if existing else 0
    if not first and (existing is None or base_version != current):
        raise views.stale_write(inspection, yours=yours, item=_item(code, existing))
    if existing is not None:
        changed = (
            ItemResult.update(
                result=result,
                notes=notes,
                recorded_by=inspector,
                recorded_at=now,
                device_at=device_at,
                version=ItemResult.version + 1,
            )
            .where((ItemResult.id == existing.id) & (ItemResult.version == current))
            .execute()
        )
        if not changed:
            raise views.stale_write(inspection, yours=yours)
    status = inspection_lifecycle.next_status(inspection.status, InspectionStep.RECORD_ITEM)
    audit.record(
        inspector.code,
        "inspection.item",
        "inspection",
        inspection.id,
        before=_item(code, existing) if existing else None,
        after={
            "code": code,
            "result": result,
            "notes": notes,
            "version": current + 1,
            "device_at": device_at.isoformat() if device_at else None,
        },
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
        "device_at": row.device_at.isoformat() if row.device_at else None,
        "recorded_at": row.recorded_at.isoformat() if row.recorded_at else None,
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
    device_at: datetime | None = None,
) -> tuple[Inspection, str, StagedPhoto | None]:
    """A photo, stored once by SHA-256. Everything is checked before anything is written (the
    inspection, the risk point, the member's department, size and type); the file comes last,
    staged, for the caller to publish after the commit or discard after a rollback."""
    views.ensure_open(inspection)
    point = views.item_to_write(inspector, inspection, code) if code else None
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
        after={
            "sha256": digest,
            "size": len(data),
            "risk_point": code,
            "device_at": device_at.isoformat() if device_at else None,
        },
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
        device_at=device_at,
    )
    updated = views.bump_any(inspection, now)  # add-only: a teammate's write is no conflict
    return updated, digest, _stage(data, digest, settings)


def set_outcome(
    inspector: Inspector,
    inspection: Inspection,
    outcome: str,
    notes: str,
    now: datetime,
    *,
    part_version: int | None = None,
    device_at: datetime | None = None,
) -> Inspection:
    """The overall result in the categories of docs/domain.md ("Inspection results"), recorded
    by the lead department's member, on the outcome's own version (`part_version`; None: the
    caller checked the inspection's version)."""
    views.ensure_open(inspection)
    views.ensure_team_write(inspector, inspection, Action.RECORD_OUTCOME)
    audit.record(
        inspector.code,
        "inspection.outcome",
        "inspection",
        inspection.id,
        before={"outcome": inspection.outcome},
        after={
            "outcome": outcome,
            "notes": notes,
            "device_at": device_at.isoformat() if device_at else None,
        },
        at=now,
    )
    return views.bump_part(
        inspection,
        now,
        "outcome",
        inspection.outcome_version if part_version is None else part_version,
        {
            "outcome": outcome,
            "notes": notes,
            "device_at": device_at.isoformat() if device_at else None,
        },
        outcome=outcome,
        outcome_notes=notes,
        outcome_at=now,
        outcome_device_at=device_at,
    )


def sign(
    inspector: Inspector,
    inspection: Inspection,
    now: datetime,
    *,
    parts: dict[str, Any] | None = None,
    device_at: datetime | None = None,
) -> Inspection:
    """This member signs: without `parts`, the whole content as it stands (a record signature,
    stale once anything changes); with `parts`, their own part at the versions named (a part
    signature, stale only when that part changes; a teammate's write leaves it standing). Both
    keep the whole content's hash as it stood, and the device's time."""
    views.ensure_open(inspection)
    recorded, evidence = views._recorded(inspection), views._evidence(inspection)
    digest = views.digest(views._content(inspection, recorded, evidence))
    part = views.member_parts(inspection, recorded, evidence)[inspector.id]
    if parts is not None:
        _ensure_parts(inspection, part, parts, {e.sha256 for e in evidence})
    Signature.delete().where(
        (Signature.inspection == inspection) & (Signature.inspector == inspector)
    ).execute()
    Signature.create(
        inspection=inspection,
        inspector=inspector,
        content_hash=digest,
        signed_at=now,
        device_at=device_at,
        scope="record" if parts is None else "part",
        part_hash=part.digest,
    )
    audit.record(
        inspector.code,
        "inspection.sign",
        "inspection",
        inspection.id,
        after={
            "content_hash": digest,
            "scope": "record" if parts is None else "part",
            "part_hash": part.digest,
            "device_at": device_at.isoformat() if device_at else None,
        },
        at=now,
    )
    return views.bump_any(inspection, now)


def _ensure_parts(
    inspection: Inspection, part: views.MemberPart, named: dict[str, Any], present: set[str]
) -> None:
    """A part signature names the versions of the signer's own part as the tablet holds them
    (items of their department, 0 for one not recorded; for the lead's member the check-in and
    the outcome; the photos they uploaded, and may name a teammate's): else 409 with both."""
    current = part.versions
    items = {i["code"]: i["item_version"] for i in named.get("items") or []}
    own = {i["code"]: i["item_version"] for i in current["items"]}
    same = set(items) <= set(own) and all(
        items.get(code, 0) == version for code, version in own.items()
    )
    for key in ("check_in", "outcome"):
        if key in current:
            same = same and named.get(key, 0) == current[key]
    photos = set(named.get("evidence") or [])
    same = same and set(current["evidence"]) <= photos <= present
    if not same:
        raise views.stale_write(inspection, yours={"parts": named}, parts=current)


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


def submit(
    inspector: Inspector,
    inspection: Inspection,
    now: datetime,
    device_at: datetime | None = None,
) -> Inspection:
    """Every item, the outcome and every member's signature (each still covering what it
    signed): then it is final. checked_on is the visit's day in Shanghai, from the devices."""
    views.ensure_open(inspection)
    missing = missing_for_submission(inspection)
    if missing:
        raise AppError("NOT_READY", errors=missing)
    visited = (
        inspection.checked_in_device_at
        or inspection.checked_in_at
        or inspection.outcome_device_at
        or device_at
        or now
    )
    updated = views.bump(
        inspection,
        now,
        status=inspection_lifecycle.next_status(inspection.status, InspectionStep.SUBMIT),
        submitted_at=now,
        submitted_device_at=device_at,
        checked_on=local(visited).date(),
    )
    feedback.record_followups(updated, now)  # follow-ups and their jobs commit with the submission
    refresh_grades([Entity.get_by_id(updated.entity_id)], now)  # the next draw sees the result
    audit.record(
        inspector.code,
        "inspection.submit",
        "inspection",
        inspection.id,
        after={
            "outcome": updated.outcome,
            "content_hash": views.content_hash(updated),
            "device_at": device_at.isoformat() if device_at else None,
        },
        at=now,
    )
    return updated


def request_submission(
    inspector: Inspector, inspection: Inspection, now: datetime, device_at: datetime | None = None
) -> Inspection:
    """Submit once ready: the member's request is kept (at the device's time) and the
    inspection is submitted by the write that makes it ready, this one or a teammate's that
    arrives later (an offline team's queues replay in any order). Asking twice changes nothing."""
    views.ensure_open(inspection)
    if inspection.submit_requested_at is None:
        audit.record(
            inspector.code,
            "inspection.submit_requested",
            "inspection",
            inspection.id,
            after={"device_at": device_at.isoformat() if device_at else None},
            at=now,
        )
        inspection = views.bump_any(
            inspection,
            now,
            submit_requested_by=inspector.id,
            submit_requested_at=now,
            submit_requested_device_at=device_at,
        )
    return submit_if_requested(inspection, now)


def submit_if_requested(inspection: Inspection, now: datetime) -> Inspection:
    """Submit an inspection whose submission was asked for, as soon as nothing is missing."""
    if (
        inspection.submit_requested_at is None
        or not inspection_lifecycle.is_open(inspection.status)
        or missing_for_submission(inspection)
    ):
        return inspection
    requester = Inspector.get_by_id(inspection.submit_requested_by)
    return submit(requester, inspection, now, device_at=inspection.submit_requested_device_at)
