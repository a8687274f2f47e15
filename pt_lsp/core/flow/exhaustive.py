"""An ``if``/``elif`` chain without ``else`` that tests a loop's variable against the constants the
loop runs over: ``for d in ["Wass", "Hell"]:`` around ``if d == "Wass": ... elif d == "Hell":
...``. Every value the variable takes passes one of the tests, so the chain's empty ``else`` is
never taken: a name the chain assigns on every link is assigned on every path (audit-16 G4, where
the fall-through path handed an earlier iteration's loss, its graph freed, to ``backward()``)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..walk import subtree

if TYPE_CHECKING:
    from ..context import FileContext

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)


def exhaustive_last(ctx: FileContext, stmt: ast.If, cache: dict[int, bool]) -> bool:
    """``stmt`` is the last link, without ``else``, of such a chain: its test holds wherever it
    is reached."""
    if stmt.orelse or _tested(stmt.test) is None:
        return False
    known = cache.get(id(stmt))
    if known is None:
        known = cache[id(stmt)] = _exhaustive(ctx, stmt)
    return known


def _tested(test: ast.expr) -> tuple[str, list[object]] | None:
    """``d == "a"``, ``"a" == d``, ``d in ("a", "b")``: the name and the constants."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, right, op = test.left, test.comparators[0], test.ops[0]
    if isinstance(op, ast.Eq) and isinstance(left, ast.Constant):
        left, right = right, left
    if not isinstance(left, ast.Name):
        return None
    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
        return left.id, [right.value]
    if isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        if all(isinstance(e, ast.Constant) for e in right.elts):
            return left.id, [e.value for e in right.elts if isinstance(e, ast.Constant)]
    return None


def _exhaustive(ctx: FileContext, stmt: ast.If) -> bool:
    tested = _tested(stmt.test)
    assert tested is not None
    name, constants = tested
    head = stmt
    parent = ctx.parent(head)
    while isinstance(parent, ast.If) and len(parent.orelse) == 1 and parent.orelse[0] is head:
        link = _tested(parent.test)
        if link is None or link[0] != name:
            return False
        constants.extend(link[1])
        head, parent = parent, ctx.parent(parent)
    while parent is not None and not isinstance(parent, _SCOPES):
        if isinstance(parent, (ast.For, ast.AsyncFor)) and isinstance(parent.target, ast.Name):
            if parent.target.id == name:
                return _runs_over(ctx, parent, name, constants)
        parent = ctx.parent(parent)
    return False


def _runs_over(ctx: FileContext, loop: ast.For | ast.AsyncFor, name: str, constants: list[object]) -> bool:
    """``loop`` iterates a display of constants, each among ``constants`` (written in the loop,
    or bound once to a name the loops only read: ``dists = ["Wass", "Hell"]``), and its body never
    rebinds ``name``."""
    it = _display(ctx, loop.iter)
    if it is None or not it.elts:
        return False
    if not all(isinstance(e, ast.Constant) for e in it.elts):
        return False
    for element in it.elts:
        assert isinstance(element, ast.Constant)
        if not any(type(element.value) is type(c) and element.value == c for c in constants):
            return False
    for stmt in loop.body:
        for node in subtree(stmt):
            if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                return False
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return False
    return True


def _display(ctx: FileContext, it: ast.expr) -> ast.Tuple | ast.List | ast.Set | None:
    """The display a loop iterates: ``it`` itself, or the one display a name of the file is ever
    bound to where every other use of the name is a loop iterating it (nothing can change it)."""
    if isinstance(it, (ast.Tuple, ast.List, ast.Set)):
        return it
    if not isinstance(it, ast.Name):
        return None
    display: ast.Tuple | ast.List | ast.Set | None = None
    for node in ctx.index.of(ast.Name):
        if node.id != it.id:
            continue
        parent = ctx.parent(node)
        if isinstance(node.ctx, ast.Load):
            if not (isinstance(parent, (ast.For, ast.AsyncFor)) and parent.iter is node):
                return None  # passed on, indexed, mutated through a method: it may change
        elif (
            display is None
            and isinstance(parent, ast.Assign)
            and parent.targets == [node]
            and isinstance(parent.value, (ast.Tuple, ast.List, ast.Set))
        ):
            display = parent.value
        else:
            return None
    return display
