"""What a ``range`` loop's counter is in the pass being run: ``for k in range(n)`` gives ``k == 0``
in the first iteration and ``k >= 1`` in every later one, so ``if k > 0: fake = netG(noise)``
rebuilds the batch in every pass after the first (audit-16 G2: the path that kept the batch made
before the loop, its graph freed by the first iteration's backward, is not taken again).

Only a counter the loop body never rebinds, of ``range(start[, stop[, step]])`` with a literal
start and a literal positive step (the stop may be anything: only the lower bound is used)."""

from __future__ import annotations

import ast

from ..walk import subtree
from .state import LoopFrame
from .trips import over_range, range_start

_FLIPPED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
}


def counter_truth(
    test: ast.expr, loops: list[LoopFrame], later: set[int], cache: dict[int, tuple[int, int] | None]
) -> bool | None:
    """The truth of ``k <op> c`` (or ``c <op> k``) for the counter ``k`` of a loop being run
    around ``test``, where its pass decides it; None otherwise. ``later``: the ids of the loop
    frames in a pass after their first."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = test.left, type(test.ops[0]), test.comparators[0]
    if op not in _FLIPPED:
        return None
    if isinstance(left, ast.Constant):
        left, right, op = right, left, _FLIPPED[op]
    if not (isinstance(left, ast.Name) and isinstance(right, ast.Constant) and type(right.value) is int):
        return None
    line = getattr(test, "lineno", 0)
    for frame in reversed(loops):
        node = frame.node
        if not node.lineno <= line <= (node.end_lineno or node.lineno):
            return None  # a loop of a caller: its counter is another scope's
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            if node.target.id == left.id:
                bounds = cache[id(node)] if id(node) in cache else _bounds(node, cache)
                if bounds is None:
                    return None
                start, step = bounds
                first = id(frame) not in later
                return _decide(op, right.value, start if first else start + step, first)
    return None


def _bounds(loop: ast.For | ast.AsyncFor, cache: dict[int, tuple[int, int] | None]) -> tuple[int, int] | None:
    """(start, step) of ``for k in range(...)`` with literal ones, a positive step and a body that
    never rebinds ``k``; None otherwise."""
    found: tuple[int, int] | None = None
    start = range_start(loop) if over_range(loop) else None
    assert isinstance(loop.target, ast.Name)
    name = loop.target.id
    if start is not None:
        args = loop.iter.args  # type: ignore[attr-defined]
        step = args[2] if len(args) == 3 else ast.Constant(1)
        if isinstance(step, ast.Constant) and type(step.value) is int and step.value > 0:
            rebound = any(
                isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)
                for stmt in loop.body
                for node in subtree(stmt)
            )
            found = None if rebound else (start, step.value)
    cache[id(loop)] = found
    return found


def _decide(op: type[ast.cmpop], constant: int, low: int, exact: bool) -> bool | None:
    """``k <op> constant`` where ``k == low`` (``exact``) or ``k >= low``."""
    if exact:
        return {
            ast.Eq: low == constant,
            ast.NotEq: low != constant,
            ast.Gt: low > constant,
            ast.GtE: low >= constant,
            ast.Lt: low < constant,
            ast.LtE: low <= constant,
        }[op]
    if op is ast.Eq:
        return False if constant < low else None
    if op is ast.NotEq:
        return True if constant < low else None
    if op is ast.Gt:
        return True if low > constant else None
    if op is ast.GtE:
        return True if low >= constant else None
    if op is ast.Lt:
        return False if low >= constant else None
    return False if low > constant else None  # LtE
