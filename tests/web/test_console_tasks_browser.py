"""The planner's main path in headless Chromium against a really served app: a joint check planned
in the wizard (a bad ratio first, shown beside its field), the partner's planner accepting in a
second browser, the freeze announcing the pinned test chain, the draw with the round pasted (a
wrong round first, refused beside the field), the record, progress, and publication — refused
with VISITS_OPEN while the visit is open, done once the team has submitted it.

Screenshots go to LIANJIAN_TEST_SCREENSHOTS (docs/screens/ to renew the README's pictures), else
to a temporary folder. Needs Debian's chromium and chromium-driver; skipped without them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from inspect_app.clock import local, utcnow
from inspect_app.models import Draw, Inspection, SpotCheckTask
from inspect_app.services import dispatch
from tests.browser import open_chromium, screens_dir, serving
from tests.factories import (
    PASSWORD,
    TEST_CHAIN,
    beacon_round,
    committed_round,
    inspector_with_login,
    internet_cafes,
    login,
    make_user,
)
from tests.tablet.conftest import Joint, submit_with

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture
def browsers(tmp_path):
    """Two browsers, each with its own cookie jar: the lead's planner and the partner's."""
    opened = []

    def open_one(name: str):
        opened.append(open_chromium(tmp_path / name))
        return opened[-1]

    yield open_one
    for driver in opened:
        driver.quit()


@pytest.fixture
def district(app):
    (licence,) = internet_cafes(1)
    ct = inspector_with_login("CT0001", "CT", name="王晓明")[1]
    fr = inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")[1]
    return {
        "licence": licence,
        "ct": ct,
        "fr": fr,
        "lead": make_user("planner", "CT", username="planner-ct"),
        "partner": make_user("planner", "FR", username="planner-fr"),
    }


@pytest.fixture
def served(app, district):
    with serving(app) as url:
        yield url


# What a frame of a page not yet served logs: the 404, its refusal to be framed, Chromium's own.
MAP_MISSING = ("/console/maps/", "Framing", "chrome-error://")
# A refused form answers 409 or 422 on purpose (the page then shows why, beside the field).
REFUSED = ("status of 409", "status of 422")


def _problems(driver, map_served: bool = True) -> list[str]:
    """Console errors, but the refusals asked for and, until the console serves the map page
    (another area's), that page's 404 refusing to be framed."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] in ("SEVERE", "WARNING")
        and not any(status in e["message"] for status in REFUSED)
        and (map_served or not any(m in e["message"] for m in MAP_MISSING))
    ]


def _map_served(app) -> bool:
    return any(rule.rule.startswith("/console/maps/") for rule in app.url_map.iter_rules())


def _sign_in(driver, served, user, wait):
    driver.get(f"{served}/console/sign-in")
    driver.find_element(By.ID, "username").send_keys(user.username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "header form.who")))


def _set(driver, element_id: str, value: str):
    """Type into a field (dates are set directly: their typing order is the locale's)."""
    element = driver.find_element(By.ID, element_id)
    if element.get_attribute("type") == "date":
        driver.execute_script("arguments[0].value = arguments[1]", element, value)
    else:
        element.clear()
        element.send_keys(value)


def _check(driver, name: str, value: str):
    box = driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
    if not box.is_selected():
        box.click()


def _error_beside(driver, field: str) -> str:
    element = driver.find_element(By.ID, f"{field}-error")
    described = driver.find_element(By.CSS_SELECTOR, f'[aria-describedby="{field}-error"]')
    assert described.get_attribute("aria-invalid") in ("true", None)
    return element.text


def _whole_page(driver, path: Path):
    """A screenshot of the whole page at the office width, then back to 1366×768."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, height + 100)
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 768)


def _day(n: int) -> str:
    return (local(utcnow()).date() + timedelta(days=n)).isoformat()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_planners_path_in_a_browser(app, browsers, served, district, tmp_path):
    screens = screens_dir(tmp_path / "screens")
    lead = browsers("lead")
    wait = WebDriverWait(lead, 15)
    lead.set_window_size(1366, 768)
    _sign_in(lead, served, district["lead"], wait)

    # the wizard: the industry, then the plan
    lead.find_element(By.LINK_TEXT, "抽查任务").click()
    lead.find_element(By.LINK_TEXT, "制定抽查任务").click()
    Select(lead.find_element(By.ID, "industry")).select_by_value("IC")
    lead.find_element(By.CSS_SELECTOR, "#choose-industry button").click()
    wait.until(EC.presence_of_element_located((By.ID, "task-form")))
    _set(lead, "name", "2026年第四季度互联网上网服务营业场所联合抽查")
    _check(lead, "partners", "FR")
    for point in ("IC-01", "IC-02", "IC-08"):
        _check(lead, "risk_points", point)
    _set(lead, "ratio_A", "0.050")  # a second spelling of 0.05
    _set(lead, "period_start", _day(10))
    _set(lead, "period_end", _day(40))
    _set(lead, "deadline", _day(45))
    lead.find_element(By.CSS_SELECTOR, "#task-form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "ratio_A-error")))
    assert "唯一写法" in _error_beside(lead, "ratio_A")
    ratios = lead.find_element(By.ID, "ratio_A").find_element(By.XPATH, "ancestor::fieldset")
    lead.execute_script("arguments[0].scrollIntoView(); window.scrollBy(0, -70)", ratios)
    lead.save_screenshot(str(screens / "console-task-wizard-error.png"))
    _check(lead, "sampling", "fixed")
    _set(lead, "fixed_count", "1")
    lead.execute_script("window.scrollTo(0, 0)")
    lead.save_screenshot(str(screens / "console-task-wizard.png"))
    lead.find_element(By.CSS_SELECTOR, "#task-form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "task-status")))
    code = lead.current_url.rsplit("/", 1)[1]
    assert lead.find_element(By.ID, "task-status").text == "草拟"
    assert "待答复" in lead.find_element(By.ID, "partners").text

    # the partner's planner, in a browser of its own, accepts
    partner = browsers("partner")
    partner.set_window_size(1280, 800)  # a 10" tablet, landscape
    pwait = WebDriverWait(partner, 15)
    _sign_in(partner, served, district["partner"], pwait)
    partner.get(f"{served}/console/tasks/{code}")
    partner.find_element(By.PARTIAL_LINK_TEXT, "答复协同邀请").click()
    partner.find_element(By.CSS_SELECTOR, 'input[name="answer"][value="ACCEPTED"]').click()
    partner.save_screenshot(str(screens / "console-task-answer.png"))
    partner.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    pwait.until(EC.presence_of_element_located((By.ID, "partners")))
    assert "已同意" in partner.find_element(By.ID, "partners").text
    assert not partner.find_elements(By.LINK_TEXT, "冻结并公布承诺")  # the lead's, not theirs
    assert _problems(partner) == []

    # freeze: the pinned test chain, the round picked by the platform
    lead.get(f"{served}/console/tasks/{code}")
    lead.find_element(By.LINK_TEXT, "冻结并公布承诺").click()
    Select(lead.find_element(By.ID, "chain_hash")).select_by_value(TEST_CHAIN.info.hash)
    lead.find_element(By.CSS_SELECTOR, "#freeze-form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "commitment-hash")))
    row = Draw.get(Draw.task == SpotCheckTask.get(SpotCheckTask.code == code))
    assert lead.find_element(By.ID, "commitment-hash").text == row.commitment_hash
    assert f"第 {committed_round(code)} 轮" in lead.find_element(By.ID, "seed-source").text
    lead.save_screenshot(str(screens / "console-task-frozen.png"))

    # draw: a wrong round first, then the committed one as drand publishes it
    lead.find_element(By.LINK_TEXT, "抽取").click()
    wrong = json.dumps(beacon_round(code, committed_round(code) + 1))
    lead.find_element(By.ID, "beacon").send_keys(wrong)
    lead.find_element(By.CSS_SELECTOR, "#draw-form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "beacon-error")))
    assert _error_beside(lead, "beacon")
    lead.save_screenshot(str(screens / "console-task-draw-refused.png"))
    lead.find_element(By.ID, "beacon").clear()
    lead.find_element(By.ID, "beacon").send_keys(json.dumps(beacon_round(code)))
    lead.find_element(By.CSS_SELECTOR, "#draw-form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "assignments")))
    assert "CT0001" in lead.find_element(By.ID, "assignments").text
    assert "FR0001" in lead.find_element(By.ID, "assignments").text

    # the dispatch job's work, then the record and progress
    dispatch.create_inspections(row.id, utcnow())
    lead.refresh()
    lead.save_screenshot(str(screens / "console-task-record.png"))
    _whole_page(lead, screens / "console-task-record-full.png")
    lead.find_element(By.LINK_TEXT, "检查进度").click()
    wait.until(EC.presence_of_element_located((By.ID, "progress")))
    assert "已分派" in lead.find_element(By.ID, "progress").text
    frame = lead.find_element(By.CSS_SELECTOR, "iframe.map")
    assert frame.get_attribute("src").endswith(f"/console/maps/tasks/{code}/progress")
    assert frame.get_attribute("title")
    lead.save_screenshot(str(screens / "console-task-progress.png"))

    # publish: refused while the visit is open
    lead.get(f"{served}/console/tasks/{code}")
    lead.find_element(By.ID, "publish").click()
    wait.until(EC.presence_of_element_located((By.ID, "publish-error")))
    assert "尚有 1 家检查未完成" in _error_beside(lead, "publish")
    refusal = lead.find_element(By.ID, "actions")
    lead.execute_script("arguments[0].scrollIntoView(); window.scrollBy(0, -70)", refusal)
    lead.save_screenshot(str(screens / "console-task-visits-open.png"))

    # the team visits and submits (the tablet API), then the results are published
    api = app.test_client()
    qr = api.get(
        f"/api/v1/licences/{district['licence'].number}/qr", headers=login("licensing", "ASC")
    ).get_json()["payload"]
    inspection = Inspection.get(Inspection.task == row.task_id)
    submit_with(
        api,
        Joint(inspection, district["licence"], district["ct"], district["fr"], qr),
        "OK",
        "PASS",
    )
    lead.get(f"{served}/console/inspections/{inspection.id}")
    assert "已提交" in lead.find_element(By.ID, "inspection-status").text
    _whole_page(lead, screens / "console-task-inspection.png")
    lead.get(f"{served}/console/tasks/{code}")
    lead.find_element(By.ID, "publish").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "actions"), "公示（期限"))
    lead.save_screenshot(str(screens / "console-task-published.png"))
    _whole_page(lead, screens / "console-task-published-full.png")

    # the wizard on a 10" tablet, portrait: no sideways scrolling
    lead.set_window_size(800, 1280)
    lead.get(f"{served}/console/tasks/new?industry=IC")
    width = lead.execute_script("return document.documentElement.scrollWidth")
    assert width <= 800, "the wizard scrolls sideways on a tablet"
    lead.save_screenshot(str(screens / "console-task-wizard-tablet.png"))
    problems = _problems(lead, _map_served(app))
    assert problems == [], problems
