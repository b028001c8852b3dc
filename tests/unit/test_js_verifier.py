"""The draw verifier that runs in the visitor's browser (inspect_app/static/verify/*.js).

Its own tests run under Node's test runner (`node --test`, Web Crypto as in a browser): every
vector of docs/draw-vectors/ step by step, and each kind of tampering failing its step. This
wrapper runs them and fails on a non-zero exit; it skips only when `node` is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "inspect_app" / "static" / "verify"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(
    NODE is None, reason="node (>= 20) is not installed: the JS verifier's tests need it"
)


@needs_node
def test_node_test_suite_of_the_js_verifier_passes() -> None:
    tests = sorted(str(p) for p in (VERIFY / "test").glob("*.test.mjs"))
    assert tests, "no JS verifier tests found"
    run = subprocess.run(
        [NODE, "--test", *tests], capture_output=True, text=True, timeout=300, cwd=VERIFY
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
