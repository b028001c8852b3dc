"""200 tablets syncing and submitting against the real API under gunicorn, next to a bare Flask.

    .venv/bin/python bench/tablet_load.py [--tablets 200] [--reads 12] [--rounds 5] [--workers 4]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/tablet_load.py

Setup (bench/_tablet_setup.py): a temp folder with a SQLite file (or a fresh schema in the
PostgreSQL of DATABASE_URL), the catalogue, internet cafés with licences, inspectors of 文化旅游局
and 消防 signed in on tablets, a joint IC task planned, frozen, drawn and dispatched.

Two servers, same gunicorn settings (inspect_app/serving.py), each its own processes on
127.0.0.1: the app (`lianjian serve`) and the baseline (a bare Flask endpoint answering a JSON the
size of a sync page). The tablets are threads of this process, one keep-alive connection each:

1. baseline: every tablet GETs the bare endpoint --reads times;
2. read: every tablet syncs --reads times, cycling its list and each of its inspections, with
   If-None-Match once it holds an ETag (a first sync: no ETag at the start of a round);
   1 and 2 alternate --rounds times;
3. write, in stages separated by barriers so that two members of one team never race on the
   same version: lead checks in (QR + GPS) → both record their department's items (plus one
   replay, expected to answer like the first, and one stale write, expected 409) → lead sets
   the outcome → lead signs → partner signs → lead submits. Check-in to submission runs on
   --submit-share of the inspections (every round(1/share)-th), items on all. A tablet
   re-reads an inspection (GET) where it needs the version or content hash the other member
   changed.

Errors: any answer other than 2xx/304, except the deliberate stale writes answered 409
STALE_VERSION (counted apart), and any replay that does not answer like the first time.
Throughput is requests over the phase's wall time; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version

import _tablet_setup as setup
from _tablet_report import (
    WRITE_STAGES,
    Sample,
    StageTiming,
    per_round,
    print_errors,
    print_verdict,
    report,
)

from inspect_app import serving

API = "/api/v1/tablet/inspections"
REQUEST_TIMEOUT_SECONDS = 60
BARRIER_TIMEOUT_SECONDS = 600
CHECK_IN_OFFSET_DEGREES = 0.0001  # ~10 m from the registered location
OK_STATUSES = (200, 201, 304)


@dataclass
class Tablet:
    """One inspector's tablet: a keep-alive connection per server, its ETags, what it last read."""

    spec: setup.TabletSpec
    world: setup.World
    app_port: int
    baseline_port: int
    gzip: bool
    submit_ids: frozenset[int]
    samples: list[Sample] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)
    seen: dict[int, dict] = field(default_factory=dict)
    stage: str = "warm-up"

    def __post_init__(self) -> None:
        self.connections = {
            port: http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
            for port in (self.app_port, self.baseline_port)
        }
        self.headers = {
            "Authorization": f"Bearer {self.spec.token}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip" if self.gzip else "identity",
            "User-Agent": "lianjian-tablet-bench/1",
        }

    def call(self, kind: str, method: str, path: str, body=None, port=None, expect=OK_STATUSES):
        """One request; returns (status, decoded JSON or None) and keeps a sample."""
        port = port or self.app_port
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body, ensure_ascii=False).encode()
        if method == "GET" and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        started = time.perf_counter()
        try:
            connection = self.connections[port]
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connections[port].close()  # http.client reconnects on the next request
            self._keep(kind, 0, started, 0, f"{type(error).__name__}")
            return 0, None
        status = response.status
        if response.getheader("ETag") and method == "GET":
            self.etags[path] = response.getheader("ETag")
        data = _decode(raw, response.getheader("Content-Encoding"))
        error = None if status in expect else f"{status} {(data or {}).get('status', '')}".strip()
        self._keep(kind, status, started, len(raw), error)
        return status, data

    def _keep(self, kind, status, started, size, error) -> None:
        ms = (time.perf_counter() - started) * 1000
        self.samples.append(Sample(self.stage, kind, status, ms, size, error))

    def run(self, stage: str, reads: int) -> None:
        self.stage = stage
        getattr(self, "stage_" + stage.replace("-", "_"))(reads)

    def stage_warm_up(self, _reads: int) -> None:
        for port in self.connections:  # connect both before anything is timed
            self.call("connect", "GET", "/healthz", port=port)
        self.samples.clear()

    def stage_baseline(self, reads: int) -> None:
        for _ in range(reads):
            self.call("bare GET", "GET", setup.BASELINE_PATH, port=self.baseline_port)

    def stage_read(self, reads: int) -> None:
        self.etags.clear()  # every round is a first sync: the tablet holds no ETag yet
        paths = [API] + [f"{API}/{i}" for i in self.spec.inspections]
        for n in range(reads):
            path = paths[n % len(paths)]
            status, data = self.call("sync list" if path == API else "sync detail", "GET", path)
            if status == 200 and path != API:
                self.seen[int(path.rsplit("/", 1)[1])] = data

    # -- write stages ----------------------------------------------------------------------

    def _mine(self, role: str, only_submitted: bool) -> list[setup.Visit]:
        visits = (self.world.visits.get(i) for i in self.spec.inspections)
        return [
            v for v in visits
            if v and getattr(v, role) == self.spec.code
            and (not only_submitted or v.id in self.submit_ids)
        ]  # fmt: skip

    def _current(self, inspection_id: int) -> dict | None:
        """The inspection as it stands now (the other member may have changed it)."""
        status, data = self.call("re-read GET", "GET", f"{API}/{inspection_id}")
        if status == 200:
            self.seen[inspection_id] = data
        return self.seen.get(inspection_id) if status in (200, 304) else None

    def _write(self, kind: str, method: str, visit: setup.Visit, tail: str, body: dict, **kw):
        status, data = self.call(kind, method, f"{API}/{visit.id}{tail}", body, **kw)
        if status in (200, 201) and data:
            self.seen[visit.id] = data
        return status, data

    def stage_check_in(self, _reads: int) -> None:
        for visit in self._mine("lead", only_submitted=True):
            known = self.seen.get(visit.id) or self._current(visit.id)
            if known is None:
                continue
            self._write("check-in", "POST", visit, "/check-in", {
                "op_id": _op(), "base_version": known["version"], "qr_payload": visit.qr,
                "lat": visit.lat + CHECK_IN_OFFSET_DEGREES, "lon": visit.lon,
            })  # fmt: skip

    def stage_items(self, _reads: int) -> None:
        role = "lead" if self.spec.department == setup.LEAD else "partner"
        first = True
        for visit in self._mine(role, only_submitted=False):
            for code in setup.ITEMS[self.spec.department]:
                body = {"op_id": _op(), "item_version": 0, "result": "PASS", "notes": "现场核查"}
                status, answer = self._write("item PUT", "PUT", visit, f"/items/{code}", body)
                if first and status == 200:
                    first = False
                    self._replay_and_stale(visit, code, body, answer)

    def _replay_and_stale(self, visit: setup.Visit, code: str, body: dict, answer: dict) -> None:
        """The tablet's retry of the same operation, then a write based on an old item version."""
        status, replayed = self.call("item replay", "PUT", f"{API}/{visit.id}/items/{code}", body)
        if status == 200 and replayed != answer:
            self.samples[-1].error = "replay answered differently"
        stale = body | {"op_id": _op(), "result": "FAIL", "notes": "过期版本上的修改"}
        status, data = self.call(
            "stale item PUT", "PUT", f"{API}/{visit.id}/items/{code}", stale, expect=(409,)
        )
        if status == 409 and (data or {}).get("status") == "STALE_VERSION":
            self.samples[-1].error = "expected-409"
        elif status == 409:
            self.samples[-1].error = f"409 {(data or {}).get('status')}"

    def stage_outcome(self, _reads: int) -> None:
        for visit in self._mine("lead", only_submitted=True):
            current = self._current(visit.id)
            if current:
                self._write("outcome PUT", "PUT", visit, "/outcome", {
                    "op_id": _op(), "base_version": current["version"],
                    "outcome": "OK", "notes": "未发现问题",
                })  # fmt: skip

    def _sign(self, role: str) -> None:
        for visit in self._mine(role, only_submitted=True):
            current = self.seen.get(visit.id) if role == "lead" else self._current(visit.id)
            if current and current.get("outcome"):
                body = {"op_id": _op(), "content_hash": current["content_hash"]}
                self._write("sign POST", "POST", visit, "/signatures", body)

    def stage_sign_lead(self, _reads: int) -> None:
        self._sign("lead")

    def stage_sign_partner(self, _reads: int) -> None:
        self._sign("partner")

    def stage_submit(self, _reads: int) -> None:
        for visit in self._mine("lead", only_submitted=True):
            current = self._current(visit.id)
            if current and current.get("outcome"):
                body = {"op_id": _op(), "base_version": current["version"]}
                self._write("submit POST", "POST", visit, "/submit", body)


def _op() -> str:
    return str(uuid.uuid4())


def _decode(raw: bytes, encoding: str | None):
    if not raw:
        return None
    if encoding == "gzip":
        raw = gzip.decompress(raw)
    try:
        return json.loads(raw)
    except ValueError:
        return None


# -- running the phases ---------------------------------------------------------------------


def run_stages(tablets: list[Tablet], stages: list[str], reads: int, servers) -> dict:
    """Every tablet runs each stage at once; a stage ends when the last tablet is done.
    Returns each stage name's timings, one per time it ran."""
    start = threading.Barrier(len(tablets) + 1, timeout=BARRIER_TIMEOUT_SECONDS)
    done = threading.Barrier(len(tablets) + 1, timeout=BARRIER_TIMEOUT_SECONDS)

    def work(tablet: Tablet) -> None:
        for stage in stages:
            start.wait()
            try:
                tablet.run(stage, reads)
            except Exception as error:  # a broken tablet must still reach the barrier
                tablet.samples.append(Sample(stage, "crash", 0, 0.0, 0, repr(error)))
            done.wait()

    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in tablets]
    for thread in threads:
        thread.start()
    timings: dict[str, list[StageTiming]] = {}
    for stage in stages:
        cpu = {name: server.cpu_seconds() for name, server in servers.items()}
        own = sum(os.times()[:2])
        start.wait()
        began = time.perf_counter()
        done.wait()
        seconds = time.perf_counter() - began
        server = servers["baseline" if stage == "baseline" else "app"]
        timings.setdefault(stage, []).append(
            StageTiming(
                seconds,
                (server.cpu_seconds() - cpu[server.name]) / seconds,
                (sum(os.times()[:2]) - own) / seconds,
            )
        )
    for thread in threads:
        thread.join()
    return timings


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tablets", type=int, default=200, help="inspectors, half CT half FR")
    parser.add_argument("--cafes", type=int, help="drawn cafés (default 1.75 per tablet)")
    parser.add_argument("--reads", type=int, default=12, help="sync GETs per tablet (and bare)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="baseline and read phases, alternating; each read is a first sync")  # fmt: skip
    parser.add_argument("--workers", type=int, default=serving.default_workers(),
                        help="worker processes (lianjian serve's default: 2 per core)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1, help="request threads per worker")
    parser.add_argument("--connection-limit", type=int, default=1000, help="per worker")
    parser.add_argument("--workload-cap", type=int, default=5, help="inspections per inspector")
    parser.add_argument("--submit-share", type=float, default=0.5, help="inspections submitted")
    parser.add_argument("--no-gzip", action="store_true", help="tablets ask for identity")
    parser.add_argument("--cold", action="store_true",
                        help="no offline copies rendered ahead: the first read round renders them")  # fmt: skip
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and schema")
    return parser.parse_args()


def server_settings(args: argparse.Namespace) -> dict[str, int]:
    """The same for both servers; see bench/README.md for why these."""
    return {"workers": args.workers, "threads": args.threads, "connections": args.connection_limit}


def main() -> None:
    args = arguments()
    cafes = args.cafes or round(1.75 * args.tablets)
    world = setup.build_world(args.tablets, cafes, args.workload_cap, args.seed, args.cold)
    settings = server_settings(args)
    servers = {}
    try:
        for name in ("app", "baseline"):
            servers[name] = setup.start_server(name, world, settings)
        print_header(args, world, settings)
        ids = sorted(world.visits)
        share = frozenset(ids[:: round(1 / args.submit_share)] if args.submit_share else ())
        tablets = [
            Tablet(t, world, servers["app"].port, servers["baseline"].port, not args.no_gzip, share)
            for t in world.tablets
        ]
        rounds = ["baseline", "read"] * args.rounds
        timings = run_stages(tablets, ["warm-up", *rounds, *WRITE_STAGES], args.reads, servers)
        samples = [s for t in tablets for s in t.samples]
        print_verdict(report(samples, timings), per_round(timings))
        print(setup.state_check(world, len(share)))
        print_errors(samples, servers["app"])
    finally:
        for server in servers.values():
            server.stop()
        setup.drop_world(world, args.keep)
        if args.keep:
            print(f"kept: {world.home} {world.drop_schema or ''}")


def print_header(args: argparse.Namespace, world: setup.World, settings: dict) -> None:
    fewest, median, most = world.workload()
    shown = ", ".join(f"{k}={v}" for k, v in settings.items())
    print(f"setup: {args.cafes or round(1.75 * args.tablets)} internet cafés, {args.tablets} "
          f"inspectors (CT/FR) signed in, {len(world.visits)} joint inspections; per inspector "
          f"{fewest}–{most} (median {median:g}); {world.database_url.split(':', 1)[0]}; "
          f"{world.seconds:.1f} s")  # fmt: skip
    print(f"server: gunicorn {version('gunicorn')} gthread ({shown}, keep-alive "
          f"{serving.KEEP_ALIVE_SECONDS} s), the same for app (lianjian serve) and "
          f"baseline on 127.0.0.1; Python {platform.python_version()}, {os.cpu_count()} cores "
          f"shared with the client (load average {os.getloadavg()[0]:.1f} at start)")  # fmt: skip
    print(f"client: {args.tablets} threads, http.client keep-alive, {args.reads} GETs each in "
          f"baseline and read, Accept-Encoding: {'identity' if args.no_gzip else 'gzip'}\n")  # fmt: skip


if __name__ == "__main__":
    main()
