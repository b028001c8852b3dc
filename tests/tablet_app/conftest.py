"""A joint team on two tablets: the app really served, headless Chromium (Playwright) with a fake
camera that films the licence's QR code, and the district the team inspects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import segno

from tests.browser import IN_CI, serving
from tests.factories import PASSWORD, inspector_with_login, internet_cafes, login
from tests.tablet.conftest import draw_joint_check

CHROMIUM = "/usr/bin/chromium"


def write_y4m(path: Path, text: str, width: int = 960, height: int = 720, frames: int = 2) -> None:
    """A short raw video (YUV4MPEG2, 4:2:0) of `text` as a QR code on white, for Chromium's
    --use-file-for-fake-video-capture: what the lead's tablet camera sees."""
    qr = segno.make(text, error="l")
    matrix = [list(row) for row in qr.matrix]
    modules = len(matrix) + 8  # the quiet zone, four modules each side
    scale = min(width, height) * 9 // 10 // modules
    left = (width - modules * scale) // 2 + 4 * scale
    top = (height - modules * scale) // 2 + 4 * scale
    luma = bytearray([235]) * (width * height)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + r * scale, top + (r + 1) * scale):
                    start = y * width + left + c * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


@dataclass
class Team:
    inspections: list
    qr: str
    licence_number: str
    lead_headers: dict  # the lead's second tablet, straight to the API


@pytest.fixture
def team(client) -> Team:
    """One joint check of two internet cafés: 文化旅游局 CT0001 (u-CT0001) leads, 消防 FR0001
    (u-FR0001) partners; both sign in with the suite's password."""
    licences = internet_cafes(2)
    _, lead_headers = inspector_with_login("CT0001", "CT", name="王晓明", device="平板-02")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    drawn = draw_joint_check(client, cafes=2, workload_cap=10)
    by_entity = {i.entity_id: i for i in drawn}
    first = licences[0]
    qr = client.get(
        f"/api/v1/licences/{first.number}/qr", headers=login("licensing", "ASC")
    ).get_json()["payload"]
    ordered = [by_entity[licence.holder_id] for licence in licences]
    return Team(ordered, qr, first.number, lead_headers)


@pytest.fixture
def served(app, team):
    with serving(app) as url:
        yield url


@pytest.fixture
def browser(tmp_path, team):
    """Headless Chromium whose camera films the first café's licence QR code."""
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is not installed (it is in the test extras)")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    video = tmp_path / "licence-qr.y4m"
    write_y4m(video, team.qr)
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        yield launched
        launched.close()


PASSWORD_OF_THE_SUITE = PASSWORD
