"""The planner's task flow in the console: the wizard plans a joint check of internet cafés led by
文化旅游局 (CT) with 消防 (FR), FR's planner accepts on its answer page, CT freezes announcing the
pinned test chain, draws with the round pasted as drand publishes it, and reads the record.
Every form is also tried with a bad value, whose error shows beside its field."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.models import SpotCheckTask
from tests.factories import (
    TEST_CHAIN,
    beacon_round,
    committed_round,
    internet_cafes,
    make_inspector,
    make_user,
)
from tests.web.pages import csrf_of, sign_in, submit


def text(response) -> str:
    return response.get_data(as_text=True)


def beside(html: str, field: str) -> str:
    """The error shown beside `field` (its id is `<field>-error`), or ''."""
    match = re.search(rf'id="{field}-error"[^>]*>([^<]+)<', html)
    return match.group(1) if match else ""


def post(client, url: str, **fields):
    """POST a form of a page that has no GET of its own, with the session's CSRF token."""
    return submit(client, url, csrf_token=csrf_of(text(client.get("/console/"))), **fields)


def days(n: int) -> str:
    return (local(utcnow()).date() + timedelta(days=n)).isoformat()


def plan(**overrides) -> dict:
    """The wizard's fields for a joint check: CT leads, FR partners with its item IC-08."""
    return {
        "industry": "IC",
        "name": "2026年第四季度互联网上网服务营业场所联合抽查",
        "partners": ["FR"],
        "risk_points": ["IC-01", "IC-02", "IC-08"],
        "scope_statuses": ["ACTIVE"],
        "sampling": "fixed",
        "fixed_count": "2",
        "team_size": "2",
        "workload_cap": "5",
        "frequency_cap": "2",
        "period_start": days(10),
        "period_end": days(40),
        "deadline": days(45),
    } | overrides


# Four public draws of 10 numbers out of 1–80 (快乐8): about 162 bits, above the 128 needed.
LOTTERY_DRAWS = "\n".join(["10,1,80"] * 4)


@pytest.fixture
def district(app):
    internet_cafes(3)
    for n in range(1, 4):
        for department in ("CT", "FR"):
            make_inspector(f"{department}{n:04d}", department)
    return {
        "lead": make_user("planner", "CT"),
        "partner": make_user("planner", "FR"),
        "licensing": make_user("licensing", "ASC"),
    }


def planned(client, district, **overrides) -> str:
    sign_in(client, district["lead"])
    response = submit(client, "/console/tasks/new?industry=IC", **plan(**overrides))
    assert response.status_code == 303, text(response)
    return response.headers["Location"].rsplit("/", 1)[1]


def accepted(client, district, code):
    other = client.application.test_client()
    sign_in(other, district["partner"])
    response = submit(other, f"/console/tasks/{code}/partners/FR", answer="ACCEPTED")
    assert response.status_code == 303, text(response)


def frozen(client, district, **fields) -> str:
    code = planned(client, district)
    accepted(client, district, code)
    response = submit(
        client, f"/console/tasks/{code}/freeze", kind="drand", chain_hash=TEST_CHAIN.info.hash
    )
    assert response.status_code == 303, text(response)
    return code


def drawn(client, district) -> str:
    code = frozen(client, district)
    import json

    beacon = json.dumps(beacon_round(code))
    response = submit(client, f"/console/tasks/{code}/draw", beacon=beacon)
    assert response.status_code == 303, text(response)
    return code


# -- the wizard and the task page --


def test_the_wizard_offers_the_industrys_departments_and_their_check_items(client, district):
    sign_in(client, district["lead"])
    first = text(client.get("/console/tasks/new"))
    assert 'id="choose-industry"' in first and 'value="IC"' in first
    page = text(client.get("/console/tasks/new?industry=IC"))
    assert 'name="partners" value="FR"' in page and 'name="partners" value="PS"' in page
    assert 'name="risk_points" value="IC-08"' in page
    assert 'name="scope_streets" value="BS01"' in page
    assert 'id="ratio_D"' in page and 'value="0.4"' in page  # the default, canonical


def test_an_unknown_industry_is_shown_beside_the_industry_field(client, district):
    sign_in(client, district["lead"])
    page = text(client.get("/console/tasks/new?industry=ZZ"))
    assert beside(page, "industry") == "请选择行业。"


def test_a_planned_task_is_a_draft_whose_page_shows_plan_partners_and_actions(client, district):
    code = planned(client, district)
    assert code.startswith("CT-")
    page = text(client.get(f"/console/tasks/{code}"))
    assert "草拟" in page and "IC-08" in page
    assert "FR" in page and "待答复" in page
    assert f"/console/tasks/{code}/edit" in page and f"/console/tasks/{code}/freeze" in page
    listing = text(client.get("/console/tasks"))
    assert code in listing and "抽查任务" in listing


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "请填写任务名称"),
        ({"sampling": "ratios", "ratio_A": "0.050"}, "ratio_A", "唯一写法"),
        ({"sampling": "ratios", "ratio_D": "1.0"}, "ratio_D", "唯一写法"),
        ({"sampling": "fixed", "fixed_count": "0"}, "fixed_count", "固定数量须为"),
        ({"team_size": "1"}, "team_size", "每组人数须为"),
        ({"workload_cap": "x"}, "workload_cap", "工作量上限"),
        ({"frequency_cap": "13"}, "frequency_cap", "频次上限"),
        ({"risk_points": []}, "risk_points", "请至少选择一项检查事项"),
        ({"scope_statuses": []}, "scope_statuses", "请至少选择一种许可证状态"),
        ({"period_start": "2026-13-01"}, "period_start", "请填写日期"),
        # refused by the service, not the schema: shown beside the field it names
        ({"period_end": days(5)}, "period_end", "检查期限须晚于开始日期"),
        ({"partners": ["ZZ"]}, "partners", "不是该行业的监管部门"),
        ({"scope_streets": ["XX99"]}, "scope_streets", "未知的街镇"),
        ({"partners": [], "risk_points": ["IC-08"]}, "risk_points", "责任部门不在任务中"),
    ],
)
def test_a_bad_plan_shows_the_error_beside_its_field(client, district, fields, field, message):
    sign_in(client, district["lead"])
    response = submit(client, "/console/tasks/new?industry=IC", **plan(**fields))
    assert response.status_code in (409, 422)
    html = text(response)
    assert message in beside(html, field)
    assert f'aria-describedby="{field}-error"' in html
    assert SpotCheckTask.select().count() == 0
    if field != "name":
        assert plan()["name"] in html  # what was typed stays in the form


def test_a_draft_is_edited_and_its_partners_are_asked_again(client, district):
    code = planned(client, district)
    accepted(client, district, code)
    form = text(client.get(f"/console/tasks/{code}/edit"))
    assert 'name="version" value="1"' in form and 'value="IC-08" checked' in form
    fields = plan(name="宝山区网吧联合抽查（修改）", sampling="ratios", ratio_A="0.1")
    fields.pop("industry")
    response = submit(client, f"/console/tasks/{code}/edit", version="1", **fields)
    assert response.status_code == 303, text(response)
    page = text(client.get(f"/console/tasks/{code}"))
    assert "宝山区网吧联合抽查（修改）" in page and "A 0.1" in page and "待答复" in page


def test_a_bad_edit_shows_the_error_beside_its_field(client, district):
    code = planned(client, district)
    fields = plan(sampling="ratios", ratio_B="0.50")
    response = submit(client, f"/console/tasks/{code}/edit", version="1", **fields)
    assert response.status_code == 422
    assert "唯一写法" in beside(text(response), "ratio_B")


def test_licensing_staff_get_403_on_the_task_pages(client, district):
    sign_in(client, district["licensing"])
    assert client.get("/console/tasks").status_code == 403
    assert client.get("/console/tasks/new").status_code == 403


def test_the_menu_offers_tasks_to_planners_only(client, district):
    sign_in(client, district["lead"])
    assert 'href="/console/tasks"' in text(client.get("/console/"))
    other = client.application.test_client()
    sign_in(other, district["licensing"])
    assert 'href="/console/tasks"' not in text(other.get("/console/"))


# -- the partner's answer --


def test_the_partner_accepts_on_its_answer_page(client, district):
    code = planned(client, district)
    partner = client.application.test_client()
    sign_in(partner, district["partner"])
    task_page = text(partner.get(f"/console/tasks/{code}"))
    assert f"/console/tasks/{code}/partners/FR" in task_page
    assert f"/console/tasks/{code}/freeze" not in task_page  # not the lead
    page = text(partner.get(f"/console/tasks/{code}/partners/FR"))
    assert "IC-08" in page and "待答复" in page
    response = submit(partner, f"/console/tasks/{code}/partners/FR", answer="ACCEPTED")
    assert response.status_code == 303
    assert "已同意" in text(partner.get(f"/console/tasks/{code}"))


def test_an_answer_that_is_neither_shows_the_error_beside_it(client, district):
    code = planned(client, district)
    partner = client.application.test_client()
    sign_in(partner, district["partner"])
    response = submit(partner, f"/console/tasks/{code}/partners/FR", answer="MAYBE")
    assert response.status_code == 422
    assert beside(text(response), "answer") == "此项的值无效。"


def test_the_lead_may_not_answer_for_the_partner(client, district):
    code = planned(client, district)
    token = csrf_of(text(client.get("/console/")))
    response = submit(
        client, f"/console/tasks/{code}/partners/FR", csrf_token=token, answer="ACCEPTED"
    )
    assert response.status_code == 403


def test_a_partner_planner_cannot_freeze(client, district):
    code = planned(client, district)
    accepted(client, district, code)
    partner = client.application.test_client()
    sign_in(partner, district["partner"])
    assert partner.get(f"/console/tasks/{code}/freeze").status_code == 403
    token = csrf_of(text(partner.get("/console/")))
    response = submit(
        partner, f"/console/tasks/{code}/freeze", csrf_token=token,
        kind="drand", chain_hash=TEST_CHAIN.info.hash,
    )  # fmt: skip
    assert response.status_code == 403
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "DRAFT"


# -- freeze --


def test_freezing_shows_the_commitment_and_the_seed_source_to_announce(client, district):
    code = frozen(client, district)
    page = text(client.get(f"/console/tasks/{code}"))
    task = SpotCheckTask.get(SpotCheckTask.code == code)
    assert task.status == "FROZEN" and "已冻结" in page
    from inspect_app.models import Draw

    row = Draw.get(Draw.task == task)
    assert row.commitment_hash in page
    assert f"第 {committed_round(code)} 轮" in page and TEST_CHAIN.info.hash in page
    assert "检查对象 3 家，检查人员 6 名" in page
    assert f"/console/tasks/{code}/draw" in page and 'id="reason"' in page


def test_a_joint_task_is_not_frozen_before_its_partner_accepts(client, district):
    code = planned(client, district)
    response = submit(
        client, f"/console/tasks/{code}/freeze", kind="drand", chain_hash=TEST_CHAIN.info.hash
    )
    assert response.status_code == 409
    assert "FR" in beside(text(response), "kind")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "sundial"}, "kind", "请选择随机源"),
        ({"kind": "drand", "round": "abc"}, "round", "轮次须为正整数"),
        ({"kind": "drand", "round": "1"}, "round", "最早可用轮次"),
        ({"kind": "drand", "chain_hash": "ab" * 32}, "chain_hash", ""),
        ({"kind": "lottery", "date": days(1), "session_name": "体彩", "draws": "5,1,35"},
         "kind", "熵不足"),
        ({"kind": "lottery", "date": days(1), "session_name": "体彩", "draws": "五个"},
         "draws", "每行一次开奖"),
        ({"kind": "lottery", "date": days(-1), "session_name": "体彩", "draws": "5,1,35"},
         "date", ""),
    ],
)  # fmt: skip
def test_a_bad_seed_source_shows_the_error_beside_its_field(
    client, district, fields, field, message
):
    code = planned(client, district)
    accepted(client, district, code)
    body = {"chain_hash": TEST_CHAIN.info.hash} | fields
    response = submit(client, f"/console/tasks/{code}/freeze", **body)
    assert response.status_code in (404, 409, 422), text(response)
    shown = beside(text(response), field)
    assert shown and message in shown
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "DRAFT"


def test_a_lottery_session_is_announced_as_not_checkable(client, district):
    code = planned(client, district)
    accepted(client, district, code)
    response = submit(
        client, f"/console/tasks/{code}/freeze",
        kind="lottery", date=days(1), session_name="福利彩票快乐8", draws=LOTTERY_DRAWS,
    )  # fmt: skip
    assert response.status_code == 303, text(response)
    assert "平台无法核验" in text(client.get(f"/console/tasks/{code}"))
    draw = text(client.get(f"/console/tasks/{code}/draw"))
    assert 'id="numbers"' in draw and "10 个，1–80" in draw
    bad = submit(client, f"/console/tasks/{code}/draw", numbers="1,2,3")
    assert bad.status_code in (409, 422) and beside(text(bad), "numbers")
    numbers = "\n".join(",".join(str(n + k) for n in range(1, 80, 8)) for k in range(4))
    good = submit(client, f"/console/tasks/{code}/draw", numbers=numbers)
    assert good.status_code == 303, text(good)


# -- draw and its record --


def test_the_draw_takes_the_round_pasted_as_drand_publishes_it(client, district):
    code = drawn(client, district)
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "DRAWN"
    record = text(client.get(f"/console/tasks/{code}/record"))
    assert 'id="assignments"' in record and "上海宝山区" in record
    assert re.search(r"CT</span>：CT000\d", record) and re.search(r"FR</span>：FR000\d", record)
    assert 'id="exclusions"' in record and 'id="strata"' in record


def test_the_round_may_be_uploaded_as_a_file(client, district):
    import io
    import json

    code = frozen(client, district)
    page = text(client.get(f"/console/tasks/{code}/draw"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    upload = (io.BytesIO(json.dumps(beacon_round(code)).encode()), "round.json")
    response = client.post(
        f"/console/tasks/{code}/draw",
        data={"csrf_token": token, "beacon": "", "beacon_file": upload},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, text(response)


@pytest.mark.parametrize(
    ("beacon", "message"),
    [
        ("", "请粘贴 drand 发布的该轮 JSON"),
        ("{not json", "请粘贴 drand 发布的该轮 JSON"),
        ('{"round": 5, "round": 6, "signature": "00"}', "请粘贴 drand 发布的该轮 JSON"),
        ('{"round": "x", "signature": "00"}', "请粘贴 drand 发布的该轮 JSON"),
        ("OTHER_ROUND", ""),
        ("BAD_SIGNATURE", ""),
    ],
)
def test_a_bad_round_shows_the_refusal_beside_the_field(client, district, beacon, message):
    import json

    code = frozen(client, district)
    if beacon == "OTHER_ROUND":
        beacon = json.dumps(beacon_round(code, committed_round(code) + 1))
    elif beacon == "BAD_SIGNATURE":
        signed = beacon_round(code)
        beacon = json.dumps(signed | {"signature": beacon_round(code, 7)["signature"]})
    response = submit(client, f"/console/tasks/{code}/draw", beacon=beacon)
    assert response.status_code in (409, 422), text(response)
    shown = beside(text(response), "beacon")
    assert shown and message in shown
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "FROZEN"


# -- void --


def test_a_frozen_task_is_voided_with_a_public_reason(client, district):
    code = frozen(client, district)
    short = post(client, f"/console/tasks/{code}/void", reason="重复")
    assert short.status_code == 422
    assert "6" in beside(text(short), "reason")
    assert 'aria-describedby="reason-error"' in text(short)
    too_long = post(client, f"/console/tasks/{code}/void", reason="长" * 501)
    assert too_long.status_code == 422 and beside(text(too_long), "reason")
    done = post(client, f"/console/tasks/{code}/void", reason="计划与另一任务重复，作废重做")
    assert done.status_code == 303
    assert "已作废" in text(client.get(f"/console/tasks/{code}"))


def test_the_wizard_speaks_english_with_its_errors_beside_the_fields(client, district):
    sign_in(client, district["lead"])
    page = text(client.get("/console/tasks/new?industry=IC&lang=en"))
    assert "Plan a spot-check task" in page and "制定抽查任务" not in page
    assert "2. Partner departments" in page
    response = submit(
        client, "/console/tasks/new?industry=IC&lang=en", **plan(ratio_A="0.40", sampling="ratios")
    )
    assert "in its one spelling" in beside(text(response), "ratio_A")
    refused = submit(client, "/console/tasks/new?industry=IC", **plan(period_end=days(5)))
    assert "The period must end after it starts" in beside(text(refused), "period_end")


def test_an_admin_plans_a_task_for_a_lead_department_it_chooses(client, district):
    sign_in(client, make_user("admin"))
    page = text(client.get("/console/tasks/new?industry=IC"))
    assert 'id="lead"' in page
    response = submit(client, "/console/tasks/new?industry=IC", **plan(lead="CT"))
    assert response.status_code == 303, text(response)
    assert SpotCheckTask.get().lead.code == "CT"
    assert "CT-" in text(client.get("/console/tasks"))


def test_an_edit_of_a_version_since_changed_is_refused_beside_the_form(client, district):
    code = planned(client, district)
    fields = plan(name="宝山区网吧联合抽查（第二稿）")
    fields.pop("industry")
    response = submit(client, f"/console/tasks/{code}/edit", version="7", **fields)
    assert response.status_code in (409, 412)
    assert beside(text(response), "name")
    assert SpotCheckTask.get().name == plan()["name"]


def test_a_drawn_task_sends_its_draw_page_to_the_record_and_its_freeze_page_to_the_task(
    client, district
):
    code = drawn(client, district)
    assert client.get(f"/console/tasks/{code}/draw").headers["Location"].endswith("/record")
    assert client.get(f"/console/tasks/{code}/freeze").headers["Location"].endswith(code)
    again = post(client, f"/console/tasks/{code}/draw", beacon=json.dumps(beacon_round(code)))
    assert again.status_code == 409 and beside(text(again), "beacon")


def test_a_draft_has_no_draw_to_run(client, district):
    code = planned(client, district)
    assert client.get(f"/console/tasks/{code}/draw").status_code == 409
    response = post(client, f"/console/tasks/{code}/draw", beacon="{}")
    assert response.status_code == 409
    assert client.get(f"/console/tasks/{code}/record").status_code == 409


def test_the_task_list_costs_the_same_queries_for_two_tasks_as_for_six(
    client, district, monkeypatch
):
    from inspect_app.db import database

    counted = {"n": 0}
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith("PREPARE "):
            counted["n"] += 1
        return real(sql, params, *args, **kwargs)

    def queries_of_the_list() -> int:
        monkeypatch.setattr(database.obj, "execute_sql", counting)
        counted["n"] = 0
        assert client.get("/console/tasks").status_code == 200
        monkeypatch.setattr(database.obj, "execute_sql", real)
        return counted["n"]

    def plan_one():
        response = submit(client, "/console/tasks/new?industry=IC", **plan())
        assert response.status_code == 303

    sign_in(client, district["lead"])
    for _ in range(2):
        plan_one()
    two = queries_of_the_list()
    for _ in range(4):
        plan_one()
    assert queries_of_the_list() == two
