"""Role *and* object: every write route refuses the roles it must, and says so in both languages."""

from __future__ import annotations

import pytest

from inspect_app.models import Entity, Licence, LicenceEvent
from tests.factories import credit_code, if_match, login, make_licence

NEW_ENTITY = {
    "name": "上海宝山区月浦烘焙坊",
    "address": "上海市宝山区月浦镇月浦路500号",
    "street": "BS07",
    "lat": 31.430,
    "lon": 121.418,
}
CSV_ROW = (
    "licence_number,credit_code,entity_name,address,street,lat,lon,industry,issued_at,valid_until,permits\n"
    "BS-FS-2026-000777,{code},上海宝山区杨行面包房,上海市宝山区杨行镇杨行路1号,BS06,31.383,121.433,FS,"
    "2026-01-05,2031-01-04,FS-P1|JY13101130000777|2026-01-05|2031-01-04\n"
)


def _writes(licence_number: str, entity_code: str) -> dict:
    """Each write route with a valid body: (method, url, kwargs)."""
    return {
        "create entity": (
            "post",
            "/api/v1/entities",
            {"json": NEW_ENTITY | {"credit_code": credit_code()}},
        ),
        "update entity": (
            "patch",
            f"/api/v1/entities/{entity_code}",
            {"json": {"credit_class": "D"}, "headers": {"If-Match": "*"}},
        ),
        "issue licence": (
            "post",
            "/api/v1/licences",
            {
                "json": {
                    "number": "BS-IC-2026-009999",
                    "holder_code": entity_code,
                    "industry": "IC",
                    "valid_until": "2031-01-01",
                    "permits": [
                        {
                            "permit_code": "IC-P1",
                            "permit_number": "WWW1",
                            "valid_from": "2026-01-01",
                            "valid_until": "2031-01-01",
                        }
                    ],
                }
            },
        ),
        "cancel licence": (
            "post",
            f"/api/v1/licences/{licence_number}/events",
            {"json": {"kind": "CANCEL", "reason": "注销"}},
        ),
        "import licences": (
            "post",
            "/api/v1/imports/licences",
            {"data": CSV_ROW.format(code=credit_code()).encode(), "content_type": "text/csv"},
        ),
    }


ROUTES = ["create entity", "update entity", "issue licence", "cancel licence", "import licences"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("role", "department"), [("planner", "CT"), ("planner", "MS"), ("inspector", "CT")]
)
def test_only_licensing_writes_the_registry(client, route, role, department):
    licence = make_licence()
    method, url, kwargs = _writes(licence.number, licence.holder.credit_code)[route]
    counts = (Entity.select().count(), Licence.select().count(), LicenceEvent.select().count())
    headers = login(role, department) | kwargs.pop("headers", {})
    response = getattr(client, method)(url, headers=headers, **kwargs)
    assert response.status_code == 403, response.get_json()
    body = response.get_json()
    assert body["status"] == "FORBIDDEN" and body["message"]["zh"] and body["message"]["en"]
    assert (
        Entity.select().count(),
        Licence.select().count(),
        LicenceEvent.select().count(),
    ) == counts


@pytest.mark.parametrize("route", ROUTES)
def test_no_token_no_write(client, route):
    licence = make_licence()
    method, url, kwargs = _writes(licence.number, licence.holder.credit_code)[route]
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 401
    assert response.get_json()["status"] == "UNAUTHENTICATED"


def test_planner_of_the_issuing_department_may_suspend(client):
    licence = make_licence()  # IC: 网络文化经营许可证 issued by CT
    response = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "违规接纳未成年人，责令停业整顿"},
        headers=login("planner", "CT") | if_match(client, licence.number),
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "SUSPENDED"


def test_planner_of_another_department_may_not_suspend(client):
    licence = make_licence()  # no permit of 区体育局 (SP) in an internet café licence
    response = client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "SUSPEND", "reason": "越权操作"},
        headers=login("planner", "SP"),
    )
    assert response.status_code == 403
    assert Licence.get_by_id(licence.id).status == "ACTIVE"


def test_inspectors_do_not_browse_the_registry(client):
    licence = make_licence()
    headers = login("inspector", "CT")
    for url in (
        "/api/v1/entities",
        "/api/v1/licences",
        f"/api/v1/licences/{licence.number}",
        f"/api/v1/entities/{licence.holder.credit_code}",
    ):
        assert client.get(url, headers=headers).status_code == 403, url


def test_revoking_a_device_refuses_its_token_at_once(client):
    from tests.factories import PASSWORD, make_user

    make_user("inspector", "CT", username="insp-zhang")
    sign_in = client.post(
        "/api/v1/auth/token",
        json={"username": "insp-zhang", "password": PASSWORD, "device": "平板-03"},
    )
    assert sign_in.status_code == 201
    token = {"Authorization": f"Bearer {sign_in.get_json()['token']}"}
    devices = client.get("/api/v1/auth/devices", headers=token).get_json()
    assert [d["device"] for d in devices] == ["平板-03"]
    assert (
        client.delete(
            f"/api/v1/auth/devices/{devices[0]['id']}", headers=login("admin")
        ).status_code
        == 204
    )
    assert client.get("/api/v1/auth/devices", headers=token).status_code == 401


def test_one_may_not_revoke_anothers_device(client):
    from tests.factories import make_user

    victim = make_user("inspector", "PS")
    from tests.factories import auth_header

    auth_header(victim, "平板-07")
    victim_token_id = victim.tokens[0].id
    response = client.delete(
        f"/api/v1/auth/devices/{victim_token_id}", headers=login("inspector", "CT")
    )
    assert response.status_code == 404


def test_wrong_password_is_refused_in_both_languages(client):
    from tests.factories import make_user

    make_user("licensing", "ASC", username="asc-li")
    response = client.post(
        "/api/v1/auth/token", json={"username": "asc-li", "password": "猜的密码"}
    )
    assert response.status_code == 401
    assert response.get_json()["message"] == {
        "zh": "用户名或密码错误",
        "en": "Wrong username or password",
    }


def test_tokens_are_stored_hashed(client):
    from inspect_app.models import Token
    from tests.factories import PASSWORD, make_user

    make_user("planner", "CT", username="ct-wang")
    raw = client.post(
        "/api/v1/auth/token", json={"username": "ct-wang", "password": PASSWORD}
    ).get_json()["token"]
    stored = [t.token_hash for t in Token.select()]
    assert raw not in stored and len(stored[0]) == 64
