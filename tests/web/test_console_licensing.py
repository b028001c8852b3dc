"""The console's licensing pages: the inbox by desk (filters, deadlines, escalations), a notice
acknowledged in place, feedback acted on (routed to the issuing department where the rules say)
and shown on the licence's events; every bad value shown beside its field."""

from __future__ import annotations

import pytest

from inspect_app.clock import utcnow
from inspect_app.models import Feedback, LicenceEvent, Notification
from inspect_app.services import notifications
from tests.factories import desk_clerk, make_desk, make_user
from tests.tablet.conftest import joint, submit_with  # noqa: F401 (the drawn joint inspection)
from tests.web.pages import csrf_of, sign_in, submit


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def clerk():
    make_desk("ASC-LIC", default=True)
    return desk_clerk("ASC-LIC")


@pytest.fixture
def delivered(client, joint, clerk):  # noqa: F811
    """The café was found not operating (NOBIZ): feedback to licensing at the ASC desk."""
    submit_with(client, joint, "NOBIZ")
    row = Notification.get(Notification.kind == "LICENSING_FEEDBACK")
    return row


def test_a_clerk_sees_the_feedback_at_their_desk_with_its_deadline(client, delivered, clerk):
    sign_in(client, clerk)
    page = client.get("/console/inbox")
    assert page.status_code == 200
    html = text(page)
    assert "审批反馈" in html and delivered.payload["entity_name"] in html
    assert f'id="notice-{delivered.id}"' in html and "ASC-LIC" in html
    assert delivered.payload["licence"] in html  # a link to the licence page


def test_a_clerk_of_another_desk_sees_none_of_it(client, delivered):
    make_desk("BS02-LIC", scope=[(None, "BS02")])  # 吴淞: the café is in 友谊路 (BS01)
    other = desk_clerk("BS02-LIC")
    sign_in(client, other)
    html = text(client.get("/console/inbox"))
    assert f'id="notice-{delivered.id}"' not in html and "没有符合条件的通知" in html
    assert client.get(f"/console/inbox/{delivered.id}").status_code == 404


def test_the_filters_are_applied_in_the_database(client, delivered, clerk):
    sign_in(client, clerk)
    assert f"notice-{delivered.id}" in text(client.get("/console/inbox?kind=LICENSING_FEEDBACK"))
    assert f"notice-{delivered.id}" not in text(client.get("/console/inbox?kind=REFERRAL"))
    assert f"notice-{delivered.id}" not in text(client.get("/console/inbox?acknowledged=yes"))
    assert f"notice-{delivered.id}" not in text(client.get("/console/inbox?until=2025-01-01"))


def test_a_clerk_at_two_desks_filters_the_inbox_by_desk(client, delivered, clerk):
    """SPEC §11: the inbox by desk — a clerk working at two desks picks one of them."""
    from inspect_app.services import desks as desk_service
    from tests.factories import ADMIN

    make_desk("BS02-LIC", scope=[(None, "BS02")], name="吴淞街道许可窗口")
    desk_service.add_member(ADMIN, "BS02-LIC", clerk.username, utcnow())
    sign_in(client, clerk)
    html = text(client.get("/console/inbox"))
    assert 'id="desk"' in html and "吴淞街道许可窗口" in html
    assert f"notice-{delivered.id}" in text(client.get("/console/inbox?desk=ASC-LIC"))
    assert f"notice-{delivered.id}" not in text(client.get("/console/inbox?desk=BS02-LIC"))
    response = client.get("/console/inbox?desk=ASC-LIC", headers={"HX-Request": "true"})
    assert response.status_code == 200


def test_a_desk_not_ones_own_is_shown_beside_the_desk_field(client, delivered, clerk):
    make_desk("BS02-LIC", scope=[(None, "BS02")])
    sign_in(client, clerk)
    response = client.get("/console/inbox?desk=BS02-LIC")
    assert response.status_code == 422 and 'id="desk-error"' in text(response)
    assert "审批窗口" in text(response)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=NOPE", "kind"),
        ("acknowledged=maybe", "acknowledged"),
        ("since=2026-13-40", "since"),
        ("since=2026-05-02&until=2026-05-01", "until"),
        ("page=0", "page"),
    ],
)
def test_a_bad_filter_is_shown_beside_its_field(client, clerk, query, field):
    sign_in(client, clerk)
    response = client.get(f"/console/inbox?{query}")
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)


def test_an_overdue_notice_is_highlighted_and_its_escalation_visible(app, client, delivered, clerk):
    from datetime import timedelta

    from inspect_app.clock import utcnow

    past = utcnow() - timedelta(hours=2)  # as if the answer date had passed
    Notification.update(due_at=past).where(Notification.id == delivered.id).execute()
    notifications.escalate_overdue(utcnow())
    sign_in(client, clerk)
    html = text(client.get("/console/inbox"))
    assert 'class="overdue"' in html and "已逾期" in html and "已升级" in html
    admins = app.test_client()  # the desk has no head: its escalations go to the admins
    sign_in(admins, make_user("admin"))
    escalation = Notification.get(Notification.escalation_of == delivered.id)
    html = text(admins.get("/console/inbox?kind=ESCALATION"))
    assert f"notice-{escalation.id}" in html and f"升级自 #{delivered.id}" in html


def test_acknowledging_by_htmx_swaps_the_row(client, delivered, clerk):
    sign_in(client, clerk)
    token = csrf_of(text(client.get("/console/inbox")))
    response = client.post(
        f"/console/inbox/{delivered.id}/acknowledge",
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    html = text(response)
    assert html.lstrip().startswith(f'<tr id="notice-{delivered.id}"') and "已确认" in html
    assert Feedback.get_by_id(delivered.feedback_id).status == "ACKNOWLEDGED"


def test_acknowledging_without_javascript_goes_back_to_the_inbox(client, delivered, clerk):
    sign_in(client, clerk)
    token = csrf_of(text(client.get("/console/inbox")))
    response = client.post(
        f"/console/inbox/{delivered.id}/acknowledge",
        data={"csrf_token": token, "back": "//evil.example/"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/console/inbox"
    assert Notification.get_by_id(delivered.id).acknowledged_at is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"action": "", "reason": "经营场所已空置"}, "action"),
        ({"action": "BURN_IT", "reason": "经营场所已空置"}, "action"),
        ({"action": "NO_ACTION", "reason": ""}, "reason"),
        ({"action": "NO_ACTION", "reason": "很" * 300}, "reason"),
        ({"action": "NO_ACTION", "reason": "经营场所已空置", "version": "0"}, "version"),
    ],
)
def test_a_bad_act_is_shown_beside_its_field(client, delivered, clerk, fields, field):
    sign_in(client, clerk)
    url = f"/console/inbox/{delivered.id}"
    page = text(client.get(url))
    version = Feedback.get_by_id(delivered.feedback_id).version
    data = {"csrf_token": csrf_of(page), "version": str(version)} | fields
    response = client.post(f"{url}/act", data=data)
    assert response.status_code == 422, text(response)
    assert f'id="{field}-error"' in text(response)
    assert Feedback.get_by_id(delivered.feedback_id).status != "ACTED"


def test_acting_records_a_licence_event_the_licence_page_shows(client, delivered, clerk):
    sign_in(client, clerk)
    url = f"/console/inbox/{delivered.id}"
    version = Feedback.get_by_id(delivered.feedback_id).version
    response = client.post(
        f"{url}/act",
        data={"csrf_token": csrf_of(text(client.get(url))), "version": str(version),
              "action": "NO_ACTION", "reason": "已电话核实，经营者称下月复业"},
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["Location"] == url
    assert "已处理" in text(client.get(url))
    licence = text(client.get(f"/console/licences/{delivered.payload['licence']}"))
    assert "已电话核实，经营者称下月复业" in licence and "审批反馈 #" in licence


def test_a_suspension_asked_at_the_service_centre_is_routed_to_the_issuing_department(
    client, delivered, clerk
):
    sign_in(client, clerk)
    url = f"/console/inbox/{delivered.id}"
    version = Feedback.get_by_id(delivered.feedback_id).version
    client.post(
        f"{url}/act",
        data={"csrf_token": csrf_of(text(client.get(url))), "version": str(version),
              "action": "SUSPEND_PERMIT", "reason": "连续三个月未营业"},
    )  # fmt: skip
    event = LicenceEvent.select().order_by(LicenceEvent.id.desc()).get()
    assert event.kind == "NOTE" and event.changes["routed"] == "SUSPEND"
    licence = text(client.get(f"/console/licences/{delivered.payload['licence']}"))
    assert "已转签发部门决定" in licence


def test_a_planner_may_not_act_on_feedback(client, delivered):
    planner = make_user("planner", "CT")
    sign_in(client, planner)
    token = csrf_of(text(client.get("/console/inbox")))
    response = client.post(
        f"/console/inbox/{delivered.id}/act",
        data={"csrf_token": token, "action": "NO_ACTION", "reason": "x", "version": "1"},
    )
    assert response.status_code == 403


# -- a licence's page --


@pytest.fixture
def cafe():
    from tests.factories import internet_cafes

    (licence,) = internet_cafes(1)
    return licence


def test_the_licence_page_shows_holder_permits_events_and_the_qr(client, cafe):
    sign_in(client, make_user("licensing", "ASC"))
    page = client.get(f"/console/licences/{cafe.number}")
    assert page.status_code == 200
    html = text(page)
    assert cafe.holder.name in html and cafe.holder.credit_code in html
    assert "IC-P1" in html and "新办" in html
    assert "<svg" in html and "<path" in html  # the QR, drawn inline (no image from elsewhere)
    assert 'name="kind"' in html  # licensing staff may post its events


def test_an_unknown_licence_is_a_404_page(client):
    sign_in(client, make_user("licensing", "ASC"))
    assert client.get("/console/licences/BS-IC-2099-999999").status_code == 404


def test_posting_a_renewal_shows_on_the_timeline(client, cafe):
    sign_in(client, make_user("licensing", "ASC"))
    url = f"/console/licences/{cafe.number}"
    response = submit(
        client, f"{url}/events", csrf_token=csrf_of(text(client.get(url))),
        kind="RENEW", reason="到期延续", valid_until="2034-04-30", version=str(cafe.version),
    )  # fmt: skip
    assert response.status_code == 303
    html = text(client.get(url))
    assert "到期延续" in html and "2034-04-30" in html


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "", "reason": "到期延续"}, "kind"),
        ({"kind": "NEW", "reason": "到期延续"}, "kind"),
        ({"kind": "RESUME", "reason": "恢复营业"}, "kind"),  # an active licence: illegal
        ({"kind": "RENEW", "reason": ""}, "reason"),
        ({"kind": "RENEW", "reason": "到期延续", "valid_until": "2031-02-30"}, "valid_until"),
        ({"kind": "RENEW", "reason": "到期延续", "valid_until": "2020-01-01"}, "valid_until"),
        (
            {"kind": "RENEW", "reason": "到期延续", "valid_until": "2034-04-30", "version": "9"},
            "version",
        ),
    ],
)
def test_a_bad_licence_event_is_shown_beside_its_field(client, cafe, fields, field):
    sign_in(client, make_user("licensing", "ASC"))
    url = f"/console/licences/{cafe.number}"
    data = {"version": str(cafe.version)} | fields
    response = submit(client, f"{url}/events", csrf_token=csrf_of(text(client.get(url))), **data)
    assert response.status_code == 422, text(response)
    assert f'id="{field}-error"' in text(response)


def test_a_planner_of_another_department_sees_the_licence_but_no_event_form(client, cafe):
    sign_in(client, make_user("planner", "MS"))
    html = text(client.get(f"/console/licences/{cafe.number}"))
    assert cafe.holder.name in html and 'name="kind"' not in html


# -- importing a file --


def test_an_import_is_previewed_then_committed_with_its_per_row_report(client):
    from io import BytesIO

    from inspect_app.models import Licence
    from tests.importing_data import csv_rows, three_codes

    codes = three_codes()
    body = csv_rows(codes).replace(codes[2], "91310113MA1GL0000X")  # a wrong check character
    sign_in(client, make_user("licensing", "ASC"))
    token = csrf_of(text(client.get("/console/imports")))
    preview = client.post(
        "/console/imports",
        data={"csrf_token": token, "step": "preview", "file": (BytesIO(body.encode()), "a.csv")},
        content_type="multipart/form-data",
    )
    html = text(preview)
    assert preview.status_code == 200 and "BS-IC-2026-000101" in html and "credit_code" in html
    assert "1 行有误" in html and not Licence.select().exists()
    content = csrf_of(html) and html.split('name="content" value="')[1].split('"')[0]
    done = client.post(
        "/console/imports",
        data={"csrf_token": token, "step": "commit", "mimetype": "text/csv", "content": content},
    )
    report = text(done)
    assert done.status_code == 200 and "导入结果" in report
    assert Licence.select().count() == 2 and "BS-IC-2026-000103" in report


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (None, "请选择要导入的"),
        (("a.xls", b"x"), "请选择要导入的"),
        (("a.csv", b"who,what\n1,2\n"), "表头有误"),
    ],
)
def test_a_bad_import_file_is_shown_beside_the_file_field(client, file, message):
    from io import BytesIO

    sign_in(client, make_user("licensing", "ASC"))
    data = {"csrf_token": csrf_of(text(client.get("/console/imports"))), "step": "preview"}
    if file:
        data["file"] = (BytesIO(file[1]), file[0])
    response = client.post("/console/imports", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="file-error"' in text(response) and message in text(response)


def test_a_planner_may_not_import(client):
    sign_in(client, make_user("planner", "CT"))
    assert client.get("/console/imports").status_code == 403


def test_the_licensing_pages_in_english_show_no_chinese_chrome(client, cafe):
    import re

    sign_in(client, make_user("licensing", "ASC"))
    for url in ("/console/inbox?lang=en", f"/console/licences/{cafe.number}?lang=en",
                "/console/imports?lang=en"):  # fmt: skip
        html = text(client.get(url))
        chrome = re.sub(r"<tbody>.*?</tbody>|<dd>.*?</dd>|<ol class=\"timeline\".*?</ol>", "",
                        html, flags=re.S)  # fmt: skip
        chrome = re.sub(r"<title>.*?</title>|<svg.*?</svg>", "", chrome, flags=re.S)
        assert not re.search(r"[\u4e00-\u9fff]", chrome.replace("中文", "")), url


def test_a_clerk_cannot_acknowledge_another_desks_notice(client, delivered):
    make_desk("BS02-LIC", scope=[(None, "BS02")])
    sign_in(client, desk_clerk("BS02-LIC"))
    token = csrf_of(text(client.get("/console/inbox")))
    response = client.post(f"/console/inbox/{delivered.id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 404
    assert Notification.get_by_id(delivered.id).acknowledged_at is None


def test_a_notice_page_in_english_shows_no_chinese_chrome(client, delivered, clerk):
    import re

    sign_in(client, clerk)
    html = text(client.get(f"/console/inbox/{delivered.id}?lang=en"))
    chrome = re.sub(r"<tbody>.*?</tbody>|<dd.*?</dd>|<title>.*?</title>", "", html, flags=re.S)
    assert not re.search(r"[\u4e00-\u9fff]", chrome.replace("中文", ""))


def test_an_admin_acts_on_escalated_feedback_from_the_escalation(app, client, delivered):
    from datetime import timedelta

    from inspect_app.clock import utcnow

    Notification.update(due_at=utcnow() - timedelta(hours=2)).where(
        Notification.id == delivered.id
    ).execute()
    notifications.escalate_overdue(utcnow())
    escalation = Notification.get(Notification.escalation_of == delivered.id)
    sign_in(client, make_user("admin"))
    url = f"/console/inbox/{escalation.id}"
    page = text(client.get(url))
    assert 'name="action"' in page
    version = Feedback.get_by_id(delivered.feedback_id).version
    response = client.post(
        f"{url}/act",
        data={"csrf_token": csrf_of(page), "version": str(version), "action": "NO_ACTION",
              "reason": "经核实仍在经营"},
    )  # fmt: skip
    assert response.status_code == 303
    assert Feedback.get_by_id(delivered.feedback_id).status == "ACTED"
