"""Grad mode: whether a context manager or a decorator switches autograd off or on
(``torch.no_grad()``, ``torch.enable_grad()``, ``torch.inference_mode(False)``,
``torch.set_grad_enabled(flag)``), read with the names of the file whose code runs."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import vocabulary as api

if TYPE_CHECKING:
    from .scope import Scope


def grad_mode(expr: ast.expr, scope: Scope) -> bool | None:
    """True/False when ``expr`` is a grad-mode context manager, None otherwise."""
    if isinstance(expr, (ast.BoolOp, ast.IfExp)):
        # `with np.errstate(...) and torch.no_grad():` enters the no_grad object (audit-17 G2):
        # the item is one of its operands; off when one may be off, as a join of states is
        operands = expr.values if isinstance(expr, ast.BoolOp) else [expr.body, expr.orelse]
        modes = [grad_mode(operand, scope) for operand in operands]
        if False in modes:
            return False
        return True if all(modes) else None
    func = expr.func if isinstance(expr, ast.Call) else expr
    qualname = scope.qualname(func)  # in the file whose code runs
    if qualname in api.GRAD_MODE_OFF:
        if isinstance(expr, ast.Call) and expr.args and isinstance(expr.args[0], ast.Constant):
            return not bool(expr.args[0].value) if qualname == "torch.inference_mode" else False
        return False
    if qualname in api.GRAD_MODE_ON:
        return True
    if qualname == api.GRAD_MODE_SET and isinstance(expr, ast.Call) and expr.args:
        flag = expr.args[0]
        if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
            return flag.value
    return None


def decorated_grad_mode(function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> bool | None:
    """The grad mode a function's body runs in whatever its callers do: that of its grad-mode
    decorator (``@torch.no_grad()``, ``@torch.inference_mode``...; the one nearest the def
    wins, being the last to switch), or None without one. Read in the function's own file."""
    for decorator in reversed(function.decorator_list):
        mode = grad_mode(decorator, scope)
        if mode is not None:
            return mode
    return None
