"""Import and incremental sync from the licensing side (CSV or JSON).

Each row is validated, then applied in its own savepoint: a bad row is reported with its
line, field and a reason in both languages, and never loses the good rows around it.
A row's content hash is kept on the licence, so importing the same file again changes
nothing; a changed row becomes 变更 (or 延续 when only the validity moved on), and a row
marked cancelled becomes 注销.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

from inspect_app import audit
from inspect_app.access import Action, ensure
from inspect_app.actor import Actor
from inspect_app.api.fields import (
    CreditCode,
    Day,
    Strict,
    Text,
    credit_class,
    latitude,
    longitude,
)
from inspect_app.api.fields import (
    licence_number as licence_number_field,
)
from inspect_app.db import database
from inspect_app.domain.lifecycle import EventKind, IllegalTransition, Status
from inspect_app.errors import AppError
from inspect_app.messages import pair
from inspect_app.models import Entity, Licence, Street
from inspect_app.services import licences
from inspect_app.services.entities import entity_snapshot

STATUS_WORDS = {
    "ACTIVE": Status.ACTIVE,
    "有效": Status.ACTIVE,
    "CANCELLED": Status.CANCELLED,
    "注销": Status.CANCELLED,
}
PERMIT_SEPARATOR, PERMIT_FIELD_SEPARATOR = ";", "|"
PERMIT_FIELDS = ("permit_code", "permit_number", "valid_from", "valid_until")


class PermitRowSchema(Strict):
    permit_code = Text(max_length=12, required=True)
    permit_number = Text(max_length=32, required=True)
    valid_from = Day(required=True)
    valid_until = Day(required=True)


class PermitsField(ma.fields.List):
    """CSV writes permits as 'code|number|from|until;…'; JSON as a list of objects."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [
                dict(zip(PERMIT_FIELDS, part.split(PERMIT_FIELD_SEPARATOR), strict=False))
                for part in value.split(PERMIT_SEPARATOR)
                if part.strip()
            ]
        return super()._deserialize(value, attr, data, **kwargs)


class ImportRowSchema(Strict):
    licence_number = licence_number_field(required=True)
    credit_code = CreditCode(required=True)
    entity_name = Text(max_length=128, required=True)
    address = Text(max_length=256, required=True)
    street = Text(max_length=32, required=True)
    lat = latitude(required=True)
    lon = longitude(required=True)
    credit_class = credit_class(load_default="B")
    industry = Text(max_length=4, required=True)
    issued_at = Day(required=True)
    valid_until = Day(required=True)
    permits = PermitsField(
        ma.fields.Nested(PermitRowSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    status = ma.fields.String(load_default="ACTIVE", validate=validate.OneOf(list(STATUS_WORDS)))
    reason = Text(max_length=256, load_default="审批系统同步")


@dataclass
class RowError:
    line: int
    field: str
    message: dict[str, str]
    licence_number: str | None = None


@dataclass
class ImportReport:
    counts: Counter = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values()) + len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            **{k: self.counts.get(k, 0) for k in OUTCOMES},
            "errors": [e.__dict__ for e in self.errors],
        }


OUTCOMES = ("created", "changed", "renewed", "cancelled", "unchanged")


FORMATS = {"text/csv": "csv", "application/json": "json"}


def import_upload(actor: Actor, body: bytes, mimetype: str, now: datetime) -> ImportReport:
    """Import an uploaded CSV or JSON file; an unreadable file is refused whole."""
    ensure(actor, Action.WRITE_REGISTRY)
    fmt = FORMATS.get(mimetype)
    if fmt is None:
        raise AppError(
            "UNSUPPORTED_MEDIA_TYPE",
            zh="请以 text/csv 或 application/json 上传",
            en="Send text/csv or application/json",
        )
    try:
        rows = list(read_rows(body, fmt))
    except (ValueError, UnicodeDecodeError) as error:
        kind = "MALFORMED_JSON" if isinstance(error, json.JSONDecodeError) else "BAD_REQUEST"
        raise AppError(
            kind,
            zh="文件无法解析（须为 UTF-8 的 CSV 或 JSON 数组）",
            en=f"Cannot parse the file (UTF-8 CSV or a JSON array): {error}",
        ) from error
    return import_licences(actor, rows, now)


def read_rows(data: bytes, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) pairs: the CSV's physical line, or the JSON item's position (1-based)."""
    text = data.decode("utf-8-sig")
    if fmt == "json":
        items = json.loads(text)
        if not isinstance(items, list):
            raise ValueError("top level must be a list")
        yield from enumerate(items, start=1)
        return
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        yield (
            reader.line_num,
            {k: v for k, v in row.items() if k is not None and v not in ("", None)},
        )


def row_hash(row: dict[str, Any]) -> str:
    def plain(value):
        return value.isoformat() if isinstance(value, date | datetime) else value

    canonical = json.dumps(
        {
            k: plain(v)
            if not isinstance(v, list)
            else [{pk: plain(pv) for pk, pv in p.items()} for p in v]
            for k, v in row.items()
            if k != "reason"
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def import_licences(
    actor: Actor,
    rows: Iterable[tuple[int, dict[str, Any]]],
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Apply every row; keep the good ones, report the bad ones."""
    ensure(actor, Action.WRITE_REGISTRY)
    report = ImportReport()
    streets = {s.code: s for s in Street.select()} | {s.name: s for s in Street.select()}
    schema = ImportRowSchema()
    for line, raw in rows:
        try:
            row = schema.load(raw if isinstance(raw, dict) else {"_": raw})
        except ma.ValidationError as error:
            report.errors.extend(_row_errors(line, error.messages, raw))
        else:
            _apply_one(actor, line, row, streets, now, report)
        if progress:
            progress(1)
    return report


def _apply_one(actor, line, row, streets, now, report) -> None:
    try:
        with database.atomic():
            outcome = _apply_row(actor, row, streets, now)
        report.counts[outcome] += 1
    except AppError as error:
        for field_name, message in _app_error_fields(error):
            report.errors.append(RowError(line, field_name, message, row["licence_number"]))
    except IllegalTransition as error:
        report.errors.append(RowError(line, "status", error.message, row["licence_number"]))


def _apply_row(actor: Actor, row: dict[str, Any], streets: dict[str, Street], now: datetime) -> str:
    street = streets.get(row["street"])
    if street is None:
        raise AppError("VALIDATION_FAILED", errors={"street": [pair("Unknown street.")]})
    digest = row_hash(row)
    licence = Licence.get_or_none(Licence.number == row["licence_number"])
    if licence is not None and licence.source_hash == digest:
        return "unchanged"
    if licence is None:
        _sync_entity(actor, row, street, now)
        return _create(actor, row, digest, now)
    outcome = _update(actor, licence, row, digest, now)
    _sync_entity(actor, row, street, now)
    return outcome


def _sync_entity(actor: Actor, row: dict[str, Any], street: Street, now: datetime) -> None:
    """Create the holder, or bring its registry fields in step with the row."""
    values = {
        "name": row["entity_name"],
        "address": row["address"],
        "street": street.id,
        "lat": row["lat"],
        "lon": row["lon"],
        "credit_class": row["credit_class"],
    }
    entity = Entity.get_or_none(Entity.credit_code == row["credit_code"])
    if entity is None:
        entity = Entity.create(
            credit_code=row["credit_code"], created_at=now, updated_at=now, **values
        )
        audit.record(
            actor.label,
            "entity.import",
            "entity",
            entity.credit_code,
            after=entity_snapshot(entity),
            at=now,
        )
        return
    current = {
        "name": entity.name,
        "address": entity.address,
        "street": entity.street_id,
        "lat": entity.lat,
        "lon": entity.lon,
        "credit_class": entity.credit_class,
    }
    if current == values:
        return
    before = entity_snapshot(entity)
    (
        Entity.update(**values, version=Entity.version + 1, updated_at=now)
        .where(Entity.id == entity.id)
        .execute()
    )
    audit.record(
        actor.label,
        "entity.import",
        "entity",
        entity.credit_code,
        before=before,
        after=entity_snapshot(Entity.get_by_id(entity.id)),
        at=now,
    )


def _create(actor: Actor, row: dict[str, Any], digest: str, now: datetime) -> str:
    issued_at = datetime.combine(row["issued_at"], datetime.min.time(), tzinfo=now.tzinfo)
    licences.issue_licence(
        actor,
        {
            "number": row["licence_number"],
            "holder_code": row["credit_code"],
            "industry": row["industry"],
            "valid_until": row["valid_until"],
            "issued_at": issued_at,
            "permits": row["permits"],
            "reason": row["reason"],
            "source_hash": digest,
        },
        now,
        source="import",
    )
    if STATUS_WORDS[row["status"]] == Status.CANCELLED:
        licences.post_event(
            actor, row["licence_number"], EventKind.CANCEL, row["reason"], {}, now, source="import"
        )
        return "cancelled"
    return "created"


def _update(actor: Actor, licence: Licence, row: dict[str, Any], digest: str, now: datetime) -> str:
    """注销 for a cancelled row; otherwise 变更 for changed holder or permits, 延续 for a later validity."""
    number, reason = row["licence_number"], row["reason"]
    if STATUS_WORDS[row["status"]] == Status.CANCELLED:
        if licence.status == Status.CANCELLED:
            Licence.update(source_hash=digest).where(Licence.id == licence.id).execute()
            return "unchanged"
        licences.post_event(
            actor, number, EventKind.CANCEL, reason, {}, now, source="import", source_hash=digest
        )
        return "cancelled"
    outcome = "changed"
    changes = _licence_changes(licence, row)
    if changes:
        licences.post_event(
            actor,
            number,
            EventKind.CHANGE,
            reason,
            changes,
            now,
            source="import",
            source_hash=digest,
        )
    renewal = row["valid_until"] if row["valid_until"] != licence.valid_until else None
    if renewal is not None:
        licences.post_event(
            actor,
            number,
            EventKind.RENEW,
            reason,
            {"valid_until": renewal},
            now,
            source="import",
            source_hash=digest,
        )
        outcome = "changed" if changes else "renewed"
    Licence.update(source_hash=digest).where(Licence.id == licence.id).execute()
    return outcome


def _licence_changes(licence: Licence, row: dict[str, Any]) -> dict[str, Any]:
    """What a 变更 must carry: the holder's name and address, the integrated permits."""
    snapshot = licences.licence_snapshot(licence)
    holder = Entity.get_by_id(licence.holder_id)
    changes: dict[str, Any] = {}
    if row["entity_name"] != holder.name:
        changes["holder_name"] = row["entity_name"]
    if row["address"] != holder.address:
        changes["address"] = row["address"]
    current = _permit_keys(snapshot["permits"])
    incoming = _permit_keys(row["permits"])
    renewing = row["valid_until"] != licence.valid_until
    # A renewal moves every permit's validity with the licence's; only other differences are a 变更.
    if current != incoming and not (
        renewing and _without_until(current) == _without_until(incoming)
    ):
        changes["permits"] = row["permits"]
    return changes


def _permit_keys(permits: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    def text(value):
        return value.isoformat() if isinstance(value, date) else value

    return sorted(
        (p["permit_code"], p["permit_number"], text(p["valid_from"]), text(p["valid_until"]))
        for p in permits
    )


def _without_until(keys: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str]]:
    return [key[:3] for key in keys]


def _row_errors(line: int, messages: Any, raw: Any) -> Iterator[RowError]:
    number = raw.get("licence_number") if isinstance(raw, dict) else None
    for field_name, message in _flatten(messages):
        yield RowError(line, field_name, pair(message), number if isinstance(number, str) else None)


def _flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, prefix)
    else:
        yield prefix or "_row", str(messages)


def _app_error_fields(error: AppError) -> Iterator[tuple[str, dict[str, str]]]:
    if not error.errors:
        yield "_row", {"zh": error.zh or error.kind.zh, "en": error.en or error.kind.en}
        return
    for field_name, value in error.errors.items():
        messages = value if isinstance(value, list) else [value]
        for message in messages:
            yield (
                field_name,
                message if isinstance(message, dict) and "zh" in message else pair(str(message)),
            )
