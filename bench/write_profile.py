"""One tablet write in process, under cProfile: what a write request spends its time on.

    .venv/bin/python bench/write_profile.py [--tablets 20] [--top 30]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/write_profile.py

The world of bench/tablet_load.py (bench/_tablet_setup.py), smaller; then every inspection's
items recorded through the Flask test client (PUT /api/v1/tablet/inspections/{id}/items/{code}),
the same request the load bench sends, profiled together. Prints the mean time per write, the
SQL statements per write, and the functions with the most cumulative time. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import uuid

import _tablet_setup as setup

from inspect_app.db import database

API = "/api/v1/tablet/inspections"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()
    world = setup.build_world(args.tablets, int(args.tablets * 1.75), 5, 20261201, False)
    try:
        _profile(world, args)
    finally:
        setup.drop_world(world, keep=False)


def _profile(world: setup.World, args) -> None:
    from inspect_app.app import create_app

    app = create_app(
        {
            "DATABASE_URL": world.database_url,
            "LIANJIAN_HOME": str(world.home),
            "KEYS_DIR": str(world.keys_dir),
            "EVIDENCE_DIR": str(world.home / "evidence"),
        }
    )
    client = app.test_client()
    calls = []
    for spec in world.tablets:
        headers = {"Authorization": f"Bearer {spec.token}", "Accept-Encoding": "gzip"}
        for inspection_id in spec.inspections:
            visit = world.visits.get(inspection_id)
            if visit is None:
                continue
            for code in setup.ITEMS[spec.department]:
                calls.append((f"{API}/{inspection_id}/items/{code}", headers))
    warm, timed = calls[:4], calls[4:]
    for path, headers in warm:
        _put(client, path, headers)
    statements = _count_statements(app, client, timed[:1])
    half = len(timed) // 2
    started, cpu = time.perf_counter(), time.process_time()
    for path, headers in timed[1:half]:
        _put(client, path, headers)
    plain = (time.perf_counter() - started) / (half - 1)
    cpu = (time.process_time() - cpu) / (half - 1)
    profile = cProfile.Profile()
    profile.enable()
    for path, headers in timed[half:]:
        _put(client, path, headers)
    profile.disable()
    print(f"item writes in process ({database.obj.__class__.__name__}): {plain * 1000:.2f} ms "
          f"per write unprofiled ({cpu * 1000:.2f} ms of this process's CPU; {half - 1} writes), "
          f"{statements} SQL statements per write")  # fmt: skip
    stats = pstats.Stats(profile, stream=sys.stdout).sort_stats(args.sort)
    stats.print_stats(args.top)
    stats.print_stats(r"inspect_app/(audit|services/(offline_copies|idempotency|fieldwork))", 25)


def _put(client, path, headers):
    body = {"op_id": str(uuid.uuid4()), "item_version": 0, "result": "PASS", "notes": "现场核查"}
    answer = client.put(path, json=body, headers=headers)
    if answer.status_code != 200:
        raise SystemExit(f"{path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")


def _count_statements(app, client, calls) -> int:
    import logging

    seen = []

    class Count(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger = logging.getLogger("peewee")
    handler, level = Count(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        for path, headers in calls:
            _put(client, path, headers)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    seen = [line for line in seen if not line.startswith(("Returning", "Connection"))]
    for line in seen:
        print("  sql:", line[:110])
    return len(seen)


if __name__ == "__main__":
    main()
