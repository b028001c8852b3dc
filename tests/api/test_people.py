"""People and roster through the API (issue 13 §1): accounts are an admin's, each department keeps
its own inspector directory, and every change is audited."""

from __future__ import annotations

import pytest

from inspect_app.models import AuditEntry, Recusal, Token, User
from inspect_app.services import draws
from tests.api.test_query_counts import count_queries  # noqa: F401 (fixture)
from tests.factories import (
    auth_header,
    inspector_with_login,
    internet_cafes,
    login,
    make_entity,
    make_inspector,
    make_user,
)
from tests.tablet.conftest import draw_joint_check

STRONG = "宝山-监管-新密码-2027"


def _audited(action: str, object_id: str) -> list[AuditEntry]:
    return list(
        AuditEntry.select().where(
            (AuditEntry.action == action) & (AuditEntry.object_id == object_id)
        )
    )


def _tag(client, path: str, headers) -> dict[str, str]:
    read = client.get(path, headers=headers)
    assert read.status_code == 200, read.get_json()
    return {"If-Match": read.headers["ETag"]}


def _bilingual(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["status"] == code
    assert body["message"]["zh"] and body["message"]["en"]
    return body


@pytest.fixture
def admin():
    return login("admin")


# -- users ---------------------------------------------------------------------------------------


def test_an_admin_lists_users_filtered_and_paged(client, admin):
    make_user("planner", "CT", username="ct-王芳")
    make_user("planner", "MS", username="ms-刘芳")
    retired = make_user("inspector", "CT", username="ct-赵磊")
    retired.active = False
    retired.save()
    page = client.get("/api/v1/users?role=planner&department=CT", headers=admin)
    assert page.status_code == 200, page.get_json()
    assert [u["username"] for u in page.get_json()] == ["ct-王芳"]
    assert page.get_json()[0]["department"] == "CT"
    inactive = client.get("/api/v1/users?active=false", headers=admin).get_json()
    assert [u["username"] for u in inactive] == ["ct-赵磊"]
    by_text = client.get("/api/v1/users?q=刘&page_size=1", headers=admin)
    assert [u["username"] for u in by_text.get_json()] == ["ms-刘芳"]
    assert '"total": 1' in by_text.headers["X-Pagination"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("planner", 403), ("inspector", 403), ("licensing", 403), (None, 401)],
)
def test_only_an_admin_reads_or_creates_accounts(client, who, status):
    headers = login(who, "CT") if who else {}
    assert client.get("/api/v1/users", headers=headers).status_code == status
    body = {"username": "ct-李娜", "name": "李娜", "role": "planner", "department": "CT"}
    assert client.post("/api/v1/users", json=body, headers=headers).status_code == status
    assert not User.select().where(User.username == "ct-李娜").exists()


def test_bad_input_is_refused_in_both_languages(client, admin):
    weak = {"username": "ct-李娜", "name": "李娜", "role": "planner", "department": "CT"}
    response = client.post("/api/v1/users", json=weak | {"password": "123456"}, headers=admin)
    body = _bilingual(response, 422, "VALIDATION_FAILED")
    assert any("12" in p["zh"] for p in body["errors"]["password"])
    unknown_role = client.post("/api/v1/users", json=weak | {"role": "boss"}, headers=admin)
    _bilingual(unknown_role, 422, "VALIDATION_FAILED")
    unknown_dept = client.post("/api/v1/users", json=weak | {"department": "ZZ"}, headers=admin)
    assert "department" in _bilingual(unknown_dept, 422, "VALIDATION_FAILED")["errors"]
    _bilingual(client.get("/api/v1/users/999999", headers=admin), 404, "NOT_FOUND")
    _bilingual(
        client.post("/api/v1/users", data="{", content_type="application/json", headers=admin),
        400,
        "MALFORMED_JSON",
    )


def test_a_new_account_gets_a_temporary_password_it_must_replace(client, admin):
    body = {"username": "ct-李娜", "name": "李娜", "role": "planner", "department": "CT"}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert created.headers["Cache-Control"] == "no-store"
    temporary = created.get_json()["temporary_password"]
    assert created.get_json()["user"]["must_change_password"] is True
    sign_in = {"username": "ct-李娜", "password": temporary, "device": "web"}
    refused = client.post("/api/v1/auth/token", json=sign_in)
    assert "token" not in _bilingual(refused, 403, "PASSWORD_CHANGE_REQUIRED")
    change = {"username": "ct-李娜", "password": temporary, "new_password": STRONG}
    assert client.post("/api/v1/auth/password", json=change).status_code == 204
    signed_in = client.post("/api/v1/auth/token", json=sign_in | {"password": STRONG})
    assert signed_in.status_code == 201, signed_in.get_json()
    assert _audited("user.create", "ct-李娜") and _audited("auth.password_change", "ct-李娜")


def test_a_password_reset_revokes_tokens_and_the_user_sets_a_new_one(client, admin):
    user = make_user("planner", "CT", username="ct-王芳")
    old = auth_header(user, "办公电脑")
    path = f"/api/v1/users/{user.id}"
    no_tag = client.post(f"{path}/password-reset", headers=admin)
    _bilingual(no_tag, 428, "PRECONDITION_REQUIRED")
    tag = _tag(client, path, admin)
    reset = client.post(f"{path}/password-reset", headers=admin | tag)
    assert reset.status_code == 200, reset.get_json()
    temporary = reset.get_json()["temporary_password"]
    assert client.get("/api/v1/tasks", headers=old).status_code == 401
    stale = client.post(f"{path}/password-reset", headers=admin | tag)
    _bilingual(stale, 412, "STALE_VERSION")

    change = {"username": "ct-王芳", "password": "猜的-密码-2026", "new_password": STRONG}
    _bilingual(client.post("/api/v1/auth/password", json=change), 401, "BAD_CREDENTIALS")
    weak = change | {"password": temporary, "new_password": "short"}
    body = _bilingual(client.post("/api/v1/auth/password", json=weak), 422, "VALIDATION_FAILED")
    assert body["errors"]["new_password"]
    again = change | {"password": temporary, "new_password": temporary}
    _bilingual(client.post("/api/v1/auth/password", json=again), 422, "VALIDATION_FAILED")
    ok = client.post("/api/v1/auth/password", json=change | {"password": temporary})
    assert ok.status_code == 204
    sign_in = {"username": "ct-王芳", "password": STRONG}
    assert client.post("/api/v1/auth/token", json=sign_in).status_code == 201
    assert User.get_by_id(user.id).must_change_password is False
    assert _audited("user.reset_password", "ct-王芳")


def test_deactivation_revokes_the_users_tokens_at_once(client, admin):
    user = make_user("planner", "CT", username="ct-王芳")
    tablet, desk = auth_header(user, "平板-03"), auth_header(user, "办公电脑")
    assert client.get("/api/v1/tasks", headers=tablet).status_code == 200
    path = f"/api/v1/users/{user.id}"
    done = client.post(f"{path}/deactivate", headers=admin | _tag(client, path, admin))
    assert done.status_code == 200 and done.get_json()["active"] is False
    assert client.get("/api/v1/tasks", headers=tablet).status_code == 401
    assert client.get("/api/v1/tasks", headers=desk).status_code == 401
    assert Token.select().where((Token.user == user.id) & Token.revoked_at.is_null()).count() == 0
    sign_in = {"username": "ct-王芳", "password": "宝山-监管-2026"}
    assert client.post("/api/v1/auth/token", json=sign_in).status_code == 401
    back = client.post(f"{path}/activate", headers=admin | _tag(client, path, admin))
    assert back.get_json()["active"] is True
    assert client.post("/api/v1/auth/token", json=sign_in).status_code == 201
    assert _audited("user.deactivate", "ct-王芳") and _audited("user.activate", "ct-王芳")


def test_an_admin_cannot_deactivate_their_own_account(client):
    me = make_user("admin")
    headers = auth_header(me)
    path = f"/api/v1/users/{me.id}"
    refused = client.post(f"{path}/deactivate", headers=headers | _tag(client, path, headers))
    _bilingual(refused, 409, "CONFLICT")


def test_linking_an_account_gives_the_inspector_the_tablet(client, admin):
    inspector = make_inspector("CT0101", "CT", name="孙丽")
    user = make_user("inspector", "CT", username="ct-孙丽")
    tablet = auth_header(user, "平板-11")
    assert client.get("/api/v1/tablet/inspections", headers=tablet).status_code == 403
    path = f"/api/v1/users/{user.id}/inspector"
    tag = _tag(client, f"/api/v1/users/{user.id}", admin)
    linked = client.put(path, json={"inspector_code": "CT0101"}, headers=admin | tag)
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["inspector"] == "CT0101"
    assert client.get("/api/v1/tablet/inspections", headers=tablet).status_code == 200
    assert _audited("inspector.link", inspector.code)
    unlinked = client.delete(path, headers=admin | {"If-Match": linked.headers["ETag"]})
    assert unlinked.get_json()["inspector"] is None
    assert client.get("/api/v1/tablet/inspections", headers=tablet).status_code == 403


def test_a_link_is_one_account_to_one_inspector_of_the_same_department(client, admin):
    make_inspector("CT0102", "CT")
    make_inspector("MS0102", "MS", industries=("FS",))
    linked, _ = inspector_with_login("CT0103", "CT")
    cases = [
        (make_user("planner", "CT"), "CT0102", "CONFLICT"),  # not an inspector's account
        (make_user("inspector", "CT"), "MS0102", "CONFLICT"),  # another department
        (make_user("inspector", "CT"), "CT0103", "CONFLICT"),  # already linked to another
        (linked.user, "CT0102", "CONFLICT"),  # this account is linked already
        (make_user("inspector", "CT"), "CT9999", "VALIDATION_FAILED"),
    ]
    for user, code, expected in cases:
        tag = _tag(client, f"/api/v1/users/{user.id}", admin)
        response = client.put(
            f"/api/v1/users/{user.id}/inspector", json={"inspector_code": code}, headers=admin | tag
        )
        _bilingual(response, 409 if expected == "CONFLICT" else 422, expected)
    planner = login("planner", "CT")
    other = make_user("inspector", "CT")
    response = client.put(
        f"/api/v1/users/{other.id}/inspector", json={"inspector_code": "CT0102"}, headers=planner
    )
    assert response.status_code == 403


def test_an_admin_lists_and_revokes_a_users_devices(client, admin):
    user = make_user("inspector", "CT")
    first, second = auth_header(user, "平板-01"), auth_header(user, "平板-02")
    path = f"/api/v1/users/{user.id}/devices"
    devices = client.get(path, headers=admin).get_json()
    assert [d["device"] for d in devices] == ["平板-01", "平板-02"]
    assert client.delete(f"{path}/{devices[0]['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/auth/devices", headers=first).status_code == 401
    assert client.get("/api/v1/auth/devices", headers=second).status_code == 200
    someone_else = Token.select().where(Token.user != user.id).first()
    assert client.delete(f"{path}/{someone_else.id}", headers=admin).status_code == 404
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get("/api/v1/auth/devices", headers=second).status_code == 401
    assert client.get(path, headers=admin).get_json() == []
    assert client.get(path, headers=login("planner", "CT")).status_code == 403
    assert _audited("auth.revoke_all", user.username)


# -- inspectors ----------------------------------------------------------------------------------


def _new_inspector(client, headers, **overrides):
    body = {"code": "CT0201", "name": "周敏", "department": "CT", "industries": ["IC"]}
    return client.post("/api/v1/inspectors", json=body | overrides, headers=headers)


def test_a_planner_keeps_their_own_departments_directory(client):
    ct = login("planner", "CT")
    created = _new_inspector(client, ct)
    assert created.status_code == 201, created.get_json()
    assert created.get_json() | {"version": 1} == {
        "code": "CT0201",
        "name": "周敏",
        "department": "CT",
        "active": True,
        "qualifications": ["IC"],
        "workload": 0,
        "user": None,
        "recusals": [],
        "version": 1,
    }
    assert _audited("inspector.create", "CT0201")
    ms = login("planner", "MS")
    assert client.get("/api/v1/inspectors/CT0201", headers=ms).status_code == 403
    other = _new_inspector(client, ms, code="CT0202")
    _bilingual(other, 403, "FORBIDDEN")
    assert client.get("/api/v1/inspectors?department=CT", headers=ms).status_code == 403
    assert client.get("/api/v1/inspectors", headers=ms).get_json() == []
    assert client.get("/api/v1/inspectors", headers=login("inspector", "CT")).status_code == 403
    assert client.get("/api/v1/inspectors", headers=login("licensing", "ASC")).status_code == 403
    assert client.get("/api/v1/inspectors").status_code == 401
    _bilingual(client.get("/api/v1/inspectors/CT9999", headers=ct), 404, "NOT_FOUND")


def test_inspector_input_is_checked(client):
    ct = login("planner", "CT")
    assert _new_inspector(client, ct).status_code == 201
    _bilingual(_new_inspector(client, ct), 409, "DUPLICATE")
    _bilingual(_new_inspector(client, ct, code="ct 01"), 422, "VALIDATION_FAILED")
    unknown = _new_inspector(client, ct, code="CT0203", industries=["ZZ"])
    assert "industries" in _bilingual(unknown, 422, "VALIDATION_FAILED")["errors"]
    admin = login("admin")
    unknown_dept = _new_inspector(client, admin, code="ZZ0001", department="ZZ")
    _bilingual(unknown_dept, 422, "VALIDATION_FAILED")


def test_the_directory_filters_by_department_active_and_industry(client):
    make_inspector("CT0301", "CT", industries=("IC",))
    make_inspector("CT0302", "CT", industries=("IC", "FS"))
    make_inspector("CT0303", "CT", active=False)
    make_inspector("MS0301", "MS", industries=("FS",))
    ct = login("planner", "CT")

    def codes(query: str, headers=ct) -> list[str]:
        response = client.get(f"/api/v1/inspectors{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [i["code"] for i in response.get_json()]

    assert codes("") == ["CT0301", "CT0302", "CT0303"]
    assert codes("?active=true") == ["CT0301", "CT0302"]
    assert codes("?industry=FS") == ["CT0302"]
    assert codes("?department=MS", login("admin")) == ["MS0301"]
    assert codes("", login("admin")) == ["CT0301", "CT0302", "CT0303", "MS0301"]


def test_qualifications_recusals_and_activity_change_the_draws_pool(client):
    ct = login("planner", "CT")
    assert _new_inspector(client, ct, industries=[]).status_code == 201
    cafe = make_entity(0, name="上海宝山区星际网络科技有限公司")
    path = "/api/v1/inspectors/CT0201"

    def pooled():
        return {p.inspector_id: p for p in draws.pool_for(None, ["CT"])}

    assert pooled()["CT0201"].qualifications == ()
    qualified = client.put(f"{path}/qualifications/IC", headers=ct)
    assert qualified.get_json()["qualifications"] == ["IC"]
    assert client.put(f"{path}/qualifications/IC", headers=ct).get_json()["version"] == 2
    assert pooled()["CT0201"].qualifications == ("IC",)
    _bilingual(client.put(f"{path}/qualifications/ZZ", headers=ct), 422, "VALIDATION_FAILED")

    body = {
        "credit_code": cafe.credit_code,
        "reason": "配偶在该公司任职",
        "declared_on": "2026-11-20",
    }
    declared = client.post(f"{path}/recusals", json=body, headers=ct)
    assert declared.status_code == 201, declared.get_json()
    assert declared.get_json()["declared_on"] == "2026-11-20"
    assert pooled()["CT0201"].recusals == (cafe.credit_code,)
    _bilingual(client.post(f"{path}/recusals", json=body, headers=ct), 409, "DUPLICATE")
    real = make_entity().credit_code
    wrong_check = real[:-1] + ("1" if real[-1] == "0" else "0")  # never the real check digit
    unknown = body | {"credit_code": wrong_check}
    assert client.post(f"{path}/recusals", json=unknown, headers=ct).status_code == 422

    recusal_id = declared.get_json()["id"]
    withdraw = f"{path}/recusals/{recusal_id}/withdraw"
    gone = client.post(withdraw, json={"reason": "配偶已离职"}, headers=ct)
    assert gone.status_code == 200 and gone.get_json()["live"] is False
    assert pooled()["CT0201"].recusals == ()
    _bilingual(client.post(withdraw, json={"reason": "再次"}, headers=ct), 409, "CONFLICT")
    assert client.post(f"{path}/recusals", json=body, headers=ct).status_code == 201
    history = client.get(path, headers=ct).get_json()["recusals"]
    assert [(r["live"], r["withdrawn_reason"]) for r in history] == [
        (False, "配偶已离职"),
        (True, None),
    ]
    assert Recusal.select().count() == 2

    stale = {"If-Match": client.get(path, headers=ct).headers["ETag"]}
    assert client.delete(f"{path}/qualifications/IC", headers=ct).get_json()["qualifications"] == []
    _bilingual(client.post(f"{path}/deactivate", headers=ct | stale), 412, "STALE_VERSION")
    _bilingual(client.post(f"{path}/deactivate", headers=ct), 428, "PRECONDITION_REQUIRED")
    off = client.post(f"{path}/deactivate", headers=ct | _tag(client, path, ct))
    assert off.get_json()["active"] is False
    assert "CT0201" not in pooled()
    for action in (
        "inspector.qualify",
        "inspector.recuse",
        "inspector.withdraw_recusal",
        "inspector.unqualify",
        "inspector.deactivate",
    ):
        assert _audited(action, "CT0201"), action


def test_recusals_of_another_department_are_out_of_reach(client):
    make_inspector("CT0401", "CT")
    cafe = make_entity()
    ms = login("planner", "MS")
    body = {"credit_code": cafe.credit_code, "reason": "亲属经营"}
    refused = client.post("/api/v1/inspectors/CT0401/recusals", json=body, headers=ms)
    _bilingual(refused, 403, "FORBIDDEN")
    assert client.put("/api/v1/inspectors/CT0401/qualifications/FS", headers=ms).status_code == 403
    assert Recusal.select().count() == 0


def test_workload_counts_the_inspectors_open_inspections(client):
    internet_cafes(1)
    inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立")
    draw_joint_check(client)
    shown = client.get("/api/v1/inspectors/CT0001", headers=login("planner", "CT")).get_json()
    assert shown["workload"] == 1


@pytest.mark.parametrize(
    ("url", "who"), [("/api/v1/users", "admin"), ("/api/v1/inspectors", "planner")]
)
def test_the_lists_page_in_the_database(client, count_queries, url, who):  # noqa: F811
    for index in range(12):
        make_user("planner", "CT", username=f"ct-王{index:02d}")
        make_inspector(f"CT{index + 900:04d}", "CT", industries=("IC", "FS"))
    headers = login(who, "CT")
    sizes = []
    for size in (2, 12):
        count_queries["n"], count_queries["sql"] = 0, []
        page = client.get(f"{url}?page_size={size}", headers=headers)
        assert len(page.get_json()) == size
        sizes.append(count_queries["n"])
    assert sizes[0] == sizes[1]
    statements = " ".join(count_queries["sql"]).upper()
    assert "COUNT(" in statements and "LIMIT" in statements
