"""Method calls that hold the interpreter as a print does (PTL501's quiet statements).

``history.append(loss_value)`` on a name the file binds only to list displays, and
``env.close()`` on a name bound only to instances of a class of this file whose ``close`` runs
quiet statements only (``pass``, plain assignments): a few lines of Python that give the
writer's thread no turn. Measured in process (torch 2.13, tensorboard 2.21, 20 tries each, with
and without a forced switch interval): an event stays queued after ``imgs.append(x)`` and after
such an ``env.close()`` 20 of 20 times, as after nothing; after ``imgs.append(x.mean(0))`` or a
grid of images (torch kernels, which let go of the interpreter) 0 of 20 times, so an argument
that runs torch is work, as before. A method of a class not in view (a gym environment's
``close``) may do anything: it stays work.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from pt_lsp.core.context import FileContext

_LIST_METHODS = ("append", "extend", "insert")
# A module's mode switch sets `training` on each submodule in Python: measured in process (20 of
# 20 tries), a scalar or an image is still queued after `generator.train()` of a 41-module network
# (0.2 ms), and whole programs ending on it lose their last images as with nothing after the event.
_MODES = ("train", "eval")
# Calls that return the module they are called on, placed or cast (`Net().to(device)`).
_SAME_MODULE = {"to", "cuda", "cpu", "float", "double", "half", "train", "eval", "requires_grad_"}


def quiet_receivers(ctx: FileContext, quiet: Callable[[ast.stmt], bool]) -> frozenset[str]:
    """``imgs.append``, ``.history.append`` (for ``self.history``), ``env.close``: receivers and
    methods whose calls are quiet where their arguments are. ``quiet`` says whether a statement
    of a method body is (without these receivers: no method is quiet through itself)."""
    bindings: dict[str, list[ast.AST | None]] = {}  # what each name (or `.attribute`) is bound to
    for parameter in ctx.index.of(ast.arg):
        bindings.setdefault(parameter.arg, []).append(None)  # a parameter: anything
    for node in (*ctx.index.of(ast.Name), *ctx.index.of(ast.Attribute)):
        key = _key(node)
        if key is None or not isinstance(node, (ast.Name, ast.Attribute)) or isinstance(node.ctx, ast.Load):
            continue
        parent = ctx.parent(node)
        single = isinstance(parent, ast.Assign) and len(parent.targets) == 1 and parent.targets[0] is node
        bindings.setdefault(key, []).append(parent.value if single and isinstance(parent, ast.Assign) else None)
    found: set[str] = set()
    trained = _optimized(ctx)
    for key, bound in bindings.items():
        values = [v for v in bound if v is not None]
        if not values or len(values) != len(bound):
            continue
        if all(_module_made(ctx, v) for v in values) or (
            key in trained and not any(_own_modes(ctx, v) for v in values)
        ):
            found.update(f"{key}.{mode}" for mode in _MODES)  # `generator.train()`: flags set in Python
        if all(isinstance(v, ast.List) for v in values):
            found.update(f"{key}.{method}" for method in _LIST_METHODS)
            continue
        classes = {_local_class(ctx, v) for v in values}
        if len(classes) != 1 or None in classes:
            continue
        (name,) = classes
        info = ctx.classes.get(name) if name is not None else None
        if info is None:
            continue
        for method_name, method in info.methods.items():
            body = method.body[1:] if _docstring(method.body) else method.body
            if not method_name.startswith("__") and body and all(quiet(s) for s in body):
                found.add(f"{key}.{method_name}")
    return frozenset(found)


def receiver_key(func: ast.expr) -> str | None:
    """``imgs.append`` for ``imgs.append``, ``.history.append`` for ``self.history.append``."""
    if not isinstance(func, ast.Attribute):
        return None
    key = _key(func.value)
    return f"{key}.{func.attr}" if key is not None else None


def _key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return "." + node.attr
    return None


def _local_class(ctx: FileContext, value: ast.AST) -> str | None:
    """``Env`` for ``Env(...)``, a class this file defines (not an import of that name)."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return None
    name = value.func.id
    binding = ctx.names.binding(name, value.func)
    if name not in ctx.classes or binding is None or binding.qualname is not None:
        return None
    return name


def _docstring(body: list[ast.stmt]) -> bool:
    first = body[0] if body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def _module_made(ctx: FileContext, value: ast.AST) -> bool:
    """``nn.Linear(...)``, ``Net(...)`` of a module class of this file that keeps ``nn.Module``'s
    ``train``/``eval``, also placed (``.to(device)``): an ``nn.Module`` whose mode switch is quick."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _SAME_MODULE:
        value = value.func.value
    if not isinstance(value, ast.Call):
        return False
    qualname = ctx.qualname(value.func) or ""
    name = qualname.rsplit(".", 1)[-1]
    if qualname.startswith("torch.nn.") and name[:1].isupper() and "Parameter" not in name:
        return True
    local = _local_class(ctx, value)
    info = ctx.classes.get(local) if local is not None else None
    return info is not None and info.is_module and not any(m in info.methods for m in _MODES)


def _own_modes(ctx: FileContext, value: ast.AST) -> bool:
    """A class of this file that defines ``train`` or ``eval`` itself (which may run training)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        value = value.func.value
    local = _local_class(ctx, value)
    info = ctx.classes.get(local) if local is not None else None
    return info is not None and any(m in info.methods for m in _MODES)


def _optimized(ctx: FileContext) -> frozenset[str]:
    """Receivers whose ``.parameters()`` a ``torch.optim`` optimizer of the file is built on
    (``Adam(generator.parameters())``): modules, whatever class of another file made them."""
    found: set[str] = set()
    for call in ctx.index.of(ast.Call):
        if not (isinstance(call, ast.Call) and (ctx.qualname(call.func) or "").startswith("torch.optim.")):
            continue
        for node in (n for a in (*call.args, *(k.value for k in call.keywords)) for n in ast.walk(a)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parameters":
                key = _key(node.func.value)
                if key is not None:
                    found.add(key)
    return frozenset(found)
