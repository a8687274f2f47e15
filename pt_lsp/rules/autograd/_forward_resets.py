"""Whether a loop resets gradients by calling a model whose ``forward`` resets them (PTL204).

Some models clear their own gradients as the first thing ``forward`` does (``self.zero_grad()``,
or ``p.grad = None`` for each of ``self.parameters()``): each call of the model then resets every
parameter it holds, so a loop that calls it before each ``backward()`` needs no other reset for
an optimizer over those parameters. The class comes from the flow engine (a class of this file or
of a project file it imports), on every path; an optimizer over another module's parameters is
not reset by it.
"""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import attr_path
from pt_lsp.rules.autograd._grad_resets import other_arm, parameter_root, paths_nested


def model_call_resets(ctx: FileContext, scope: ast.AST, optimizer: ast.expr, step: ast.Call | None = None) -> bool:
    """``scope`` (a loop or a training-step function) calls a model (``model(x)``,
    ``model.forward(x)``) whose class's ``forward`` first resets the gradients of all its
    parameters, and ``optimizer`` works on that model's parameters (or on parameters not known)."""
    root = parameter_root(ctx, attr_path(optimizer) or "")
    for node in ast.walk(scope):
        if not isinstance(node, ast.Call):
            continue
        receiver = node.func
        if isinstance(receiver, ast.Attribute) and receiver.attr == "forward":
            receiver = receiver.value
        if not isinstance(receiver, (ast.Name, ast.Attribute)):
            continue
        path = attr_path(receiver)
        if path is None or root is not None and not paths_nested(root, path):
            continue  # another module's own reset leaves these parameters alone
        if step is not None and other_arm(ctx, node, step):
            continue
        info = ctx.flow.value(receiver).cls
        if isinstance(info, ClassInfo) and _module_like(info) and _forward_resets_first(info):
            return True
    return False


def _module_like(info: ClassInfo) -> bool:
    """An ``nn.Module`` subclass, or a class whose ``zero_grad`` and ``parameters`` come from a
    base out of view (``nn.Module`` through a star import: ``from utils import *``); not a class
    that defines either itself."""
    if info.method("zero_grad") is not None or info.method("parameters") is not None:
        return False
    return (
        info.is_module
        or any(not (isinstance(base, ast.Name) and base.id == "object") for base in info.node.bases)
        and not info.local_bases
    )


def _forward_resets_first(info: ClassInfo) -> bool:
    forward = info.method("forward")
    if forward is None:
        return False
    body = forward.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]  # the docstring
    return bool(body) and _resets_own(body[0])


def _resets_own(stmt: ast.stmt) -> bool:
    """``self.zero_grad(...)``, or a loop over ``self.parameters()`` whose first statement is
    ``p.grad = None`` for the loop variable ``p``."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and func.attr == "zero_grad" and _is_self(func.value)
    if not (isinstance(stmt, ast.For) and isinstance(stmt.target, ast.Name) and stmt.body):
        return False
    iterated = stmt.iter
    if not (
        isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Attribute)
        and iterated.func.attr == "parameters"
        and _is_self(iterated.func.value)
        and not iterated.args
    ):
        return False
    first, name = stmt.body[0], stmt.target.id
    if isinstance(first, ast.Assign):
        return (
            len(first.targets) == 1
            and _grad_of(first.targets[0], name)
            and isinstance(first.value, ast.Constant)
            and first.value.value is None
        )
    return False


def _is_self(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name) and expr.id == "self"


def _grad_of(expr: ast.expr, name: str) -> bool:
    """``p.grad`` of the loop variable ``name``."""
    return (
        isinstance(expr, ast.Attribute)
        and expr.attr == "grad"
        and isinstance(expr.value, ast.Name)
        and expr.value.id == name
    )
