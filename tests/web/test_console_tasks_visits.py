"""After the draw, in the console: the record, the progress table (overdue shown) with its map,
an inspection's record with signatures and photos (served under the photos' own policy), and
publication — refused with VISITS_OPEN while a visit is open, done once all are submitted."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from inspect_app.clock import utcnow
from inspect_app.models import Evidence, Inspection
from tests.factories import PNG_1PX, make_user
from tests.tablet.conftest import joint, op, submit_with  # noqa: F401 (the drawn joint check)
from tests.web.pages import csrf_of, sign_in, submit


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url: str, **fields):
    return submit(client, url, csrf_token=csrf_of(text(client.get("/console/"))), **fields)


@pytest.fixture
def planner(app, joint):  # noqa: F811
    browser = app.test_client()
    sign_in(browser, make_user("planner", "CT"))
    return browser


def code_of(joint) -> str:  # noqa: F811
    return joint.inspection.task.code


def test_the_record_shows_picks_teams_and_links_to_the_inspections(planner, joint):  # noqa: F811
    page = text(planner.get(f"/console/tasks/{code_of(joint)}/record"))
    assert joint.inspection.entity.credit_code in page
    assert "CT0001" in page and "FR0001" in page
    assert f"/console/inspections/{joint.inspection.id}" in page


def test_progress_lists_the_inspections_and_embeds_the_map(planner, joint):  # noqa: F811
    code = code_of(joint)
    page = text(planner.get(f"/console/tasks/{code}/progress"))
    assert joint.inspection.entity.name in page and "已分派" in page
    assert "共 1 家：已提交 0，逾期 0。" in page
    assert f'<iframe class="map" src="/console/maps/tasks/{code}/progress" title="' in page


def test_an_inspection_past_its_due_date_shows_as_overdue(planner, joint):  # noqa: F811
    Inspection.update(due_on=utcnow().date() - timedelta(days=1)).execute()
    page = text(planner.get(f"/console/tasks/{code_of(joint)}/progress"))
    assert "逾期 1" in page and 'class="overdue"' in page
    record = text(planner.get(f"/console/inspections/{joint.inspection.id}"))
    assert "state-overdue" in record


def test_the_inspection_record_shows_results_signatures_and_photos(
    client,
    planner,
    joint,  # noqa: F811
):
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}"
    photo = client.post(
        f"{url}/evidence", headers=joint.fr, content_type="multipart/form-data",
        data={"op_id": op(), "risk_point": "IC-08", "photo": (io.BytesIO(PNG_1PX), "exit.png")},
    )  # fmt: skip
    assert photo.status_code == 201, photo.get_json()
    submit_with(client, joint, "OK", result="PASS")
    page = text(planner.get(f"/console/inspections/{joint.inspection.id}"))
    assert "已提交" in page and "未发现问题" in page and "符合" in page
    assert "王晓明" in page and "陈立" in page and page.count("已签名") == 2
    sha = Evidence.get().sha256
    src = f"/console/inspections/{joint.inspection.id}/photos/{sha}"
    assert f'src="{src}"' in page
    served = planner.get(src)
    assert served.status_code == 200 and served.data == PNG_1PX
    assert served.headers["Content-Type"] == "image/png"


def test_a_photo_is_404_to_a_planner_outside_the_task(app, client, joint):  # noqa: F811
    url = f"/api/v1/tablet/inspections/{joint.inspection.id}"
    client.post(
        f"{url}/evidence", headers=joint.fr, content_type="multipart/form-data",
        data={"op_id": op(), "risk_point": "IC-08", "photo": (io.BytesIO(PNG_1PX), "exit.png")},
    )  # fmt: skip
    sha = Evidence.get().sha256
    stranger = app.test_client()
    sign_in(stranger, make_user("planner", "PS"))
    assert stranger.get(f"/console/inspections/{joint.inspection.id}/photos/{sha}").status_code == (
        404
    )
    assert stranger.get(f"/console/inspections/{joint.inspection.id}").status_code == 404
    assert stranger.get(f"/console/inspections/{joint.inspection.id}/photos/xyz").status_code == 404


def test_publishing_while_a_visit_is_open_shows_visits_open_beside_the_button(planner, joint):  # noqa: F811
    code = code_of(joint)
    response = post(planner, f"/console/tasks/{code}/publish")
    assert response.status_code == 409
    shown = re.search(r'id="publish-error"[^>]*>([^<]+)<', text(response)).group(1)
    assert "尚有 1 家检查未完成" in shown


def test_once_the_visits_are_submitted_the_results_are_published(client, planner, joint):  # noqa: F811
    submit_with(client, joint, "OK", result="PASS")
    code = code_of(joint)
    response = post(planner, f"/console/tasks/{code}/publish")
    assert response.status_code == 303
    page = text(planner.get(f"/console/tasks/{code}"))
    assert "已公示" in page and 'id="publish"' not in page


def test_a_partner_planner_sees_the_progress_but_cannot_publish(app, client, joint):  # noqa: F811
    partner = app.test_client()
    sign_in(partner, make_user("planner", "FR"))
    code = code_of(joint)
    assert partner.get(f"/console/tasks/{code}/progress").status_code == 200
    assert 'id="publish"' not in text(partner.get(f"/console/tasks/{code}"))
    submit_with(client, joint, "OK", result="PASS")
    assert post(partner, f"/console/tasks/{code}/publish").status_code == 403
