"""A ``torch.distributions`` object ``__init__`` keeps in an attribute (``self.N =
torch.distributions.Normal(0, 1)``, a VAE's prior): its parameters are plain CPU tensors that
``model.to(device)`` does not move (a distribution is no module), so ``self.N.sample(mu.shape)``
in ``forward`` makes a CPU tensor beside the model's CUDA ones. PTL302 reports it."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.rules.modules._device_moves import MOVES_AT_USE, placement_free
from pt_lsp.rules.modules._module_evidence import Function, init_assignments, self_attribute_uses
from pt_lsp.rules.modules._tensor_makers import tensor_values

DISTRIBUTIONS = "torch.distributions."


def kept_distributions(
    ctx: FileContext, info: ClassInfo, init: Function, reached: list[Function]
) -> list[tuple[str, ast.Assign, list[ast.Call]]]:
    """(attribute, its assignment, the calls of its methods in what ``forward`` reaches that no
    move follows) for each distribution ``__init__`` makes from numbers and plain tensors."""
    found: list[tuple[str, ast.Assign, list[ast.Call]]] = []
    for attr, stmt in init_assignments(info, init).items():
        value = stmt.value
        if not (isinstance(value, ast.Call) and _distribution_class(ctx, value.func)):
            continue
        arguments = [*value.args, *(k.value for k in value.keywords if k.arg != "validate_args")]
        if not arguments or not placement_free(ctx, value):
            continue
        if not all(_number(a) or tensor_values(ctx, init, a) is not None for a in arguments):
            continue  # a tensor handed in may be on any device
        calls = [c for m in reached for use in self_attribute_uses(m, attr) if (c := _unmoved_call(ctx, use))]
        if calls:
            found.append((attr, stmt, calls))
    return found


def _distribution_class(ctx: FileContext, func: ast.expr) -> bool:
    qualname = ctx.qualname(func)
    return bool(qualname and qualname.startswith(DISTRIBUTIONS) and qualname.rsplit(".", 1)[-1][:1].isupper())


def _number(value: ast.expr) -> bool:
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    return (
        isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)
    )


def _unmoved_call(ctx: FileContext, use: ast.Attribute) -> ast.Call | None:
    """``self.N.sample(shape)`` (any method of the distribution) whose result is not moved at
    once (``.to(x.device)``, ``.cuda()``)."""
    method = ctx.parent(use)
    call = ctx.parent(method) if isinstance(method, ast.Attribute) else None
    if not (isinstance(call, ast.Call) and call.func is method):
        return None
    after = ctx.parent(call)
    if isinstance(after, ast.Attribute) and after.attr in MOVES_AT_USE:
        return None
    return call
