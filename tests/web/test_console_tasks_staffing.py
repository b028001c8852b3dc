"""A shortfall staffed by hand: a joint check of one café wants teams of three, but 文化旅游局 and
消防 have one inspector each, so the draw reports the team short and fills nothing. The lead's
planner then names a second 文化旅游局 inspector on the record page; the member is shown as added
by hand, audited, and told; an ineligible name is refused beside the field."""

from __future__ import annotations

import re

import pytest

from inspect_app.clock import utcnow
from inspect_app.models import AuditEntry, InspectionMember, Notification, Recusal
from tests.factories import inspector_with_login, internet_cafes, make_inspector, make_user
from tests.tablet.conftest import draw_joint_check
from tests.web.pages import csrf_of, sign_in, submit


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url: str, **fields):
    return submit(client, url, csrf_token=csrf_of(text(client.get("/console/"))), **fields)


def beside(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"[^>]*>([^<]+)<', html)
    return match.group(1) if match else ""


@pytest.fixture
def short(app, client):
    internet_cafes(1)
    inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    (inspection,) = draw_joint_check(client, team_size=3)
    assert inspection.shortfall
    make_inspector("CT0002", "CT", name="赵敏")
    planner = app.test_client()
    sign_in(planner, make_user("planner", "CT"))
    return inspection, planner


def test_the_record_offers_to_staff_a_short_team_by_hand(short):
    inspection, planner = short
    page = text(planner.get(f"/console/tasks/{inspection.task.code}/record"))
    assert "人员不足" in page and f'id="inspector-{inspection.id}"' in page
    assert '<option value="CT0002">' in page
    assert '人员不足 <span class="code">shortfall</span>' in page  # in the exclusions too


def test_a_member_staffed_by_hand_is_recorded_as_such(short):
    inspection, planner = short
    response = post(planner, f"/console/inspections/{inspection.id}/staff", inspector="CT0002")
    assert response.status_code == 303, text(response)
    page = text(planner.get(f"/console/tasks/{inspection.task.code}/record"))
    assert '人工补充：<span class="hand">CT0002</span>' in page
    codes = {m.inspector.code for m in InspectionMember.select()}
    assert codes == {"CT0001", "FR0001", "CT0002"}
    entry = AuditEntry.get(AuditEntry.action == "inspection.staff_by_hand")
    assert entry.after["inspector"] == "CT0002" and entry.after["by_hand"] is True
    assert Notification.select().where(Notification.kind == "ASSIGNED").count() >= 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "请填写检查人员编号"),
        ("XX9999", "不是本任务各部门在册的执法检查人员"),
        ("CT0001", "已在该检查组内"),
        ("RECUSED", "须回避"),
    ],
)
def test_an_ineligible_inspector_is_refused_beside_the_field(short, name, message):
    inspection, planner = short
    if name == "RECUSED":
        name = "CT0002"
        from inspect_app.models import Inspector

        Recusal.create(
            inspector=Inspector.get(Inspector.code == "CT0002"),
            entity=inspection.entity_id,
            reason="亲属关系",
            declared_at=utcnow(),
        )
    response = post(planner, f"/console/inspections/{inspection.id}/staff", inspector=name)
    assert response.status_code in (409, 422)
    assert message in beside(text(response), f"inspector-{inspection.id}")
    assert InspectionMember.select().count() == 2


def test_only_the_lead_department_staffs_a_shortfall(app, short):
    inspection, _ = short
    partner = app.test_client()
    sign_in(partner, make_user("planner", "FR"))
    response = post(partner, f"/console/inspections/{inspection.id}/staff", inspector="CT0002")
    assert response.status_code == 403
    assert InspectionMember.select().count() == 2


def test_a_full_team_is_not_a_shortfall(app, client):
    internet_cafes(1)
    inspector_with_login("CT0001", "CT")
    inspector_with_login("FR0001", "FR", device="平板-07")
    (inspection,) = draw_joint_check(client)
    make_inspector("CT0002", "CT")
    planner = app.test_client()
    sign_in(planner, make_user("planner", "CT"))
    response = post(planner, f"/console/inspections/{inspection.id}/staff", inspector="CT0002")
    assert response.status_code == 409
    assert "不缺人员" in beside(text(response), f"inspector-{inspection.id}")
