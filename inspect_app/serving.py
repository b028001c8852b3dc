"""`lianjian serve`: the API under gunicorn, pre-forked worker processes on one port.

Why gunicorn's gthread workers, 2 per core, one request thread each (bench/README.md has the
figures): CPython runs one thread's Python at a time per process, so throughput comes from
processes, not threads; every request of ours waits on the database a few times, and each wait
hands the interpreter lock to another thread of the same process, which on a busy server is
what a second request thread per worker mostly adds. The gthread worker still holds every
tablet's idle keep-alive connection in its poller, so 200 tablets need no 200 threads.
Each worker builds its own app (and database connections) after the fork.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

KEEP_ALIVE_SECONDS = 120  # a tablet keeps its connection between syncs


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1)


def options(
    host: str, port: int, workers: int, threads: int, connection_limit: int
) -> dict[str, Any]:
    """gunicorn settings for one server (the app, or the benchmark's bare baseline)."""
    return {
        "bind": f"{host}:{port}",
        "worker_class": "gthread",
        "workers": workers,
        "threads": threads,
        "worker_connections": connection_limit,
        "keepalive": KEEP_ALIVE_SECONDS,
        "accesslog": None,
    }


class _Server(BaseApplication):
    def __init__(self, factory: Callable[[], Any], settings: dict[str, Any]) -> None:
        self.factory, self.settings = factory, settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self):
        return self.factory()  # in each worker, after the fork


def serve(factory: Callable[[], Any], settings: dict[str, Any]) -> None:
    """Run until stopped (SIGTERM/SIGINT stop the workers gracefully)."""
    _Server(factory, settings).run()
