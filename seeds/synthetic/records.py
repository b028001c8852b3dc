"""The plain records a synthetic district is made of, and their JSON-ready form.

Dates are ISO strings ('2021-06-15') and instants ISO datetimes in UTC
('2021-06-15T02:34:56+00:00'): the records are meant to be serialised and imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

EVENT_KINDS = ("NEW", "CHANGE", "RENEW", "REPLACE", "SUSPEND", "RESUME", "CANCEL", "REVOKE")
LICENCE_STATUSES = ("ACTIVE", "SUSPENDED", "EXPIRED", "CANCELLED", "REVOKED")
USER_ROLES = ("admin", "planner", "inspector", "licensing")


@dataclass(frozen=True, slots=True)
class Entity:
    """A market entity (市场主体) holding one or more combined licences."""

    credit_code: str
    name: str
    address: str
    street: str
    lat: float
    lon: float
    credit_class: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "credit_code": self.credit_code,
            "name": self.name,
            "address": self.address,
            "street": self.street,
            "lat": self.lat,
            "lon": self.lon,
            "credit_class": self.credit_class,
        }


@dataclass(frozen=True, slots=True)
class IntegratedPermit:
    """One permit (许可事项) carried by a combined licence; keeps its issuing department."""

    permit: str
    department: str
    number: str
    valid_from: str
    valid_until: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "permit": self.permit,
            "department": self.department,
            "number": self.number,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


@dataclass(frozen=True, slots=True)
class LicenceEvent:
    """One step of a licence's lifecycle: who (actor), when (at, UTC), why (reason)."""

    kind: str
    at: str
    actor: str
    reason: str
    changes: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at,
            "actor": self.actor,
            "reason": self.reason,
            "changes": dict(self.changes),
        }


@dataclass(frozen=True, slots=True)
class Licence:
    """A combined licence (行业综合许可证) in its state on the generation day."""

    number: str
    holder: str
    industry: str
    status: str
    issued_on: str
    valid_until: str
    permits: tuple[IntegratedPermit, ...]
    events: tuple[LicenceEvent, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "holder": self.holder,
            "industry": self.industry,
            "status": self.status,
            "issued_on": self.issued_on,
            "valid_until": self.valid_until,
            "permits": [p.to_dict() for p in self.permits],
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class Inspector:
    """A law-enforcement officer in a department's directory of inspectors."""

    code: str
    name: str
    department: str
    qualifications: tuple[str, ...]
    active: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "department": self.department,
            "qualifications": list(self.qualifications),
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class Recusal:
    """A declared conflict of interest (回避): the draw must not send this inspector there."""

    inspector: str
    credit_code: str
    reason: str
    declared_on: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspector": self.inspector,
            "credit_code": self.credit_code,
            "reason": self.reason,
            "declared_on": self.declared_on,
        }


@dataclass(frozen=True, slots=True)
class User:
    """A platform account (no credentials here: the app sets those at seeding)."""

    code: str
    name: str
    role: str
    department: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "role": self.role,
            "department": self.department,
        }


class Holding(NamedTuple):
    """An entity with the licences it holds: the unit the generator streams."""

    entity: Entity
    licences: tuple[Licence, ...]


@dataclass(frozen=True, slots=True)
class District:
    """A whole synthetic district, as generated for one (n, seed, start, today)."""

    n: int
    seed: int
    start: str
    today: str
    entities: tuple[Entity, ...]
    licences: tuple[Licence, ...]
    inspectors: tuple[Inspector, ...]
    recusals: tuple[Recusal, ...]
    users: tuple[User, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "seed": self.seed,
            "start": self.start,
            "today": self.today,
            "entities": [e.to_dict() for e in self.entities],
            "licences": [lic.to_dict() for lic in self.licences],
            "inspectors": [i.to_dict() for i in self.inspectors],
            "recusals": [r.to_dict() for r in self.recusals],
            "users": [u.to_dict() for u in self.users],
        }


def serialise(district: District) -> str:
    """Canonical JSON (sorted keys, UTF-8 text): equal districts give equal strings."""
    return json.dumps(district.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
