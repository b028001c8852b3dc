"""The portal in headless Chromium against a really served app: htmx loads under the strict CSP,
the ledger's state filter swaps the table in place, the keyboard reaches the skip link first, and
screenshots of the home, ledger and task pages are taken (1366×768 and a 10" tablet): into the
folder LIANJIAN_TEST_SCREENSHOTS names (docs/screens/ to renew the README's pictures), else a
temporary one, so a test run never changes the checkout.

Needs Debian's chromium and chromium-driver and the selenium package; skipped without them."""

from __future__ import annotations

import pytest

from tests.browser import problems, screens_dir, serving

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def served(app, tasks):
    with serving(app) as url:
        yield url


_problems = problems


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_portal_in_a_browser(chromium, served, tasks, tmp_path):
    screens = screens_dir(tmp_path)
    wait = WebDriverWait(chromium, 15)
    chromium.set_window_size(1366, 768)

    chromium.get(f"{served}/")
    wait.until(lambda d: d.execute_script("return !!window.htmx"))
    assert chromium.execute_script("return htmx.version") == "2.0.4"
    assert "联检 综合监管平台" in chromium.title
    chromium.save_screenshot(str(screens / "portal-home-1366.png"))
    chromium.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert chromium.switch_to.active_element.get_attribute("class") == "skip"

    chromium.get(f"{served}/ledger")
    rows = chromium.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")
    assert len(rows) == 2
    chromium.save_screenshot(str(screens / "portal-ledger-1366.png"))
    chromium.execute_script("document.body.dataset.marker = 'kept'")  # gone if the page reloads
    select = chromium.find_element(By.ID, "state")
    select.send_keys("已抽取")
    chromium.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait.until(lambda d: "state=drawn" in d.current_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")) == 1)
    assert chromium.execute_script("return document.body.dataset.marker") == "kept"
    assert tasks["drawn"] in chromium.find_element(By.ID, "ledger").text

    chromium.set_window_size(1280, 800)  # a 10" tablet, landscape
    chromium.get(f"{served}/tasks/{tasks['drawn']}?lang=en")
    wait.until(EC.presence_of_element_located((By.ID, "s-draw")))
    assert "The commitment at freeze" in chromium.page_source
    chromium.save_screenshot(str(screens / "portal-task-tablet.png"))
    width = chromium.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1280, "the task page scrolls sideways on a tablet"
    height = chromium.execute_script("return document.documentElement.scrollHeight")
    chromium.set_window_size(1280, height + 100)  # the whole page, every stage
    chromium.save_screenshot(str(screens / "portal-task-tablet-full.png"))

    assert _problems(chromium) == []
