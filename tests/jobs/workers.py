"""Worker processes for the fault tests: the real `lianjian worker`, and the same command with
dispatch made to stall once in the middle of a job, so a test can kill the process right there.

`python -m tests.jobs.workers worker --burst ...` is `lianjian worker --burst ...` with the stall:
the Nth assignment notice of the first run writes the stalling process id to
LIANJIAN_TEST_STALL_FILE and blocks (inside the dispatch transaction) until killed. Later runs,
seeing the file, go through.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rq import SimpleWorker

LIANJIAN = str(Path(sys.executable).with_name("lianjian"))
ROOT = Path(__file__).resolve().parents[2]
STALL_FILE = "LIANJIAN_TEST_STALL_FILE"
STALL_AFTER = "LIANJIAN_TEST_STALL_AFTER"
LEASE_SECONDS = "LIANJIAN_TEST_LEASE_SECONDS"
WAIT_SECONDS = 60  # an upper bound on waiting, never asserted as a duration


def run_worker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`lianjian worker --burst`: works until the queues (and due scheduled jobs) are done."""
    result = subprocess.run(
        [LIANJIAN, "worker", "--burst", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def start_stalling_worker(
    env: dict[str, str], stall_file: Path, *args: str, stall_after: int = 2
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.workers", "worker", "--burst", *args],
        cwd=ROOT,
        env=env | {STALL_FILE: str(stall_file), STALL_AFTER: str(stall_after)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_stall(process: subprocess.Popen, stall_file: Path) -> int:
    """The id of the process stalled mid-job (the worker, or its work-horse)."""
    wait_until(lambda: stall_file.exists() or process.poll() is not None, "the stall point")
    if not stall_file.exists():
        raise AssertionError(
            f"worker exited before the stall point:\n{process.stdout.read()[-3000:]}"
        )
    return int(stall_file.read_text())


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


class ShortLeaseWorker(SimpleWorker):
    """A SimpleWorker (the job runs in the worker process itself) whose execution lease is
    LIANJIAN_TEST_LEASE_SECONDS instead of the job timeout + 60 s: RQ calls a killed worker's
    job abandoned once the lease has passed, and a test should not wait a minute for that."""

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return int(os.environ.get(LEASE_SECONDS, "1"))


def _stall_once(notify: Callable) -> Callable:
    calls = 0
    path = Path(os.environ[STALL_FILE])
    stall_after = int(os.environ.get(STALL_AFTER, "2"))

    def stalling_notify(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == stall_after and not path.exists():
            written = path.with_suffix(".tmp")
            written.write_text(str(os.getpid()))
            written.replace(path)
            while True:  # inside the dispatch transaction, until the test kills this process
                time.sleep(1)
        return notify(*args, **kwargs)

    return stalling_notify


def main() -> None:
    from inspect_app.cli import main as lianjian
    from inspect_app.services import notifications

    notifications.notify = _stall_once(notifications.notify)
    sys.argv = ["lianjian", *sys.argv[1:]]
    lianjian()


if __name__ == "__main__":
    main()
