"""How many items a list built by ``append`` (or ``insert``) holds where the source says (PTL202):
``losses = []`` then ``for _ in range(3): losses.append(...)`` holds 3, so ``torch.stack(losses)``
has 3 rows, and ``torch.tensor(returns)`` of ``returns.insert(0, R)`` per reward as many.

Counted only where nothing can change the count: the list is bound once to ``[]`` (the binding
that reaches the read), the only changes in its scope are ``append`` calls that are statements
of the loop bodies themselves (not under an ``if``, a ``try`` or a nested ``while``), every loop
around an append runs a count the source states (``range`` of literals, a literal, or a list
counted the same way, also through ``zip`` / ``enumerate`` / ``reversed``), with no ``break``,
``continue``, ``return`` or ``raise`` in it, and the read sits after those loops, outside them.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.context import FileContext
from pt_lsp.core.flow.trips import trips
from pt_lsp.core.walk import own_nodes

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._values import Values

_MAX_DEPTH = 3
_EXITS = (ast.Break, ast.Continue, ast.Return, ast.Raise)
_LOOPS = (ast.For, ast.AsyncFor)
_CHANGES = {"extend", "pop", "remove", "clear", "reverse", "sort", "__setitem__", "__delitem__"}
# calls that add one item: `losses.append(l)`, `returns.insert(0, R)` (discounted returns built backwards)
_ADDS = {"append": 1, "insert": 2}


def appended(values: Values, name: ast.Name, depth: int = 0) -> tuple[int, list[tuple[int, ast.expr]]] | None:
    """``(count, [(times, appended expression)])`` of the list ``name`` reads, or None where unknown."""
    if depth > _MAX_DEPTH:
        return None
    ctx = values.ctx
    bound = values.of(name)
    if len(bound) == 1 and isinstance(bound[0], ast.Name):  # `finish(log_probs)`: the one call's list
        passed = values.of(bound[0])
        empty = len(passed) == 1 and isinstance(passed[0], ast.List) and not passed[0].elts
        return appended(values, bound[0], depth + 1) if empty and _passed_unchanged(values, name) else None
    if len(bound) != 1 or not (isinstance(bound[0], ast.List) and not bound[0].elts):
        return None
    binding = ctx.parent(bound[0])
    if isinstance(binding, ast.Tuple):  # `log_probs, rewards = [], []`
        binding = ctx.parent(binding)
    scope = values.scope(name)
    if not isinstance(binding, ast.Assign) or scope is None or values.scope(binding) is not scope:
        return None
    if isinstance(scope, ast.Module) and _changed_in_functions(ctx, name.id):
        return None
    count, items = 0, []
    for node in own_nodes(scope):
        if isinstance(node, ast.Name) and node.id == name.id and node is not name:
            use = ctx.parent(node)
            if isinstance(use, ast.Attribute) and use.attr in _CHANGES:
                return None
            if isinstance(use, (ast.AugAssign, ast.Subscript)) and not isinstance(getattr(use, "ctx", None), ast.Load):
                return None
            if isinstance(use, ast.Attribute) and use.attr in _ADDS:
                added = _appended_times(values, use, binding, name, depth)
                if added is None:
                    return None
                call = ctx.parent(use)
                assert isinstance(call, ast.Call)
                count += added
                items.append((added, call.args[-1]))
    return (count, items) if count else None


def _passed_unchanged(values: Values, name: ast.Name) -> bool:
    """``name`` is a parameter of its function that the function never rebinds nor changes (no
    ``append`` or other change of the list there): it holds the list the call passes, as it was."""
    scope = values.scope(name)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    arguments = scope.args
    if name.id not in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
        return False
    for node in own_nodes(scope):
        if isinstance(node, ast.Name) and node.id == name.id:
            use = values.ctx.parent(node)
            if not isinstance(node.ctx, ast.Load) or (
                isinstance(use, ast.Attribute) and (use.attr in _CHANGES or use.attr in _ADDS)
            ):
                return False
            if isinstance(use, ast.Subscript) and not isinstance(use.ctx, ast.Load):
                return False
    return True


def _appended_times(values: Values, attr: ast.Attribute, binding: ast.Assign, read: ast.Name, depth: int) -> int | None:
    """How many times ``<name>.append(x)`` (or ``.insert(i, x)``) runs between the binding and the read."""
    ctx = values.ctx
    call = ctx.parent(attr)
    stmt = ctx.parent(call) if isinstance(call, ast.Call) and call.func is attr else None
    if not isinstance(stmt, ast.Expr) or len(call.args) != _ADDS[attr.attr] or call.keywords:  # type: ignore[union-attr]
        return None
    times, current = 1, ctx.parent(stmt)
    child: ast.AST = stmt
    after = (binding.lineno, binding.col_offset)
    while current is not None and current is not ctx.parent(binding):
        if isinstance(current, _LOOPS) and any(child is s for s in current.body):
            count = _loop_count(values, current, depth)
            if count is None or any(isinstance(n, _EXITS) for n in ast.walk(current)):
                return None
            if _inside(ctx, read, current):
                return None  # read inside the loop: a partial count
            times *= count
        elif not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            return None  # under an if, a try, a while, a with: maybe not every time
        child, current = current, ctx.parent(current)
    if current is None or (stmt.lineno, stmt.col_offset) < after or (read.lineno, read.col_offset) < after:
        return None
    return times if (stmt.lineno, stmt.col_offset) < (read.lineno, read.col_offset) else None


def _loop_count(values: Values, loop: ast.For | ast.AsyncFor, depth: int) -> int | None:
    count = trips(loop)
    return count if count is not None else _length(values, loop.iter, depth)


def _length(values: Values, expr: ast.expr, depth: int) -> int | None:
    """The number of items ``expr`` gives: a counted list, ``zip`` of several (the shortest),
    ``enumerate`` / ``reversed`` of one."""
    if isinstance(expr, ast.Name):
        found = appended(values, expr, depth + 1)
        if found is not None:
            return found[0]
        listed = comprehended(values, expr, depth + 1)  # `batch = [... for _ in range(5)]`
        if listed is not None:
            return listed
        bound = values.of(expr)  # `returns = torch.tensor(rewards)`
        if len(bound) == 1 and isinstance(bound[0], ast.Call) and depth < _MAX_DEPTH:
            return _length(values, bound[0], depth + 1)
        if len(bound) == 1 and isinstance(bound[0], (ast.List, ast.Tuple)) and not values.mutated(expr):
            # `pairs = [(x1, y1), (x2, y2)]`, a display nothing changes (here or in a function)
            if isinstance(values.scope(expr), ast.Module) and _changed_in_functions(values.ctx, expr.id):
                return None
            return _length(values, bound[0], depth + 1)
        return None
    if isinstance(expr, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in expr.elts):
        return len(expr.elts)
    if isinstance(expr, ast.Call) and values.ctx.qualname(expr.func) == "torch.tensor" and len(expr.args) == 1:
        return _length(values, expr.args[0], depth)  # `torch.tensor(rewards)`: one row per item
    if isinstance(expr, ast.ListComp):
        return comprehended(values, expr, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and not expr.keywords and expr.args:
        builtin = values.ctx.names.binding(expr.func.id, expr.func) is None
        if expr.func.id == "range" and builtin and len(expr.args) <= 3:  # `range` of int literals
            bounds = [a.value for a in expr.args if isinstance(a, ast.Constant) and type(a.value) is int]
            return len(range(*bounds)) if len(bounds) == len(expr.args) and bounds[2:] != [0] else None
        if expr.func.id == "zip":
            lengths = [_length(values, a, depth) for a in expr.args]
            return min(n for n in lengths if n is not None) if all(n is not None for n in lengths) else None
        if expr.func.id in ("enumerate", "reversed") and len(expr.args) == 1:
            return _length(values, expr.args[0], depth)
    return None


def comprehended(values: Values, seq: ast.expr | None, depth: int = 0) -> int | None:
    """The number of items of a list comprehension with one ``for`` and no ``if`` over a counted
    iterable (``[crit(model(x), y) for x, y in batch]``, ``batch`` a comprehension over
    ``range(5)``), also through a name bound only to it and never changed; None where unknown."""
    if isinstance(seq, ast.Name) and depth < _MAX_DEPTH:
        bound = values.of(seq)
        if len(bound) != 1 or not isinstance(bound[0], ast.ListComp) or values.mutated(seq):
            return None
        seq = bound[0]
    if not isinstance(seq, ast.ListComp) or len(seq.generators) != 1:
        return None
    generator = seq.generators[0]
    if generator.ifs or generator.is_async:
        return None
    return _length(values, generator.iter, depth + 1)


def _inside(ctx: FileContext, node: ast.AST, around: ast.AST) -> bool:
    current = ctx.parent(node)
    while current is not None:
        if current is around:
            return True
        current = ctx.parent(current)
    return False


def _changed_in_functions(ctx: FileContext, name: str) -> bool:
    """A module-level list that some function of the file may change (``losses.append`` there)."""
    return any(
        isinstance(node.value, ast.Name)
        and node.value.id == name
        and (node.attr in _CHANGES or node.attr in _ADDS)
        and ctx.names.scope_of(node).node is not ctx.tree
        for node in ctx.index.of(ast.Attribute)
    )
