"""The planner's pages in headless Chromium against a really served app: home → the directory
(search by keyboard, htmx swaps the results in place) → an entity's page → the risk points,
where a bad edit shows its error beside the field. Screenshots (1366×768 and a 10" tablet) go to
the folder LIANJIAN_TEST_SCREENSHOTS names (docs/screens/ to renew the README's pictures), else
a temporary one.

Needs Debian's chromium and chromium-driver and the selenium package; skipped without them."""

from __future__ import annotations

import pytest

from tests.browser import screens_dir, serving
from tests.factories import PASSWORD, make_user

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def served(app, tasks):
    with serving(app) as url:
        yield url


def _problems(driver) -> list[str]:
    """What the browser complained of, but the 422 a bad form is answered with (Chrome logs it)."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] in ("SEVERE", "WARNING") and "status of 422" not in e["message"]
    ]


def _active(driver):
    return driver.switch_to.active_element


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_planner_walks_home_directory_entity_and_risk_points(chromium, served, tasks, tmp_path):
    screens = screens_dir(tmp_path)
    wait = WebDriverWait(chromium, 15)
    chromium.set_window_size(1366, 768)
    planner = make_user("planner", "PS", username="ps-planner")

    chromium.get(f"{served}/console/sign-in")
    chromium.find_element(By.ID, "username").send_keys(planner.username)
    chromium.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/console/"))
    home = chromium.find_element(By.ID, "main").text
    assert "待我处理" in home and tasks["draft"] in home  # the draft waits for 公安's answer
    chromium.save_screenshot(str(screens / "console-planner-home-1366.png"))

    chromium.find_element(By.LINK_TEXT, "主体名录").click()
    wait.until(lambda d: d.execute_script("return !!window.htmx"))
    assert len(chromium.find_elements(By.CSS_SELECTOR, "#directory tbody tr")) == 6
    chromium.execute_script("document.body.dataset.marker = 'kept'")  # gone if the page reloads

    # Keyboard only: type a search, Enter, then Tab through the filters to the first result.
    search = chromium.find_element(By.ID, "q")
    search.click()
    search.send_keys("第3网络会所" + Keys.ENTER)
    wait.until(lambda d: "q=" in d.current_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#directory tbody tr")) == 1)
    assert chromium.execute_script("return document.body.dataset.marker") == "kept"
    assert _active(chromium).get_attribute("id") == "q"  # focus stays where the user typed
    for _ in range(5):  # street, industry, grade, the button, the first entity's name
        _active(chromium).send_keys(Keys.TAB)
    link = _active(chromium)
    assert link.tag_name == "a" and link.text == "上海宝山区第3网络会所有限公司"
    chromium.save_screenshot(str(screens / "console-planner-directory-1366.png"))
    link.send_keys(Keys.ENTER)
    wait.until(lambda d: "/console/entities/" in d.current_url)

    page = chromium.find_element(By.ID, "main").text
    assert "上海宝山区第3网络会所有限公司" in page and "构成得分的因素" in page
    assert "网络文化经营许可证" in page
    chromium.save_screenshot(str(screens / "console-planner-entity-1366.png"))

    # A bad filter value (typed into the address bar) is shown beside its field.
    chromium.get(f"{served}/console/entities?street=XX99")
    error = chromium.find_element(By.ID, "street-error")
    assert "未知的街镇" in error.text
    assert chromium.find_element(By.ID, "street").get_attribute("aria-invalid") == "true"

    chromium.find_element(By.LINK_TEXT, "风险点").click()
    wait.until(lambda d: d.execute_script("return !!window.htmx"))
    chromium.execute_script("document.body.dataset.marker = 'kept'")
    select = chromium.find_element(By.ID, "industry")
    select.send_keys("互联网上网服务营业场所")
    wait.until(lambda d: "industry=IC" in d.current_url)
    assert chromium.execute_script("return document.body.dataset.marker") == "kept"
    assert chromium.find_elements(By.ID, "dept-PS")
    chromium.set_window_size(1280, 800)  # a 10" tablet, landscape
    chromium.save_screenshot(str(screens / "console-planner-risk-points-tablet.png"))
    width = chromium.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1280, "the risk points scroll sideways on a tablet"

    edit = chromium.find_element(By.CSS_SELECTOR, "#dept-PS ~ div a[href^='/console/risk-points/']")
    edit.click()
    wait.until(lambda d: d.find_elements(By.ID, "title"))
    title = chromium.find_element(By.ID, "title")
    title.clear()
    chromium.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    error = wait.until(lambda d: d.find_element(By.ID, "title-error"))
    assert "请输入名称" in error.text
    assert chromium.find_element(By.ID, "title").get_attribute("aria-invalid") == "true"
    chromium.save_screenshot(str(screens / "console-planner-risk-point-error-tablet.png"))

    problems = _problems(chromium)
    assert problems == [], problems
