"""The tablet app end to end in headless Chromium (Playwright), against the really served app.

Two members of a joint team, each on their own tablet (browser context), sign in; the network goes
off; each checks in — the lead through the camera, which films the licence's QR code, the partner
by typing the licence number — at a set location, records their department's items with a photo;
the lead sets the outcome; both sign, the lead submits; both pages are reloaded with no network and
the work is still there. The network then comes back for one member, then the other, in either
order; the lead's drops once in the middle of a sync (the server acted, the answer was lost). The
server holds exactly one effect per operation, the submission is made, and no 409 was seen. Then a
real conflict: the lead's second tablet changed an item first; the app shows both versions and
the inspector's choice is applied, neither version dropped.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import segno

from inspect_app.models import AuditEntry, ClientOperation, Evidence, Inspection, ItemResult
from tests.tablet.conftest import SHOP
from tests.tablet_app.conftest import PASSWORD_OF_THE_SUITE

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

TIMEOUT = 30_000


def photo_png(text: str) -> bytes:
    """A real PNG photo (a QR code of `text`: distinct per member, so distinct hashes)."""
    buffer = io.BytesIO()
    segno.make(text).save(buffer, kind="png", scale=12)
    return buffer.getvalue()


class Tablet:
    """One member's tablet: a browser context of its own, its page, what it saw."""

    def __init__(self, browser, base: str, username: str, screens: Path | None = None):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 800},
            geolocation={"latitude": SHOP[0], "longitude": SHOP[1]},
            permissions=["geolocation", "camera"],
            locale="zh-CN",
        )
        self.base, self.username, self.screens = base, username, screens
        self.statuses: list[tuple[int, str]] = []
        self.problems: list[str] = []
        self.context.on("response", self._seen)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        # a request that finds no network is the point of the test, not a problem of the page
        if message.type == "error" and "net::ERR_INTERNET_DISCONNECTED" not in message.text:
            self.problems.append(message.text)

    def _seen(self, response) -> None:
        if "/api/v1/" in response.url:
            self.statuses.append((response.status, response.url))

    def open(self) -> None:
        self.page.goto(f"{self.base}/tablet/")
        self.page.wait_for_selector("body[data-ready='1']")

    def sign_in(self) -> None:
        self.page.fill("input[name=username]", self.username)
        self.page.fill("input[name=password]", PASSWORD_OF_THE_SUITE)
        self.page.fill("input[name=device]", f"平板-{self.username}")
        self.page.click("#signin-form button[type=submit]")
        self.page.wait_for_selector("a.card.inspection")
        # the service worker holds the shell before the network may go
        self.page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    def inspection(self, inspection_id: int) -> None:
        self.page.click(f"a.card.inspection[data-id='{inspection_id}']")
        self.page.wait_for_selector(f"article.inspection[data-id='{inspection_id}']")

    def item(self, code: str, result: str, notes: str = "") -> None:
        row = f".item[data-code='{code}']"
        if notes:
            self.page.fill(f"{row} textarea", notes)
        self.page.click(f"{row} button[data-result='{result}']")
        self.page.wait_for_selector(f"{row} button[data-result='{result}'].chosen")

    def photo(self, code: str, data: bytes) -> None:
        before = self.page.locator("figure.tile").count()
        self.page.set_input_files(
            f".item[data-code='{code}'] input[type=file]",
            files=[{"name": "现场.png", "mimeType": "image/png", "buffer": data}],
        )
        self.page.wait_for_function(
            "n => document.querySelectorAll('figure.tile').length > n", arg=before
        )

    def unsent(self) -> int:
        return int(self.page.get_attribute("#unsent", "data-count"))

    def wait_unsent(self, n: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelector('#unsent').dataset.count === n", arg=str(n)
        )

    def table(self, name: str) -> list:
        return self.page.evaluate(
            "name => lianjian.store.all(name).then(rows => rows.map(([, v]) => v))", name
        )

    def shot(self, name: str) -> None:
        if self.screens is not None:
            # one bar at the top of a whole-page shot (set through the CSSOM: the CSP allows it)
            self.page.evaluate(
                "() => { document.querySelector('.bar').style.position = 'static'; }"
            )
            self.page.screenshot(path=str(self.screens / f"tablet-{name}.png"), full_page=True)
            self.page.evaluate("() => { document.querySelector('.bar').style.position = ''; }")

    def shot_portrait(self, name: str) -> None:
        if self.screens is not None:
            self.page.set_viewport_size({"width": 800, "height": 1280})
            self.shot(name)
            self.page.set_viewport_size({"width": 1280, "height": 800})

    def writes_seen(self, status: int) -> list[str]:
        return [url for s, url in self.statuses if s == status]


@pytest.fixture
def screens():
    folder = os.environ.get("LIANJIAN_TEST_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _actions(inspection_id: int) -> list[str]:
    return sorted(
        a.action
        for a in AuditEntry.select().where(
            (AuditEntry.object_type == "inspection") & (AuditEntry.object_id == str(inspection_id))
        )
    )


def _partner_back(partner: Tablet) -> None:
    """The partner's network comes back; signed in again, the kept work goes out."""
    partner.context.set_offline(False)
    partner.sign_in()
    partner.wait_unsent(0)


def _lead_back_with_a_lost_answer(lead: Tablet) -> None:
    """The lead's network comes back and drops in the middle of the sync: the third write reaches
    the server, which acts on it, and its answer is lost; the tablet goes offline again."""
    lost = {"writes": 0, "dropped": None}

    def lose_third_answer(route):
        if route.request.method in ("POST", "PUT"):
            lost["writes"] += 1
            if lost["writes"] == 3 and lost["dropped"] is None:
                route.fetch()  # the server acts on it ...
                lost["dropped"] = route.request.url
                route.abort("internetdisconnected")  # ... and its answer is lost
                return
        route.continue_()

    lead.context.route("**/api/v1/tablet/**", lose_third_answer)
    lead.context.set_offline(False)
    for _ in range(TIMEOUT // 100):
        if lost["dropped"]:
            break
        lead.page.wait_for_timeout(100)
    assert lost["dropped"] and lost["dropped"].endswith("/items/IC-02")
    lead.context.set_offline(True)
    lead.page.wait_for_function("() => !window.lianjian.syncing")
    assert lead.page.evaluate("() => lianjian.lastSync.pushed.stopped") == "offline"
    assert lead.unsent() == 5  # the check-in and IC-01 went; IC-02 waits, though it arrived


@pytest.mark.parametrize("order", ["lead-first", "partner-first"])
def test_a_joint_team_works_a_visit_offline_on_two_tablets(
    app, browser, served, team, screens, order
):
    first, second = team.inspections
    lead = Tablet(browser, served, "u-CT0001", screens if order == "lead-first" else None)
    partner = Tablet(browser, served, "u-FR0001")
    for tablet in (lead, partner):
        tablet.open()
        assert not tablet.page.is_visible("#signout")  # nobody to sign out yet
        if tablet is lead:
            lead.shot("signin")
        tablet.sign_in()
    lead.shot("list")
    lead.page.click("#lang")  # English, kept on the device; Chinese again after
    lead.page.wait_for_selector("text=My inspections")
    assert lead.page.title() == "Lianjian · Field inspection"
    lead.shot("list-en")
    lead.page.click("#lang")
    lead.page.wait_for_selector("text=我的检查")

    # -- a whole visit with no network --
    for tablet in (lead, partner):
        tablet.context.set_offline(True)
    lead.inspection(first.id)
    lead.page.click("#scan")  # the camera films the licence's QR code (jsQR or BarcodeDetector)
    lead.page.wait_for_selector("#checkin-state .chip.pending")
    assert "已签到" in lead.page.inner_text("#checkin-state")
    assert "距登记地址" in lead.page.inner_text("#checkin-state")
    lead.item("IC-01", "PASS")
    lead.item("IC-02", "FAIL", "未悬挂禁止未成年人进入标志")
    lead.photo("IC-02", photo_png("CT0001 IC-02 现场照片"))
    lead.page.select_option("#outcome", "FIXED")
    lead.page.fill("#outcome-notes", "当场责令改正")
    lead.page.click("#outcome-save")
    lead.page.wait_for_selector("#s-outcome .chip.pending")
    lead.page.click("#sign")
    lead.page.wait_for_selector(".member.pending")
    lead.page.click("#submit")
    lead.wait_unsent(7)
    lead.shot("inspection")
    lead.shot_portrait("inspection-portrait")

    partner.inspection(first.id)
    partner.page.fill("#licence-typed", team.licence_number)  # the typed fallback
    partner.page.click("#typed-check")
    partner.page.wait_for_selector("#checkin-state br", state="attached")
    assert "已到场" in partner.page.inner_text("#checkin-state")
    assert partner.page.locator(".group.theirs button[data-result]:enabled").count() == 0
    partner.item("IC-08", "PASS", "消防通道畅通")
    partner.photo("IC-08", photo_png("FR0001 IC-08 消防通道"))
    partner.page.click("#sign")
    partner.wait_unsent(3)
    partner.shot("partner")

    # -- reloaded with no network: the service worker opens the app, the work is still there --
    for tablet, kept in ((lead, 7), (partner, 3)):
        tablet.page.reload()
        tablet.page.wait_for_selector("body[data-ready='1']")
        tablet.page.wait_for_selector(f"article.inspection[data-id='{first.id}']")
        assert tablet.unsent() == kept
    assert lead.page.locator(".item[data-code='IC-02'] button.chosen").inner_text() == "不符合"
    assert lead.page.locator(".item[data-code='IC-02'] textarea").input_value() == (
        "未悬挂禁止未成年人进入标志"
    )
    assert ClientOperation.select().count() == 0, "nothing reached the server while offline"

    # -- the partner signs out with unsent work: warned, and the work is kept --
    partner.page.click("#signout")
    partner.page.wait_for_selector("#confirm[open]")
    assert "3 项操作未发送" in partner.page.inner_text("#confirm-text")
    partner.page.click("#confirm-yes")
    partner.page.wait_for_selector("#signin-form")
    assert "3 项未发送的操作保存在本机" in partner.page.inner_text("#notice")
    assert len(partner.table("ops")) == 3

    # -- the network comes back, one member after the other; the lead's drops mid-sync --
    if order == "partner-first":
        _partner_back(partner)
    _lead_back_with_a_lost_answer(lead)
    if order == "lead-first":
        _partner_back(partner)
    lead.context.unroute("**/api/v1/tablet/**")
    lead.context.set_offline(False)
    lead.wait_unsent(0)
    lead.page.evaluate("() => lianjian.syncNow()")
    lead.page.wait_for_selector("#submitted")
    lead.shot("submitted")

    # -- the server: one effect per operation, the submission made, no 409 --
    done = Inspection.get_by_id(first.id)
    assert done.status == "SUBMITTED"
    assert ClientOperation.select().count() == 10
    results = list(ItemResult.select().where(ItemResult.inspection == done))
    assert sorted((r.risk_point.code, r.result, r.version) for r in results) == [
        ("IC-01", "PASS", 1),
        ("IC-02", "FAIL", 1),
        ("IC-08", "PASS", 1),
    ]
    photos = list(Evidence.select().where(Evidence.inspection == done))
    hashed_on_tablets = {p["sha256"] for t in (lead, partner) for p in t.table("photos")}
    assert {p.sha256 for p in photos} == hashed_on_tablets and len(photos) == 2
    assert {p.content_type for p in photos} == {"image/jpeg"}  # resized on the device
    assert all(p.device_at is not None for p in photos)
    assert _actions(done.id) == sorted(
        ["inspection.check_in", "inspection.item", "inspection.item", "inspection.item"]
        + ["inspection.evidence"] * 2
        + ["inspection.outcome", "inspection.sign", "inspection.sign"]
        + ["inspection.submit_requested", "inspection.submit"]
    )
    assert done.far_check_in is False and done.check_in_distance_m < 100
    assert done.checked_in_device_at is not None
    for tablet in (lead, partner):
        assert tablet.writes_seen(409) == [], "a spurious 409"
        assert tablet.table("conflicts") == [] and tablet.table("rejected") == []
        assert tablet.problems == [], tablet.problems

    # -- a real conflict: the lead's second tablet recorded IC-01 of the other café first --
    lead.page.click("a.back")
    lead.context.set_offline(True)
    lead.inspection(second.id)
    lead.item("IC-01", "PASS", "现场核查合格")
    other = app.test_client().put(  # while this tablet is offline
        f"/api/v1/tablet/inspections/{second.id}/items/IC-01",
        headers=team.lead_headers,
        json={
            "op_id": "second-tablet-0001",
            "item_version": 0,
            "result": "FAIL",
            "notes": "未见标志",
        },
    )
    assert other.status_code == 200, other.get_json()
    lead.context.set_offline(False)
    lead.page.wait_for_selector("#s-conflicts .conflict")
    conflict = lead.page.inner_text("#s-conflicts")
    assert "符合" in conflict and "现场核查合格" in conflict  # mine
    assert "不符合" in conflict and "未见标志" in conflict  # theirs
    lead.shot("conflict")
    assert len(lead.writes_seen(409)) == 1
    lead.page.click("#s-conflicts button[data-choice='mine']")
    lead.page.wait_for_selector("#s-resolved")  # drawn once my write is queued again
    lead.wait_unsent(0)
    lead.page.wait_for_function("() => !window.lianjian.syncing")
    lead.shot("conflict-resolved")
    kept = ItemResult.get(
        (ItemResult.inspection == second.id) & (ItemResult.risk_point == _point("IC-01"))
    )
    assert (kept.result, kept.notes, kept.version) == ("PASS", "现场核查合格", 2)
    (entry,) = lead.table("conflicts")
    assert entry["state"] == "resolved" and entry["choice"] == "mine"
    assert entry["current"]["item"]["result"] == "FAIL"  # theirs, kept
    assert entry["op"]["body"]["result"] == "PASS"  # mine, kept
    assert json.dumps(entry, ensure_ascii=False).count("未见标志") >= 1
    expected = "the server responded with a status of 409"  # the one real conflict
    assert [p for p in lead.problems if expected not in p] == [], lead.problems


def _point(code: str):
    from inspect_app.models import RiskPoint

    return RiskPoint.select().where(RiskPoint.code == code).order_by(RiskPoint.id.desc()).get()


def test_a_nearly_full_tablet_refuses_the_new_change_and_keeps_the_rest(browser, served, team):
    (first, _) = team.inspections
    lead = Tablet(browser, served, "u-CT0001")
    lead.open()
    lead.sign_in()
    lead.context.set_offline(True)
    lead.inspection(first.id)
    lead.item("IC-01", "PASS")
    assert "已用存储" in lead.page.inner_text("#storage")
    # the device is now 95 % full, as the browser reports it
    lead.page.evaluate(
        "() => { navigator.storage.estimate = async () => ({ usage: 95e8, quota: 100e8 }); }"
    )
    lead.page.click(".item[data-code='IC-02'] button[data-result='FAIL']")
    lead.page.wait_for_selector("#notice[data-kind='error']")
    assert "存储空间不足" in lead.page.inner_text("#notice")
    ops = lead.table("ops")
    assert [(o["kind"], o["part"]) for o in ops] == [("item", "IC-01")]
    assert lead.page.locator(".item[data-code='IC-02'] button.chosen").count() == 0
    assert lead.problems == [], lead.problems


def test_where_the_browser_has_a_barcode_detector_it_reads_the_code_and_jsqr_stays_unloaded(
    browser, served, team
):
    (first, _) = team.inspections
    lead = Tablet(browser, served, "u-CT0001")
    # a BarcodeDetector as Android's Chrome has one, seeing the licence's code in every frame
    lead.context.add_init_script(
        "window.BarcodeDetector = class { static async getSupportedFormats() { return ['qr_code']; }"
        " async detect() { window.__detected = (window.__detected || 0) + 1;"
        f" return [{{ rawValue: {json.dumps(team.qr)} }}]; }} }};"
    )
    lead.open()
    lead.sign_in()
    lead.context.set_offline(True)
    lead.inspection(first.id)
    lead.page.click("#scan")
    lead.page.wait_for_selector("#checkin-state .chip.pending")
    assert lead.page.evaluate("() => window.__detected") >= 1
    assert lead.page.evaluate("() => typeof window.jsQR") == "undefined"
    (op,) = lead.table("ops")
    assert op["kind"] == "check-in" and op["body"]["qr_payload"] == team.qr
    assert (op["body"]["lat"], op["body"]["lon"]) == SHOP  # the set geolocation
    assert lead.problems == [], lead.problems
