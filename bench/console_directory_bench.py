"""The planner's entity directory on a 100,000-entity district, against a bare Jinja page.

A fresh PostgreSQL database (dropped afterwards) gets the catalogue and N entities over Baoshan's
streets, 60 % of them with a live licence and a stored grade (A 50 % · B 30 % · C 15 % · D 5 %),
then ANALYZE. A signed-in planner's test client asks each page R times; the baseline, measured in
the same run, is a bare page (console/base.html with an empty body, the same sign-in and
session lookup). Printed: p50 and p95 per page in ms, and p95 as a ratio of the baseline's.

    .venv/bin/python bench/console_directory_bench.py [--entities 100000] [--repeat 40]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import peewee
from flask import render_template_string

from inspect_app import migrate
from inspect_app.clock import utcnow
from inspect_app.db import database, open_database
from inspect_app.domain import signing_keys
from inspect_app.domain.credit_code import complete
from inspect_app.models import Department, Entity, EntityGrade, Industry, Licence, Street, User
from inspect_app.services import seeding
from seeds.catalogue_loader import load_catalogue

BRANDS = "鑫盛华佳福瑞祥恒嘉隆兴宝丰源润泰康美悦星月云海晨阳和安顺达新金乐"
SUFFIXES = ("便利店", "面包房", "饭店", "网络会所", "药房", "健身馆", "美发店", "书店")
GRADES = {"A": 50, "B": 30, "C": 15, "D": 5}
CHUNK = 5000
BARE = '{% extends "console/base.html" %}{% block main %}<h1>bare</h1>{% endblock %}'


def build(url: str, entities: int, seed: int) -> None:
    rng = random.Random(seed)
    database.initialize(open_database(url))
    migrate.migrate(database.obj)
    now = utcnow()
    seeding.load_catalogue(load_catalogue(), "bench", now)
    streets = [s.id for s in Street.select()]
    industries = [i.id for i in Industry.select()]
    for start in range(0, entities, CHUNK):
        rows = [
            {
                "credit_code": complete(f"91310113MA1{n:06d}"),
                "name": f"上海宝山{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(SUFFIXES)}",
                "address": f"上海市宝山区某路{n % 3000 + 1}号",
                "street": rng.choice(streets),
                "lat": 31.40 + rng.uniform(-0.08, 0.08),
                "lon": 121.45 + rng.uniform(-0.08, 0.08),
                "credit_class": rng.choice("ABCD"),
                "created_at": now,
                "updated_at": now,
            }
            for n in range(start, min(start + CHUNK, entities))
        ]
        with database.atomic():
            Entity.insert_many(rows).execute()
    ids = [i for (i,) in Entity.select(Entity.id).tuples()]
    licensed = rng.sample(ids, int(len(ids) * 0.6))
    grades, weights = zip(*GRADES.items(), strict=True)
    for start in range(0, len(licensed), CHUNK):
        chunk = licensed[start : start + CHUNK]
        with database.atomic():
            Licence.insert_many(
                [
                    {
                        "number": f"BS-2024-{holder:07d}",
                        "holder": holder,
                        "industry": rng.choice(industries),
                        "status": "ACTIVE",
                        "issued_at": now,
                        "valid_until": date.today() + timedelta(days=900),
                        "updated_at": now,
                    }
                    for holder in chunk
                ]
            ).execute()
            EntityGrade.insert_many(
                [
                    {
                        "entity": holder,
                        "grade": rng.choices(grades, weights=weights)[0],
                        "score": 40.0,
                        "factors": [],
                        "inputs_hash": "0" * 64,
                        "config_hash": "0" * 64,
                        "computed_at": now,
                    }
                    for holder in chunk
                ]
            ).execute()
    database.execute_sql("ANALYZE")


def timed(client, url: str, repeat: int) -> list[float]:
    client.get(url)  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--built", help="the URL of a district built before (kept afterwards)")
    args = parser.parse_args()
    if args.built:
        database.initialize(open_database(args.built))
        measure(args.built, args.repeat)
        return
    name = f"lj_bench_dir_{uuid.uuid4().hex[:8]}"
    admin = open_database(args.postgres)
    admin.connect()
    admin.execute_sql(f"CREATE DATABASE {name}")
    url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
    try:
        started = time.perf_counter()
        build(url, args.entities, args.seed)
        print(f"built {args.entities:,} entities in {time.perf_counter() - started:.0f} s")
        measure(url, args.repeat)
    finally:
        if not database.obj.is_closed():
            database.obj.close()
        admin.execute_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def measure(url: str, repeat: int) -> None:
    from argon2 import PasswordHasher

    from inspect_app.app import create_app

    keys = Path(tempfile.mkdtemp(prefix="lj-bench-keys-"))
    signing_keys.generate_key_pair(keys)
    signing_keys.generate_audit_key_pair(keys)
    app = create_app({"DATABASE_URL": url, "KEYS_DIR": str(keys), "LIANJIAN_HOME": str(keys)})
    app.add_url_rule("/console/bench-bare", "bench_bare", lambda: render_template_string(BARE))
    User.delete().where(User.username == "bench-planner").execute()
    User.create(
        username="bench-planner",
        name="王晓明",
        role="planner",
        department=Department.get(Department.code == "CT"),
        password_hash=PasswordHasher().hash("宝山-监管-2026"),
    )
    some = Entity.select().order_by(Entity.id.desc()).first()
    number = Licence.select(Licence.number).order_by(Licence.id.desc()).scalar()
    client = app.test_client()
    form = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed = client.post(
        "/console/sign-in",
        data={"csrf_token": token, "username": "bench-planner", "password": "宝山-监管-2026"},
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)
    pages = {
        "bare page (baseline)": "/console/bench-bare",
        "directory, first page": "/console/entities",
        "directory, page 200": "/console/entities?page=200",
        "search by name": "/console/entities?q=鑫盛",
        "search by credit code": f"/console/entities?q={some.credit_code[:14]}",
        "search by licence number": f"/console/entities?q={number}",
        "street + grade D": "/console/entities?street=BS03&grade=D",
        "industry IC": "/console/entities?industry=IC",
        "unclassified": "/console/entities?grade=none",
        "entity page": f"/console/entities/{some.credit_code}",
    }
    base = None
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p95 ratio':>10}")
    for label, page in pages.items():
        samples = timed(client, page, repeat)
        base = base or p95(samples)
        ratio = p95(samples) / base
        print(f"{label:28} {statistics.median(samples):8.1f} {p95(samples):8.1f} {ratio:9.1f}×")


if __name__ == "__main__":
    try:
        main()
    except peewee.OperationalError as error:
        raise SystemExit(f"PostgreSQL needed: {error}") from error
