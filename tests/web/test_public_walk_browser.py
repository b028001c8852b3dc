# ruff: noqa: F811 (the browser fixtures are imported from test_portal_browser)
"""The public's path in headless Chromium against a really served app: the ledger, a task's page,
the draw verified in the visitor's own browser (the published algorithm in JavaScript, every step
shown), the results' CSV link, and a licence's QR code opening its verification page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.models import Licence
from tests.browser import problems as _problems
from tests.browser import screens_dir
from tests.factories import accept_partners, draw, freeze, joint_ic_task_body, login
from tests.web.test_portal_browser import served  # noqa: F401 (a fixture)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def published(client, tasks) -> str:
    """A joint check whose period has ended, drawn and its results published (一公开)."""
    today = local(utcnow()).date()
    ended = {
        "period_start": (today - timedelta(days=40)).isoformat(),
        "period_end": (today - timedelta(days=10)).isoformat(),
        "deadline": (today - timedelta(days=5)).isoformat(),
    }
    planner = login("planner", "CT")
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(**ended), headers=planner)
    code = code.get_json()["code"]
    accept_partners(client, code)
    assert freeze(client, code, planner).status_code == 201
    assert draw(client, code, planner).status_code == 201
    assert client.post(f"/api/v1/tasks/{code}/publish", headers=planner).status_code == 200
    return code


def _steps(driver) -> list[tuple[str, str]]:
    return [
        (item.get_attribute("class"), item.find_element(By.TAG_NAME, "strong").text)
        for item in driver.find_elements(By.CSS_SELECTOR, "#verify-steps li")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_citizen_verifies_a_draw_in_the_browser(chromium, served, tasks, tmp_path):
    """A drawn task, results not yet published: what can be checked is checked, and a wrong
    announced commitment fails the check."""
    screens = screens_dir(tmp_path)
    wait = WebDriverWait(chromium, 30)
    chromium.set_window_size(1366, 768)

    chromium.get(f"{served}/ledger")
    chromium.find_element(By.CSS_SELECTOR, f'a[href="/tasks/{tasks["drawn"]}"]').click()
    wait.until(lambda d: d.current_url.endswith(f"/tasks/{tasks['drawn']}"))
    section = wait.until(lambda d: d.find_element(By.ID, "verify"))
    assert section.is_displayed()  # shown by the script: the page has no inline script
    chromium.find_element(By.CSS_SELECTOR, "#verify button").click()
    wait.until(lambda d: section.get_attribute("data-verified"))
    assert section.get_attribute("data-verified") == "passed"
    steps = _steps(chromium)
    assert steps and not [s for s in steps if s[0] == "step-bad"]
    assert any(c == "step-ok" and "4 commitment announced at freeze" in t for c, t in steps)
    assert any(c == "step-skip" and "BLS" in t for c, t in steps)
    assert "not checked in the browser" in chromium.find_element(By.ID, "verify-steps").text
    assert "验证通过" in chromium.find_element(By.ID, "verify-status").text
    chromium.execute_script("arguments[0].scrollIntoView()", section)
    chromium.save_screenshot(str(screens / "portal-task-verify.png"))

    announced = chromium.find_element(By.ID, "announced")  # a different announced hash
    announced.clear()
    announced.send_keys("0" * 64)
    chromium.find_element(By.CSS_SELECTOR, "#verify button").click()
    wait.until(lambda d: section.get_attribute("data-verified") == "failed")
    assert any(c == "step-bad" and "4 commitment" in t for c, t in _steps(chromium))

    assert _problems(chromium) == []


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_public_walk_ledger_task_verify_csv_and_a_licence_qr(
    app, client, chromium, served, published, tmp_path
):
    wait = WebDriverWait(chromium, 30)
    chromium.set_window_size(1366, 768)
    chromium.get(f"{served}/ledger")
    chromium.find_element(By.CSS_SELECTOR, f'a[href="/tasks/{published}"]').click()
    wait.until(lambda d: d.current_url.endswith(f"/tasks/{published}"))

    section = wait.until(lambda d: d.find_element(By.ID, "verify"))
    chromium.find_element(By.CSS_SELECTOR, "#verify button").click()
    wait.until(lambda d: section.get_attribute("data-verified"))
    assert section.get_attribute("data-verified") == "passed"
    steps = _steps(chromium)
    assert ("step-ok", "一致 · 7 result re-derived") in steps  # the whole draw, re-derived here
    assert ("step-ok", "一致 · 8 result_hash") in steps

    link = chromium.find_element(By.CSS_SELECTOR, "a[href$='/results.csv']")
    fetched = chromium.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0]).then(async r => done("
        "[r.status, r.headers.get('content-type'), await r.text()]));",
        link.get_attribute("href"),
    )
    status, kind, csv = fetched
    assert status == 200 and kind.startswith("text/csv")
    first = client.get(f"/api/v1/public/tasks/{published}").get_json()["picks"][0]
    assert first["credit_code"] in csv

    app.config["PUBLIC_URL"] = served  # the portal's address printed on licences
    licence = Licence.select().first()
    qr = client.get(f"/api/v1/licences/{licence.number}/qr", headers=login("licensing", "ASC"))
    url = qr.get_json()["url"]
    assert url.startswith(f"{served}/licences/verify?payload=LJ1.")
    chromium.get(url)  # what a phone's camera opens
    verified = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "section.verified"))
    assert "真实有效" in verified.text and licence.number in verified.text

    assert _problems(chromium) == []
