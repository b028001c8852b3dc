"""Signing in to the console: the session cookie carries the API's own token (so revocation and
expiry are the API's), every form needs its CSRF token, a first password must be changed, and
the API never takes the cookie in place of a bearer token."""

from __future__ import annotations

import pytest

from inspect_app.models import Token
from tests.factories import PASSWORD, make_user
from tests.web.pages import csrf_token, sign_in, submit


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_console_page_sends_a_stranger_to_sign_in_and_back(client):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/sign-in?next=/console/"


def test_signing_in_sets_an_httponly_samesite_cookie_and_opens_the_home_page(client):
    planner = make_user("planner", "CT")
    response = sign_in(client, planner)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lianjian_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = client.get("/console/")
    assert home.status_code == 200
    assert planner.username in text(home) and "本部门的抽查任务" in text(home)
    assert home.headers["Cache-Control"] == "no-store"
    token = Token.get(Token.user == planner.id)
    assert token.device.startswith("console ") and token.revoked_at is None


def test_over_tls_the_cookie_is_secure(client):
    planner = make_user("planner", "CT")
    token = csrf_token(client)
    response = client.post(
        "/console/sign-in",
        data={"csrf_token": token, "username": planner.username, "password": PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/console/sign-in"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_after_sign_in_the_next_page_is_the_one_asked_for_but_never_another_site(client):
    planner = make_user("planner", "CT")
    token = csrf_token(client)
    data = {"csrf_token": token, "username": planner.username, "password": PASSWORD}
    response = client.post("/console/sign-in?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/console/"


def test_over_tls_a_form_from_another_site_is_refused(client):
    planner = make_user("planner", "CT")
    data = {"csrf_token": csrf_token(client), "username": planner.username, "password": PASSWORD}
    response = client.post(
        "/console/sign-in", data=data, base_url="https://localhost",
        headers={"Referer": "https://evil.example/form"},
    )  # fmt: skip
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": "", "password": "x"}, "username", "请输入用户名"),
        ({"username": "nobody", "password": ""}, "password", "请输入密码"),
        ({"username": "nobody", "password": "wrong"}, "password", "用户名或密码错误"),
    ],
)
def test_a_bad_sign_in_shows_the_error_beside_its_field(client, fields, field, message):
    response = submit(client, "/console/sign-in", **fields)
    assert response.status_code in (401, 422)
    html = text(response)
    assert f'id="{field}-error"' in html and message in html
    assert f'aria-describedby="{field}-error"' in html
    assert "lianjian_session" not in response.headers.get("Set-Cookie", "") or ("token" not in html)


def test_a_bad_sign_in_in_english_is_in_english(client):
    client.get("/console/sign-in?lang=en")
    response = submit(client, "/console/sign-in", username="nobody", password="wrong")
    assert "Wrong username or password" in text(response)


def test_a_form_without_its_csrf_token_is_refused(client):
    planner = make_user("planner", "CT")
    response = client.post(
        "/console/sign-in", data={"username": planner.username, "password": PASSWORD}
    )
    assert response.status_code == 400 and "表单已过期" in text(response)
    assert not Token.select().where(Token.user == planner.id).exists()


def test_signing_out_revokes_the_token_and_needs_csrf(client):
    planner = make_user("planner", "CT")
    sign_in(client, planner)
    assert client.post("/console/sign-out").status_code == 400  # no token
    assert client.get("/console/").status_code == 200
    response = submit(client, "/console/sign-out", csrf_token=csrf_token_of_home(client))
    assert response.status_code == 302
    assert Token.get(Token.user == planner.id).revoked_at is not None
    assert client.get("/console/").status_code == 302


def csrf_token_of_home(client) -> str:
    from tests.web.pages import csrf_of

    return csrf_of(text(client.get("/console/")))


def test_a_revoked_token_signs_the_browser_out_at_its_next_page(client):
    planner = make_user("planner", "CT")
    sign_in(client, planner)
    Token.update(revoked_at=Token.created_at).where(Token.user == planner.id).execute()
    assert client.get("/console/").status_code == 302


def test_the_api_does_not_take_the_session_cookie(client):
    planner = make_user("planner", "CT")
    sign_in(client, planner)
    assert client.get("/api/v1/tasks").status_code == 401


def test_an_inspector_is_pointed_to_the_tablet_app_not_the_console(client):
    inspector = make_user("inspector", "CT")
    sign_in(client, inspector)
    response = client.get("/console/")
    assert response.status_code == 403


def test_a_first_password_is_changed_before_signing_in(client, app):
    from inspect_app.auth import hash_password

    clerk = make_user("licensing", "ASC")
    clerk.password_hash = hash_password("临时-一次性-密码-01")
    clerk.must_change_password = True
    clerk.save()
    response = submit(
        client, "/console/sign-in", username=clerk.username, password="临时-一次性-密码-01"
    )
    assert response.status_code == 302 and "/console/password" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "一次性密码" in text(page)
    short = submit(
        client, "/console/password", username=clerk.username,
        password="临时-一次性-密码-01", new_password="short", repeat="short",
    )  # fmt: skip
    assert short.status_code == 422 and 'id="new_password-error"' in text(short)
    mismatch = submit(
        client, "/console/password", username=clerk.username, password="临时-一次性-密码-01",
        new_password="宝山区-许可-新密码-2026", repeat="宝山区-许可-新密码-2027",
    )  # fmt: skip
    assert mismatch.status_code == 422 and 'id="repeat-error"' in text(mismatch)
    done = submit(
        client, "/console/password", username=clerk.username, password="临时-一次性-密码-01",
        new_password="宝山区-许可-新密码-2026", repeat="宝山区-许可-新密码-2026",
    )  # fmt: skip
    assert done.status_code == 302 and "changed=1" in done.headers["Location"]
    sign_in(client, clerk, password="宝山区-许可-新密码-2026")
    assert client.get("/console/").status_code == 200
