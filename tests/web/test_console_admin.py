"""The console's admin pages: users (a one-time password shown once), inspectors (qualifications,
recusals with their history, the linked account), devices, desks and the audit chain check; a
planner is refused every one of them; every bad value is shown beside its field."""

from __future__ import annotations

import re

import pytest

from inspect_app.models import Inspector, Recusal, Token, User
from tests.factories import credit_code, make_entity, make_inspector, make_user
from tests.web.pages import csrf_of, sign_in


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(client):
    user = make_user("admin")
    sign_in(client, user)
    return user


def post(client, page: str, url: str, **fields):
    """Post a form of `page` (its CSRF token) to `url`."""
    return client.post(url, data={"csrf_token": csrf_of(text(client.get(page)))} | fields)


ADMIN_PAGES = (
    "/console/admin/users",
    "/console/admin/inspectors",
    "/console/admin/devices",
    "/console/admin/desks",
    "/console/admin/audit",
)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_planner_is_refused_every_admin_page(client, url):
    sign_in(client, make_user("planner", "CT"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_an_admin_opens_every_admin_page(client, admin, url):
    assert client.get(url).status_code == 200


def test_a_new_user_gets_a_one_time_password_shown_once(client, admin):
    page = "/console/admin/users"
    response = post(
        client, page, page, username="licensing-zhang", name="张丽", role="licensing",
        department="ASC",
    )  # fmt: skip
    assert response.status_code == 201
    match = re.search(r'id="one-time-password">([^<]+)<', text(response))
    assert match and response.headers["Cache-Control"] == "no-store"
    user = User.get(User.username == "licensing-zhang")
    assert user.must_change_password
    assert match.group(1) not in text(client.get(f"/console/admin/users/{user.id}"))
    assert "licensing-zhang" in text(client.get(page))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "a b", "name": "张丽", "role": "licensing", "department": "ASC"}, "username"),
        ({"username": "zhangli", "name": "", "role": "licensing", "department": "ASC"}, "name"),
        ({"username": "zhangli", "name": "张丽", "role": "boss", "department": "ASC"}, "role"),
        (
            {"username": "zhangli", "name": "张丽", "role": "licensing", "department": "NOPE"},
            "department",
        ),
        (
            {"username": "zhangli", "name": "张丽", "role": "licensing", "department": ""},
            "department",
        ),
    ],
)
def test_a_bad_new_user_is_shown_beside_its_field(client, admin, fields, field):
    page = "/console/admin/users"
    response = post(client, page, page, **fields)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    assert not User.select().where(User.username == "zhangli").exists()


def test_a_taken_username_is_shown_beside_it(client, admin):
    make_user("planner", "CT", username="wangxm")
    page = "/console/admin/users"
    response = post(client, page, page, username="wangxm", name="王晓明", role="planner",
                    department="CT")  # fmt: skip
    assert response.status_code == 422
    assert 'id="username-error"' in text(response)


def test_resetting_a_password_shows_a_new_one_and_signs_the_user_out(client, admin):
    clerk = make_user("licensing", "ASC")
    Token.create(token_hash="x" * 64, user=clerk, device="平板-01", expires_at=clerk.created_at)
    page = f"/console/admin/users/{clerk.id}"
    response = post(client, page, f"{page}/password-reset", version=str(clerk.version))
    assert response.status_code == 200 and 'id="one-time-password"' in text(response)
    assert User.get_by_id(clerk.id).must_change_password
    stale = post(client, page, f"{page}/password-reset", version=str(clerk.version))
    assert stale.status_code == 422 and 'id="version-error"' in text(stale)


def test_deactivating_a_user(client, admin):
    clerk = make_user("licensing", "ASC")
    page = f"/console/admin/users/{clerk.id}"
    response = post(client, page, f"{page}/active", active="0", version=str(clerk.version))
    assert response.status_code == 303
    assert not User.get_by_id(clerk.id).active and "已停用" in text(client.get(page))


def test_an_admin_cannot_deactivate_themself(client, admin):
    page = f"/console/admin/users/{admin.id}"
    response = post(client, page, f"{page}/active", active="0", version=str(admin.version))
    assert response.status_code == 422 and 'id="version-error"' in text(response)


def test_creating_an_inspector_qualifying_and_linking_an_account(client, admin):
    page = "/console/admin/inspectors"
    response = post(client, page, page, code="CT0101", name="李娜", department="CT",
                    industries="ic, ks")  # fmt: skip
    assert response.status_code == 422 and 'id="industries-error"' in text(response)
    response = post(client, page, page, code="CT0101", name="李娜", department="CT",
                    industries="IC")  # fmt: skip
    assert response.status_code == 303
    url = "/console/admin/inspectors/CT0101"
    assert post(client, url, f"{url}/qualifications", industry="KT").status_code == 303
    html = text(client.get(url))
    assert "IC" in html and "KT" in html
    account = make_user("inspector", "CT", username="lina-ct")
    assert post(client, url, f"{url}/account", username="lina-ct").status_code == 303
    assert Inspector.get(Inspector.code == "CT0101").user_id == account.id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "ct-1", "name": "李娜", "department": "CT"}, "code"),
        ({"code": "CT0102", "name": "", "department": "CT"}, "name"),
        ({"code": "CT0102", "name": "李娜", "department": ""}, "department"),
        ({"code": "CT0102", "name": "李娜", "department": "NOPE"}, "department"),
    ],
)
def test_a_bad_new_inspector_is_shown_beside_its_field(client, admin, fields, field):
    page = "/console/admin/inspectors"
    response = post(client, page, page, **fields)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)


@pytest.mark.parametrize(
    ("username", "message"),
    [("", "用户名为"), ("nobody", "未找到用户"), ("planner-of-ct", "执法检查人员角色")],
)
def test_a_bad_account_link_is_shown_beside_the_username(client, admin, username, message):
    make_inspector("CT0103", "CT", ("IC",))
    make_user("planner", "CT", username="planner-of-ct")
    url = "/console/admin/inspectors/CT0103"
    response = post(client, url, f"{url}/account", username=username)
    assert response.status_code == 422
    html = text(response)
    assert 'id="username-error"' in html and message in html


def test_a_bad_qualification_is_shown_beside_its_field(client, admin):
    make_inspector("CT0104", "CT", ("IC",))
    url = "/console/admin/inspectors/CT0104"
    response = post(client, url, f"{url}/qualifications", industry="QQ")
    assert response.status_code == 422 and 'id="industry-error"' in text(response)


def test_a_recusal_is_declared_withdrawn_and_kept_as_history(client, admin):
    make_inspector("CT0105", "CT", ("IC",))
    entity = make_entity(0, name="上海宝山区星际网络科技有限公司")
    url = "/console/admin/inspectors/CT0105"
    response = post(client, url, f"{url}/recusals", credit_code=entity.credit_code,
                    reason="近亲属任该主体负责人", declared_on="2026-03-02")  # fmt: skip
    assert response.status_code == 303
    recusal = Recusal.get()
    bad = post(client, url, f"{url}/recusals/{recusal.id}/withdraw", reason="")
    assert bad.status_code == 422 and f'id="reason-{recusal.id}-error"' in text(bad)
    done = post(client, url, f"{url}/recusals/{recusal.id}/withdraw", reason="亲属已离职")
    assert done.status_code == 303
    html = text(client.get(url))
    assert "近亲属任该主体负责人" in html and "已撤回" in html and "亲属已离职" in html


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"credit_code": "91310113MA1GL0000X", "reason": "亲属"}, "credit_code"),
        ({"credit_code": "", "reason": "亲属"}, "credit_code"),
        ({"reason": "亲属", "credit_code": None}, "credit_code"),  # a valid code, no such entity
        ({"credit_code": None, "reason": ""}, "reason"),
        ({"credit_code": None, "reason": "亲属", "declared_on": "2026-02-30"}, "declared_on"),
    ],
)
def test_a_bad_recusal_is_shown_beside_its_field(client, admin, fields, field):
    make_inspector("CT0106", "CT", ("IC",))
    entity = make_entity(1)
    fields = dict(fields)
    if fields.get("credit_code", "x") is None:
        fields["credit_code"] = entity.credit_code if field != "credit_code" else credit_code()
    url = "/console/admin/inspectors/CT0106"
    response = post(client, url, f"{url}/recusals", **fields)
    assert response.status_code == 422, text(response)
    assert f'id="{field}-error"' in text(response)


def test_every_live_device_is_listed_and_one_is_revoked(client, admin):
    inspector = make_user("inspector", "CT")
    from datetime import timedelta

    from inspect_app.auth import issue_token
    from inspect_app.clock import utcnow

    issue_token(inspector, "平板-07", utcnow(), timedelta(hours=8))
    page = "/console/admin/devices"
    html = text(client.get(page))
    assert "平板-07" in html and admin.username in html  # the admin's own console too
    token = Token.get((Token.user == inspector.id) & (Token.device == "平板-07"))
    assert post(client, page, f"/console/admin/devices/{token.id}/revoke").status_code == 303
    assert Token.get_by_id(token.id).revoked_at is not None
    assert "平板-07" not in text(client.get(page))


def test_a_desk_is_created_scoped_staffed_and_headed(client, admin):
    clerk = make_user("licensing", "ASC", username="clerk-bs02")
    page = "/console/admin/desks"
    response = post(client, page, page, code="BS02-LIC", name="吴淞审批窗口", department="ASC",
                    kind="LICENSING")  # fmt: skip
    assert response.status_code == 303
    url = "/console/admin/desks/BS02-LIC"
    assert post(client, url, f"{url}/scope", industry="IC", street="BS02").status_code == 303
    assert post(client, url, f"{url}/members", username=clerk.username).status_code == 303
    assert post(client, url, f"{url}/head", username=clerk.username).status_code == 303
    html = text(client.get(url))
    assert "IC/BS02" in html and "clerk-bs02" in html
    removed = post(client, url, f"{url}/scope", industry="IC", street="BS02", remove="1")
    assert removed.status_code == 303 and "IC/BS02" not in text(client.get(url))


@pytest.mark.parametrize(
    ("url", "fields", "field"),
    [
        ("", {"code": "bs", "name": "窗口", "department": "ASC"}, "code"),
        ("", {"code": "BS03-LIC", "name": "", "department": "ASC"}, "name"),
        ("", {"code": "BS03-LIC", "name": "窗口", "department": "NOPE"}, "department"),
        ("", {"code": "BS03-LIC", "name": "窗口", "department": "ASC", "kind": "X"}, "kind"),
        ("", {"code": "BS03-LIC", "name": "窗口", "department": "ASC", "head": "nobody"}, "head"),
        ("/BS09-LIC/scope", {"industry": "QQ"}, "industry"),
        ("/BS09-LIC/scope", {"street": "BS99"}, "street"),
        ("/BS09-LIC/scope", {}, "industry"),
        ("/BS09-LIC/members", {"username": "nobody"}, "username"),
        ("/BS09-LIC/members", {"username": "planner-ct"}, "username"),
        ("/BS09-LIC/head", {"username": "nobody"}, "username"),
    ],
)
def test_a_bad_desk_value_is_shown_beside_its_field(client, admin, url, fields, field):
    from tests.factories import make_desk

    make_desk("BS09-LIC")
    make_user("planner", "CT", username="planner-ct")
    page = "/console/admin/desks" + (url.rsplit("/", 1)[0] if url else "")
    response = post(client, page, "/console/admin/desks" + url, **fields)
    assert response.status_code == 422, text(response)
    assert f'id="{field}-error"' in text(response)


def test_the_audit_chain_check_shows_its_report(client, admin):
    make_user("licensing", "ASC")
    response = post(client, "/console/admin/audit", "/console/admin/audit")
    assert response.status_code == 200
    html = text(response)
    assert "审计链完整" in html and ">checked<" in html and ">ok<" in html


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_the_admin_pages_in_english_show_no_chinese_chrome(client, admin, url):
    html = text(client.get(f"{url}?lang=en"))
    # data (names of people, departments) may stay Chinese: the table rows and the choices
    chrome = re.sub(
        r"<tbody>.*?</tbody>|<title>.*?</title>|<option.*?</option>", "", html, flags=re.S
    )
    assert not re.search(r"[\u4e00-\u9fff]", chrome.replace("中文", "")), url


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "请填写检查人员编号"), ("CT9999", "未知执法检查人员"), ("FR0301", "同一部门")],
)
def test_a_bad_link_on_the_users_page_is_shown_beside_the_inspector_code(
    client, admin, code, message
):
    make_inspector("FR0301", "FR", ("IC",))
    account = make_user("inspector", "CT")
    page = f"/console/admin/users/{account.id}"
    response = post(client, page, f"{page}/inspector", inspector_code=code,
                    version=str(account.version))  # fmt: skip
    assert response.status_code == 422
    html = text(response)
    assert 'id="inspector_code-error"' in html and message in html


def test_linking_on_the_users_page(client, admin):
    make_inspector("CT0301", "CT", ("IC",))
    account = make_user("inspector", "CT")
    page = f"/console/admin/users/{account.id}"
    response = post(client, page, f"{page}/inspector", inspector_code="CT0301",
                    version=str(account.version))  # fmt: skip
    assert response.status_code == 303 and "CT0301" in text(client.get(page))


def test_another_users_device_cannot_be_revoked_by_a_made_up_id(client, admin):
    page = "/console/admin/devices"
    assert post(client, page, "/console/admin/devices/999999/revoke").status_code == 404


@pytest.mark.parametrize("kind", ["user", "inspector", "desk"])
def test_the_admin_detail_pages_in_english_show_no_chinese_chrome(client, admin, kind):
    from tests.factories import make_desk

    url = {
        "user": lambda: f"/console/admin/users/{make_user('inspector', 'CT').id}",
        "inspector": lambda: f"/console/admin/inspectors/{make_inspector('CT0302', 'CT').code}",
        "desk": lambda: f"/console/admin/desks/{make_desk('BS07-LIC').code}",
    }[kind]()
    html = text(client.get(f"{url}?lang=en"))
    chrome = re.sub(
        r"<tbody>.*?</tbody>|<title>.*?</title>|<option.*?</option>|<h1>.*?</h1>|<dd.*?</dd>",
        "", html, flags=re.S,
    )  # fmt: skip
    assert not re.search(r"[\u4e00-\u9fff]", chrome.replace("中文", "")), url
