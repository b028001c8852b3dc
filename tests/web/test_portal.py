"""The public portal's pages (no sign-in), in Chinese by default and English on request: each
shows its key content, bad input is shown beside its field, unknown codes get a 404 page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.services import licence_codes
from tests.factories import accept_partners, draw, freeze, joint_ic_task_body, login, make_licence


def page(client, url, **query):
    response = client.get(url, query_string=query)
    return response, response.get_data(as_text=True)


def test_home_is_in_chinese_by_default_whatever_the_browser_asks(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in text
    assert "联检 综合监管平台" in text and "承诺公示台账" in text
    assert 'href="#main"' in text  # the skip link


def test_lang_en_switches_and_the_cookie_keeps_it(client):
    response, text = page(client, "/", lang="en")
    assert response.status_code == 200
    assert '<html lang="en">' in text and "Ledger of commitments" in text
    assert "lang=en" in response.headers["Set-Cookie"]
    _, later = page(client, "/catalogue")
    assert "Industries and check items" in later and "行业与检查事项" not in later
    _, back = page(client, "/", lang="zh")
    assert "承诺公示台账" in back


def test_an_unknown_language_is_ignored(client):
    response, text = page(client, "/", lang="fr")
    assert response.status_code == 200 and "承诺公示台账" in text
    assert "Set-Cookie" not in response.headers


def test_catalogue_lists_industries_with_lead_and_partners(client):
    _, text = page(client, "/catalogue")
    assert "网吧" in text or "互联网上网服务" in text
    assert 'href="/catalogue/IC"' in text
    assert "区文化旅游局" in text or "文化" in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["检查事项", "检查依据", "检查方式", "负责部门"]),
        ("en", ["Check item", "Legal basis", "Method"]),
    ],
)
def test_an_industry_lists_its_check_items(client, lang, words):
    response, text = page(client, "/catalogue/IC", lang=lang)
    assert response.status_code == 200
    assert "《网络文化经营许可证》和营业执照悬挂" in text
    assert "《互联网上网服务营业场所管理条例》第二十条" in text
    assert "现场查看" in text
    for word in words:
        assert word in text


def test_an_unknown_industry_is_a_404_page_in_the_layout(client):
    response, text = page(client, "/catalogue/ZZ")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "未找到该行业" in text and "联检 综合监管平台" in text
    _, english = page(client, "/catalogue/ZZ", lang="en")
    assert "No such industry" in english


def test_an_unknown_path_is_the_layouts_404_but_the_api_keeps_its_json(client):
    response, text = page(client, "/no/such/page")
    assert response.status_code == 404 and "页面不存在" in text and "跳到正文" in text
    api = client.get("/api/v1/public/no-such-thing")
    assert api.status_code == 404 and api.mimetype == "application/json"


def test_ledger_lists_frozen_tasks_not_drafts_with_the_csv_link(client, tasks):
    response, text = page(client, "/ledger")
    assert response.status_code == 200
    assert tasks["frozen"] in text and tasks["drawn"] in text
    assert tasks["draft"] not in text
    assert "待抽取" in text and "已抽取" in text
    assert 'href="/api/v1/public/ledger.csv"' in text
    _, english = page(client, "/ledger", lang="en")
    assert "Awaiting draw" in english and "Drawn" in english and "Download CSV" in english


def test_ledger_filters_by_state(client, tasks):
    _, text = page(client, "/ledger", state="drawn")
    assert tasks["drawn"] in text and tasks["frozen"] not in text
    assert 'href="/api/v1/public/ledger.csv?state=drawn"' in text


@pytest.mark.parametrize(
    ("query", "field", "zh", "en"),
    [
        ({"state": "lost"}, "state", "未知的状态", "Unknown state"),
        ({"page": "zero"}, "page", "页码须为正整数", "positive whole number"),
        ({"page": "-3"}, "page", "页码须为正整数", "positive whole number"),
    ],
)
def test_a_bad_ledger_filter_is_shown_beside_its_field(client, tasks, query, field, zh, en):
    response, text = page(client, "/ledger", **query)
    assert response.status_code == 200
    assert re.search(rf'id="{field}-error">[^<]*{zh}', text)
    assert tasks["frozen"] in text  # the rest of the page still works
    _, english = page(client, "/ledger", lang="en", **query)
    assert re.search(rf'id="{field}-error">[^<]*{en}', english)


def test_ledger_pages_past_the_end_show_the_last_page(client, tasks):
    response, text = page(client, "/ledger", page="99")
    assert response.status_code == 200 and "第 1 / 1 页" in text and tasks["frozen"] in text


def test_a_frozen_tasks_page_shows_plan_and_commitment_not_yet_a_seed(client, tasks):
    code = tasks["frozen"]
    task = client.get(f"/api/v1/public/tasks/{code}").get_json()
    response, text = page(client, f"/tasks/{code}")
    assert response.status_code == 200
    assert task["task"]["name"] in text
    assert task["commitment"]["commitment_hash"] in text
    assert task["ledger"]["seed_source"]["canonical"].replace('"', "&#34;") in text
    assert "尚未抽取" in text


def test_a_drawn_tasks_page_shows_the_seed_and_result_hash(client, tasks):
    code = tasks["drawn"]
    task = client.get(f"/api/v1/public/tasks/{code}").get_json()
    _, text = page(client, f"/tasks/{code}", lang="en")
    assert task["seed"]["value"] in text and task["result_hash"] in text
    assert "The commitment at freeze" in text and "Result hash" in text


def test_a_draft_or_unknown_task_is_a_404_page(client, tasks):
    for code in (tasks["draft"], "T-NO-SUCH"):
        response, text = page(client, f"/tasks/{code}")
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "返回首页" in text


def test_verify_page_shows_a_genuine_licence(client, keys_dir):
    licence = make_licence()
    payload = licence_codes.qr_text(licence, keys_dir)
    response, text = page(client, "/licences/verify", payload=payload)
    assert response.status_code == 200
    assert "真实有效" in text and licence.number in text
    assert "上海宝山区星际网络科技有限公司" in text
    _, english = page(client, "/licences/verify", payload=payload, lang="en")
    assert "Genuine and current" in english


@pytest.mark.parametrize("query", [{}, {"lang": "en"}])
def test_verify_page_without_input_shows_the_form_only(client, query):
    response, text = page(client, "/licences/verify", **query)
    assert response.status_code == 200 and 'name="payload"' in text and "payload-error" not in text


@pytest.mark.parametrize(
    ("payload", "zh", "en"),
    [
        ("", "请粘贴许可证二维码的内容", "Paste the text"),
        ("x" * 5000, "请粘贴许可证二维码的内容", "Paste the text"),
        ("LJ1.not-a-code.at-all", None, None),
    ],
)
def test_bad_verify_input_is_shown_beside_the_field(client, payload, zh, en):
    response, text = page(client, "/licences/verify", payload=payload)
    assert response.status_code == 200
    error = re.search(r'id="payload-error">([^<]+)<', text)
    assert error, text
    assert 'aria-describedby="payload-error"' in text
    if zh:
        assert zh in error.group(1)
    _, english = page(client, "/licences/verify", payload=payload, lang="en")
    error_en = re.search(r'id="payload-error">([^<]+)<', english)
    assert error_en and re.search(r"[A-Za-z]{3}", error_en.group(1))
    assert not re.search(r"[\u4e00-\u9fff]", error_en.group(1))
    if en:
        assert en in error_en.group(1)


def test_a_tampered_code_is_called_so_beside_the_field(client, keys_dir):
    payload = licence_codes.qr_text(make_licence(), keys_dir)
    prefix, body, signature = payload.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    _, text = page(client, "/licences/verify", payload=f"{prefix}.{flipped}.{signature}")
    assert 'id="payload-error"' in text and 'class="verified"' not in text


def test_pages_run_no_inline_script_under_a_strict_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.get_data(as_text=True)


def test_a_disclosed_tasks_page_lists_the_results_with_json_and_csv_links(client, tasks):
    today = local(utcnow()).date()
    ended = {
        "period_start": (today - timedelta(days=40)).isoformat(),
        "period_end": (today - timedelta(days=10)).isoformat(),
        "deadline": (today - timedelta(days=5)).isoformat(),
    }
    planner = login("planner", "CT")
    created = client.post("/api/v1/tasks", json=joint_ic_task_body(**ended), headers=planner)
    code = created.get_json()["code"]
    accept_partners(client, code)
    assert freeze(client, code, planner).status_code == 201
    assert draw(client, code, planner).status_code == 201
    _, sealed = page(client, f"/tasks/{code}")
    assert "results.csv" not in sealed  # drawn, not yet published: no picks, no links
    assert client.post(f"/api/v1/tasks/{code}/publish", headers=planner).status_code == 200

    picks = client.get(f"/api/v1/public/tasks/{code}").get_json()["picks"]
    response, text = page(client, f"/tasks/{code}")
    assert response.status_code == 200 and picks
    assert f'href="/api/v1/public/tasks/{code}/results.csv"' in text
    assert f'href="/api/v1/public/tasks/{code}"' in text
    for pick in picks:
        assert pick["credit_code"] in text and pick["name"] in text
    assert client.get(f"/api/v1/public/tasks/{code}/results.csv").status_code == 200
