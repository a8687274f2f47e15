"""The entries of a list that a loop takes one per pass (``for lp in pool``, ``pool[i]`` over
``range(len(pool))``): REINFORCE's saved log-probabilities, each from its own forward, backwarded
one by one. The analysis folds a list's entries into one element, so the second pass would seem to
backward the graph the first one freed; each pass gets an entry of its own instead, beside what
all of them share (the nodes not made by the loop or comprehension that built them).

Inside another loop, entries an earlier pass of that loop put in the list count only where the
list is emptied after this loop on every way to that loop's next pass (``pool = []`` after the
updates, audit-17 G1): an entry left there was never backwarded here. A list never emptied hands
the graphs an earlier pass freed to the next one, and stays reported."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ..walk import attr_path
from .graph import GraphNodes
from .lattice import Grade, GraphNode
from .loop_effects import renamed
from .per_item import distinct_index
from .state import LoopFrame
from .values import Kind, Value

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class PassEntries:
    """The entry each pass of a loop takes, and the syntactic facts that allow it (each answered
    once per loop, so a body read at every pass costs one walk)."""

    def __init__(self, graph: GraphNodes) -> None:
        self.graph = graph
        self.nodes: dict[tuple[int, int, str], GraphNode] = {}  # (loop, pass, list) -> the pass's entry
        self.cleared: dict[tuple[int, int, tuple[str, ...]], bool] = {}
        self.index_reads: dict[tuple[int, str], bool] = {}

    def entry(
        self,
        element: Value,
        loops: Sequence[LoopFrame],
        site: ast.AST,
        lists: Sequence[tuple[str, Value]],
        key: str,
        shared: frozenset[GraphNode] | None = None,
    ) -> Value | None:
        """The entry of this pass of ``loops[-1]`` for ``element``, the folded element of the
        ``lists`` it iterates (path and value), one per pass and ``key`` (the list read at the
        index, or the loop's own target) and what the entries ``shared`` (where the items are
        known one by one; else ``shared()`` tells); None where the fold stands: an entry made in
        this loop, or in an earlier pass of the loop around it that no emptying rules out."""
        frame = loops[-1]
        if any(node.uid > frame.start_uid for node in element.history):
            return None
        outer = loops[-2] if len(loops) > 1 else None
        if outer is not None and any(node.uid <= outer.pass_start_uid for node in element.history):
            old = tuple(path for path, value in lists if _holds_older(value, outer.pass_start_uid))
            if not old or not self.emptied_after(frame.node, outer.node, old):
                return None
        if shared is None and element.items is not None and len(element.items) > 1:
            return self.zipped(element, frame, site, key)
        if shared is None:  # what entries pooled by a loop share: a feature made once before it
            shared = self.shared(element.history)
        entry = renamed(element, self.node(frame, site, key, element.history - shared))
        return entry.with_(history=entry.history | shared) if shared else entry

    def zipped(self, element: Value, frame: LoopFrame, site: ast.AST, key: str) -> Value:
        """An entry of each of the lists zipped (``zip(log_probs, values)``): each its own graph,
        beside the nodes it shares with the others (one forward of a shared trunk) and those
        ``shared()`` keeps."""
        items = element.items or ()
        entries = []
        for position, item in enumerate(items):
            if not item.history:
                entries.append(item)
                continue
            others = frozenset().union(*(other.history for k, other in enumerate(items) if k != position))
            kept = (item.history & others) | self.shared(item.history)
            own = renamed(item, self.node(frame, site, f"{key}#{position}", item.history - kept))
            entries.append(own.with_(history=own.history | kept))
        return element.with_(items=tuple(entries), history=frozenset().union(*(e.history for e in entries)))

    def node(self, frame: LoopFrame, site: ast.AST, key: str, replaced: frozenset[GraphNode]) -> GraphNode:
        """The entry's node for this pass, standing for the ``replaced`` nodes where an optimizer
        step asks which parameters they saved (autograd.py)."""
        known = (id(frame.node), frame.pass_start_uid, key)
        node = self.nodes.get(known)
        if node is None:
            node = self.nodes[known] = self.graph.fresh(site, Grade.UNKNOWN)
            self.graph.stand_ins[node.uid] = replaced
        return node

    def shared(self, history: frozenset[GraphNode]) -> frozenset[GraphNode]:
        """What every entry holds: the nodes not made by the loop (or comprehension) that made
        the entry's newest node (in any of its runs); with none such, those made outside loops.
        ``b = [a[0] * k for k in ...]`` shares ``a[0]``, made by another comprehension."""
        if not history:
            return history
        made_in = self.graph.made_in
        maker = made_in(max(history, key=lambda node: node.uid))
        if maker is None:
            return frozenset(n for n in history if made_in(n) is None)
        return frozenset(n for n in history if made_in(n) != maker)

    def read_at_index(self, loop: ast.AST, name: str, read: ast.Subscript) -> bool:
        """Whether ``read`` (``name[i]``) takes the loop's own entry: the loop runs over distinct
        indices ``i`` (``range``, ``enumerate``), and reads ``name`` only at ``i`` without
        rebinding either (``per_item.reads_own_entry_only``)."""
        if not isinstance(loop, (ast.For, ast.AsyncFor)) or not _inside(read, loop):
            return False
        index = distinct_index(loop)
        if index is None or not (isinstance(read.slice, ast.Name) and read.slice.id == index):
            return False
        key = (id(loop), name)
        known = self.index_reads.get(key)
        if known is None:
            known = self.index_reads[key] = _only_at(loop, name, index)
        return known

    def emptied_after(self, loop: ast.AST, outer: ast.AST, paths: tuple[str, ...]) -> bool:
        key = (id(loop), id(outer), paths)
        known = self.cleared.get(key)
        if known is None:
            known = self.cleared[key] = emptied_after(loop, outer, paths)
        return known


def iterated_lists(iterable: ast.expr) -> list[str]:
    """The lists a ``for`` takes its items from: ``pool``, ``self.pool``, the arguments of
    ``zip(...)`` and ``enumerate(...)``."""
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id in ("zip", "enumerate")
    ):
        return [path for arg in iterable.args if (path := attr_path(arg)) is not None]
    path = attr_path(iterable)
    return [path] if path is not None else []


def emptied_after(loop: ast.AST, outer: ast.AST, paths: tuple[str, ...]) -> bool:
    """Whether every path from the end of ``loop`` to the next pass of ``outer`` empties each of
    ``paths``: a statement after ``loop`` in its block (or in a block around it, inside
    ``outer``) that empties them, with no ``continue`` before it."""
    chain = _chain(outer, loop)
    if chain is None:
        return False
    left = set(paths)
    for block, position in reversed(chain):
        for stmt in block[position + 1 :]:
            left -= {path for path in left if _empties(stmt, path)}
            if not left:
                return True
            if _continues(stmt):
                return False
    return False


def _holds_older(value: Value, start: int) -> bool:
    if value.kind is not Kind.SEQ:
        return False
    parts = [*(value.items or ()), *((value.elem,) if value.elem is not None else ())]
    return any(node.uid <= start for part in parts for node in part.history)


def _chain(outer: ast.AST, target: ast.AST) -> list[tuple[list[ast.stmt], int]] | None:
    """The blocks from ``outer``'s body down to the one holding ``target``, each with the
    position of the statement that holds it; None where a loop or a scope lies between."""
    block: list[ast.stmt] = getattr(outer, "body", [])
    chain: list[tuple[list[ast.stmt], int]] = []
    while True:
        for position, stmt in enumerate(block):
            if stmt is target:
                chain.append((block, position))
                return chain
            if _inside(target, stmt):
                if isinstance(stmt, _LOOPS + _SCOPES):
                    return None
                inner = next((b for b in _blocks(stmt) if any(s is target or _inside(target, s) for s in b)), None)
                if inner is None:
                    return None
                chain.append((block, position))
                block = inner
                break
        else:
            return None


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(stmt, name) for name in ("body", "orelse", "finalbody") if getattr(stmt, name, None)]
    if isinstance(stmt, ast.Try):
        blocks.extend(handler.body for handler in stmt.handlers)
    if isinstance(stmt, ast.Match):
        blocks.extend(case.body for case in stmt.cases)
    return blocks


def _inside(node: ast.AST, around: ast.AST) -> bool:
    """By position: ``node`` lies within ``around``'s source span."""
    start = (getattr(around, "lineno", 0), getattr(around, "col_offset", 0))
    end = (getattr(around, "end_lineno", 0) or 0, getattr(around, "end_col_offset", 0) or 0)
    here = (getattr(node, "lineno", -1), getattr(node, "col_offset", -1))
    return (
        node is not around
        and start <= here
        and (
            getattr(node, "end_lineno", 0) or 0,
            getattr(node, "end_col_offset", 0) or 0,
        )
        <= end
    )


def _empty(expr: ast.expr) -> bool:
    """``[]``, ``list()``, ``deque()``."""
    if isinstance(expr, ast.List):
        return not expr.elts
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id in ("list", "deque")
        and not expr.args
        and not expr.keywords
    )


def _whole_slice(target: ast.expr, path: str) -> bool:
    """``path[:]``."""
    return (
        isinstance(target, ast.Subscript)
        and attr_path(target.value) == path
        and isinstance(target.slice, ast.Slice)
        and target.slice.lower is None
        and target.slice.upper is None
        and target.slice.step is None
    )


def _empties(stmt: ast.stmt, path: str) -> bool:
    """``path = []`` (also in a tuple assignment, or ``path[:] = []``), ``path.clear()``, ``del path[:]``."""
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if (attr_path(target) == path or _whole_slice(target, path)) and _empty(stmt.value):
                return True
            if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
                if len(target.elts) == len(stmt.value.elts) and any(
                    attr_path(t) == path and _empty(v) for t, v in zip(target.elts, stmt.value.elts, strict=True)
                ):
                    return True
        return False
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and func.attr == "clear" and attr_path(func.value) == path
    if isinstance(stmt, ast.Delete):
        return any(_whole_slice(target, path) for target in stmt.targets)
    return False


def _continues(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` may ``continue`` the loop around it (not a loop inside it)."""
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Continue):
            return True
        if node is not stmt and isinstance(node, _LOOPS + _SCOPES):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False


def _only_at(loop: ast.For | ast.AsyncFor, name: str, index: str) -> bool:
    """``name`` is read in the loop only as ``name[index]``, and neither is rebound there."""
    parents = {id(child): parent for parent in ast.walk(loop) for child in ast.iter_child_nodes(parent)}
    for node in (node for stmt in (*loop.body, *loop.orelse) for node in ast.walk(stmt)):
        if not isinstance(node, ast.Name) or node.id not in (name, index):
            continue
        if not isinstance(node.ctx, ast.Load):
            return False
        if node.id == name:
            read = parents.get(id(node))
            if not (
                isinstance(read, ast.Subscript)
                and read.value is node
                and isinstance(read.slice, ast.Name)
                and read.slice.id == index
                and isinstance(read.ctx, ast.Load)
            ):
                return False
    return True
