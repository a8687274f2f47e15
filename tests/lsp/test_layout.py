"""The server package's import graph: no cycles (type-only imports included), and ``server``
(which wires the features to the server) is imported by no feature module."""

from __future__ import annotations

import ast
import pathlib

import pt_lsp.lsp

PACKAGE = "pt_lsp.lsp"
HERE = pathlib.Path(pt_lsp.lsp.__file__).parent
ENTRY_POINTS = {"server", "command", "__main__"}  # what starts the server; they may import server


def modules() -> dict[str, pathlib.Path]:
    return {path.stem: path for path in sorted(HERE.glob("*.py")) if path.stem != "__init__"}


def imported(name: str, path: pathlib.Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere: at the top, under ``TYPE_CHECKING``,
    inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = f"{PACKAGE}.{node.module}" if node.module else PACKAGE
            elif node.level == 0:
                base = node.module or ""
            else:
                continue  # above the package
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.startswith(PACKAGE + "."):
                module = target[len(PACKAGE) + 1 :].split(".")[0]
                if module in known and module != name:
                    found.add(module)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported(name, path, set(found)) for name, path in found.items()}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for successor in sorted(edges.get(node, ())):
            if state.get(successor) == 1:
                return path[path.index(successor) :] + [successor]
            if successor not in state:
                found = visit(successor)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_is_read():
    edges = graph()
    assert {"server", "state", "documents", "hover"} <= set(edges)
    assert {"actions", "configuration", "hover", "pull", "sync", "state"} <= edges["server"]
    assert "state" in edges["hover"]  # a TYPE_CHECKING import counts
    assert "server" in edges["command"]  # and so does one inside a function


def test_the_cycle_finder_finds_cycles():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_server_package():
    assert cycle(graph()) is None


def test_no_feature_module_imports_server():
    importers = sorted(name for name, targets in graph().items() if "server" in targets and name not in ENTRY_POINTS)
    assert importers == []
