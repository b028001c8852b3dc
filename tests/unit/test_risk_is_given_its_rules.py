"""risk/ is handed its rule documents as values: it locates and reads no file of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RISK = Path(__file__).resolve().parents[2] / "risk"
FILE_READERS = {"open", "read_text", "read_bytes", "files", "load"}


@pytest.mark.parametrize("module", sorted(RISK.glob("*.py")), ids=lambda p: p.name)
def test_risk_reads_no_file(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert imported.isdisjoint({"importlib", "pathlib", "seeds", "inspect_app"})
    assert called.isdisjoint(FILE_READERS)
