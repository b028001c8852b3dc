"""The tablet app's three figures (issue 16), each beside a baseline measured in the same run:

1. the app shell's size, gzip'd: everything the service worker caches (target <= 250 KB);
2. the time to open the app and draw the inspection list from the service worker with no network
   (target <= 1 s), beside the same open with the network and no service worker;
3. the first sync of 50 inspections (sign-in, the list, 50 offline copies) under Chromium's
   "Slow 3G" (DevTools' preset: 2,000 ms latency, 50,000 B/s each way, set with CDP
   Network.emulateNetworkConditions), beside the same sync unthrottled.

    .venv/bin/python bench/tablet_app_bench.py [--inspections 50] [--repeat 5]

A SQLite district in a temporary folder: 50 internet cafés, one joint check drawn over all of them
with the same two-member team; the app served by werkzeug in this process; /usr/bin/chromium driven
by Playwright. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from inspect_app import migrate  # noqa: E402
from inspect_app.clock import utcnow  # noqa: E402
from inspect_app.db import database, open_database  # noqa: E402
from inspect_app.domain import signing_keys  # noqa: E402
from inspect_app.services import seeding  # noqa: E402
from seeds.catalogue_loader import load_catalogue  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50000,
    "uploadThroughput": 50000,
}
SHELL_TARGET_KB = 250
OPEN_TARGET_S = 1.0


def build_district(folder: Path, inspections: int):
    """The app over a fresh SQLite file, with `inspections` inspections for u-CT0001."""
    import os

    from inspect_app.app import create_app
    from tests.factories import TEST_CHAIN

    # the suite's drand chain, pinned as a district pins one (as tests/conftest.py does)
    chains = folder / "drand-chains"
    chains.mkdir()
    (chains / "test-chain.json").write_text(json.dumps(TEST_CHAIN.info.to_info()), "utf-8")
    os.environ["LIANJIAN_DRAND_CHAINS"] = str(chains)
    os.environ["XDG_DATA_HOME"] = str(folder / "xdg")
    url = f"sqlite:///{folder / 'bench.db'}"
    db = open_database(url)
    database.initialize(db)
    migrate.migrate(db)
    with db.connection_context():
        seeding.load_catalogue(load_catalogue(), "bench", utcnow())
    db.close()
    keys = folder / "keys"
    signing_keys.generate_key_pair(keys)
    signing_keys.generate_audit_key_pair(keys)
    app = create_app(
        {
            "DATABASE_URL": url,
            "LIANJIAN_HOME": str(folder),
            "KEYS_DIR": str(keys),
            "EVIDENCE_DIR": str(folder / "evidence"),
            "ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
    )
    from tests.factories import inspector_with_login, internet_cafes
    from tests.tablet.conftest import draw_joint_check

    with app.app_context():
        database.connect(reuse_if_open=True)
        internet_cafes(inspections)
        inspector_with_login("CT0001", "CT", name="王晓明")
        inspector_with_login("FR0001", "FR", name="陈立")
        drawn = draw_joint_check(app.test_client(), cafes=inspections, workload_cap=1000)
        database.close()
    assert len(drawn) == inspections, len(drawn)
    return app


def serve(app) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def shell_size(base: str) -> dict:
    """What the service worker caches: as served (Accept-Encoding: gzip) and each file gzip -6."""

    def get(path: str) -> tuple[bytes, int]:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as answer:
            body = answer.read()
            wire = len(body)
            if answer.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return body, wire

    worker, worker_wire = get("/tablet/sw.js")
    assets = json.loads(re.search(rb"const ASSETS = (\[.*?\]);", worker).group(1))
    rows = [("/tablet/sw.js", worker, worker_wire)]
    for path in ["/tablet/", "/tablet/manifest.webmanifest", *assets]:
        body, wire = get(path)
        rows.append((path, body, wire))
    raw = sum(len(b) for _, b, _ in rows)
    zipped = sum(len(gzip.compress(b, 6)) for _, b, _ in rows)
    wire = sum(w for _, _, w in rows)
    jsqr = next(b for p, b, _ in rows if p.endswith("jsQR.js"))
    return {
        "files": len(rows),
        "raw_kb": raw / 1024,
        "gzip_kb": zipped / 1024,
        "wire_kb": wire / 1024,
        "jsqr_gzip_kb": len(gzip.compress(jsqr, 6)) / 1024,
    }


def new_tablet(browser, base: str, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
    page = context.new_page()
    page.set_default_timeout(600_000)
    page.goto(f"{base}/tablet/")
    page.wait_for_selector("body[data-ready='1']")
    return context, page


def sign_in_and_sync(page, device: str, inspections: int) -> float:
    """Sign in and wait for the first sync to draw every inspection: seconds from the tap."""
    page.fill("input[name=username]", "u-CT0001")
    from tests.factories import PASSWORD

    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=device]", device)
    started = time.perf_counter()
    page.click("#signin-form button[type=submit]")
    page.wait_for_function(
        "n => document.querySelectorAll('a.card.inspection').length === n"
        " && !window.lianjian.syncing",
        arg=inspections,
        polling=50,
    )
    return time.perf_counter() - started


def open_list(page, base: str, inspections: int) -> float:
    started = time.perf_counter()
    page.goto(f"{base}/tablet/")
    page.wait_for_function(
        "n => document.querySelectorAll('a.card.inspection').length === n",
        arg=inspections,
        polling="raf",
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspections", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.inspections
    with tempfile.TemporaryDirectory(prefix="tablet-app-bench-") as tmp:
        print(f"building a district with {n} inspections for u-CT0001 …", flush=True)
        app = build_district(Path(tmp), n)
        base, server = serve(app)
        size = shell_size(base)
        print(
            f"\n1. app shell: {size['files']} files, {size['raw_kb']:.1f} KB raw, "
            f"{size['gzip_kb']:.1f} KB gzip'd (-6; {size['wire_kb']:.1f} KB as served), "
            f"target <= {SHELL_TARGET_KB} KB: {'met' if size['gzip_kb'] <= SHELL_TARGET_KB else 'MISSED'}"
            f"\n   of which jsQR (only where BarcodeDetector is missing): {size['jsqr_gzip_kb']:.1f} KB",
            flush=True,
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

            # 3 first: the first sync, unthrottled (baseline) and under Slow 3G
            context, page = new_tablet(browser, base)
            fast = sign_in_and_sync(page, "平板-bench-fast", n)
            context.close()
            context, page = new_tablet(browser, base)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            slow = sign_in_and_sync(page, "平板-bench-slow3g", n)
            cdp.send(
                "Network.emulateNetworkConditions",
                {**SLOW_3G, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            )

            # 2: the app and the list from the service worker, no network
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            context.set_offline(True)
            offline = [open_list(page, base, n) for _ in range(args.repeat)]
            context.close()
            context, page = new_tablet(browser, base, service_workers="block")
            sign_in_and_sync(page, "平板-bench-nosw", n)
            online = [open_list(page, base, n) for _ in range(args.repeat)]
            context.close()
            browser.close()
        server.shutdown()

    best, median = min(offline), statistics.median(offline)
    base_median = statistics.median(online)
    print(
        f"\n2. open the app + list of {n} from the service worker, no network: median "
        f"{median * 1000:.0f} ms, best {best * 1000:.0f} ms, worst {max(offline) * 1000:.0f} ms "
        f"({args.repeat} opens); target <= {OPEN_TARGET_S * 1000:.0f} ms: "
        f"{'met' if median <= OPEN_TARGET_S else 'MISSED'}"
        f"\n   baseline, network and no service worker: median {base_median * 1000:.0f} ms "
        f"(ratio {median / base_median:.2f})"
    )
    print(
        f"\n3. sign-in + first sync of {n} inspections: Slow 3G {slow:.1f} s, unthrottled "
        f"{fast:.2f} s (ratio {slow / fast:.0f}×)"
    )


if __name__ == "__main__":
    main()
