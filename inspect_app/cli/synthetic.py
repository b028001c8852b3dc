"""Load a synthetic district (seeds/synthetic/) into the registry, in bulk, with progress.

Bulk inserts in batches keep 100,000 entities to minutes; natural keys make a second run
with the same N and seed add nothing. Each batch's entities are graded in its transaction.
One audit entry records the load as a whole.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher

from inspect_app import audit
from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.domain import passwords
from inspect_app.domain.lifecycle import Status
from inspect_app.models import (
    Department,
    Entity,
    Industry,
    Inspector,
    InspectorQualification,
    Licence,
    LicenceEvent,
    LicencePermit,
    Permit,
    Recusal,
    Street,
    User,
)
from inspect_app.services import grades
from seeds.catalogue_loader import Catalogue
from seeds.synthetic import generate_staff, iter_entities
from seeds.synthetic.records import Holding

BATCH = 500
# The generator reports an expired licence as EXPIRED; here expiry is read off valid_until.
STATUS_OF = {"EXPIRED": Status.ACTIVE}
# The generator's change keys, in the registry's words.
CHANGE_KEYS = {"name": "holder_name"}
# The synthetic staff's password is made up per instance and kept in this file (mode 0600), never
# a published one: a demo instance reachable on a network must not open with a known admin login.
STAFF_PASSWORD_FILE = "staff-password.txt"


@dataclass(frozen=True)
class StaffPassword:
    """The password the synthetic users get, and where it is kept."""

    value: str
    path: Path
    new: bool  # made up now: `keep` writes it once users have it

    def keep(self) -> None:
        """Write a new password to its file, readable by its owner only."""
        if not self.new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(self.value + "\n")

    def notice(self) -> str:
        """What the console says: the password itself only when it was just made up."""
        if self.new:
            return (
                f"模拟人员密码 staff password (shown once; kept in {self.path}, mode 0600): "
                f"{self.value}"
            )
        return f"模拟人员密码 staff password: as kept in {self.path}"


def staff_password(home: Path) -> StaffPassword:
    """The instance's synthetic staff password: the kept one, or a new random one."""
    path = Path(home) / STAFF_PASSWORD_FILE
    if path.exists():
        return StaffPassword(path.read_text(encoding="utf-8").strip(), path, new=False)
    return StaffPassword(passwords.generate(), path, new=True)


def _batched(items, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Ids:
    """Natural key -> id maps of the catalogue, read once."""

    def __init__(self) -> None:
        self.streets = {s.code: s.id for s in Street.select(Street.id, Street.code)}
        self.industries = {i.code: i.id for i in Industry.select(Industry.id, Industry.code)}
        self.permits = {p.code: p.id for p in Permit.select(Permit.id, Permit.code)}
        self.departments = {d.code: d.id for d in Department.select(Department.id, Department.code)}


def load_synthetic_district(
    catalogue: Catalogue,
    n: int,
    seed: int,
    progress_bar: Callable[[str, int], object],
    password: StaffPassword,
) -> dict[str, int]:
    """Generate N entities (deterministic in N and seed) and load them with their licences,
    histories, inspectors, recusals and users (who sign in with `password`, kept once used)."""
    ids = _Ids()
    counts = {"entities": 0, "licences": 0, "events": 0, "graded": 0}
    with progress_bar("生成并载入市场主体 entities", n) as bar:
        for batch in _batched(iter_entities(n, seed, catalogue), BATCH):
            with database.atomic():
                _load_holdings(batch, ids, counts)
            bar.update(len(batch))
    counts |= _load_staff(catalogue, n, seed, ids, password.value)
    if counts["users"]:
        password.keep()
    with database.atomic():
        audit.record(
            "seed:synthetic",
            "synthetic.load",
            "district",
            f"n={n},seed={seed}",
            after=counts,
            at=utcnow(),
        )
    return counts


def _load_holdings(batch: list[Holding], ids: _Ids, counts: dict[str, int]) -> None:
    codes = [h.entity.credit_code for h in batch]
    known = {
        c
        for (c,) in Entity.select(Entity.credit_code).where(Entity.credit_code.in_(codes)).tuples()
    }
    fresh = [h for h in batch if h.entity.credit_code not in known]
    if not fresh:
        return
    now = utcnow()
    Entity.insert_many(
        [
            {
                "credit_code": e.credit_code,
                "name": e.name,
                "address": e.address,
                "street": ids.streets[e.street],
                "lat": e.lat,
                "lon": e.lon,
                "credit_class": e.credit_class,
                "created_at": now,
                "updated_at": now,
            }
            for e in (h.entity for h in fresh)
        ]
    ).execute()
    entity_ids = dict(
        Entity.select(Entity.credit_code, Entity.id)
        .where(Entity.credit_code.in_([h.entity.credit_code for h in fresh]))
        .tuples()
    )
    licences = [lic for h in fresh for lic in h.licences]
    Licence.insert_many(
        [
            {
                "number": lic.number,
                "holder": entity_ids[lic.holder],
                "industry": ids.industries[lic.industry],
                "status": STATUS_OF.get(lic.status, lic.status),
                "issued_at": datetime.fromisoformat(lic.events[0].at),
                "valid_until": lic.valid_until,
                "updated_at": now,
            }
            for lic in licences
        ]
    ).execute()
    licence_ids = dict(
        Licence.select(Licence.number, Licence.id)
        .where(Licence.number.in_([lic.number for lic in licences]))
        .tuples()
    )
    LicencePermit.insert_many(
        [
            {
                "licence": licence_ids[lic.number],
                "permit": ids.permits[p.permit],
                "permit_number": p.number,
                "valid_from": p.valid_from,
                "valid_until": p.valid_until,
            }
            for lic in licences
            for p in lic.permits
        ]
    ).execute()
    events = [
        {
            "licence": licence_ids[lic.number],
            "seq": seq,
            "kind": ev.kind,
            "at": datetime.fromisoformat(ev.at),
            "actor": ev.actor,
            "reason": ev.reason,
            "source": "seed",
            "changes": {CHANGE_KEYS.get(k, k): v for k, v in ev.changes.items()},
        }
        for lic in licences
        for seq, ev in enumerate(lic.events, start=1)
    ]
    for chunk in _batched(events, BATCH):
        LicenceEvent.insert_many(chunk).execute()
    # Graded as they enter the directory, in the batch's transaction (a few queries a batch).
    graded = grades.regrade(entity_ids.values(), now)
    counts["graded"] += graded.graded
    counts["entities"] += len(fresh)
    counts["licences"] += len(licences)
    counts["events"] += len(events)


def _load_staff(
    catalogue: Catalogue, n: int, seed: int, ids: _Ids, password: str
) -> dict[str, int]:
    inspectors, recusals, users = generate_staff(n, seed, catalogue)
    with database.atomic():
        known = {c for (c,) in Inspector.select(Inspector.code).tuples()}
        new = [i for i in inspectors if i.code not in known]
        for chunk in _batched(new, BATCH):
            Inspector.insert_many(
                [
                    {
                        "code": i.code,
                        "name": i.name,
                        "department": ids.departments[i.department],
                        "active": i.active,
                    }
                    for i in chunk
                ]
            ).execute()
        inspector_ids = dict(Inspector.select(Inspector.code, Inspector.id).tuples())
        qualifications = [
            {"inspector": inspector_ids[i.code], "industry": ids.industries[code]}
            for i in new
            for code in i.qualifications
        ]
        for chunk in _batched(qualifications, BATCH):
            InspectorQualification.insert_many(chunk).execute()
        fresh = {i.code for i in new}
        recusals = [r for r in recusals if r.inspector in fresh]
        entity_ids = dict(
            Entity.select(Entity.credit_code, Entity.id)
            .where(Entity.credit_code.in_([r.credit_code for r in recusals]))
            .tuples()
        )
        for chunk in _batched(recusals, BATCH):
            Recusal.insert_many(
                [
                    {
                        "inspector": inspector_ids[r.inspector],
                        "entity": entity_ids[r.credit_code],
                        "reason": r.reason,
                    }
                    for r in chunk
                ]
            ).execute()
        added_users = _load_users(users, ids, password)
    return {"inspectors": len(new), "recusals": len(recusals), "users": added_users}


def _load_users(users, ids: _Ids, password: str) -> int:
    known = {u for (u,) in User.select(User.username).tuples()}
    users = [u for u in users if u.code not in known]
    if users:
        password_hash = PasswordHasher().hash(password)
        User.insert_many(
            [
                {
                    "username": u.code,
                    "name": u.name,
                    "role": u.role,
                    "department": ids.departments.get(u.department),
                    "password_hash": password_hash,
                }
                for u in users
            ]
        ).execute()
    return len(users)
