"""Combined licences: issue (新办) and every later lifecycle event, audited.

The licence row caches the fold of its events (status, validity, permits); each event
checks the transition against the cached status inside the same transaction that
appends it, and `replay_status` re-folds the events to prove the cache right.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from inspect_app import audit
from inspect_app.access import ROUTED_EVENTS, Action, LicenceEventRequest, allows, ensure
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.domain import lifecycle
from inspect_app.domain.lifecycle import EventKind, Status
from inspect_app.errors import AppError
from inspect_app.models import (
    Department,
    Entity,
    Industry,
    Licence,
    LicenceEvent,
    LicencePermit,
    Permit,
    Street,
    User,
)
from inspect_app.services import grades, notifications
from inspect_app.services.entities import get_entity


def get_licence(number: str) -> Licence:
    licence = Licence.get_or_none(Licence.number == number)
    if licence is None:
        raise AppError("NOT_FOUND", zh="未找到该许可证", en="No such licence")
    return licence


def licence_detail(number: str) -> Licence:
    """A licence with its permits and events loaded (the detail view's whole answer)."""
    licence = get_licence(number)
    permits = (
        LicencePermit.select(LicencePermit, Permit, Department)
        .join(Permit)
        .join(Department)
        .where(LicencePermit.licence == licence)
        .order_by(Permit.code)
    )
    events = LicenceEvent.select().where(LicenceEvent.licence == licence).order_by(LicenceEvent.seq)
    # Plain lists on the row, as peewee's prefetch leaves them: the schema dumps, never queries.
    licence.permits, licence.events = list(permits), list(events)
    return licence


def licence_list(args: dict[str, Any]):
    """Licences matching the list filters, ordered by number (paged by the caller)."""
    query = (
        Licence.select(Licence, Entity, Street, Industry)
        .join(Entity)
        .join(Street)
        .switch(Licence)
        .join(Industry)
    )
    if "street" in args:
        query = query.where(Street.code == args["street"])
    if "industry" in args:
        query = query.where(Industry.code == args["industry"])
    if "status" in args:
        query = query.where(Licence.status == args["status"])
    if "credit_class" in args:
        query = query.where(Entity.credit_class == args["credit_class"])
    if "q" in args:
        text = args["q"]
        query = query.where(
            Entity.name.contains(text)
            | Entity.credit_code.startswith(text.upper())
            | Licence.number.startswith(text.upper())
        )
    return query.order_by(Licence.number)


def permit_rows(licence: Licence) -> list[dict[str, Any]]:
    query = (
        LicencePermit.select(LicencePermit, Permit, Department)
        .join(Permit)
        .join(Department)
        .where(LicencePermit.licence == licence)
        .order_by(Permit.code)
    )
    return [
        {
            "permit_code": lp.permit.code,
            "name": lp.permit.name,
            "issuing_department": lp.permit.issuing_department.code,
            "permit_number": lp.permit_number,
            "valid_from": lp.valid_from.isoformat(),
            "valid_until": lp.valid_until.isoformat(),
            "status": lp.status,
        }
        for lp in query
    ]


def licence_snapshot(licence: Licence) -> dict[str, Any]:
    holder = licence.holder  # loaded here unless the caller set it
    return {
        "number": licence.number,
        "holder_code": holder.credit_code,
        "holder_name": holder.name,
        "industry": licence.industry.code,
        "status": licence.status,
        "issued_at": licence.issued_at.isoformat(),
        "valid_until": licence.valid_until.isoformat(),
        "permits": permit_rows(licence),
        "version": licence.version,
    }


def event_request(licence: Licence, kind: EventKind) -> LicenceEventRequest:
    """The policy's view of an event about to be posted on this licence."""
    issuing = {row["issuing_department"] for row in permit_rows(licence)}
    return LicenceEventRequest(kind, supervising_departments(licence), issuing)


def supervising_departments(licence: Licence) -> set[str]:
    """The lead of the licence's industry and every department issuing one of its permits."""
    industry = Industry.get_by_id(licence.industry_id)
    codes = {Department.get_by_id(industry.lead_id).code}
    codes.update(row["issuing_department"] for row in permit_rows(licence))
    return codes


def _resolve_permits(
    industry: Industry, permits: list[dict[str, Any]]
) -> list[tuple[Permit, dict]]:
    known = {p.code: p for p in Permit.select().where(Permit.industry == industry)}
    resolved, errors = [], {}
    for index, row in enumerate(permits):
        permit = known.get(row["permit_code"])
        if permit is None:
            errors[str(index)] = {
                "permit_code": [
                    {"zh": "该行业没有此许可事项", "en": "Unknown permit for this industry."}
                ]
            }
        else:
            resolved.append((permit, row))
    if errors:
        raise AppError("VALIDATION_FAILED", errors={"permits": errors})
    return resolved


def _write_permits(licence: Licence, resolved: list[tuple[Permit, dict]]) -> None:
    LicencePermit.delete().where(LicencePermit.licence == licence).execute()
    for permit, row in resolved:
        LicencePermit.create(
            licence=licence,
            permit=permit,
            permit_number=row["permit_number"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
        )


def _json_changes(changes: dict[str, Any]) -> dict[str, Any]:
    def plain(value):
        if isinstance(value, date | datetime):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(changes)


def issue_licence(
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    *,
    source: str = "api",
    regrade: bool = True,
) -> Licence:
    """新办: a new combined licence for a registered entity, with its permits; the holder is
    graded in the same transaction (a bulk caller passes `regrade=False` and grades in batches)."""
    ensure(actor, Action.WRITE_REGISTRY)
    with database.atomic():
        if Licence.select().where(Licence.number == data["number"]).exists():
            raise AppError(
                "DUPLICATE", zh="该许可证编号已存在", en="This licence number already exists"
            )
        holder = get_entity(data["holder_code"])
        industry = Industry.get_or_none(Industry.code == data["industry"])
        if industry is None:
            raise AppError(
                "VALIDATION_FAILED",
                errors={"industry": [{"zh": "未知的行业", "en": "Unknown industry."}]},
            )
        resolved = _resolve_permits(industry, data["permits"])
        issued_at = data.get("issued_at") or now
        licence = Licence.create(
            number=data["number"],
            holder=holder,
            industry=industry,
            status=Status.ACTIVE,
            issued_at=issued_at,
            valid_until=data["valid_until"],
            source_hash=data.get("source_hash"),
            updated_at=now,
        )
        _write_permits(licence, resolved)
        initial = {k: data[k] for k in ("holder_code", "industry", "valid_until", "permits")}
        _append_event(
            licence, EventKind.NEW, actor, data.get("reason") or "新办", initial, issued_at, source
        )
        audit.record(
            actor.label,
            "licence.NEW",
            "licence",
            licence.number,
            after=licence_snapshot(licence),
            at=now,
        )
        if regrade:
            grades.refresh_grades([holder], now)
    return licence


def post_event(
    actor: Actor,
    number: str,
    kind: EventKind,
    reason: str,
    changes: dict[str, Any],
    now: datetime,
    *,
    expected_version: int | None = None,
    source: str = "api",
    source_hash: str | None = None,
    regrade: bool = True,
) -> LicenceEvent:
    """One lifecycle step after 新办; illegal ones raise lifecycle.IllegalTransition. What the
    holder holds may change (suspended, cancelled, revoked, resumed): its grade is brought up to
    date in the same transaction (unless a bulk caller grades in batches, `regrade=False`)."""
    if kind == EventKind.NEW:
        raise AppError(
            "ILLEGAL_TRANSITION", zh="新办请创建新的许可证", en="Use licence creation for NEW"
        )
    with database.atomic():
        licence = get_licence(number)
        request = event_request(licence, kind)
        ensure(actor, Action.POST_LICENCE_EVENT, request)
        if expected_version is not None and expected_version != licence.version:
            raise AppError("STALE_VERSION")
        if kind in ROUTED_EVENTS and not allows(actor, Action.DECIDE_PERMIT_STEP, request):
            return _route(actor, licence, kind, reason, changes, request, now, source)
        before = licence_snapshot(licence)
        status = lifecycle.next_status(Status(licence.status), kind)
        values = _apply_changes(licence, kind, changes)
        values.update(
            {Licence.status: status, Licence.version: Licence.version + 1, Licence.updated_at: now}
        )
        if source_hash is not None:
            values[Licence.source_hash] = source_hash
        updated = (
            Licence.update(values)
            .where((Licence.id == licence.id) & (Licence.version == licence.version))
            .execute()
        )
        if not updated:
            raise AppError("STALE_VERSION")
        event = _append_event(licence, kind, actor, reason, changes, now, source)
        licence = Licence.get_by_id(licence.id)
        audit.record(
            actor.label,
            f"licence.{kind}",
            "licence",
            number,
            before=before,
            after=licence_snapshot(licence),
            at=now,
        )
        if regrade:
            grades.regrade([licence.holder_id], now)
    return event


def licence_for_event(actor: Actor, number: str, kind: EventKind) -> Licence:
    """The licence (as its detail shows it) if the actor may post this kind of event on it."""
    licence = licence_detail(number)
    ensure(actor, Action.POST_LICENCE_EVENT, event_request(licence, kind))
    return licence


def _route(
    actor: Actor,
    licence: Licence,
    kind: EventKind,
    reason: str,
    changes: dict[str, Any],
    request: LicenceEventRequest,
    now: datetime,
    source: str,
) -> LicenceEvent:
    """A suspension or revocation asked by someone outside the issuing departments: recorded on
    the licence as a NOTE routed to them (the status stays), and each of their planners told."""
    to = sorted(request.issuing_departments)
    routed = changes | {"routed": kind.value, "routed_to": to}
    event = _append_event(licence, EventKind.NOTE, actor, reason, routed, now, source)
    Licence.update({Licence.version: Licence.version + 1, Licence.updated_at: now}).where(
        Licence.id == licence.id
    ).execute()
    for user in User.select().where(
        (User.role == "planner")
        & User.department.in_(Department.select().where(Department.code.in_(to)))
    ):
        notifications.notify(
            f"LICENCE_ROUTED:{event.id}:{user.id}",
            "LICENCE_ROUTED",
            user=user.id,
            now=now,
            payload={"licence": licence.number, "kind": kind.value, "reason": reason},
        )
    audit.record(
        actor.label,
        "licence.routed",
        "licence",
        licence.number,
        after={"kind": kind.value, "routed_to": to, "event": event.seq},
        at=now,
    )
    return event


def record_event(
    actor: Actor, number: str, data: dict[str, Any], expected_version: int, now: datetime
) -> Licence:
    """Post one lifecycle event on the version the client read; answer the licence as it stands."""
    post_event(
        actor,
        number,
        EventKind(data["kind"]),
        data["reason"],
        data["changes"],
        now,
        expected_version=expected_version,
    )
    return licence_detail(number)


def _apply_changes(licence: Licence, kind: EventKind, changes: dict[str, Any]) -> dict:
    values: dict = {}
    if kind == EventKind.RENEW:
        new_until = changes.get("valid_until")
        if new_until is None or new_until <= licence.valid_until:
            raise AppError(
                "VALIDATION_FAILED",
                errors={
                    "changes": {
                        "valid_until": [
                            {
                                "zh": "须晚于当前有效期",
                                "en": "Must be later than the current validity.",
                            }
                        ]
                    }
                },
            )
        values[Licence.valid_until] = new_until
        if "permits" in changes:
            industry = Industry.get_by_id(licence.industry_id)
            _write_permits(licence, _resolve_permits(industry, changes["permits"]))
        else:
            LicencePermit.update(valid_until=new_until).where(
                LicencePermit.licence == licence
            ).execute()
    elif kind == EventKind.CHANGE:
        if not changes:
            raise AppError(
                "VALIDATION_FAILED",
                errors={
                    "changes": [
                        {"zh": "变更须至少包含一项变化", "en": "A change must change something."}
                    ]
                },
            )
        _change_holder(licence, changes)
        if "permits" in changes:
            industry = Industry.get_by_id(licence.industry_id)
            _write_permits(licence, _resolve_permits(industry, changes["permits"]))
    return values


def _change_holder(licence: Licence, changes: dict[str, Any]) -> None:
    fields = {}
    if "holder_name" in changes:
        fields[Entity.name] = changes["holder_name"]
    if "address" in changes:
        fields[Entity.address] = changes["address"]
    if fields:
        fields[Entity.version] = Entity.version + 1
        Entity.update(fields).where(Entity.id == licence.holder_id).execute()


def _append_event(
    licence: Licence,
    kind: EventKind,
    actor: Actor,
    reason: str,
    changes: dict,
    at: datetime,
    source: str,
) -> LicenceEvent:
    seq = LicenceEvent.select().where(LicenceEvent.licence == licence).count() + 1
    department = (
        Department.get_or_none(Department.code == actor.department) if actor.department else None
    )
    return LicenceEvent.create(
        licence=licence,
        seq=seq,
        kind=kind,
        at=at,
        actor=actor.label,
        department=department,
        reason=reason,
        changes=_json_changes(changes),
        source=source,
    )


def replay_status(licence: Licence) -> lifecycle.LicenceState:
    """Fold the licence's events from the start: the state its history proves."""
    events = LicenceEvent.select().where(LicenceEvent.licence == licence).order_by(LicenceEvent.seq)
    return lifecycle.fold((e.kind, e.changes) for e in events)
