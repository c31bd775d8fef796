"""Each deployable's requirements.txt provides every library its code imports (directly or as a
dependency of what it pins), following imports from its main.py through functions/ and shared/.
The venv has everything, so only this check notices a bundle that would fail on import."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit
DEPLOYABLES = {
    **{
        f"functions/{p.name}": p
        for p in sorted((ROOT / "functions").iterdir())
        if (p / "main.py").is_file()
    },
    "websocket_relay": ROOT / "websocket_relay",
}
OURS = ("shared", "functions", "websocket_relay")


def _module_level(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run on import: not function bodies (imports there are deliberately
    lazy, for code a deployable without that library never runs) nor TYPE_CHECKING blocks."""
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            yield from _module_level(node.orelse)
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from _module_level(getattr(node, field, []) or [])


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in _module_level(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def external_imports(entry: Path) -> set[str]:
    """Top-level names of the libraries reachable from ``entry``."""
    seen: set[Path] = set()
    todo, external = [entry], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            top = name.split(".")[0]
            if top in OURS:
                parts = name.split(".")
                for i in range(1, len(parts) + 1):  # a package's __init__ runs too
                    found = _module_file(".".join(parts[:i]))
                    if found:
                        todo.append(found)
            elif top not in sys.stdlib_module_names and top != "__future__":
                external.add(top)
    return external


@cache
def _provided_by(dist: str) -> frozenset[str]:
    """The distributions a pinned one brings: itself and its dependencies, transitively."""
    out, todo = set(), [dist.lower().replace("_", "-")]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" in req:
                continue
            todo.append(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0].lower().replace("_", "-"))
    return frozenset(out)


def _pinned(requirements: Path) -> set[str]:
    lines = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    return {re.split(r"[<>=!~\[]", line)[0].lower() for line in lines if line}


@pytest.mark.parametrize("deployable", sorted(DEPLOYABLES))
def test_a_deployables_requirements_cover_its_imports(deployable: str) -> None:
    folder = DEPLOYABLES[deployable]
    provided: set[str] = set()
    for dist in _pinned(folder / "requirements.txt"):
        provided |= _provided_by(dist)
    by_module = md.packages_distributions()
    missing = {}
    for module in external_imports(folder / "main.py"):
        dists = {d.lower().replace("_", "-") for d in by_module.get(module, [])}
        if dists and not dists & provided:
            missing[module] = sorted(dists)
    assert not missing, f"{deployable}/requirements.txt lacks {missing}"
