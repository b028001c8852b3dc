"""Factories for realistic registry data: Baoshan streets, Chinese names, valid credit codes."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from argon2 import PasswordHasher

from inspect_app.actor import Actor
from inspect_app.auth import actor_for, issue_token
from inspect_app.clock import utcnow
from inspect_app.domain.credit_code import complete
from inspect_app.models import Department, Draw, SpotCheckTask, User
from inspect_app.services import entities, licences
from scheduler.beacon import TestChain

PASSWORD = "宝山-监管-2026"
_counter = itertools.count(1)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
ADMIN = Actor(user_id=0, username="pytest-admin", role="admin", department=None)

SHOPS = [
    (
        "上海宝山区星际网络科技有限公司",
        "上海市宝山区友谊路街道牡丹江路1288号",
        "BS01",
        31.4052,
        121.4893,
    ),
    ("上海宝山区麦香坊烘焙店", "上海市宝山区吴淞街道淞兴路256号", "BS02", 31.3808, 121.5019),
    ("上海宝山区极速网咖有限公司", "上海市宝山区大场镇场中路3888号", "BS05", 31.3101, 121.4142),
]


def serial() -> int:
    """A number no record this process made before was given (codes and numbers that must be
    unique: a random one collides now and then)."""
    return next(_counter)


def credit_code(n: int | None = None) -> str:
    """A valid unified social credit code of a Baoshan (310113) company."""
    n = next(_counter) if n is None else n
    return complete(f"91310113MA1G{n:05d}")


def make_user(role: str, department: str | None = None, username: str | None = None) -> User:
    dept = Department.get(Department.code == department) if department else None
    return User.create(
        username=username or f"{role}-{department or 'x'}-{next(_counter)}",
        name="王晓明",
        role=role,
        department=dept,
        password_hash=CHEAP.hash(PASSWORD),
    )


def auth_header(user: User, device: str = "web") -> dict[str, str]:
    raw, _ = issue_token(user, device, utcnow(), timedelta(hours=1))
    return {"Authorization": f"Bearer {raw}"}


def login(role: str, department: str | None = None) -> dict[str, str]:
    return auth_header(make_user(role, department))


def make_entity(index: int = 0, **overrides):
    name, address, street, lat, lon = SHOPS[index % len(SHOPS)]
    data = {
        "credit_code": credit_code(),
        "name": name,
        "address": address,
        "street": street,
        "lat": lat,
        "lon": lon,
        "credit_class": "B",
    } | overrides
    return entities.create_entity(ADMIN, data, utcnow())


def ic_permits(start: date = date(2024, 5, 1), years: int = 5) -> list[dict]:
    until = start.replace(year=start.year + years) - timedelta(days=1)
    return [
        {
            "permit_code": "IC-P1",
            "permit_number": f"WWW31011300{next(_counter):04d}",
            "valid_from": start,
            "valid_until": until,
        },
        {
            "permit_code": "IC-P2",
            "permit_number": f"XF31011300{next(_counter):04d}",
            "valid_from": start,
            "valid_until": until,
        },
    ]


def make_licence(entity=None, industry: str = "IC", number: str | None = None, permits=None):
    entity = entity or make_entity()
    permits = permits or ic_permits()
    data = {
        "number": number or f"BS-{industry}-2024-{next(_counter):06d}",
        "holder_code": entity.credit_code,
        "industry": industry,
        "valid_until": max(p["valid_until"] for p in permits),
        "permits": permits,
    }
    return licences.issue_licence(ADMIN, data, utcnow())


def actor(user: User) -> Actor:
    return actor_for(user)


def make_inspector(
    code: str, department: str, industries=("IC",), name: str = "李建国", active: bool = True
):
    from inspect_app.models import Industry, Inspector, InspectorQualification

    inspector = Inspector.create(
        code=code,
        name=name,
        department=Department.get(Department.code == department),
        active=active,
    )
    for industry in industries:
        InspectorQualification.create(
            inspector=inspector, industry=Industry.get(Industry.code == industry)
        )
    return inspector


def internet_cafes(count: int) -> list:
    """`count` internet cafés with live IC licences, spread over Baoshan's streets."""
    return [
        make_licence(make_entity(index, name=f"上海宝山区第{index + 1}网络会所有限公司"))
        for index in range(count)
    ]


def joint_ic_task_body(**overrides) -> dict:
    """A joint check of internet cafés: 文化旅游局 leads, 公安 and 消防 partner."""
    return {
        "name": "2026年第四季度互联网上网服务营业场所联合抽查",
        "industry": "IC",
        "partners": ["PS", "FR"],
        "risk_points": ["IC-01", "IC-02", "IC-03", "IC-08", "IC-10"],
        "fixed_count": 4,
        "team_size": 3,
        "workload_cap": 5,
        "period_start": "2026-12-01",
        "period_end": "2026-12-31",
        "deadline": "2027-01-15",
    } | overrides


def accept_partners(client, code: str) -> None:
    """Every partner department of the task agrees to take part, each through its own planner."""
    from inspect_app.models import SpotCheckTask

    for partner in SpotCheckTask.get(SpotCheckTask.code == code).partners:
        answer = client.post(
            f"/api/v1/tasks/{code}/partners/{partner}/accept", headers=login("planner", partner)
        )
        assert answer.status_code == 200, answer.get_json()


def accept_partners_as_planners(code: str, now) -> None:
    """The same through the service, each partner's planner answering (no HTTP client)."""
    from inspect_app.domain.task import PartnerAnswer
    from inspect_app.models import SpotCheckTask
    from inspect_app.services import tasks

    for partner in SpotCheckTask.get(SpotCheckTask.code == code).partners:
        planner = actor(make_user("planner", partner))
        tasks.answer_partnership(planner, code, partner, PartnerAnswer.ACCEPTED, now)


def inspector_with_login(
    code: str, department: str, industries=("IC",), name: str = "张伟", device: str = "平板-01"
):
    """An inspector with a user account, signed in on a tablet: (inspector, headers)."""
    user = make_user("inspector", department, username=f"u-{code}")
    inspector = make_inspector(code, department, industries, name=name)
    inspector.user = user
    inspector.save()
    return inspector, auth_header(user, device)


# A tiny but real PNG (1×1, RGBA) for evidence uploads.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5a9b4a70000000049454e44ae426082"
)


def if_match(client, number: str) -> dict[str, str]:
    """The If-Match header of a licence as it stands: what a client read before posting an event."""
    read = client.get(f"/api/v1/licences/{number}", headers=login("licensing", "ASC"))
    assert read.status_code == 200, read.get_json()
    return {"If-Match": read.headers["ETag"]}


def feedback_tag(client, feedback_id: int, headers: dict[str, str]) -> dict[str, str]:
    """The If-Match header of one feedback item as licensing staff read it before acting."""
    read = client.get(f"/api/v1/licensing/feedback/{feedback_id}", headers=headers)
    assert read.status_code == 200, read.get_json()
    return {"If-Match": read.headers["ETag"]}


# The draw procedure in one place: tests freeze and draw through these, so that a change of what
# freeze and draw require (the seed source, the beacon round) changes only these functions.
# A local test chain, signed like drand's quicknet; tests/conftest.py pins it for the whole suite.
TEST_CHAIN = TestChain.generate(
    genesis_time=1_577_836_800,  # 2020-01-01T00:00:00Z: before every `now` of the suite
    period=3,
    secret=b"lianjian pytest chain: not a public beacon",
)
# What freeze announces: the test chain; the platform picks the round after freeze + the delay.
TEST_SEED_SOURCE = {"kind": "drand", "chain_hash": TEST_CHAIN.info.hash}


def committed_round(code: str) -> int:
    """The drand round a frozen task's commitment names (1 when the task is not frozen)."""
    row = Draw.select(Draw.params).join(SpotCheckTask).where(SpotCheckTask.code == code).first()
    source = (row.params.get("seed_source") or {}) if row else {}
    return source.get("round", 1)


def beacon_round(code: str, round_number: int | None = None) -> dict:
    """The test chain's round (the committed one by default), as drand would publish it."""
    return TEST_CHAIN.sign(committed_round(code) if round_number is None else round_number)


def freeze(client, code: str, headers: dict[str, str], seed_source: dict | None = None):
    """POST the freeze of a task announcing the test chain; answers the response (the caller
    asserts its status)."""
    body = {"seed_source": seed_source or TEST_SEED_SOURCE}
    return client.post(f"/api/v1/tasks/{code}/freeze", json=body, headers=headers)


def draw(client, code: str, headers: dict[str, str], beacon: dict | None = None):
    """POST the draw of a frozen task with the committed round signed by the test chain."""
    body = {"beacon": beacon or beacon_round(code)}
    return client.post(f"/api/v1/tasks/{code}/draw", json=body, headers=headers)


def freeze_and_draw(planner: Actor, code: str, now):
    """Freeze and draw through the services (no HTTP client); answers the Draw row."""
    from inspect_app.services import draws

    row = draws.freeze_task(planner, code, TEST_SEED_SOURCE, now)
    beacon = TEST_CHAIN.sign(row.params["seed_source"]["round"])
    return draws.run_draw(planner, code, {"beacon": beacon}, now)


# -- issue 13 §2: licensing desks --


def make_desk(
    code: str = "ASC-LIC",
    department: str = "ASC",
    *,
    kind: str = "LICENSING",
    scope=(),
    members=(),
    default: bool = False,
    head: User | None = None,
    name: str | None = None,
):
    """A desk through the service, with its scope (pairs of industry and street codes, either
    None) and its members (users); open feedback moves to it as the routing rule says."""
    from inspect_app.services import desks

    now = utcnow()
    data = {
        "code": code,
        "name": name or f"区行政服务中心{code}窗口",
        "department": department,
        "kind": kind,
        "is_default": default,
        "head": head.username if head else None,
    }
    desks.create_desk(ADMIN, data, now)
    if scope:
        lines = [{"industry": industry, "street": street} for industry, street in scope]
        desks.set_scope(ADMIN, code, lines, now)
    for member in members:
        desks.add_member(ADMIN, code, member.username, now)
    return desks.get_desk(ADMIN, code)


def desk_clerk(desk_code: str, role: str = "licensing", department: str = "ASC") -> User:
    """A new user working at the desk."""
    from inspect_app.services import desks

    user = make_user(role, department)
    desks.add_member(ADMIN, desk_code, user.username, utcnow())
    return user


def desk_login(desk_code: str = "ASC-LIC") -> dict[str, str]:
    """The headers of a new licensing clerk of the desk (the desk made, default, if missing)."""
    from inspect_app.models import Desk

    if not Desk.select().where(Desk.code == desk_code).exists():
        make_desk(desk_code, default=True)
    return auth_header(desk_clerk(desk_code))
