"""Where the licence's QR code cannot be read (torn, faded, behind glass), the lead types the
licence number (issue 16): a live licence of this entity checks in, recorded as "typed" (weaker
evidence than a signed code) in the inspection, its answer and the audit; anything else is
refused beside the field."""

from __future__ import annotations

import pytest

from inspect_app.models import AuditEntry, Inspection, Licence
from tests.tablet.conftest import SHOP, joint, op  # noqa: F401 (fixture)


def check_in(client, case, **how):
    url = f"/api/v1/tablet/inspections/{case.inspection.id}"
    version = client.get(url, headers=case.ct).get_json()["check_in"]["version"]
    body = {"op_id": op(), "part_version": version, "lat": SHOP[0], "lon": SHOP[1], **how}
    return client.post(f"{url}/check-in", headers=case.ct, json=body)


def test_a_typed_licence_number_checks_in_and_is_recorded_as_typed(client, joint):  # noqa: F811
    response = check_in(client, joint, licence_number=joint.licence.number)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["check_in"]["method"] == "typed" and body["status"] == "CHECKED_IN"
    assert Inspection.get_by_id(joint.inspection.id).check_in_method == "typed"
    entry = AuditEntry.get(AuditEntry.action == "inspection.check_in")
    assert entry.after["method"] == "typed" and entry.after["licence"] == joint.licence.number


def test_a_scanned_code_is_recorded_as_qr(client, joint):  # noqa: F811
    response = check_in(client, joint, qr_payload=joint.qr)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["check_in"]["method"] == "qr"


@pytest.mark.parametrize("number", ["BS-IC-2024-999999", " ", "另一张许可证"])
def test_a_number_that_is_not_this_entitys_live_licence_is_refused(client, joint, number):  # noqa: F811
    response = check_in(client, joint, licence_number=number)
    assert response.status_code == 422
    assert "licence_number" in response.get_json()["errors"]
    assert Inspection.get_by_id(joint.inspection.id).checked_in_at is None


def test_a_cancelled_licence_typed_is_refused(client, joint):  # noqa: F811
    Licence.update(status="CANCELLED").where(Licence.id == joint.licence.id).execute()
    response = check_in(client, joint, licence_number=joint.licence.number)
    assert response.status_code == 422
    assert "licence_number" in response.get_json()["errors"]


@pytest.mark.parametrize("how", [{}, {"qr_payload": "LJ1.X.Y", "licence_number": "BS-IC-1"}])
def test_exactly_one_of_code_and_number_is_given(client, joint, how):  # noqa: F811
    response = check_in(client, joint, **how)
    assert response.status_code == 422
    assert "qr_payload" in str(response.get_json()["errors"])


def test_the_planners_inspection_record_says_the_number_was_typed(app, client, joint):  # noqa: F811
    from tests.factories import make_user
    from tests.web.pages import sign_in

    assert check_in(client, joint, licence_number=joint.licence.number).status_code == 200
    browser = app.test_client()
    sign_in(browser, make_user("planner", "CT"))
    page = browser.get(f"/console/inspections/{joint.inspection.id}").get_data(as_text=True)
    assert "手工输入许可证编号（未扫码）" in page and "距登记地址" in page
