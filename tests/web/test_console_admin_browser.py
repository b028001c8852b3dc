"""An admin's main path in headless Chromium against a served app: create an inspector (a bad
code first, shown beside its field), link an account, add a qualification, declare a recusal,
revoke a device; then the audit chain check. Screenshots go to LIANJIAN_TEST_SCREENSHOTS
(docs/screens/ to renew them) or a temporary folder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inspect_app.auth import issue_token
from inspect_app.clock import utcnow
from inspect_app.models import Inspector, Recusal, Token
from tests.browser import problems, screens_dir
from tests.factories import make_entity, make_user
from tests.web import test_console_licensing_browser as walk

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

served = walk.served


def fill(driver, **fields) -> None:
    for name, value in fields.items():
        element = driver.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_admin_keeps_the_inspector_directory_and_revokes_a_device(chromium, served, tmp_path):
    admin = make_user("admin", username="admin-wang")
    account = make_user("inspector", "CT", username="lina-ct")
    issue_token(account, "平板-07", utcnow(), timedelta(hours=8))
    cafe = make_entity(0, name="上海宝山区星际网络科技有限公司")
    screens = screens_dir(tmp_path)
    wait = WebDriverWait(chromium, 15, ignored_exceptions=[StaleElementReferenceException])
    chromium.set_window_size(1366, 768)
    walk.sign_in(chromium, served, admin.username, wait)

    chromium.find_element(By.LINK_TEXT, "系统管理").click()
    wait.until(lambda d: d.find_elements(By.ID, "username"))
    chromium.save_screenshot(str(screens / "console-admin-users.png"))
    chromium.find_element(By.LINK_TEXT, "执法检查人员").click()
    wait.until(lambda d: d.find_elements(By.ID, "code"))
    fill(chromium, code="ct-1", name="李娜", industries="IC")
    chromium.find_element(By.ID, "department").send_keys("区文化旅游局")
    chromium.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    assert wait.until(lambda d: d.find_element(By.ID, "code-error")).is_displayed()
    fill(chromium, code="CT0201")
    chromium.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    wait.until(lambda d: "/console/admin/inspectors/CT0201" in d.current_url)

    fill(chromium, username="lina-ct")
    chromium.find_element(By.CSS_SELECTOR, "#link + form button").click()
    wait.until(lambda d: not d.find_elements(By.ID, "link"))  # linked: the form is gone
    assert Inspector.get(Inspector.code == "CT0201").user_id == account.id
    chromium.find_element(By.ID, "industry").send_keys("歌舞娱乐场所")
    chromium.find_element(By.CSS_SELECTOR, "#qualify ~ form.filters button").click()
    wait.until(lambda d: "KT" in d.find_element(By.CSS_SELECTOR, "ul.chips").text)
    fill(chromium, credit_code=cafe.credit_code, reason="近亲属任该主体负责人")
    chromium.find_element(By.XPATH, "//button[normalize-space()='申报回避']").click()
    wait.until(lambda d: cafe.name in d.find_element(By.CSS_SELECTOR, "#recuse + div table").text)
    assert Recusal.select().count() == 1
    chromium.set_window_size(
        1366, chromium.execute_script("return document.body.scrollHeight") + 100
    )
    chromium.save_screenshot(str(screens / "console-admin-inspector.png"))
    chromium.set_window_size(1366, 768)

    chromium.find_element(By.LINK_TEXT, "登录设备").click()
    row = wait.until(lambda d: d.find_element(By.XPATH, "//tr[td[normalize-space()='平板-07']]"))
    chromium.save_screenshot(str(screens / "console-admin-devices.png"))
    row.find_element(By.CSS_SELECTOR, "button").click()
    wait.until(lambda d: "平板-07" not in d.find_element(By.TAG_NAME, "main").text)
    assert Token.get(Token.device == "平板-07").revoked_at is not None

    chromium.find_element(By.LINK_TEXT, "审计链核验").click()
    chromium.find_element(By.XPATH, "//button[normalize-space()='立即核验']").click()
    wait.until(lambda d: "审计链完整" in d.page_source)
    chromium.save_screenshot(str(screens / "console-admin-audit.png"))
    width = chromium.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1366, "an admin page scrolls sideways"
    assert [p for p in problems(chromium) if "status of 422" not in p] == []
