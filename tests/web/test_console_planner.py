"""The planner's console pages: what waits on the home page, the entity directory (search, filters,
pages counted in the database, bad values beside their fields), an entity's page, and the risk
points of the department's industries, edited by their owner only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import peewee
import pytest

from inspect_app.clock import utcnow
from inspect_app.db import database
from inspect_app.models import Department, Entity, Inspection, RiskPoint, SpotCheckTask
from inspect_app.services import complaints
from inspect_app.services import tasks as service_tasks
from tests.factories import (
    ADMIN,
    credit_code,
    make_entity,
    make_licence,
    make_user,
)
from tests.web.pages import csrf_of, sign_in, submit


def text(response) -> str:
    return response.get_data(as_text=True)


def planner_of(client, department: str = "CT"):
    user = make_user("planner", department)
    sign_in(client, user)
    return user


def field_error(html: str, name: str) -> str:
    """The message shown beside field `name` (which says it is invalid and points to it)."""
    assert re.search(
        rf'id="{name}"[^>]*aria-invalid="true"[^>]*aria-describedby="{name}-error"', html
    )
    match = re.search(rf'<p class="error" id="{name}-error">([^<]+)</p>', html)
    assert match, f"no error beside {name}"
    return match.group(1)


def chrome_without_data(html: str) -> str:
    """The page's own words: tables' bodies, names and codes (data) left out."""
    html = re.sub(r"<tbody>.*?</tbody>", "", html, flags=re.S)
    html = re.sub(r"<(h1|h2|h3|option|dd|title)[^>]*>.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<form class=\"who\".*?</form>", "", html, flags=re.S)
    return html.replace("中文", "")


# -- home --


def test_home_links_my_tasks_to_their_console_pages_and_the_inbox(client, tasks):
    planner_of(client, "CT")
    html = text(client.get("/console/"))
    for code in tasks.values():
        assert f'href="/console/tasks/{code}"' in html
    assert 'href="/console/inbox"' in html


def test_home_lists_the_joint_tasks_waiting_for_my_departments_answer(client, tasks):
    planner_of(client, "PS")  # a partner: it answered the frozen two, not the draft
    html = text(client.get("/console/"))
    waiting = html.split('id="partners-title"')[1].split('id="overdue-title"')[0]
    assert tasks["draft"] in waiting
    assert tasks["frozen"] not in waiting and tasks["drawn"] not in waiting


def test_the_lead_has_no_partnership_to_answer(client, tasks):
    planner_of(client, "CT")
    html = text(client.get("/console/"))
    waiting = html.split('id="partners-title"')[1].split('id="overdue-title"')[0]
    assert "没有待答复的联合抽查" in waiting


def test_home_shows_my_overdue_draws(client, tasks, monkeypatch):
    planner_of(client, "FR")
    html = text(client.get("/console/"))
    assert "没有逾期未抽取的任务" in html
    later = utcnow() + timedelta(days=400)  # long past the frozen task's seed time
    monkeypatch.setattr("inspect_app.web.planner.utcnow", lambda: later)
    overdue = text(client.get("/console/")).split('id="overdue-title"')[1].split("tasks-title")[0]
    assert tasks["frozen"] in overdue and tasks["drawn"] not in overdue


def test_a_planner_of_another_department_sees_no_overdue_draw_of_others(client, tasks, monkeypatch):
    planner_of(client, "HC")
    later = utcnow() + timedelta(days=400)
    monkeypatch.setattr("inspect_app.web.planner.utcnow", lambda: later)
    html = text(client.get("/console/"))
    assert tasks["frozen"] not in html and "没有逾期未抽取的任务" in html


def _waiting(html: str) -> str:
    return html.split('id="partners-title"')[1].split('id="overdue-title"')[0]


def test_a_partner_accepts_a_joint_task_from_the_home_page(client, tasks):
    planner_of(client, "PS")
    home = text(client.get("/console/"))
    url = f"/console/partnerships/{tasks['draft']}/PS"
    assert (
        f'action="{url}"' in home
        and f'action="/console/partnerships/{tasks["draft"]}/FR"' not in home
    )
    token = csrf_of(home)
    response = client.post(url, data={"csrf_token": token, "answer": "ACCEPTED"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/?answered=")
    task = SpotCheckTask.get(SpotCheckTask.code == tasks["draft"])
    assert service_tasks.partner_answers(task) == {"PS": "ACCEPTED", "FR": "AWAITED"}
    after = text(client.get(response.headers["Location"]))
    assert "已同意参加" in after and tasks["draft"] not in _waiting(after)


def test_a_partner_may_decline(client, tasks):
    planner_of(client, "FR")
    token = csrf_of(text(client.get("/console/")))
    url = f"/console/partnerships/{tasks['draft']}/FR"
    assert client.post(url, data={"csrf_token": token, "answer": "DECLINED"}).status_code == 303
    task = SpotCheckTask.get(SpotCheckTask.code == tasks["draft"])
    assert service_tasks.partner_answers(task)["FR"] == "DECLINED"


@pytest.mark.parametrize(
    ("department", "who", "answer", "status"),
    [
        ("FR", "PS", "ACCEPTED", 403),  # another partner's answer
        ("PS", "HC", "ACCEPTED", 404),  # not a department of the task: as if there were none
        ("PS", "PS", "MAYBE", 422),  # no such answer
    ],
)
def test_a_partnership_answer_that_is_not_mine_to_give_is_refused(
    client, tasks, department, who, answer, status
):
    planner_of(client, who)
    token = csrf_of(text(client.get("/console/")))
    url = f"/console/partnerships/{tasks['draft']}/{department}"
    response = client.post(url, data={"csrf_token": token, "answer": answer})
    assert response.status_code == status
    task = SpotCheckTask.get(SpotCheckTask.code == tasks["draft"])
    assert set(service_tasks.partner_answers(task).values()) == {"AWAITED"}


def test_a_partnership_answer_needs_the_csrf_token(client, tasks):
    planner_of(client, "PS")
    response = client.post(
        f"/console/partnerships/{tasks['draft']}/PS", data={"answer": "ACCEPTED"}
    )
    assert response.status_code == 400


def test_an_admin_sees_every_awaited_partner(client, tasks):
    sign_in(client, make_user("admin"))
    waiting = _waiting(text(client.get("/console/")))
    for partner in ("PS", "FR"):
        assert f'action="/console/partnerships/{tasks["draft"]}/{partner}"' in waiting


def test_home_in_english(client, tasks):
    planner_of(client, "PS")
    html = text(client.get("/console/?lang=en"))
    assert "Waiting for me" in html
    chrome = chrome_without_data(html)
    assert not re.search(r"[\u4e00-\u9fff]", chrome), re.findall(
        r".{80}[\u4e00-\u9fff].{40}", chrome, re.S
    )[:3]


# -- the entity directory --


@pytest.fixture
def district():
    """Seven licensed cafés and bakeries in three streets, and one registered company without
    a licence."""
    cafes = [
        make_licence(make_entity(i, name=f"上海宝山区第{i + 1}网络会所有限公司")) for i in range(5)
    ]
    bare = make_entity(1, name="上海宝山区麦香坊烘焙店")
    return {"cafes": cafes, "bare": bare}


def rows_of(html: str) -> list[str]:
    body = html.split('id="directory"')[1].split("</tbody>")[0]
    return re.findall(r'href="/console/entities/([0-9A-Z]{18})"', body)


def test_the_directory_lists_every_entity_by_credit_code(client, district):
    planner_of(client)
    response = client.get("/console/entities")
    assert response.status_code == 200
    codes = rows_of(text(response))
    assert codes == sorted(e.credit_code for e in Entity.select())
    assert len(codes) == 6


def test_the_directory_finds_by_name_credit_code_and_licence_number(client, district):
    planner_of(client)
    bare, cafe = district["bare"], district["cafes"][2]
    assert rows_of(text(client.get("/console/entities?q=麦香坊"))) == [bare.credit_code]
    prefix = cafe.holder.credit_code.lower()
    assert rows_of(text(client.get(f"/console/entities?q={prefix}"))) == [cafe.holder.credit_code]
    by_number = text(client.get(f"/console/entities?q={cafe.number}"))
    assert rows_of(by_number) == [cafe.holder.credit_code]


def test_a_search_takes_its_text_literally_and_latin_letters_in_any_case(client, district):
    latin = make_entity(2, name="上海宝山KFC_餐厅有限公司")
    planner_of(client)
    assert rows_of(text(client.get("/console/entities?q=%25"))) == []  # a literal %
    assert rows_of(text(client.get("/console/entities?q=C_餐"))) == [latin.credit_code]
    assert rows_of(text(client.get("/console/entities?q=宝山_"))) == []  # _ is no wildcard
    assert rows_of(text(client.get("/console/entities?q=kfc"))) == [latin.credit_code]
    whole = latin.credit_code
    assert rows_of(text(client.get(f"/console/entities?q={whole}"))) == [whole]


def test_the_directory_filters_by_street_industry_and_grade(client, district):
    planner_of(client)
    in_bs02 = sorted(
        e.credit_code
        for e in Entity.select()
        .join_from(Entity, Entity.street.rel_model)
        .where(Entity.street.rel_model.code == "BS02")
    )
    assert rows_of(text(client.get("/console/entities?street=BS02"))) == in_bs02
    licensed = sorted(c.holder.credit_code for c in district["cafes"])
    assert rows_of(text(client.get("/console/entities?industry=IC"))) == licensed
    assert rows_of(text(client.get("/console/entities?grade=none"))) == [
        district["bare"].credit_code
    ]
    graded = text(client.get("/console/entities"))
    grade = re.search(r'class="grade grade-([A-D])"', graded).group(1)
    assert len(rows_of(text(client.get(f"/console/entities?grade={grade}")))) >= 1
    assert district["bare"].credit_code not in rows_of(
        text(client.get(f"/console/entities?grade={grade}"))
    )


def test_the_directory_pages_in_twenties(client):
    for n in range(23):
        make_entity(n, credit_code=credit_code())
    planner_of(client)
    first = text(client.get("/console/entities"))
    assert len(rows_of(first)) == 20 and "第 1 / 2 页" in first
    assert 'href="/console/entities?page=2"' in first
    second = text(client.get("/console/entities?page=2"))
    assert len(rows_of(second)) == 3
    past_the_end = text(client.get("/console/entities?page=9"))
    assert rows_of(past_the_end) == rows_of(second)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("street=XX99", "street", "未知的街镇"),
        ("industry=ZZ", "industry", "未知的行业"),
        ("grade=E", "grade", "未知的风险等级"),
        ("q=" + "网" * 65, "q", "不超过 64 个字符"),
        ("q=%20%20", "q", "不超过 64 个字符"),
    ],
)
def test_a_bad_filter_is_shown_beside_its_field(client, district, query, field, message):
    planner_of(client)
    response = client.get(f"/console/entities?{query}")
    assert response.status_code == 200
    assert message in field_error(text(response), field)
    assert len(rows_of(text(response))) == 6  # the bad filter is left out, the rest applies


def test_a_bad_page_number_is_said_and_the_first_page_shown(client, district):
    planner_of(client)
    html = text(client.get("/console/entities?page=0"))
    assert 'id="page-error">页码须为正整数' in html and len(rows_of(html)) == 6


def test_a_bad_filter_in_english(client, district):
    planner_of(client)
    html = text(client.get("/console/entities?street=XX99&lang=en"))
    assert "Unknown street" in field_error(html, "street")
    chrome = chrome_without_data(html)
    assert not re.search(r"[\u4e00-\u9fff]", chrome), re.findall(
        r".{80}[\u4e00-\u9fff].{40}", chrome, re.S
    )[:3]


def test_htmx_gets_the_same_finder_to_swap(client, district):
    planner_of(client)
    response = client.get("/console/entities?street=BS01", headers={"HX-Request": "true"})
    html = text(response)
    assert 'id="finder"' in html and 'hx-target="#finder"' in html


# -- an entity's page --


def test_the_entity_page_shows_identity_licence_permits_and_grade_factors(client, district):
    planner_of(client)
    licence = district["cafes"][0]
    response = client.get(f"/console/entities/{licence.holder.credit_code}")
    assert response.status_code == 200
    html = text(response)
    assert licence.holder.name in html and licence.holder.address in html
    assert "友谊路街道" in html
    assert f'href="/console/licences/{licence.number}"' in html
    assert "网络文化经营许可证" in html and "区文化旅游局" in html  # its permits, their issuer
    assert 'class="grade grade-' in html and "行业基础风险" in html
    assert "新办" in html  # the licence's events


def test_an_entity_without_a_licence_is_unclassified_and_says_why(client, district):
    planner_of(client)
    html = text(client.get(f"/console/entities/{district['bare'].credit_code}"))
    assert "未分类" in html and "无有效许可证（未持证或许可证均已注销、撤销）" in html


def test_the_entity_page_shows_its_complaints(client, district):
    cafe = district["cafes"][1].holder
    complaints.record_complaint(
        ADMIN, cafe.credit_code, date(2026, 11, 2), "深夜噪音扰民", utcnow()
    )
    planner_of(client)
    html = text(client.get(f"/console/entities/{cafe.credit_code}?lang=en"))
    assert "深夜噪音扰民" in html and "Complaints" in html


def test_an_unknown_entity_is_a_404_page(client):
    planner_of(client)
    response = client.get("/console/entities/91310113MA1G99999X")
    assert response.status_code == 404 and "未找到该市场主体" in text(response)


# -- risk points --


def test_risk_points_of_my_industries_by_owning_department(client):
    planner_of(client, "CT")
    response = client.get("/console/risk-points?industry=IC")
    html = text(response)
    assert response.status_code == 200
    assert "IC-01" in html and 'id="dept-CT"' in html and 'id="dept-PS"' in html
    own = (
        RiskPoint.select()
        .where(RiskPoint.current)
        .join_from(RiskPoint, RiskPoint.department.rel_model)
    )
    ct_point = next(p for p in own if p.department.code == "CT" and p.industry.code == "IC")
    ps_point = next(p for p in own if p.department.code == "PS" and p.industry.code == "IC")
    assert f'href="/console/risk-points/{ct_point.code}"' in html
    assert f'href="/console/risk-points/{ps_point.code}"' not in html


def test_an_industry_not_mine_is_refused_beside_the_field(client):
    planner_of(client, "CT")
    html = text(client.get("/console/risk-points?industry=NOPE"))
    assert "未知的行业" in field_error(html, "industry")


@pytest.fixture
def restored_catalogue(app):
    """Risk points are catalogue, kept between tests on PostgreSQL: the edits here (new versions)
    are undone afterwards, so later tests find the catalogue as seeded."""
    last = RiskPoint.select(peewee.fn.MAX(RiskPoint.id)).scalar()
    current = [row.id for row in RiskPoint.select(RiskPoint.id).where(RiskPoint.current)]
    yield
    with database.atomic():
        RiskPoint.delete().where(RiskPoint.id > last).execute()
        RiskPoint.update(current=True).where(RiskPoint.id.in_(current)).execute()


def _point(department: str, industry: str = "IC") -> RiskPoint:
    return next(
        p
        for p in RiskPoint.select().where(RiskPoint.current)
        if p.department.code == department and p.industry.code == industry
    )


def test_the_owner_edits_a_risk_point_into_a_new_version(client, restored_catalogue):
    planner_of(client, "CT")
    point = _point("CT")
    response = submit(
        client, f"/console/risk-points/{point.code}", title="核查上网人员实名登记", content=point.content,
        method="现场查看登记系统", severity="high", key_item="on", version=str(point.version),
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/risk-points?industry=IC")
    now = RiskPoint.get((RiskPoint.code == point.code) & RiskPoint.current)
    assert (now.version, now.title, now.key_item) == (
        point.version + 1,
        "核查上网人员实名登记",
        True,
    )
    page = text(client.get(response.headers["Location"]))
    assert "已保存为新版本" in page and "核查上网人员实名登记" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "请输入名称"),
        ({"severity": "extreme"}, "severity", "请选择风险程度"),
        ({"content": "x" * 4001}, "content", "不超过 4000 个字符"),
        ({"key_item": "maybe"}, "key_item", "此项的值无效"),
    ],
)
def test_a_bad_risk_point_edit_is_shown_beside_its_field(
    client, restored_catalogue, fields, field, message
):
    planner_of(client, "CT")
    point = _point("CT")
    good = {"title": point.title, "content": point.content, "method": point.method,
            "severity": point.severity, "version": str(point.version)}  # fmt: skip
    response = submit(client, f"/console/risk-points/{point.code}", **(good | fields))
    assert response.status_code == 422
    assert message in field_error(text(response), field)
    assert (
        RiskPoint.get((RiskPoint.code == point.code) & RiskPoint.current).version == point.version
    )


def test_an_edit_of_a_stale_version_is_refused_on_the_page(client, restored_catalogue):
    planner_of(client, "CT")
    point = _point("CT")
    fields = {"title": "新名称", "content": point.content, "method": point.method,
              "severity": point.severity, "version": str(point.version)}  # fmt: skip
    url = f"/console/risk-points/{point.code}"
    assert submit(client, url, **fields).status_code == 303
    again = submit(client, url, **fields)
    assert again.status_code == 422
    assert 'id="version-error"' in text(again)


def test_another_departments_point_cannot_be_edited(client, restored_catalogue):
    planner_of(client, "CT")
    point = _point("PS")
    assert client.get(f"/console/risk-points/{point.code}").status_code == 403
    fields = {"title": "改", "content": "x", "method": "y", "severity": "low", "version": "1"}
    token = csrf_of(text(client.get("/console/")))
    response = submit(client, f"/console/risk-points/{point.code}", csrf_token=token, **fields)
    assert response.status_code == 403
    assert RiskPoint.get((RiskPoint.code == point.code) & RiskPoint.current).title == point.title


def test_an_admin_may_edit_any_point(client):
    sign_in(client, make_user("admin"))
    point = _point("PS")
    assert client.get(f"/console/risk-points/{point.code}").status_code == 200
    html = text(client.get("/console/risk-points?industry=IC"))
    assert f'href="/console/risk-points/{point.code}"' in html


def test_risk_points_in_english(client):
    planner_of(client, "CT")
    html = text(client.get("/console/risk-points?industry=IC&lang=en"))
    assert "Edit" in html and "Lead department: 区文化旅游局" in html
    html = _without(html, *(d.name for d in Department.select()))
    chrome = chrome_without_data(html)
    assert not re.search(r"[\u4e00-\u9fff]", chrome), re.findall(
        r".{80}[\u4e00-\u9fff].{40}", chrome, re.S
    )[:3]


# -- access, menu --

PAGES = ["/console/entities", "/console/risk-points"]


@pytest.mark.parametrize("url", PAGES)
def test_a_licensing_user_is_refused(client, url):
    sign_in(client, make_user("licensing", "ASC"))
    assert client.get(url).status_code == 403


def test_a_licensing_user_cannot_open_an_entity_page(client, district):
    sign_in(client, make_user("licensing", "ASC"))
    code = district["bare"].credit_code
    assert client.get(f"/console/entities/{code}").status_code == 403


def test_an_admin_opens_every_planner_page(client, district):
    sign_in(client, make_user("admin"))
    code = district["cafes"][0].holder.credit_code
    for url in (*PAGES, f"/console/entities/{code}", "/console/risk-points/IC-01"):
        assert client.get(url).status_code == 200, url
    html = text(client.get("/console/"))
    assert 'href="/console/entities"' in html and 'href="/console/risk-points"' in html


@pytest.mark.parametrize("url", PAGES)
def test_a_stranger_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/console/sign-in" in response.headers["Location"]


def test_the_menu_names_the_planner_pages(client):
    planner_of(client)
    html = text(client.get("/console/"))
    assert 'href="/console/entities"' in html and 'href="/console/risk-points"' in html
    clerk = client.application.test_client()
    sign_in(clerk, make_user("licensing", "ASC"))
    html = text(clerk.get("/console/"))
    assert 'href="/console/entities"' not in html


def test_a_planner_of_another_department_reads_the_directory_as_the_api_does(client, district):
    planner_of(client, "HC")  # no part in internet cafés: the registry is every planner's to read
    codes = rows_of(text(client.get("/console/entities")))
    assert len(codes) == 6
    html = text(client.get(f"/console/entities/{district['cafes'][0].holder.credit_code}"))
    assert "本部门没有牵头或协同的行业" not in html
    points = text(client.get("/console/risk-points"))
    assert "IC-01" not in points
    assert client.get("/console/risk-points?industry=IC").status_code == 200  # not HC's: refused
    assert "未知的行业" in field_error(
        text(client.get("/console/risk-points?industry=IC")), "industry"
    )


# -- history by visibility; queries a page --


def _submitted(task_code: str):
    """One of the task's drawn inspections recorded as submitted, its outcome 未发现问题."""
    inspection = (
        Inspection.select().join(SpotCheckTask).where(SpotCheckTask.code == task_code).first()
    )
    Inspection.update(
        status="SUBMITTED", outcome="OK", checked_on=date(2026, 12, 15), submitted_at=utcnow()
    ).where(Inspection.id == inspection.id).execute()
    return inspection.entity


def test_an_entity_shows_the_results_of_tasks_i_may_see_only(client, tasks):
    entity = _submitted(tasks["drawn"])
    planner_of(client, "PS")  # a partner of the task
    html = text(client.get(f"/console/entities/{entity.credit_code}"))
    assert f'href="/console/tasks/{tasks["drawn"]}"' in html and "未发现问题" in html
    other = client.application.test_client()
    sign_in(other, make_user("planner", "HC"))  # no part in it: as the task API, it is hidden
    html = text(other.get(f"/console/entities/{entity.credit_code}"))
    assert tasks["drawn"] not in html and "没有您可查看的检查结果" in html


@pytest.fixture
def count_queries(monkeypatch):
    counter = {"n": 0, "sql": []}
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith("PREPARE "):  # once per connection (PostgreSQL), not per request
            counter["n"] += 1
            counter["sql"].append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counting)
    return counter


def _queries(client, counter, url: str) -> int:
    counter["n"], counter["sql"] = 0, []
    assert client.get(url).status_code == 200
    return counter["n"]


@pytest.mark.parametrize(
    "query", ["", "?street=BS01", "?industry=IC&grade=B", "?q=网络", "?grade=none"]
)
def test_a_directory_page_costs_the_same_queries_with_3_or_20_rows(client, count_queries, query):
    planner_of(client)
    for index in range(3):
        make_licence(make_entity(index))
    few = _queries(client, count_queries, f"/console/entities{query}")
    for index in range(30):
        make_licence(make_entity(index))
    many = _queries(client, count_queries, f"/console/entities{query}")
    assert many == few
    statements = " ".join(count_queries["sql"]).upper()
    assert "COUNT(" in statements and "LIMIT" in statements


def test_an_entity_page_costs_the_same_queries_with_one_licence_or_three(client, count_queries):
    planner_of(client)
    one, three = make_entity(0), make_entity(1)
    make_licence(one)
    for _ in range(3):
        make_licence(three)
    assert _queries(client, count_queries, f"/console/entities/{one.credit_code}") == _queries(
        client, count_queries, f"/console/entities/{three.credit_code}"
    )


def _without(html: str, *data: str) -> str:
    for value in data:
        html = html.replace(value, "")
    return html


def test_an_entity_page_in_english(client, district):
    planner_of(client)
    licence = district["cafes"][0]
    html = text(client.get(f"/console/entities/{licence.holder.credit_code}?lang=en"))
    assert "Registration" in html and "The factors of the score" in html
    html = _without(html, licence.holder.address, licence.industry.name)
    chrome = chrome_without_data(html)
    assert not re.search(r"[\u4e00-\u9fff]", chrome), re.findall(
        r".{80}[\u4e00-\u9fff].{40}", chrome, re.S
    )[:3]


def test_a_risk_point_form_in_english(client):
    planner_of(client, "CT")
    point = _point("CT")
    html = text(client.get(f"/console/risk-points/{point.code}?lang=en"))
    assert "Save as a new version" in html
    data = (point.title, point.content, point.method, point.industry.name, point.department.name)
    html = _without(html, *(b["citation"] for b in point.legal_basis), *data)
    chrome = chrome_without_data(html)
    assert not re.search(r"[\u4e00-\u9fff]", chrome), re.findall(
        r".{80}[\u4e00-\u9fff].{40}", chrome, re.S
    )[:3]
