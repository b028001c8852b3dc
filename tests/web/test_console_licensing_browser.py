"""A licensing clerk's main path in headless Chromium against a served app: sign in, the inbox
at their desk, acknowledge a notice in place (htmx, no reload), act on the feedback (a bad value
first, shown beside its field), and the licence's events show the act. Screenshots go to
LIANJIAN_TEST_SCREENSHOTS (docs/screens/ to renew them) or a temporary folder."""

from __future__ import annotations

import pytest

from tests.browser import problems, screens_dir, serving
from tests.factories import PASSWORD
from tests.tablet import conftest as tablet
from tests.web import test_console_licensing as licensing

# The fixtures this walk shares: the drawn joint inspection, its delivered feedback, the clerk
# of the desk it reached.
joint, delivered, clerk = tablet.joint, licensing.delivered, licensing.clerk
_problems = problems

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def served(app):
    with serving(app) as url:
        yield url


def sign_in(driver, served: str, username: str, wait) -> None:
    driver.get(f"{served}/console/sign-in")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: d.current_url.rstrip("/").endswith("/console"))


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_clerk_acknowledges_and_acts_on_feedback_in_a_browser(
    chromium,
    served,
    delivered,
    clerk,
    tmp_path,
):
    screens = screens_dir(tmp_path)
    wait = WebDriverWait(chromium, 15, ignored_exceptions=[StaleElementReferenceException])
    chromium.set_window_size(1366, 768)
    sign_in(chromium, served, clerk.username, wait)

    chromium.find_element(By.LINK_TEXT, "收件箱").click()
    row = wait.until(lambda d: d.find_element(By.ID, f"notice-{delivered.id}"))
    assert delivered.payload["entity_name"] in row.text
    chromium.save_screenshot(str(screens / "console-inbox.png"))
    chromium.execute_script("document.body.dataset.marker = 'kept'")  # gone if the page reloads
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "已确认" in d.find_element(By.ID, f"notice-{delivered.id}").text)
    assert chromium.execute_script("return document.body.dataset.marker") == "kept"

    chromium.find_element(By.LINK_TEXT, "审批反馈").click()
    wait.until(lambda d: d.find_elements(By.ID, "reason"))
    chromium.find_element(By.CSS_SELECTOR, "input[name=action][value=NO_ACTION]").click()
    chromium.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    error = wait.until(lambda d: d.find_element(By.ID, "reason-error"))  # no reason given
    assert error.is_displayed()
    assert (
        chromium.find_element(By.ID, "reason").get_attribute("aria-describedby") == "reason-error"
    )
    chromium.find_element(By.ID, "reason").send_keys("已电话核实，经营者称下月复业")
    chromium.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    wait.until(lambda d: "已处理" in d.page_source)

    chromium.find_element(By.LINK_TEXT, delivered.payload["licence"]).click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "ol.timeline li"))
    timeline = chromium.find_element(By.CSS_SELECTOR, "ol.timeline").text
    assert "已电话核实，经营者称下月复业" in timeline and "备注" in timeline
    assert chromium.find_element(By.CSS_SELECTOR, "figure.qr svg").is_displayed()
    chromium.save_screenshot(str(screens / "console-licence.png"))
    width = chromium.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1366, "the licence page scrolls sideways"
    # the refused form's 422 is the one answer the browser reports; nothing else went wrong
    assert [p for p in _problems(chromium) if "status of 422" not in p] == []
