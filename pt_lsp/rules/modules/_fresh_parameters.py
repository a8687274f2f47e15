"""PTL304's `nn.Parameter` made in `forward` (or a method it calls) from a tensor made right
there (`nn.Parameter(torch.ones(n))`, `nn.Parameter(torch.rand(a, b) * 0.5 + 0.3)`): a new
parameter on every call, like a layer made there. Wrapping a tensor that exists already
(`nn.Parameter(self.w.clamp(0))`, `nn.Parameter(w - lr * g)`) is another matter, not read here."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes

PARAMETER_CLASSES = {"torch.nn.Parameter", "torch.nn.parameter.Parameter"}
# Factories whose result holds no other tensor's values: sizes and fill values only.
_FACTORIES = {
    f"torch.{n}"
    for n in "ones zeros rand randn randint empty full eye arange linspace Tensor FloatTensor DoubleTensor".split()
}
# Methods that fill, cast or place such a tensor: the result is still a new tensor of its own.
_CHAINED = {"uniform_", "normal_", "fill_", "zero_", "float", "double", "half", "to", "cuda", "view", "reshape"}


def fresh_parameter(ctx: FileContext, call: ast.Call) -> bool:
    """``nn.Parameter(<a tensor made right there>)``, not a local state the function binds again
    (``h_t = nn.Parameter(torch.zeros(b, n))`` then ``h_t = o_t * torch.tanh(c_t)`` in a loop: an
    initial hidden state, not a weight)."""
    if ctx.qualname(call.func) not in PARAMETER_CLASSES:
        return False
    frozen = call.args[1:2] + [k.value for k in call.keywords if k.arg == "requires_grad"]
    if any(isinstance(f, ast.Constant) and f.value is False for f in frozen):
        return False  # `requires_grad=False`: a constant meant never to train
    data = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "data"), None)
    if data is None or not _fresh(ctx, data, 0):
        return False
    stmt = ctx.parent(call)
    if not (isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1):
        return True
    target = stmt.targets[0]
    if not isinstance(target, ast.Name):
        return True
    scope = ctx.parent(stmt)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scope = ctx.parent(scope)
    if scope is None:
        return True
    bindings = sum(
        1 for n in own_nodes(scope) if isinstance(n, ast.Name) and n.id == target.id and not isinstance(n.ctx, ast.Load)
    )
    return bindings == 1


def _fresh(ctx: FileContext, value: ast.expr, depth: int) -> bool:
    if depth > 8:
        return False
    if isinstance(value, ast.Call):
        if ctx.qualname(value.func) in _FACTORIES:
            return True
        func = value.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr in _CHAINED
            and ctx.qualname(func) is None
            and _fresh(ctx, func.value, depth + 1)
        )
    if isinstance(value, ast.BinOp):  # `torch.rand(a, b) * 0.5 + 0.3`
        sides = (value.left, value.right)
        return any(_fresh(ctx, s, depth + 1) for s in sides) and all(
            _fresh(ctx, s, depth + 1) or _number(s) for s in sides
        )
    return False


def _number(value: ast.expr) -> bool:
    if isinstance(value, ast.UnaryOp):
        value = value.operand
    return (
        isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)
    )
