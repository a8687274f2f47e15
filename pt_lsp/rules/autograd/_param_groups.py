"""The parameters an optimizer holds, as leaves (PTL203, PTL205; issue 11).

``for group in opt.param_groups: for p in group["params"]: p.mul_(0.99)`` (also
``opt.param_groups[i]["params"]``) walks the tensors the optimizer was given. They are leaves
(torch refuses a non-leaf: "can't optimize a non-leaf Tensor") and, where the optimizer was built
on a model's ``parameters()``, they require grad: an in-place change outside ``no_grad`` raises
"a leaf Variable that requires grad is being used in an in-place operation". Counted where every
binding of the optimizer in the file (or every argument a helper's calls pass for it) is a
``torch.optim`` construction on ``parameters()`` (also through ``list``, ``filter``,
``itertools.chain``, a list of them or of ``{"params": ...}`` groups). Whether the file freezes
anything is asked by the caller (a frozen parameter may sit in the optimizer).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import arguments_at_calls
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._literals import is_key

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def iterates_group_params(iterable: ast.AST) -> bool:
    """``<x>["params"]``: the cheap syntactic test (names that may hold a parameter)."""
    return isinstance(iterable, ast.Subscript) and is_key(iterable.slice, "params")


def group_parameters(
    ctx: FileContext, bindings: dict[str, list[ast.AST]], scope: ast.AST, iterable: ast.AST, name: str
) -> Step | None:
    """The step saying ``name`` (bound by ``for name in iterable``) is a parameter an optimizer
    updates, where ``iterable`` is ``group["params"]`` of ``for group in opt.param_groups`` (the
    only binding of ``group`` in ``scope``: ``bindings``) or ``opt.param_groups[i]["params"]``."""
    if not iterates_group_params(iterable):
        return None
    assert isinstance(iterable, ast.Subscript)
    group = iterable.value
    groups: ast.expr | None = None
    if isinstance(group, ast.Subscript) and _param_groups(group.value):
        groups = group.value
    elif isinstance(group, ast.Name):
        bound = bindings.get(group.id, [])
        loop = bound[0] if len(bound) == 1 else None
        if (
            isinstance(loop, (ast.For, ast.comprehension))
            and isinstance(loop.target, ast.Name)
            and _param_groups(loop.iter)
        ):
            groups = loop.iter
    if not isinstance(groups, ast.Attribute) or not _built_on_parameters(ctx, groups.value, scope):
        return None
    return Step(iterable, f"`{name}` is a parameter of the model that the optimizer holds here")


def _param_groups(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr == "param_groups"


def _built_on_parameters(ctx: FileContext, optimizer: ast.expr, scope: ast.AST) -> bool:
    """Every value the optimizer expression may hold is a ``torch.optim`` construction on
    parameters: a name's bindings in the file (a helper's parameter: what its calls pass), a
    ``self.<attr>``'s stores anywhere in the file."""
    values: list[ast.AST] = []
    if isinstance(optimizer, ast.Attribute) and isinstance(optimizer.value, ast.Name) and optimizer.value.id == "self":
        values = _stores(ctx).get("." + optimizer.attr, [])
    elif isinstance(optimizer, ast.Name):
        passed = _passed(ctx, scope, optimizer.id)
        if passed is None:
            return False
        for value in passed:  # `train(model, optimizer)`: the caller's bindings of that name
            found = _stores(ctx).get(value.id) if isinstance(value, ast.Name) else [value]
            if found is None:
                return False
            values.extend(found)
    return bool(values) and all(_optimizer_on_parameters(ctx, v) for v in values)


def _passed(ctx: FileContext, scope: ast.AST, name: str) -> list[ast.AST] | None:
    """What ``name`` holds in ``scope``: what every call passes for a helper's parameter, else
    every binding of the name in the file."""
    if isinstance(scope, _FUNCTIONS):
        arguments = scope.args
        if name in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
            passed = arguments_at_calls(ctx, scope, name)
            return list(passed) if passed else None
        if arguments.vararg is not None and arguments.vararg.arg == name:
            return None
    return _stores(ctx).get(name)


_STORES: PerFile[dict[str, list[ast.AST]]] = PerFile(lambda ctx: _all_stores(ctx))


def _stores(ctx: FileContext) -> dict[str, list[ast.AST]]:
    return _STORES(ctx)


def _all_stores(ctx: FileContext) -> dict[str, list[ast.AST]]:
    """Per name (``"opt"``) and ``self`` attribute (``".opt"``): the values the file assigns it;
    a name bound any other way (a loop, unpacking, an import) maps to a value never an optimizer."""
    found: dict[str, list[ast.AST]] = {}
    assigned: list[tuple[list[ast.expr], ast.expr | None]] = [(a.targets, a.value) for a in ctx.index.of(ast.Assign)]
    assigned += [([a.target], a.value) for a in ctx.index.of(ast.AnnAssign)]
    for targets, assigned_value in assigned:
        for target in targets:
            for part in ast.walk(target):
                key = (
                    part.id
                    if isinstance(part, ast.Name)
                    else "." + part.attr
                    if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == "self"
                    else None
                )
                if key is None:
                    continue
                value = assigned_value if part is target and assigned_value is not None else target  # unpacked: unknown
                found.setdefault(key, []).append(value)
    others: list[ast.expr] = [loop.target for loop in ctx.index.of(ast.For)]
    others += [loop.target for loop in ctx.index.of(ast.AsyncFor)]
    others += [loop.target for loop in ctx.index.of(ast.comprehension)]
    others += [item.optional_vars for item in ctx.index.of(ast.withitem) if item.optional_vars is not None]
    for target in others:  # bound by a loop or a `with`: never shown to be an optimizer
        for part in ast.walk(target):
            if isinstance(part, ast.Name):
                found.setdefault(part.id, []).append(target)
    return found


def _optimizer_on_parameters(ctx: FileContext, value: ast.AST) -> bool:
    if not isinstance(value, ast.Call) or not (ctx.qualname(value.func) or "").startswith("torch.optim."):
        return False
    params = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "params"), None)
    return params is not None and _parameters(ctx, params)


def _parameters(ctx: FileContext, expr: ast.AST, depth: int = 0) -> bool:
    """``model.parameters()``, ``list(...)`` / ``filter(f, ...)`` / ``itertools.chain(...)`` of
    such, a list or tuple of them, or of ``{"params": ...}`` groups."""
    if depth > 4:
        return False
    if isinstance(expr, (ast.List, ast.Tuple)):
        return bool(expr.elts) and all(_parameters(ctx, e, depth + 1) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        params = [v for k, v in zip(expr.keys, expr.values) if k is not None and is_key(k, "params")]
        return len(params) == 1 and None not in expr.keys and _parameters(ctx, params[0], depth + 1)
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr == "parameters" and not expr.args and ctx.qualname(func) is None:
        return True
    qualname = ctx.qualname(func) or ""
    args: Sequence[ast.expr] = expr.args
    if isinstance(func, ast.Name) and func.id in ("list", "tuple") and ctx.names.binding(func.id, func) is None:
        return len(args) == 1 and _parameters(ctx, args[0], depth + 1)
    if isinstance(func, ast.Name) and func.id == "filter" and ctx.names.binding("filter", func) is None:
        return len(args) == 2 and _parameters(ctx, args[1], depth + 1)
    if qualname == "itertools.chain":
        return bool(args) and all(_parameters(ctx, a, depth + 1) for a in args)
    return False
