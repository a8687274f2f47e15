"""matplotlib's object interface: the plotting methods of an ``Axes`` turn their data into arrays
as ``plt.plot`` does (``fig, ax = plt.subplots(n)``; ``ax[i].imshow(t)``: yolov5#4042).

An ``Axes`` is proven by the name's bindings only: every binding of the receiver's name in its
scope makes axes (``plt.subplots``' second item, ``plt.gca()``, ``fig.add_subplot(...)`` of a
``plt.figure()``), or iterates over such axes; a parameter or any other binding leaves it unknown
(a user's own ``self.plot(x)`` or a logger's ``.plot`` is never taken for one).
"""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.tensors import _scope_node
from pt_lsp.core.walk import own_nodes

# The pyplot functions of _conversions.PLOTTING, as Axes methods (each converts its data arguments).
AXES_PLOTTING = frozenset(
    "plot scatter hist imshow bar barh semilogx semilogy loglog errorbar fill_between stem step matshow".split()
)
_MAKERS = frozenset(f"matplotlib.pyplot.{name}" for name in ("gca", "subplot", "axes"))
_SUBPLOTS = "matplotlib.pyplot.subplots"
_FIGURE_METHODS = frozenset({"add_subplot", "gca", "add_axes"})


def axes_method(ctx: FileContext, call: ast.Call) -> str | None:
    """``matplotlib.axes.Axes.<name>`` for a plotting method of a receiver proven to be axes."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in AXES_PLOTTING:
        return None
    return f"matplotlib.axes.Axes.{func.attr}" if _is_axes(ctx, func.value, 0) else None


def _is_axes(ctx: FileContext, node: ast.expr, depth: int) -> bool:
    """``node`` is an Axes (or an array of them, indexed: ``axs[0, 1]``)."""
    if depth > 4:
        return False
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "flat":
        node = node.value
    if isinstance(node, ast.Call):
        return _makes_axes(ctx, node)
    if not isinstance(node, ast.Name):
        return False
    scope = _scope_node(ctx, node)
    if not isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.id in _parameters(scope):
        return False
    found = False
    for stmt in own_nodes(scope):
        verdict = _binding(ctx, stmt, node.id, depth)
        if verdict is False:
            return False
        found = found or verdict is True
    return found


def _binding(ctx: FileContext, stmt: ast.AST, name: str, depth: int) -> bool | None:
    """Whether ``stmt`` binds ``name`` to axes (True), to something else (False), or not at all."""
    if isinstance(stmt, ast.Assign):
        verdicts = [_target(ctx, t, stmt.value, name) for t in stmt.targets]
        return False if False in verdicts else (True if True in verdicts else None)
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.comprehension)):
        if not _binds(stmt.target, name):
            return None
        iterated = stmt.iter
        if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Name) and iterated.func.id == "enumerate":
            if not (isinstance(stmt.target, ast.Tuple) and len(stmt.target.elts) == 2 and iterated.args):
                return False
            target, iterated = stmt.target.elts[1], iterated.args[0]
            if not (isinstance(target, ast.Name) and target.id == name):
                return False
        elif not isinstance(stmt.target, ast.Name):
            return False
        if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute):
            if iterated.func.attr in ("ravel", "flatten") and not iterated.args:
                iterated = iterated.func.value
        return _is_axes(ctx, iterated, depth + 1)
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.withitem)):
        bound = stmt.optional_vars if isinstance(stmt, ast.withitem) else stmt.target
        return False if bound is not None and _binds(bound, name) else None
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.name == name:
        return False
    if isinstance(stmt, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == name for a in stmt.names):
        return False
    if isinstance(stmt, (ast.Global, ast.Nonlocal)) and name in stmt.names:
        return False
    return None


def _target(ctx: FileContext, target: ast.expr, value: ast.expr, name: str) -> bool | None:
    """``target = value`` for ``name``: axes where ``value`` makes them, or where ``value`` is
    ``plt.subplots(...)`` and ``name`` is bound inside its second item (``fig, (a1, a2) = ...``)."""
    if isinstance(target, ast.Name):
        return _makes_axes(ctx, value) if target.id == name else None
    if not _binds(target, name):
        return None
    if (
        isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and isinstance(value, ast.Call)
        and ctx.qualname(value.func) == _SUBPLOTS
    ):
        second = target.elts[1]
        return not _binds(target.elts[0], name) and _binds(second, name)
    return False


def _makes_axes(ctx: FileContext, value: ast.expr) -> bool:
    """``plt.gca()`` / ``plt.subplot(...)`` / ``plt.axes()``, or ``fig.add_subplot(...)`` of a
    figure made in the same expression (``plt.figure().add_subplot(111)``) or bound to one."""
    if not isinstance(value, ast.Call):
        return False
    if ctx.qualname(value.func) in _MAKERS:
        return True
    func = value.func
    if not isinstance(func, ast.Attribute) or func.attr not in _FIGURE_METHODS:
        return False
    return _is_figure(ctx, func.value)


def _is_figure(ctx: FileContext, node: ast.expr) -> bool:
    """``plt.figure(...)``, or a name every binding of which makes one (or is ``plt.subplots``' first item)."""
    if isinstance(node, ast.Call):
        return ctx.qualname(node.func) == "matplotlib.pyplot.figure"
    if not isinstance(node, ast.Name):
        return False
    scope = _scope_node(ctx, node)
    if not isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.id in _parameters(scope):
        return False
    found = False
    for stmt in own_nodes(scope):
        if isinstance(stmt, ast.Assign) and any(_binds(t, node.id) for t in stmt.targets):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id == node.id:
                    ok = (
                        isinstance(stmt.value, ast.Call) and ctx.qualname(stmt.value.func) == "matplotlib.pyplot.figure"
                    )
                else:
                    ok = (
                        isinstance(target, ast.Tuple)
                        and len(target.elts) == 2
                        and isinstance(target.elts[0], ast.Name)
                        and target.elts[0].id == node.id
                        and isinstance(stmt.value, ast.Call)
                        and ctx.qualname(stmt.value.func) == _SUBPLOTS
                    )
                if not ok:
                    return False
                found = True
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.comprehension, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            if _binds(stmt.target, node.id):
                return False
        elif isinstance(stmt, ast.withitem) and stmt.optional_vars is not None and _binds(stmt.optional_vars, node.id):
            return False
    return found


def _binds(target: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    a = function.args
    every = (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg)
    return {p.arg for p in every if p is not None}
