"""How long does grading the whole directory take?

World: a fresh registry (SQLite file in a temp folder, or a fresh PostgreSQL schema of
DATABASE_URL), the packaged catalogue, and `lianjian seed --synthetic N`'s district (default
100,000 entities with their licences, through the same loader, which grades each batch as it
enters); then complaints for 5 % of the entities (inserted directly), so some grades weigh more
than base points. (A credit record or a result needs a drawn inspection: none here; the reads
for them run all the same, and come back empty.)

Timed, in the same run and the same database (best of --repeat):
- baseline: a bare read of the rows grading reads — each batch's entities, live licences,
  results, complaints and credit records, as tuples, nothing computed;
- `grades refresh --stale` when nothing is stale: the same reads plus every entity's inputs hash;
- `grades refresh --all`: every grade recomputed and rewritten (delete + insert per batch);
and once, the synthetic load with its grading on entry. Printed: seconds, and ratio to the
baseline. Nothing is asserted.

    .venv/bin/python bench/grading_bench.py [--entities 100000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from peewee import fn

from inspect_app import audit, migrate
from inspect_app.cli.synthetic import StaffPassword, load_synthetic_district
from inspect_app.clock import local, utcnow
from inspect_app.db import bind, open_database
from inspect_app.domain import signing_keys
from inspect_app.domain.inspection import InspectionStatus
from inspect_app.models import (
    Complaint,
    Entity,
    EntityGrade,
    Feedback,
    Industry,
    Inspection,
    Licence,
)
from inspect_app.services import grades, seeding
from seeds.catalogue_loader import load_catalogue

RNG_SEED = 20261202


def _database_url(home: Path) -> tuple[str, str | None]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{home / 'lianjian.db'}", None
    name = f"bench_{uuid.uuid4().hex[:12]}"  # a schema of its own, dropped afterwards
    admin = open_database(url)
    with admin.connection_context():
        admin.execute_sql(f"CREATE SCHEMA {name}")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{name}", name


@contextlib.contextmanager
def _quiet_bar(_label: str, _total: int):
    class Bar:
        def update(self, _n: int) -> None:
            pass

    yield Bar()


def _complaints(n: int) -> int:
    """Complaints about 5 % of the entities, received within the last 400 days."""
    rng = random.Random(RNG_SEED)
    ids = [i for (i,) in Entity.select(Entity.id).order_by(Entity.id).tuples()]
    today = local(utcnow()).date()
    complained = rng.sample(ids, max(1, n // 20))
    rows = [
        {
            "entity": i,
            "received_on": today - timedelta(days=rng.randint(0, 400)),
            "summary": "群众举报经营场所消防通道堵塞",
            "recorded_by": "bench",
        }
        for i in complained
    ]
    for start in range(0, len(rows), 2000):
        Complaint.insert_many(rows[start : start + 2000]).execute()
    return len(rows)


def bare_read(batch: int = grades.BATCH) -> int:
    """The baseline: the rows grading reads, batch by batch, as tuples."""
    seen, last = 0, 0
    while True:
        chunk = [
            i
            for (i,) in Entity.select(Entity.id)
            .where(Entity.id > last)
            .order_by(Entity.id)
            .limit(batch)
            .tuples()
        ]
        if not chunk:
            return seen
        among = grades._among(chunk)  # the same predicate grading uses (a range of ids)
        list(Entity.select(Entity.id, Entity.credit_class).where(among(Entity.id)).tuples())
        list(
            Licence.select(Licence.holder, Industry.code)
            .join(Industry)
            .where(among(Licence.holder) & Licence.status.in_(grades.LIVE_STATUSES))
            .tuples()
        )
        list(
            Inspection.select(Inspection.entity, Inspection.checked_on, Inspection.outcome)
            .where(among(Inspection.entity) & (Inspection.status == InspectionStatus.SUBMITTED))
            .tuples()
        )
        list(
            Complaint.select(Complaint.entity, Complaint.received_on)
            .where(among(Complaint.entity))
            .tuples()
        )
        list(
            Feedback.select(Feedback.entity, Feedback.created_at)
            .where(among(Feedback.entity) & (Feedback.kind == grades.CREDIT))
            .tuples()
        )
        list(
            EntityGrade.select(
                EntityGrade.entity,
                EntityGrade.inputs_hash,
                EntityGrade.config_hash,
                EntityGrade.computed_at,
            )
            .where(among(EntityGrade.entity))
            .tuples()
        )
        seen += len(chunk)
        last = chunk[-1]


def timed(fn, *args, **kwargs):
    gc.collect()
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lianjian-grading-bench-"))
    url, schema = _database_url(home)
    signing_keys.generate_key_pair(home / "keys")
    signing_keys.generate_audit_key_pair(home / "keys")
    audit.use_keys(home / "keys")
    db = bind(url)
    migrate.migrate(db)
    try:
        with db.connection_context():
            catalogue = load_catalogue()
            seeding.load_catalogue(catalogue, "bench", utcnow())
            print(f"loading a synthetic district of {args.entities:,} entities …", flush=True)
            password = StaffPassword("bench-not-a-login", home / "staff-password.txt", new=False)
            loaded, load_seconds = timed(
                load_synthetic_district, catalogue, args.entities, 2021, _quiet_bar, password
            )
            complaints = _complaints(args.entities)
            best = {"baseline": float("inf"), "stale": float("inf"), "all": float("inf")}
            for _ in range(args.repeat):
                _, seconds = timed(bare_read)
                best["baseline"] = min(best["baseline"], seconds)
                forced, seconds = timed(grades.refresh_all, "bench", utcnow(), force=True)
                best["all"] = min(best["all"], seconds)
                fresh, seconds = timed(grades.refresh_all, "bench", utcnow())
                best["stale"] = min(best["stale"], seconds)
            stored = EntityGrade.select().count()
            shares = {
                g: c
                for g, c in EntityGrade.select(EntityGrade.grade, fn.COUNT(EntityGrade.id))
                .group_by(EntityGrade.grade)
                .tuples()
            }
    finally:
        db.close()
        if schema and not args.keep:
            admin = open_database(os.environ["DATABASE_URL"])
            with admin.connection_context():
                admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)

    base = best["baseline"]
    where = "SQLite file" if not schema else url.split("@")[-1].split("?")[0]
    print(
        f"\n{args.entities:,} entities ({loaded['licences']:,} licences, {complaints:,} complaints); "
        f"{stored:,} graded, {dict(sorted(forced.unclassified.items()))} unclassified; "
        f"grades {dict(sorted(shares.items()))}; database {where}"
    )
    print(f"{'phase':<44}{'seconds':>10}{'x baseline':>12}{'per 1,000':>11}")
    per = 1000 / args.entities
    print(
        f"{'baseline: bare read of the grading rows':<44}{base:>10.2f}{1:>12.2f}{base * per:>11.3f}"
    )
    for key, label in (
        ("stale", "grades refresh --stale (nothing stale)"),
        ("all", "grades refresh --all (rewrite every grade)"),
    ):
        print(f"{label:<44}{best[key]:>10.2f}{best[key] / base:>12.2f}{best[key] * per:>11.3f}")
    print(
        f"{'seed --synthetic (load + grading on entry)':<44}{load_seconds:>10.2f}"
        f"{load_seconds / base:>12.2f}{load_seconds * per:>11.3f}"
    )
    print(f"(last --stale run wrote {fresh.written:,}; last --all wrote {forced.written:,})")


if __name__ == "__main__":
    main()
