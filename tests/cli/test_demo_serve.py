"""`lianjian demo --serve`: after the loop, the app is served on the demo's data until Ctrl-C,
and a printed one-time password signs in to the page that asks for a new password."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.cli.test_cli import LIANJIAN

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow  # the whole loop and a server, in a process of their own
def test_demo_serve_signs_in_with_a_printed_one_time_password(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"LIANJIAN_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [LIANJIAN, "demo", "--entities", "200", "--serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "serving http://" in line:
                break
        story = "".join(lines)
        assert f"http://127.0.0.1:{port}/console/" in story, story
        (planner,) = [x for x in lines if x.strip().startswith("demo-planner ")]
        password = planner.split()[1]

        base = f"http://127.0.0.1:{port}"
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        browser = urllib.request.build_opener(cookies, _NoRedirect)
        page = browser.open(f"{base}/console/sign-in").read().decode()
        form = {"csrf_token": CSRF.search(page).group(1), "username": "demo-planner"}
        form["password"] = password
        with pytest.raises(urllib.error.HTTPError) as redirect:
            browser.open(f"{base}/console/sign-in", urllib.parse.urlencode(form).encode())
        assert redirect.value.code == 302
        location = redirect.value.headers["Location"]
        assert location.startswith("/console/password?username=demo-planner")
        asks = browser.open(f"{base}{location}").read().decode()
        assert 'name="new_password"' in asks
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "stopped" in rest
