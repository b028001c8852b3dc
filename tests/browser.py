"""What every browser test shares: the app really served in a thread, headless Chromium through
Debian's chromedriver (skipped without it, a failure in CI), and the screenshot folder
(LIANJIAN_TEST_SCREENSHOTS, docs/screens/ to renew the README's pictures, else a temporary one).

Selenium is imported only when a driver is opened, so importing this module never skips a test;
each Selenium test module keeps its own `pytest.importorskip("selenium.webdriver")`."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

DRIVER = "/usr/bin/chromedriver"
IN_CI = os.environ.get("CI", "").lower() == "true"


@contextmanager
def serving(app) -> Iterator[str]:
    """The app served on a free local port in a daemon thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def open_chromium(profile: Path):
    """A headless Chromium (Selenium) with its own profile folder, logging the browser console."""
    browser = shutil.which("chromium")
    if not (browser and Path(DRIVER).exists()):
        reason = "headless Chromium or chromedriver not installed (apt-get install chromium-driver)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def chromium(tmp_path):
    driver = open_chromium(tmp_path / "profile")
    yield driver
    driver.quit()


def screens_dir(fallback: Path) -> Path:
    """Where screenshots go: LIANJIAN_TEST_SCREENSHOTS, else `fallback` (a temporary folder)."""
    screens = Path(os.environ.get("LIANJIAN_TEST_SCREENSHOTS") or fallback)
    screens.mkdir(parents=True, exist_ok=True)
    return screens


def problems(driver) -> list[str]:
    """What the browser console complained of (errors and warnings)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
