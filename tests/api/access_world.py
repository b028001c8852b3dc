"""A small district in which every role has something of its own and something of others'.

A joint check of internet cafés (文化旅游局 leads, 消防 partners) drawn and dispatched, with one
inspection open and one submitted (its follow-up in the licensing inbox); a 市场监管局 check of a
bakery drawn and dispatched to two 市场监管局 inspectors; a draft 文化旅游局 task; and one signed-in
account per persona, plus a revoked and a signed-out token. Built through the API and the
factories, as the district would build it.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from inspect_app.auth import issue_token
from inspect_app.clock import utcnow
from inspect_app.models import Draw, Feedback, Inspection, Notification, SpotCheckTask, Token
from inspect_app.services import dispatch
from tests import factories
from tests.factories import (
    PNG_1PX,
    accept_partners,
    auth_header,
    inspector_with_login,
    internet_cafes,
    joint_ic_task_body,
    login,
    make_desk,
    make_entity,
    make_licence,
    make_user,
)
from tests.tablet.conftest import Joint, draw_joint_check, submit_with

PERSONAS = (
    "anonymous",
    "planner_ct",  # 文化旅游局: leads the joint check
    "planner_fr",  # 消防: its partner
    "planner_ms",  # 市场监管局: another department, with a task of its own
    "inspector_team",  # 文化旅游局 inspector on the joint check's team (its lead member)
    "inspector_off",  # 市场监管局 inspector: on the bakery's team, off the joint check's
    "licensing",  # 行政服务中心 licensing desk
    "admin",
    "revoked",  # a planner's token revoked from the device list
    "signed_out",  # a planner's token after signing out
)
# Tokens that must be refused everywhere but on the public operations.
DEAD = ("revoked", "signed_out")


def bakery_permits(start: date = date(2024, 5, 1)) -> list[dict]:
    until = start.replace(year=start.year + 5) - timedelta(days=1)
    return [
        {
            "permit_code": "FS-P1",
            "permit_number": f"JY131011300{uuid.uuid4().int % 10**5:05d}",
            "valid_from": start,
            "valid_until": until,
        }
    ]


def joint_task_body(**overrides) -> dict:
    """A joint check of internet cafés led by 文化旅游局 with 消防 as its partner."""
    points = ["IC-01", "IC-02", "IC-08"]
    return joint_ic_task_body(partners=["FR"], risk_points=points, team_size=2) | overrides


def fs_task_body(**overrides) -> dict:
    """A 市场监管局 check of 现制现售食品 businesses, no partners."""
    return {
        "name": "2026年第四季度现制现售食品专项抽查",
        "industry": "FS",
        "partners": [],
        "risk_points": ["FS-01", "FS-02"],
        "fixed_count": 1,
        "team_size": 2,
        "workload_cap": 5,
        "period_start": "2026-12-01",
        "period_end": "2026-12-31",
        "deadline": "2027-01-15",
    } | overrides


@dataclass
class World:
    client: object
    headers: dict[str, dict[str, str]]
    ct_task: str  # joint check, drawn and dispatched
    ct_draft: str  # a draft of 文化旅游局
    ms_draft: str  # a draft of 市场监管局
    ms_task: str  # 市场监管局's check, drawn and dispatched
    joint_open: int  # the joint check's inspection still in the field
    joint_submitted: int  # the joint check's inspection submitted (NOBIZ)
    ms_inspection: int
    ct_licence: str
    ms_licence: str
    ct_entity: str
    ms_entity: str
    qr: str  # the open joint inspection's café's licence QR
    qr_ms: str  # the bakery's
    feedback: int
    spare_token: int  # a live token of a user no persona is (the second 市场监管局 inspector)
    planners: dict[str, dict[str, str]] = field(default_factory=dict)
    # issue 13 §5: a photo on the submitted joint check (its feedback reaches licensing) and one
    # on 市场监管局's inspection, by their hashes
    photo_ct: str = ""
    photo_ms: str = ""
    # issue 13 §2: the lead member's dispatch notice, the desk's feedback notice, a spare desk
    notice_team: int = 0
    notice_desk: int = 0
    spare_desk: str = ""
    spare_clerk: str = ""

    def fresh_task(self, lead: str, state: str) -> str:
        """A new task of `lead` in `state` ("draft" or "frozen"), for writes that use one up."""
        body = joint_task_body() if lead == "CT" else fs_task_body()
        headers = self.planners[lead]
        created = self.client.post("/api/v1/tasks", json=body, headers=headers)
        assert created.status_code == 201, created.get_json()
        code = created.get_json()["code"]
        if state == "frozen":
            accept_partners(self.client, code)
            frozen = factories.freeze(self.client, code, headers)
            assert frozen.status_code == 201, frozen.get_json()
        return code


def _draw_and_dispatch(client, code: str, headers: dict[str, str]) -> None:
    accept_partners(client, code)
    assert factories.freeze(client, code, headers).status_code == 201
    drawn = factories.draw(client, code, headers)
    assert drawn.status_code == 201, drawn.get_json()
    draw = Draw.get(Draw.task == SpotCheckTask.get(SpotCheckTask.code == code))
    dispatch.create_inspections(draw.id, utcnow())


def _dead_tokens(client) -> dict[str, dict[str, str]]:
    revoked_user = make_user("planner", "CT")
    revoked = auth_header(revoked_user, "平板-失窃")
    (token,) = Token.select().where(Token.user == revoked_user.id)
    assert client.delete(f"/api/v1/auth/devices/{token.id}", headers=revoked).status_code == 204
    signed_out = login("planner", "CT")
    assert client.delete("/api/v1/auth/token", headers=signed_out).status_code == 204
    return {"revoked": revoked, "signed_out": signed_out}


def build_world(client) -> World:
    """The district: see the module's docstring."""
    cafes = internet_cafes(2)
    team_inspector, team = inspector_with_login("CT0001", "CT", name="王晓明")
    _, fr = inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    inspections = draw_joint_check(client, cafes=2)
    joint_code = inspections[0].task.code
    ct_planner, ms_planner = login("planner", "CT"), login("planner", "MS")
    licensing_user = make_user("licensing", "ASC")
    make_desk("ASC-LIC", default=True, members=[licensing_user])  # the persona's desk
    licensing = auth_header(licensing_user)

    # The second café is visited, found closed down and submitted: its follow-up reaches licensing.
    submitted_licence = next(c for c in cafes if c.holder_id == inspections[1].entity_id)
    qr_submitted = client.get(
        f"/api/v1/licences/{submitted_licence.number}/qr", headers=licensing
    ).get_json()["payload"]
    photo_ct = _photo(client, inspections[1].id, team, b"ct")
    submit_with(client, Joint(inspections[1], submitted_licence, team, fr, qr_submitted), "NOBIZ")
    feedback = Feedback.select().order_by(Feedback.id).first()
    assert feedback is not None

    bakery = make_licence(
        make_entity(1, name="上海宝山区麦香坊烘焙店"), industry="FS", permits=bakery_permits()
    )
    _, off = inspector_with_login("MS0001", "MS", industries=("FS",), name="刘芳", device="平板-21")
    second, _ = inspector_with_login(
        "MS0002", "MS", industries=("FS",), name="赵磊", device="平板-22"
    )
    ms_code = client.post("/api/v1/tasks", json=fs_task_body(), headers=ms_planner).get_json()[
        "code"
    ]
    _draw_and_dispatch(client, ms_code, ms_planner)
    ms_inspection = Inspection.get(Inspection.task == SpotCheckTask.get(code=ms_code))
    photo_ms = _photo(client, ms_inspection.id, off, b"ms")

    draft = client.post("/api/v1/tasks", json=joint_task_body(), headers=ct_planner).get_json()[
        "code"
    ]
    ms_draft = client.post("/api/v1/tasks", json=fs_task_body(), headers=ms_planner).get_json()[
        "code"
    ]
    open_licence = next(c for c in cafes if c.holder_id == inspections[0].entity_id)
    qr = client.get(f"/api/v1/licences/{open_licence.number}/qr", headers=licensing).get_json()[
        "payload"
    ]
    qr_ms = client.get(f"/api/v1/licences/{bakery.number}/qr", headers=licensing).get_json()[
        "payload"
    ]
    _, spare = issue_token(second.user, "平板-备用", utcnow(), timedelta(hours=1))
    spare_clerk = make_user("licensing", "ASC")

    headers = {
        "anonymous": {},
        "planner_ct": ct_planner,
        "planner_fr": login("planner", "FR"),
        "planner_ms": ms_planner,
        "inspector_team": team,
        "inspector_off": off,
        "licensing": licensing,
        "admin": login("admin"),
    } | _dead_tokens(client)
    assert set(headers) == set(PERSONAS)
    return World(
        client=client,
        headers=headers,
        ct_task=joint_code,
        ct_draft=draft,
        ms_draft=ms_draft,
        ms_task=ms_code,
        joint_open=inspections[0].id,
        joint_submitted=inspections[1].id,
        ms_inspection=ms_inspection.id,
        ct_licence=open_licence.number,
        ms_licence=bakery.number,
        ct_entity=open_licence.holder.credit_code,
        ms_entity=bakery.holder.credit_code,
        qr=qr,
        qr_ms=qr_ms,
        feedback=feedback.id,
        spare_token=spare.id,
        planners={"CT": ct_planner, "MS": ms_planner},
        photo_ct=photo_ct,
        photo_ms=photo_ms,
        notice_team=Notification.get(
            (Notification.kind == "ASSIGNED")
            & (Notification.inspection == inspections[0].id)
            & (Notification.inspector == team_inspector.id)
        ).id,
        notice_desk=Notification.get(Notification.feedback == feedback.id).id,
        spare_desk=make_desk("MAT-CREDIT", kind="CREDIT", members=[spare_clerk]).code,
        spare_clerk=spare_clerk.username,
    )


def _photo(client, inspection_id: int, headers: dict[str, str], tail: bytes) -> str:
    """A photo uploaded by a team member; its hash."""
    photo = PNG_1PX + tail
    uploaded = client.post(
        f"/api/v1/tablet/inspections/{inspection_id}/evidence",
        headers=headers,
        data={"op_id": f"world-photo-{tail.decode()}", "photo": (io.BytesIO(photo), "现场.png")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    return hashlib.sha256(photo).hexdigest()
