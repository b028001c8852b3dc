# ruff: noqa: F811 (the browser fixtures are imported from test_portal_browser)
"""The console's maps in headless Chromium against a really served app: a planner signs in, the
entity map draws every holder on the vendored outline under its hash-only CSP (no script refused,
no error), points at district zoom are big enough to see, and a map framed by a page of this site
renders. Screenshots go where LIANJIAN_TEST_SCREENSHOTS says (docs/screens/ to renew them)."""

from __future__ import annotations

import pytest

from inspect_app.models import Entity
from tests.browser import problems as _problems
from tests.browser import screens_dir
from tests.factories import PASSWORD, make_user
from tests.web.test_portal_browser import served  # noqa: F401 (a fixture)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def browser_sign_in(driver, base: str, username: str, password: str = PASSWORD) -> None:
    driver.get(f"{base}/console/sign-in")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: "/console/sign-in" not in d.current_url)


def _drawn(driver) -> int:
    return int(driver.execute_script("return +(document.body.dataset.markers || 0)"))


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_planner_sees_the_maps_in_the_console(chromium, served, tasks, tmp_path):
    screens = screens_dir(tmp_path)
    wait = WebDriverWait(chromium, 20)
    chromium.set_window_size(1366, 768)
    browser_sign_in(chromium, served, make_user("planner", "CT").username)

    chromium.get(f"{served}/console/maps/entities")
    wait.until(lambda d: _drawn(d) > 0)
    assert _drawn(chromium) == Entity.select().count()
    assert chromium.execute_script("return document.documentElement.dataset.mapErrors") is None
    title = chromium.find_element(By.CSS_SELECTOR, ".lj-title h1").text
    assert title == "宝山区一业一证市场主体分布"
    assert len(chromium.find_elements(By.CSS_SELECTOR, ".lj-town")) == 12  # the outline's towns
    attribution = chromium.find_element(By.CSS_SELECTOR, ".leaflet-control-attribution")
    assert "非官方" in attribution.text
    assert attribution.find_elements(By.CSS_SELECTOR, "a") == []  # no link out of the app
    chromium.save_screenshot(str(screens / "console-map-entities.png"))
    chromium.execute_script("window._map = Object.values(window).find(v => v instanceof L.Map)")
    chromium.execute_script("_map.setZoom(11, {animate: false})")
    smallest = chromium.execute_script(
        "var l; _map.eachLayer(x => { if (x instanceof L.LianjianPoints) l = x; });"
        "return Math.min(...l._data.styles.map(s => Math.max(l._data.shrink.min,"
        " s.r * l._shrink(11))))"
    )
    assert smallest >= 2.5, "points at district zoom are specks"

    code = tasks["drawn"]
    chromium.get(f"{served}/console/")
    chromium.execute_script(
        "var f = document.createElement('iframe'); f.id = 'progress'; f.width = 900;"
        "f.height = 500; f.src = arguments[0]; document.querySelector('main').appendChild(f);",
        f"/console/maps/tasks/{code}/progress",
    )
    chromium.switch_to.frame(chromium.find_element(By.ID, "progress"))
    wait.until(lambda d: _drawn(d) > 0)
    assert chromium.find_element(By.CSS_SELECTOR, ".lj-title h1").text == "检查任务进度"
    chromium.switch_to.default_content()
    chromium.get(f"{served}/console/maps/tasks/{code}/progress")
    wait.until(lambda d: _drawn(d) > 0)
    chromium.save_screenshot(str(screens / "console-map-progress.png"))

    assert _problems(chromium) == []
