"""Stores of tensors into NumPy arrays (PTL401): ``g_loss[ind] = loss`` where ``g_loss`` is a
NumPy array the file makes (Learning-to-See-in-the-Dark#10).

NumPy converts the stored value with ``__array__`` (so ``.numpy()``) whenever the slot is not a
single element: a row of a 2-d array (``np.zeros((10, 1))[i]``) or a slice. A single element
(``np.zeros(10)[i]``, ``a[i, j]`` of a 2-d array) takes ``float(t)`` instead, which works on a
CUDA tensor. Checked under torch 2.13 with NumPy 2 and pt-lsp's fake-cuda: ``h[0] = t`` and
``g[0:3] = v`` raise "can't convert cuda:0 device type tensor to numpy", ``g[0] = t`` and
``h[0, 0] = t`` do not.
"""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext

MAKERS = frozenset({"numpy.zeros", "numpy.ones", "numpy.empty", "numpy.full"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


def _scope(ctx: FileContext, node: ast.AST) -> ast.AST | None:
    parent = ctx.parent(node)
    while parent is not None and not isinstance(parent, _SCOPES):
        parent = ctx.parent(parent)
    return parent


def _rank(ctx: FileContext, call: ast.expr) -> int | None:
    """The number of dimensions of ``np.zeros(shape)`` when the shape is written out."""
    if not isinstance(call, ast.Call) or not call.args or ctx.qualname(call.func) not in MAKERS:
        return None
    shape = call.args[0]
    if isinstance(shape, (ast.Tuple, ast.List)):
        return len(shape.elts) if not any(isinstance(e, ast.Starred) for e in shape.elts) else None
    if isinstance(shape, ast.Constant) and isinstance(shape.value, int) and not isinstance(shape.value, bool):
        return 1
    return None


def _may_store(ctx: FileContext) -> bool:
    """Some ``name[index] = value`` whose name is also bound to ``np.zeros(shape)`` with a written
    shape: the gate before the scopes of every binding (which need the file's parent map)."""
    made: set[str] = set()
    stored: set[str] = set()
    for node in ctx.index.of(ast.Assign):
        if len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and _rank(ctx, node.value) is not None:
            made.add(target.id)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            stored.add(target.value.id)
    return not made.isdisjoint(stored)


def array_stores(ctx: FileContext) -> list[ast.Assign]:
    """Assignments ``name[index] = value`` that store ``value`` into more than one element of a
    NumPy array: ``name`` is bound once in its scope, to ``np.zeros(shape)`` with a written shape,
    and the index leaves at least one dimension or holds a slice."""
    if not _may_store(ctx):
        return []
    bound: dict[tuple[int, str], list[ast.expr]] = {}
    candidates: list[tuple[ast.Assign, ast.Subscript, int]] = []
    for node in ctx.index.of(ast.Assign):
        if len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name):
            bound.setdefault((id(_scope(ctx, node)), target.id), []).append(node.value)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            candidates.append((node, target, id(_scope(ctx, node))))
    if not candidates:
        return []
    # every binding of the names an array store may concern (loops, unpacking, `+=` rebind them)
    arrays = {target.value.id for _, target, _ in candidates if isinstance(target.value, ast.Name)}
    stores: dict[tuple[int, str], int] = {}
    for name in ctx.index.of(ast.Name):
        if name.id in arrays and not isinstance(name.ctx, ast.Load):
            key = (id(_scope(ctx, name)), name.id)
            stores[key] = stores.get(key, 0) + 1
    found = []
    for store, target, scope_id in candidates:
        assert isinstance(target.value, ast.Name)
        key = (scope_id, target.value.id)
        values = bound.get(key, [])
        if len(values) != 1 or stores.get(key) != 1:
            continue
        rank = _rank(ctx, values[0])
        if rank is None:
            continue
        index = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        if any(isinstance(i, ast.Starred) or (isinstance(i, ast.Constant) and i.value is None) for i in index):
            continue  # `a[..., None]` and unpacked indices: not counted
        if any(isinstance(i, ast.Slice) for i in index) or len(index) < rank:
            found.append(store)
    return found
