"""Returns a construction of a class cannot reach (PTL202): a loss class that reduces by a string
setting, ``if self.reduction == "mean": return loss.mean()``, built with ``reduction="none"``,
returns its per-element ``loss`` only. A test counts where it compares an attribute of ``self``
with a string, and the class sets that attribute once, in ``__init__``, to a string literal or to
a parameter ``__init__`` never rebinds (its value: what the construction passes, or the
default), and the file sets no attribute of that name on anything but ``self``. Anything else
leaves the branch possible."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TypeVar

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import argument_for
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._attribute_values import stored_outside

V = TypeVar("V", bound=ast.AST)


def reachable(ctx: FileContext, info: ClassInfo, constructor: ast.Call, returns: Sequence[V]) -> list[V]:
    """The values of ``returns`` (of a method of ``info``) whose ``return`` may run for the
    instance ``constructor`` builds."""
    settings: dict[str, str | bool | None] = {}
    return [r for r in returns if not _excluded(ctx, info, constructor, r, settings)]


def _excluded(
    ctx: FileContext, info: ClassInfo, constructor: ast.Call, value: ast.AST, settings: dict[str, str | bool | None]
) -> bool:
    child: ast.AST | None = ctx.parent(value)  # the `return` statement
    current = ctx.parent(child) if child is not None else None
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(current, ast.If):
            truth = _truth(ctx, info, constructor, current.test, settings)
            if (truth is False and child in current.body) or (truth is True and child in current.orelse):
                return True
        child, current = current, ctx.parent(current)
    return False


def _truth(
    ctx: FileContext, info: ClassInfo, constructor: ast.Call, test: ast.expr, settings: dict[str, str | bool | None]
) -> bool | None:
    """``self.reduction == "mean"`` (or ``!=``, either side), or ``self.reduce`` / ``not
    self.reduce`` of a flag set to ``True`` or ``False``, for this construction; None: unknown."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        truth = _truth(ctx, info, constructor, test.operand, settings)
        return None if truth is None else not truth
    if _self_attribute(test):  # `if self.reduce: return loss.mean()`
        assert isinstance(test, ast.Attribute)
        flag = _known(ctx, info, constructor, test.attr, settings)
        return flag if isinstance(flag, bool) else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    left, right = test.left, test.comparators[0]
    if isinstance(left, ast.Constant):
        left, right = right, left
    if not (_self_attribute(left) and isinstance(right, ast.Constant) and isinstance(right.value, str)):
        return None
    assert isinstance(left, ast.Attribute)
    setting = _known(ctx, info, constructor, left.attr, settings)
    if not isinstance(setting, str):
        return None
    return (setting == right.value) == isinstance(test.ops[0], ast.Eq)


def _self_attribute(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self"


def _known(
    ctx: FileContext, info: ClassInfo, constructor: ast.Call, attr: str, settings: dict[str, str | bool | None]
) -> str | bool | None:
    if attr not in settings:
        changed = attr in stored_outside(ctx)  # `crit.reduction = "mean"` after the construction
        settings[attr] = None if changed else _setting(info, constructor, attr)
    return settings[attr]


def _setting(info: ClassInfo, constructor: ast.Call, attr: str) -> str | bool | None:
    """The string (or bool) ``self.<attr>`` holds for the instance ``constructor`` builds, where the class
    stores it once, in ``__init__``, from a literal or an unchanged parameter."""
    init = info.method("__init__")
    stores = [
        node
        for node in ast.walk(info.node)
        if isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.ctx, (ast.Store, ast.Del))
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ]
    if init is None or len(stores) != 1:
        return None
    assign = next(
        (s for s in own_nodes(init) if isinstance(s, ast.Assign) and s.targets == [stores[0]]),
        None,
    )
    if assign is None or assign not in init.body:  # not under an `if`: set in every construction
        return None
    value = assign.value
    if isinstance(value, ast.Name):
        rebound = any(
            isinstance(n, ast.Name) and n.id == value.id and not isinstance(n.ctx, ast.Load) for n in own_nodes(init)
        )
        value = None if rebound else argument_for(constructor, init, value.id, bound=True)  # type: ignore[assignment]
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, (str, bool)) else None
