"""The public's path in headless Chromium against a really served app: the ledger, a task's page,
the draw verified in the visitor's own browser (the published algorithm in JavaScript, every step
shown), the results' CSV link, and a licence's QR code opening its verification page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.test_portal_browser import _problems, chromium, served  # noqa: F401 (fixtures)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _steps(driver) -> list[tuple[str, str]]:
    return [
        (item.get_attribute("class"), item.find_element(By.TAG_NAME, "strong").text)
        for item in driver.find_elements(By.CSS_SELECTOR, "#verify-steps li")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_citizen_verifies_a_draw_in_the_browser(chromium, served, tasks, tmp_path):  # noqa: F811
    screens = Path(os.environ.get("LIANJIAN_TEST_SCREENSHOTS") or tmp_path)
    screens.mkdir(parents=True, exist_ok=True)
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
