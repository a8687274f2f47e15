"""Whether a loop resets an optimizer's gradients (PTL204): ``zero_grad()`` and its kin, a
write to ``.grad``, a fresh optimizer, a function of the file that resets, or code handed the
optimizer that may; a reset of another optimizer's or module's gradients does not count, nor
one in the other arm of an ``if`` on a flag the call never changes."""

from __future__ import annotations

import ast

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.walk import attr_path, own_nodes
from pt_lsp.rules.autograd._stepped_optimizers import (
    assignments_to,
    bound_paths,
    optimizer_evidence,
    optimizer_path,
)

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Calls that take the optimizer without touching its gradients.
HARMLESS_WITH_OPTIMIZER = {
    "step",
    "unscale_",
    "update",
    "clip_grad_norm_",
    "clip_grad_value_",
    "print",
    "get_lr",
    "state_dict",
    "len",
    "isinstance",
    "save",
}
GRAD_RESET_METHODS = {"zero_", "fill_", "mul_", "detach_", "copy_", "requires_grad_", "set_"}


def resets_or_unknown(
    ctx: FileContext,
    loop: ast.AST,
    optimizer: ast.expr,
    depth: int = 0,
    others: list[ast.Call] | None = None,
    step: ast.Call | None = None,
    fresh: bool = True,
) -> bool:
    """The loop resets gradients somewhere, or does something with them this rule cannot see.
    ``others`` collects the resets of other optimizers' gradients, which do not count; nor
    does a reset in the other arm of an ``if`` than ``step`` (on a flag fixed in the call).
    ``fresh``: an assignment of the optimizer counts (a new one each iteration); not where the
    whole file is asked (where it is made once)."""
    path = optimizer_path(optimizer)
    # an item of a container (`opts["g"]`): the container handed on or rebuilt counts as the optimizer
    held = {path, attr_path(optimizer.value) if isinstance(optimizer, ast.Subscript) else path}
    for node in ast.walk(loop):  # only for a loop that steps an optimizer
        if resets_other(ctx, node, path):
            if others is not None and isinstance(node, ast.Call):
                others.append(node)
            continue
        if is_reset(node):
            if step is not None and other_arm(ctx, node, step):
                continue  # never runs on the path that steps
            return True
        if fresh and isinstance(node, ast.Assign) and any(p in bound_paths(node) for p in held):
            return True  # a fresh optimizer (and model) every iteration
        if isinstance(node, ast.Call):
            callee = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else node.func.id
                if isinstance(node.func, ast.Name)
                else None
            )
            if callee is None:
                continue
            local = functions_called(ctx, node)
            if (
                local
                and depth < 2
                and not (step is not None and other_arm(ctx, node, step))
                and any(resets_or_unknown(ctx, f, optimizer, depth + 1, others, step, fresh) for f in local)
            ):
                return True
            passes = any(attr_path(a) in held for a in (*node.args, *(k.value for k in node.keywords)))
            if passes and callee not in HARMLESS_WITH_OPTIMIZER and not local:
                return True  # handed to code we cannot see, which may reset it
    return False


def outer_resets(
    ctx: FileContext, outer: ast.AST, inner: ast.AST, optimizer: ast.expr, step: ast.Call
) -> list[ast.AST]:
    """The resets of ``optimizer``'s gradients in ``outer`` outside its loop ``inner``: a reset
    statement of its own (not of another optimizer's or module's, not in the other arm of an
    ``if`` than the step). Only the loops' own nodes: a function defined there is not called by
    being defined."""
    path = attr_path(optimizer)
    inside = {id(node) for node in own_nodes(inner)}
    return [
        node
        for node in own_nodes(outer)
        if id(node) not in inside
        and node is not inner
        and is_reset(node)
        and not resets_other(ctx, node, path)
        and not other_arm(ctx, node, step)
    ]


def resets_other(ctx: FileContext, node: ast.AST, path: str | None) -> bool:
    """``node`` is ``other.zero_grad()`` for an optimizer over the parameters of another
    module than ``path``'s: it leaves ``path``'s gradients alone."""
    if not (
        path and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "zero_grad"
    ):
        return False
    if _other_item(ctx, node.func.value, path):
        return True  # `opts["d"].zero_grad()` beside `opts["g"].step()`: another optimizer of the dict
    other = attr_path(node.func.value)
    if other is None or other == path:
        return False
    mine, theirs = parameter_root(ctx, path), parameter_root(ctx, other)
    if mine is not None and theirs is not None:
        return mine != theirs
    # `self.generator.zero_grad()`, a module's own reset: it clears that module's gradients
    # only, not those of `optimizerD` over another, distinct module (`self.discriminator`)
    return (
        mine is not None
        and theirs is None
        and not paths_nested(mine, other)
        and _fresh_module(ctx, mine)
        and _fresh_module(ctx, other)
    )


def _other_item(ctx: FileContext, reset: ast.expr, path: str) -> bool:
    """``reset`` and the optimizer ``path`` are items of one container under two different
    constant keys, a container the file builds of distinct `torch.optim` optimizers only."""
    if not isinstance(reset, ast.Subscript) or not isinstance(reset.slice, ast.Constant):
        return False
    try:
        mine = ast.parse(path, mode="eval").body
    except SyntaxError:
        return False
    return (
        isinstance(mine, ast.Subscript)
        and isinstance(mine.slice, ast.Constant)
        and mine.slice.value != reset.slice.value
        and attr_path(mine.value) == attr_path(reset.value) is not None
        and optimizer_evidence(ctx, reset) == "torch.optim"
    )


def parameter_root(ctx: FileContext, path: str) -> str | None:
    """``model`` for an optimizer made only by ``torch.optim.X(model.parameters(), ...)``."""
    roots: set[str | None] = set()
    for assign in assignments_to(ctx, path):
        call = assign.value
        first = call.args[0] if isinstance(call, ast.Call) and call.args else None
        if (
            isinstance(first, ast.Call)
            and isinstance(first.func, ast.Attribute)
            and first.func.attr == "parameters"
            and not first.args
        ):
            roots.add(attr_path(first.func.value))
        else:
            roots.add(None)
    return roots.pop() if len(roots) == 1 else None


def module_reset(ctx: FileContext, reset: ast.Call) -> str | None:
    """``G`` for ``G.zero_grad()`` where ``G`` is a module (not an optimizer over parameters)."""
    path = attr_path(reset.func.value) if isinstance(reset.func, ast.Attribute) else None
    return path if path is not None and parameter_root(ctx, path) is None else None


def _arms(ctx: FileContext, node: ast.AST) -> dict[int, tuple[ast.If, str]]:
    """The ``if`` statements around ``node`` in its function, each with the arm it is in."""
    found: dict[int, tuple[ast.If, str]] = {}
    child, parent = node, ctx.parent(node)
    while parent is not None and not isinstance(parent, FUNCTIONS):
        if isinstance(parent, ast.If):
            if any(s is child for s in parent.body):
                found[id(parent)] = (parent, "body")
            elif any(s is child for s in parent.orelse):
                found[id(parent)] = (parent, "orelse")
        child, parent = parent, ctx.parent(parent)
    return found


def other_arm(ctx: FileContext, reset: ast.AST, step: ast.AST) -> bool:
    """``reset`` and ``step`` are in different arms of one ``if`` whose test cannot change
    while the function runs (names and attributes it never rebinds, no calls): on the path that
    steps, the reset never runs."""
    mine = _arms(ctx, reset)
    for key, (branch, arm) in _arms(ctx, step).items():
        if key in mine and mine[key][1] != arm and _invariant(ctx, branch):
            return True
    return False


def _invariant(ctx: FileContext, branch: ast.If) -> bool:
    allowed = (ast.Name, ast.Attribute, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.expr_context)
    allowed_ops = (ast.cmpop, ast.boolop, ast.unaryop)
    nodes = list(ast.walk(branch.test))
    if not all(isinstance(n, (*allowed, *allowed_ops)) for n in nodes):
        return False
    names = {n.id for n in nodes if isinstance(n, ast.Name)}
    scope: ast.AST | None = ctx.parent(branch)
    while scope is not None and not isinstance(scope, (*FUNCTIONS, ast.Module)):
        scope = ctx.parent(scope)
    if scope is None or isinstance(scope, ast.Module) and names:
        return False  # a module-level flag may change between the calls of a loop
    return not any(
        isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load) for n in own_nodes(scope)
    ) and not any(isinstance(n, (ast.Global, ast.Nonlocal)) for n in own_nodes(scope))


def paths_nested(a: str, b: str) -> bool:
    """One path is the other or inside it (``model`` and ``model.encoder``): shared parameters."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _fresh_module(ctx: FileContext, path: str) -> bool:
    """Every assignment to ``path`` builds a new module (``nn.Sequential(...)``, a module class of
    this file, possibly ``.to(device)``): two such paths never hold the same parameters."""
    assigned = assignments_to(ctx, path)
    return bool(assigned) and all(_builds_module(ctx, a.value) for a in assigned)


def _builds_module(ctx: FileContext, value: ast.AST) -> bool:
    while (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in vocabulary.MODULE_SELF_METHODS
    ):
        value = value.func.value
    if not isinstance(value, ast.Call):
        return False
    qualname = ctx.qualname(value.func)
    if qualname is None:
        info = ctx.classes.get(value.func.id) if isinstance(value.func, ast.Name) else None
        return info is not None and info.is_module
    last = qualname.rsplit(".", 1)[-1]
    return (
        qualname.startswith("torch.nn.")
        and last[:1].isupper()
        and not qualname.startswith(("torch.nn.functional.", "torch.nn.parameter.", "torch.nn.utils."))
        and last not in ("Parameter", "Buffer", "UninitializedParameter")
    )


def is_reset(node: ast.AST) -> bool:
    """A reset of some gradient: a ``zero_grad()`` call, a write or in-place change of a ``.grad``."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if "zero_grad" in name or "set_to_none" in name:
            return True
        if isinstance(func, ast.Attribute) and func.attr in GRAD_RESET_METHODS and _mentions_grad(func.value):
            return True
    if isinstance(node, (ast.Assign, ast.Delete, ast.AugAssign)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        return any(_mentions_grad(t) for t in targets)
    return False


def _mentions_grad(expr: ast.AST) -> bool:
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        if isinstance(expr, ast.Attribute) and expr.attr == "grad":
            return True
        expr = expr.value
    return False


@PerFile
def _functions_by_name(ctx: FileContext) -> dict[str, list[ast.FunctionDef]]:
    by_name: dict[str, list[ast.FunctionDef]] = {}
    for function in ctx.index.of(ast.FunctionDef):
        by_name.setdefault(function.name, []).append(function)
    return by_name


def functions_called(ctx: FileContext, call: ast.Call) -> list[ast.FunctionDef]:
    """The file's functions ``call`` may run, by name, in source order (indexed once per file):
    methods for ``obj.name()``, other functions for ``name()``: ``model.train()`` is not the
    file's ``def train(config)`` (audit-17 M3)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        method = True
        name = func.attr
    elif isinstance(func, ast.Name):
        method = False
        name = func.id
    else:
        return []
    found = _functions_by_name(ctx).get(name, [])
    return [f for f in found if isinstance(ctx.parent(f), ast.ClassDef) is method] if found else found


def first_backward(scope: ast.AST) -> ast.Call | None:
    """The first ``<x>.backward()`` in ``scope`` (a loop, a function), nested functions aside."""
    found: ast.Call | None = None
    for node in own_nodes(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
            if found is None or (node.lineno, node.col_offset) < (found.lineno, found.col_offset):
                found = node
    return found
