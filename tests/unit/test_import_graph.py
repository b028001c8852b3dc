"""The import graph, counting every import at any depth (module level, inside functions, relative
ones resolved): arrows point down only. No cycle between files, none between top-level
packages, and the pure cores import neither the frameworks nor the app."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("inspect_app", "risk", "scheduler", "maps", "seeds")
PURE = ("risk", "scheduler", "maps", "seeds")
FORBIDDEN_IN_PURE = ("flask", "flask_smorest", "peewee", "playhouse", "rq", "redis", "inspect_app")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = _modules()


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The module a `from ... import` names, relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str) -> set[str]:
    """Every module name `module` imports; `from x import y` counts as x.y when y is a module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), str(MODULES[module]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)
    return found


def _local(name: str) -> str | None:
    """The project file an imported name lands in (the longest known prefix), if any."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def file_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        targets = {_local(name) for name in imports_of(module)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components of more than one node, or with a self-loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    components.append(sorted(component))
    return components


def _describe(components: list[list[str]], graph: dict[str, set[str]]) -> str:
    lines = []
    for component in components:
        members = set(component)
        arrows = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
        lines.append("cycle: " + ", ".join(component) + "\n    " + "\n    ".join(arrows))
    return "\n".join(lines)


def test_the_graph_sees_imports_at_every_depth():
    """A guard on the guard: the parser finds the imports this very layout relies on."""
    assert "inspect_app.app" in file_graph()["inspect_app.cli"]
    assert "seeds.synthetic.config" in file_graph()["seeds.synthetic.district"]
    tree = ast.parse("def f():\n    from .x import y\n")
    assert any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))


def test_no_cycle_between_files():
    graph = file_graph()
    cycles = strongly_connected(graph)
    assert not cycles, _describe(cycles, graph)


def test_no_cycle_between_top_level_packages():
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in file_graph().items():
        top = module.split(".")[0]
        packages[top].update(t.split(".")[0] for t in targets if t.split(".")[0] != top)
    cycles = strongly_connected({p: packages[p] for p in PACKAGES})
    assert not cycles, _describe(cycles, dict(packages))


@pytest.mark.parametrize("package", PURE)
def test_the_pure_cores_import_no_framework_and_not_the_app(package):
    offending = sorted(
        f"{module} imports {name}"
        for module in MODULES
        if module.split(".")[0] == package
        for name in imports_of(module)
        if name.split(".")[0] in FORBIDDEN_IN_PURE
    )
    assert not offending, "\n".join(offending)


def test_no_api_view_but_base_imports_the_models():
    offending = sorted(
        f"{module} imports {name}"
        for module in MODULES
        if module.startswith("inspect_app.api.") and module != "inspect_app.api.base"
        for name in imports_of(module)
        if name == "inspect_app.models" or name.startswith("inspect_app.models.")
    )
    assert not offending, "\n".join(offending)
