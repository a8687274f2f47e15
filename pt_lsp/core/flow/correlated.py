"""Branches that test the same unchanged condition: ``if self.mode == 'auto':`` twice in one
block, with nothing between the two tests rebinding ``self.mode``. The second test takes the
side the first took, so what held on one side of the first ``if`` (a graph kept by
``retain_graph=True`` there, freed on the other side) holds again on that side of the second,
although the join after the first ``if`` forgot it (audit-9 R4-R5).

One scan of each statement list of the file, once per file: linear in the statements, times the
few tests alive at a time."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..walk import attr_path, subtree
from .autograd import FLAGS
from .lattice import GraphNode
from .state import State, delta

_BLOCKS = ("body", "orelse", "finalbody")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def test_paths(test: ast.expr) -> frozenset[str] | None:
    """The names and attribute paths ``test`` reads, where it reads nothing else (comparisons,
    ``and``/``or``/``not`` of names, attributes and constants: no call, no subscript); None
    otherwise (a call may answer differently each time)."""
    paths: set[str] = set()
    stack: list[ast.expr] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            continue
        if isinstance(node, (ast.Name, ast.Attribute)):
            path = attr_path(node)
            if path is None:
                return None
            paths.add(path)
        elif isinstance(node, ast.Compare):
            stack.extend([node.left, *node.comparators])
        elif isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
        else:
            return None
    return frozenset(paths) if paths else None


def _touches(written: str, paths: frozenset[str]) -> bool:
    """A write of ``written`` changes a test reading ``paths``: the same path, a prefix of one
    (``self = ...``) or an extension (``self.mode.x = ...``)."""
    return any(written == path or path.startswith(written + ".") or written.startswith(path + ".") for path in paths)


def _writes(stmt: ast.stmt) -> set[str]:
    """The paths ``stmt`` may rebind: assignment and loop targets, ``as`` names, deletions, and
    ``P.m(...)`` calls and calls given ``P`` (a method or helper may set ``P``'s attributes)."""
    found: set[str] = set()
    for node in subtree(stmt):  # (ast.walk's nodes at half its cost; a set: the order does not matter)
        if node.__class__ not in _WRITERS:
            continue  # most nodes: one look-up instead of the tests below
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        elif isinstance(node, ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                owner = attr_path(node.func.value)
                if owner is not None:
                    found.add(owner + ".\0")  # a method of `owner`: may set any attribute of it
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                path = attr_path(arg)
                if path is not None:
                    found.add(path + ".\0")
        for target in targets:
            for part in ast.walk(target):
                path = attr_path(part) if isinstance(part, (ast.Name, ast.Attribute)) else None
                if path is not None:
                    found.add(path)
    return found


# the classes _writes reads (the parser makes no subclasses of them)
_WRITERS = frozenset(
    (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr, ast.withitem, ast.Delete)
    + (ast.Global, ast.Nonlocal, ast.Call)
)


def _changes(writes: set[str], paths: frozenset[str]) -> bool:
    for written in writes:
        if written.endswith(".\0"):
            owner = written[:-2]
            if any(path.startswith(owner + ".") for path in paths):
                return True
        elif _touches(written, paths):
            return True
    return False


@dataclass
class Correlations:
    """For each ``if`` of the file: the nearest earlier sibling ``if`` whose test it repeats
    unchanged (``follows``), and the ``if`` statements that a later sibling repeats (``leads``)."""

    follows: dict[int, ast.If] = field(default_factory=dict)
    leads: set[int] = field(default_factory=set)


def correlations(tree: ast.AST, text: str) -> Correlations:
    """The correlated ``if`` statements of ``tree`` (one walk over statements, not expressions:
    only statements, handlers and match cases hold blocks; the caller keeps the answer). Only a
    graph kept by a flag (`retain_graph=`, `create_graph=`) is restored: a file naming none
    needs no scan, which most files do not."""
    result = Correlations()
    if not any(flag in text for flag in FLAGS):
        return result
    for node in _block_holders(tree):
        for name in _BLOCKS:
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                _scan(block, result)
        for handler in getattr(node, "handlers", ()) or ():
            _scan(handler.body, result)
    return result


def _block_holders(tree: ast.AST) -> list[ast.AST]:
    """``tree`` and every statement, except handler and match case below it (each scanned block
    is independent: their order does not matter)."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        for name in _HOLDING:
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack.extend(child for child in children if isinstance(child, _HOLDERS))
    return found


_HOLDING = ("body", "orelse", "finalbody", "handlers", "cases")
_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def record_sides(stmt: ast.If, after: State, taken: State | None, skipped: State | None) -> None:
    """At the join after ``stmt`` (an ``if`` a later sibling repeats): keep, per side, the
    graphs that side retained (and saw stepped) and the join dropped."""
    for side, branch in ((True, taken), (False, skipped)):
        after.paths.pop((id(stmt), side), None)
        if branch is None or taken is None or skipped is None:
            continue  # one side only: the join dropped nothing
        kept = _dropped(branch.retained, after.retained)
        stepped = _dropped(branch.updated, after.updated)
        if kept or stepped:
            after.paths[(id(stmt), side)] = (kept, stepped)


def restore_sides(first: ast.If, body: State, orelse: State) -> None:
    """On each side of an ``if`` that repeats ``first``'s test: what held on that side of
    ``first`` (the test has not changed since, so the same side is taken)."""
    for side, branch in ((True, body), (False, orelse)):
        facts = branch.paths.get((id(first), side))
        if facts is None:
            continue
        for mine, theirs in ((branch.retained, facts[0]), (branch.updated, facts[1])):
            for node, call in theirs.items():
                if node not in branch.freed:
                    mine.setdefault(node, call)


def _dropped(side: dict[GraphNode, ast.Call], after: dict[GraphNode, ast.Call]) -> dict[GraphNode, ast.Call]:
    found = delta(side, after)
    keys = found[0] if found is not None else side.keys()
    return {node: side[node] for node in keys if node in side and node not in after}


def _scan(block: list[ast.stmt], result: Correlations) -> None:
    live: dict[str, tuple[ast.If, frozenset[str]]] = {}
    for stmt in block:
        key = paths = None
        if isinstance(stmt, ast.If):
            paths = test_paths(stmt.test)
            if paths is not None:
                key = ast.unparse(stmt.test)
                first = live.get(key)
                if first is not None:
                    result.follows[id(stmt)] = first[0]
                    result.leads.add(id(first[0]))
        if not live and key is None:
            continue  # no test alive to end and none to start: nothing to read (keeps the scan cheap)
        if isinstance(stmt, _SCOPES):
            writes = {stmt.name} if not isinstance(stmt, ast.Lambda) else set()
        else:
            writes = _writes(stmt)
        for name in [k for k, (_, p) in live.items() if _changes(writes, p)]:
            del live[name]
        if key is not None and paths is not None and not _changes(writes, paths):
            live[key] = (stmt, paths)  # type: ignore[assignment]  # the nearest: it hands on the earlier ones' sides
