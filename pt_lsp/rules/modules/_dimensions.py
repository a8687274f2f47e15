"""Whether a value PTL302 sees has at least one dimension (a 0-d CPU tensor mixes with tensors on
any device, so only tensors with dimensions matter): displays and what is bound to them, index
expressions that keep or add dimensions, and the module-level constants and ``None`` tests those
answers read. Split from ``_tensor_makers``."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import instantiation_arguments, reaching_values
from pt_lsp.core.walk import own_nodes

DISPLAYS = (ast.List, ast.Tuple, ast.ListComp)


def indexes(subscript: ast.Subscript) -> list[ast.expr]:
    index = subscript.slice
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def is_none_index(index: ast.expr) -> bool:
    return isinstance(index, ast.Constant) and index.value is None


def keeps_dims(subscript: ast.Subscript) -> bool:
    """An index of only slices, ``None`` and ``...``: no dimension is taken away (an integer
    index of a 1-d tensor gives a 0-d one, which mixes with tensors on any device)."""
    return all(
        isinstance(i, ast.Slice) or is_none_index(i) or (isinstance(i, ast.Constant) and i.value is Ellipsis)
        for i in indexes(subscript)
    )


def data_with_dims(ctx: FileContext, data: ast.expr, depth: int = 0) -> bool:
    """A list or tuple: a display, ``list(...)`` / ``tuple(...)`` / ``sorted(...)``, a NumPy array
    made with a size, an item of a dict display (``cfg["anchors"]``), a local bound only to such,
    or a parameter of ``__init__`` that ``__init__`` never rebinds and every instantiation in the
    file passes such for (a name of a module-level constant counts as its value)."""
    if isinstance(data, DISPLAYS) or _sized_call(ctx, data):
        return True
    if isinstance(data, ast.BinOp) and isinstance(data.op, (ast.Mult, ast.Add)):
        return any(isinstance(side, DISPLAYS) for side in (data.left, data.right))  # `[1.0] * n`
    if depth > 3:
        return False
    if isinstance(data, ast.Subscript) and isinstance(data.slice, ast.Constant):
        key = data.slice.value  # `cfg["anchors"]` of a dict display with that key
        dicts = _dict_values(ctx, data.value, depth)
        items = [v for d in dicts for k, v in zip(d.keys, d.values) if isinstance(k, ast.Constant) and k.value == key]
        return bool(dicts) and len(items) == len(dicts) and all(data_with_dims(ctx, v, depth + 1) for v in items)
    values = _bound_values(ctx, data)
    return bool(values) and all(data_with_dims(ctx, v, depth + 1) for v in values or ())


def _bound_values(ctx: FileContext, data: ast.expr) -> list[ast.expr] | None:
    """What a name may hold: for a parameter of a function that never rebinds it, what every
    instantiation passes; for a local, what reaches it; for a module-level constant, its value."""
    if not isinstance(data, ast.Name):
        return None
    function = ctx.parent(data)
    while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        function = ctx.parent(function)
    if isinstance(function, ast.FunctionDef) and data.id in [a.arg for a in function.args.args]:
        stores = [
            n
            for n in own_nodes(function)
            if isinstance(n, ast.Name) and n.id == data.id and not isinstance(n.ctx, ast.Load)
        ]
        passed = instantiation_arguments(ctx, function, data.id)
        if not stores or passed is None:
            return passed
        # `if weights is None: weights = [1.0] * n`: every None is replaced, other values kept
        replaced = [_replaced_when_none(ctx, store, data.id) for store in stores]
        if any(r is None for r in replaced):
            return None
        return [r for r in replaced if r is not None] + [v for v in passed if not is_none(v)]
    values = reaching_values(ctx, data)
    if values is None:
        constant = module_constants(ctx).get(data.id)
        values = [constant.value] if constant is not None else None
    return [v for v in values if isinstance(v, ast.expr)] if values else None


def _replaced_when_none(ctx: FileContext, store: ast.Name, name: str) -> ast.expr | None:
    """The value of ``name = value`` when it is a statement of ``if name is None:``'s body."""
    stmt = ctx.parent(store)
    branch = ctx.parent(stmt) if isinstance(stmt, ast.Assign) and stmt.targets == [store] else None
    if not (isinstance(branch, ast.If) and any(s is stmt for s in branch.body)):
        return None
    test = branch.test
    tested = (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == name
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and is_none(test.comparators[0])
    )
    return stmt.value if tested and isinstance(stmt, ast.Assign) else None


def _dict_values(ctx: FileContext, value: ast.expr, depth: int) -> list[ast.Dict]:
    if isinstance(value, ast.Dict):
        return [value]
    bound = _bound_values(ctx, value) if depth <= 3 else None
    found = [d for v in bound or () for d in _dict_values(ctx, v, depth + 1)]
    return found if bound and len(found) == len(bound) else []


# calls that always give a sequence or an array with at least one dimension
SIZED_BUILTINS = frozenset({"list", "tuple", "sorted"})
NUMPY_SIZED = frozenset(f"numpy.{name}" for name in "arange linspace logspace eye identity".split())


def _sized_call(ctx: FileContext, data: ast.expr) -> bool:
    if not isinstance(data, ast.Call):
        return False
    func = data.func
    if isinstance(func, ast.Name) and func.id in SIZED_BUILTINS and ctx.names.binding(func.id, func) is None:
        return True
    qualname = ctx.qualname(func)
    if qualname in ("numpy.array", "numpy.asarray") and data.args:
        return isinstance(data.args[0], DISPLAYS)
    return qualname in NUMPY_SIZED and bool(data.args)


@PerFile
def module_constants(ctx: FileContext) -> dict[str, ast.Assign]:
    """Names the module body binds exactly once, with ``NAME = value``, and no function declares
    ``global``: what a method reading the name sees."""
    bound: dict[str, list[ast.AST]] = {}
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            bound.setdefault(stmt.targets[0].id, []).append(stmt)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.setdefault(stmt.name, []).append(stmt)
        else:  # loops, imports, `a, b = ...`, `with ... as x`, branches: bindings of their own
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bound.setdefault(node.id, []).append(node)
                elif isinstance(node, ast.alias):
                    bound.setdefault((node.asname or node.name).split(".")[0], []).append(node)
    declared = {name for node in ctx.index.of(ast.Global) for name in node.names}
    return {
        name: nodes[0]
        for name, nodes in bound.items()
        if len(nodes) == 1 and isinstance(nodes[0], ast.Assign) and name not in declared
    }


def is_none(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value is None
