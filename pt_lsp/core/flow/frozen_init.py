"""Whether a module class's ``__init__`` freezes every parameter it made (``Vgg16(requires_grad=
False)``; audit-5 G3): its instances' outputs then need no grad from the parameters. Read from
the constructor's last statement with the constructing call's arguments."""

from __future__ import annotations

import ast

from ..classes import ClassInfo
from ..walk import attr_path, parameter_defaults
from .loop_effects import unsets_requires_grad
from .state import Function
from .values import Args, Kwargs


def frozen_by_init(info: ClassInfo, args: Args, kwargs: Kwargs) -> bool:
    """``__init__`` ends by freezing every parameter (``for p in self.parameters(): p.requires_grad
    = False``, ``p.requires_grad_(False)``, ``self.requires_grad_(False)``), unconditionally or
    under ``if not flag:`` where this call's ``flag`` is False: nothing added after it."""
    init = info.method("__init__")
    if init is None or not init.body:
        return False
    last = init.body[-1]
    if isinstance(last, ast.If) and not last.orelse and len(last.body) == 1:
        test = last.test
        if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name)):
            return False
        if _argument_truth(init, test.operand.id, args, kwargs) is not False:
            return False
        last = last.body[0]
    if isinstance(last, ast.Expr) and _freezes(last.value, "self"):
        return True  # self.requires_grad_(False)
    if not (isinstance(last, ast.For) and isinstance(last.target, ast.Name) and len(last.body) == 1):
        return False
    iterated = last.iter
    if not (
        isinstance(iterated, ast.Call)
        and attr_path(iterated.func) == "self.parameters"
        and not iterated.args
        and not iterated.keywords
    ):
        return False
    stmt, name = last.body[0], last.target.id
    if isinstance(stmt, ast.Expr):
        return _freezes(stmt.value, name)
    return unsets_requires_grad(stmt, name)


def _freezes(call: ast.expr, name: str) -> bool:
    """``<name>.requires_grad_(False)``."""
    return (
        isinstance(call, ast.Call)
        and attr_path(call.func) == f"{name}.requires_grad_"
        and len(call.args) == 1
        and not call.keywords
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value is False
    )


def _argument_truth(init: Function, name: str, args: Args, kwargs: Kwargs) -> bool | None:
    """The boolean this call gives ``__init__``'s parameter ``name`` (passed or its default)."""
    positional = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]  # after self
    if name in kwargs:
        return kwargs[name].truth
    if name in positional and positional.index(name) < len(args):
        return args[positional.index(name)].truth
    default = parameter_defaults(init.args).get(name)
    return default.value if isinstance(default, ast.Constant) and isinstance(default.value, bool) else None
