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
from inspect_app.services import grades, licences
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
    """Rows read, what became of the good ones, and every problem of the bad ones (a bad row
    may have several)."""

    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def rejected(self) -> int:
        """Rows refused (each counted once, however many of its fields are wrong)."""
        return len({e.line for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            **{k: self.counts.get(k, 0) for k in OUTCOMES},
            "rejected": self.rejected,
            "encoding": self.encoding,
            "errors": [e.__dict__ for e in self.errors],
        }


OUTCOMES = ("created", "changed", "renewed", "cancelled", "unchanged")


FORMATS = {"text/csv": "csv", "application/json": "json"}
# UTF-8 first (a BOM is dropped); then GB18030, the superset of GBK that Excel on Chinese
# Windows saves a CSV in. JSON is UTF-8 by definition (RFC 8259).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
# One example row of a template: a made-up licence, with a valid credit code, in Baoshan.
TEMPLATE_EXAMPLE = {
    "licence_number": "BS-IC-2026-000001",
    "credit_code": "91310113MA1GL0001C",
    "entity_name": "上海宝山区示例网络科技有限公司",
    "address": "上海市宝山区友谊路街道牡丹江路1号",
    "street": "BS01",
    "lat": "31.4052",
    "lon": "121.4893",
    "credit_class": "B",
    "industry": "IC",
    "issued_at": "2026-05-01",
    "valid_until": "2031-04-30",
    "permits": "IC-P1|WWW310113000001|2026-05-01|2031-04-30;IC-P2|XF310113000001|2026-05-01|2031-04-30",
    "status": "有效",
    "reason": "审批系统同步",
}


@dataclass
class ImportFile:
    rows: list[tuple[int, dict[str, Any]]]
    encoding: str


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
    read = read_file(body, fmt)
    report = import_licences(actor, read.rows, now)
    report.encoding = read.encoding
    return report


def read_file(data: bytes, fmt: str) -> ImportFile:
    """The rows of a CSV or JSON file, or AppError when the file as a whole cannot be read."""
    text, encoding = decode(data, fmt)
    try:
        return ImportFile(list(read_rows(text, fmt)), encoding)
    except json.JSONDecodeError as error:
        raise AppError(
            "MALFORMED_JSON",
            zh=f"JSON 无法解析：第 {error.lineno} 行第 {error.colno} 列",
            en=f"Cannot parse the JSON: {error}",
        ) from error
    except (ValueError, csv.Error) as error:
        raise AppError(
            "UNREADABLE_FILE", zh=f"文件无法解析：{error}", en=f"Cannot parse the file: {error}"
        ) from error


def decode(data: bytes, fmt: str) -> tuple[str, str]:
    """The file's text and the encoding it was read in."""
    if b"\x00" not in data:  # UTF-16 ("Unicode text" in Excel) would decode as garbage
        for encoding in CSV_ENCODINGS if fmt == "csv" else CSV_ENCODINGS[:1]:
            try:
                return data.decode(encoding), encoding.removesuffix("-sig")
            except UnicodeDecodeError:
                continue
    raise AppError(
        "UNREADABLE_FILE",
        zh="文件编码无法识别：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后再导入"
        + ("" if fmt == "csv" else "（JSON 须为 UTF-8）"),
        en='Cannot tell the file\'s encoding: save it as "CSV UTF-8 (Comma delimited)" and import again'
        + ("" if fmt == "csv" else " (JSON must be UTF-8)"),
    )


def read_rows(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) pairs: the CSV's physical line, or the JSON item's position (1-based)."""
    if fmt == "json":
        items = json.loads(text)
        if not isinstance(items, list):
            raise ValueError("top level must be a list / 顶层须为数组")
        yield from enumerate(items, start=1)
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(reader.fieldnames or [])
    for row in reader:
        yield (
            reader.line_num,
            {k: v for k, v in row.items() if k is not None and v not in ("", None)},
        )


def _check_header(header: list[str]) -> None:
    """A wrong header would fail every row the same way: refuse the file once, naming columns."""
    columns = ImportRowSchema().fields
    unknown = [name for name in header if name not in columns]
    missing = [name for name, f in columns.items() if f.required and name not in header]
    if unknown or missing:
        zh = "；".join(
            [f"未知列 {', '.join(unknown)}"] * bool(unknown)
            + [f"缺少列 {', '.join(missing)}"] * bool(missing)
        )
        en = "; ".join(
            [f"unknown columns {', '.join(unknown)}"] * bool(unknown)
            + [f"missing columns {', '.join(missing)}"] * bool(missing)
        )
        raise AppError(
            "UNREADABLE_FILE",
            zh=f"表头有误：{zh}（模板见 `lianjian import licences --template`）",
            en=f"Wrong header: {en} (see `lianjian import licences --template`)",
        )


def template_csv() -> str:
    """A CSV with every column in order and one example row."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(ImportRowSchema().fields), lineterminator="\n")
    writer.writeheader()
    writer.writerow(TEMPLATE_EXAMPLE)
    return out.getvalue()


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
    """Apply every row; keep the good ones, report the bad ones. The holders of the rows that
    changed something are graded in batches as the import goes (grades.BATCH at a time)."""
    ensure(actor, Action.WRITE_REGISTRY)
    report = ImportReport()
    streets = {s.code: s for s in Street.select()} | {s.name: s for s in Street.select()}
    schema = ImportRowSchema()
    touched: set[str] = set()
    for line, raw in rows:
        report.rows += 1
        try:
            row = schema.load(raw if isinstance(raw, dict) else {"_": raw})
        except ma.ValidationError as error:
            report.errors.extend(_row_errors(line, error.messages, raw))
        else:
            _apply_one(actor, line, row, streets, now, report, touched)
        if len(touched) >= grades.BATCH:
            _grade_holders(touched, now)
        if progress:
            progress(1)
    _grade_holders(touched, now)
    return report


def _grade_holders(credit_codes: set[str], now: datetime) -> None:
    """Grade the entities these rows touched, in one batch, and forget them."""
    if not credit_codes:
        return
    with database.atomic():
        ids = [
            i
            for (i,) in Entity.select(Entity.id)
            .where(Entity.credit_code.in_(sorted(credit_codes)))
            .tuples()
        ]
        grades.regrade(ids, now)
    credit_codes.clear()


def _apply_one(actor, line, row, streets, now, report, touched: set[str]) -> None:
    try:
        with database.atomic():
            outcome = _apply_row(actor, row, streets, now)
        report.counts[outcome] += 1
        if outcome != "unchanged":
            touched.add(row["credit_code"])
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
        regrade=False,
    )
    if STATUS_WORDS[row["status"]] == Status.CANCELLED:
        licences.post_event(
            actor,
            row["licence_number"],
            EventKind.CANCEL,
            row["reason"],
            {},
            now,
            source="import",
            regrade=False,
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
            actor,
            number,
            EventKind.CANCEL,
            reason,
            {},
            now,
            source="import",
            source_hash=digest,
            regrade=False,
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
            regrade=False,
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
            regrade=False,
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
