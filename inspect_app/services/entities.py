"""Market entities: create and update, audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inspect_app import audit
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.db import database
from inspect_app.errors import AppError
from inspect_app.models import Entity, Industry, Licence, Street
from inspect_app.services import grades
from inspect_app.services.entity_lookup import get_entity

ENTITY_FIELDS = ("name", "address", "lat", "lon", "credit_class")


def entity_snapshot(entity: Entity) -> dict[str, Any]:
    return {
        "credit_code": entity.credit_code,
        "name": entity.name,
        "address": entity.address,
        "street": Street.get_by_id(entity.street_id).code,
        "lat": entity.lat,
        "lon": entity.lon,
        "credit_class": entity.credit_class,
        "version": entity.version,
    }


def street_by_code(code: str) -> Street:
    street = Street.get_or_none(Street.code == code)
    if street is None:
        raise AppError(
            "VALIDATION_FAILED", errors={"street": [{"zh": "未知的街镇", "en": "Unknown street."}]}
        )
    return street


def create_entity(actor: Actor, data: dict[str, Any], now: datetime) -> Entity:
    ensure(actor, Action.WRITE_REGISTRY)
    with database.atomic():
        if Entity.select().where(Entity.credit_code == data["credit_code"]).exists():
            raise AppError(
                "DUPLICATE",
                zh="该统一社会信用代码已登记",
                en="This credit code is already registered",
            )
        street = street_by_code(data["street"])
        entity = Entity.create(
            street=street,
            created_at=now,
            updated_at=now,
            credit_code=data["credit_code"],
            **{f: data[f] for f in ENTITY_FIELDS},
        )
        audit.record(
            actor.label,
            "entity.create",
            "entity",
            entity.credit_code,
            after=entity_snapshot(entity),
            at=now,
        )
    return entity


def update_entity(
    actor: Actor, credit_code: str, changes: dict[str, Any], expected_version: int, now: datetime
) -> Entity:
    """Apply changes if nobody changed the entity since `expected_version` was read."""
    ensure(actor, Action.WRITE_REGISTRY)
    with database.atomic():
        entity = get_entity(credit_code)
        before = entity_snapshot(entity)
        values: dict[Any, Any] = {
            Entity._meta.fields[f]: changes[f] for f in ENTITY_FIELDS if f in changes
        }
        if "street" in changes:
            values[Entity.street] = street_by_code(changes["street"])
        values[Entity.version] = Entity.version + 1
        values[Entity.updated_at] = now
        updated = (
            Entity.update(values)
            .where((Entity.id == entity.id) & (Entity.version == expected_version))
            .execute()
        )
        if not updated:
            raise AppError("STALE_VERSION")
        entity = Entity.get_by_id(entity.id)
        grades.regrade([entity.id], now)  # its credit class may have changed
        audit.record(
            actor.label,
            "entity.update",
            "entity",
            credit_code,
            before=before,
            after=entity_snapshot(entity),
            at=now,
        )
    return entity


def entity_list(args: dict[str, Any]):
    """Entities matching the list filters, ordered by credit code (paged by the caller)."""
    query = Entity.select(Entity, Street).join(Street)
    if "street" in args:
        query = query.where(Street.code == args["street"])
    if "credit_class" in args:
        query = query.where(Entity.credit_class == args["credit_class"])
    if "industry" in args:
        holders = (
            Licence.select(Licence.holder).join(Industry).where(Industry.code == args["industry"])
        )
        query = query.where(Entity.id.in_(holders))
    if "q" in args:
        text = args["q"]
        query = query.where(
            Entity.name.contains(text) | Entity.credit_code.startswith(text.upper())
        )
    return query.order_by(Entity.credit_code)
