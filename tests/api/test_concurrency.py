"""Many threads at once, as under a threaded WSGI server: pooled connections move between
threads, and concurrent writers wait for the lock instead of failing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from inspect_app.models import Entity
from tests.factories import credit_code, login

THREADS = 8


def test_concurrent_reads_and_writes_all_succeed(app):
    headers = login("licensing", "ASC")
    codes = [credit_code() for _ in range(THREADS * 3)]

    def work(code: str) -> tuple[int, int]:
        client = app.test_client()
        created = client.post(
            "/api/v1/entities",
            headers=headers,
            json={
                "credit_code": code,
                "name": "上海宝山区并发测试便利店",
                "address": "上海市宝山区淞南镇长江南路1号",
                "street": "BS12",
                "lat": 31.352,
                "lon": 121.498,
            },
        )
        listed = client.get("/api/v1/entities?page_size=5", headers=headers)
        return created.status_code, listed.status_code

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(work, codes))
    assert answers == [(201, 200)] * len(codes)
    assert Entity.select().where(Entity.credit_code.in_(codes)).count() == len(codes)
