"""The tablet app's pure modules (inspect_app/static/tablet/lib/*.js: the queue, the sync, the
conflicts, the view of an inspection) under Node's own test runner, against a stand-in of the
tablet API (js/fake_server.mjs). This wrapper runs them and fails on a non-zero exit; it skips only
when `node` is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


@pytest.mark.skipif(
    NODE is None, reason="node (>= 20) is not installed: the app's JS tests need it"
)
def test_node_test_suite_of_the_tablet_app_passes() -> None:
    tests = sorted(str(p) for p in (HERE / "js").glob("*.test.mjs"))
    assert len(tests) >= 3, tests
    run = subprocess.run(
        [NODE, "--test", *tests], capture_output=True, text=True, timeout=300, cwd=HERE
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
