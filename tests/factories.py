"""Factories for realistic registry data: Baoshan streets, Chinese names, valid credit codes."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from argon2 import PasswordHasher

from inspect_app.auth import Actor, actor_for, issue_token
from inspect_app.clock import utcnow
from inspect_app.domain.credit_code import complete
from inspect_app.models import Department, User
from inspect_app.services import entities, licences

PASSWORD = "宝山-监管-2026"
_counter = itertools.count(1)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
ADMIN = Actor(user_id=0, username="pytest-admin", role="admin", department=None)

SHOPS = [
    ("上海宝山区星际网络科技有限公司", "上海市宝山区友谊路街道牡丹江路1288号", "BS01", 31.4052, 121.4893),
    ("上海宝山区麦香坊烘焙店", "上海市宝山区吴淞街道淞兴路256号", "BS02", 31.3808, 121.5019),
    ("上海宝山区极速网咖有限公司", "上海市宝山区大场镇场中路3888号", "BS05", 31.3101, 121.4142),
]


def credit_code(n: int | None = None) -> str:
    """A valid unified social credit code of a Baoshan (310113) company."""
    n = next(_counter) if n is None else n
    return complete(f"91310113MA1G{n:05d}")


def make_user(role: str, department: str | None = None, username: str | None = None) -> User:
    dept = Department.get(Department.code == department) if department else None
    return User.create(username=username or f"{role}-{department or 'x'}-{next(_counter)}",
                       name="王晓明", role=role, department=dept,
                       password_hash=CHEAP.hash(PASSWORD))


def auth_header(user: User, device: str = "web") -> dict[str, str]:
    raw, _ = issue_token(user, device, utcnow(), timedelta(hours=1))
    return {"Authorization": f"Bearer {raw}"}


def login(role: str, department: str | None = None) -> dict[str, str]:
    return auth_header(make_user(role, department))


def make_entity(index: int = 0, **overrides):
    name, address, street, lat, lon = SHOPS[index % len(SHOPS)]
    data = {"credit_code": credit_code(), "name": name, "address": address, "street": street,
            "lat": lat, "lon": lon, "credit_class": "B"} | overrides
    return entities.create_entity(ADMIN, data, utcnow())


def ic_permits(start: date = date(2024, 5, 1), years: int = 5) -> list[dict]:
    until = start.replace(year=start.year + years) - timedelta(days=1)
    return [
        {"permit_code": "IC-P1", "permit_number": f"WWW31011300{next(_counter):04d}", "valid_from": start, "valid_until": until},
        {"permit_code": "IC-P2", "permit_number": f"XF31011300{next(_counter):04d}", "valid_from": start, "valid_until": until},
    ]


def make_licence(entity=None, industry: str = "IC", number: str | None = None, permits=None):
    entity = entity or make_entity()
    permits = permits or ic_permits()
    data = {"number": number or f"BS-{industry}-2024-{next(_counter):06d}", "holder_code": entity.credit_code,
            "industry": industry, "valid_until": max(p["valid_until"] for p in permits),
            "permits": permits}
    return licences.issue_licence(ADMIN, data, utcnow())


def actor(user: User) -> Actor:
    return actor_for(user)
