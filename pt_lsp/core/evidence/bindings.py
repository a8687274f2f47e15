"""Evidence for the Tensor-API rules (PTL103-PTL106): what an argument or receiver holds.

Syntactic and conservative: a name counts only when every binding of it in its scope is of
the same recognised kind; anything else is unknown and the rules stay silent on it.
"""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.tensors import TensorEvidence, _scope_node, made_by_factory
from pt_lsp.core.vocabulary import NUMPY_ARRAY_MAKERS
from pt_lsp.core.walk import own_nodes

# numpy functions whose result is an array (by qualified name); `np.repeat(t)` of a tensor
# calls `t.repeat` and `np.meshgrid` gives a list of arrays, so the flow's makers leave them out.
NUMPY_ARRAY_FUNCTIONS = NUMPY_ARRAY_MAKERS | {"numpy.repeat", "numpy.meshgrid"}
# torch functions that return one tensor (beyond the factories `made_by_factory` knows).
TORCH_TENSOR_FUNCTIONS = {
    f"torch.{name}"
    for name in (
        "softmax",
        "log_softmax",
        "sigmoid",
        "tanh",
        "relu",
        "exp",
        "log",
        "abs",
        "sqrt",
        "matmul",
        "mm",
        "bmm",
        "einsum",
        "cat",
        "stack",
        "where",
        "sum",
        "mean",
        "clamp",
        "flatten",
        "reshape",
        "transpose",
        "permute",
        "from_numpy",
        "as_tensor",
        "tensor",
        "cumsum",
        "outer",
        "triu",
        "tril",
        "diag",
        "masked_fill",
        "gather",
        "nn.functional.softmax",
        "nn.functional.relu",
        "nn.functional.normalize",
        "nn.functional.pad",
        "nn.functional.interpolate",
        "nn.functional.one_hot",
        "fft.fft",
        "fft.rfft",
    )
}
# ndarray methods that return an ndarray made from their receiver.
NUMPY_METHODS = {"astype", "reshape", "transpose", "copy", "flatten", "ravel", "squeeze", "clip", "T"}
# Builtins that build a sequence (data, never sizes).
SEQUENCE_BUILTINS = {"range", "list", "tuple", "sorted"}
# Size arguments: `x.size()`, `x.shape`, `torch.Size(...)`.
SIZE_ATTRIBUTES = {"shape"}
SIZE_METHODS = {"size"}


def numeric_literal(node: ast.AST) -> tuple[bool, bool]:
    """(is a non-empty nested list/tuple of numbers, contains a float)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        parts = [numeric_literal(e) for e in node.elts]
        return bool(parts) and all(p[0] for p in parts), any(p[1] for p in parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return numeric_literal(node.operand)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return True, isinstance(node.value, float)
    return False, False


def is_int_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def is_size(ctx: FileContext, node: ast.AST) -> bool:
    """``x.size()``, ``x.shape`` or ``torch.Size(...)``: a torch.Size, read as sizes."""
    if isinstance(node, ast.Attribute) and node.attr in SIZE_ATTRIBUTES:
        return True
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in SIZE_METHODS and not node.args:
            return True
        return ctx.qualname(node.func) == "torch.Size"
    return False


def is_sizes(ctx: FileContext, node: ast.AST) -> bool:
    """A single argument that is sizes: an int literal, a torch.Size, a name bound only to ints."""
    if is_int_literal(node) or is_size(ctx, node):
        return True
    if isinstance(node, ast.Name):
        values = bound_values(ctx, node)
        return values is not None and bool(values) and all(is_int_literal(v) or is_size(ctx, v) for v in values)
    return False


def bound_values(ctx: FileContext, name: ast.Name) -> list[ast.AST] | None:
    """Every value assigned to ``name`` in its scope (plain ``name = value`` statements);
    None when the name is also bound another way (a parameter, a loop, an unpacking...)."""
    scope = _scope_node(ctx, name)
    if not isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        if any(a is not None and a.arg == name.id for a in every):
            return None
    values: list[ast.AST] = []
    for node in own_nodes(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name.id:
                    values.append(node.value)
                elif any(isinstance(n, ast.Name) and n.id == name.id for n in ast.walk(target)) and not isinstance(
                    target, (ast.Attribute, ast.Subscript)
                ):
                    return None
        elif isinstance(
            node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.withitem, ast.NamedExpr, ast.comprehension)
        ):
            bound: ast.expr | None = node.optional_vars if isinstance(node, ast.withitem) else node.target
            if bound is not None and any(isinstance(n, ast.Name) and n.id == name.id for n in ast.walk(bound)):
                return None
        elif _binds_otherwise(node, name.id):
            return None
    return values or None


def _binds_otherwise(node: ast.AST, name: str) -> bool:
    """``name`` declared global, imported, defined or caught by ``node``."""
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return name in node.names
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)):
        return node.name == name
    return False


def is_ndarray(ctx: FileContext, expr: ast.AST, depth: int = 0) -> bool:
    """Evidence that ``expr`` is a numpy array: a numpy factory, ``t.numpy()``, an ndarray
    method on one, or a name bound only to such values."""
    if depth > 3:
        return False
    if isinstance(expr, ast.Call):
        qualname = ctx.qualname(expr.func)
        if qualname is not None:
            return qualname in NUMPY_ARRAY_FUNCTIONS or qualname.startswith("numpy.random.")
        if isinstance(expr.func, ast.Attribute):
            if expr.func.attr == "numpy":
                return True
            if expr.func.attr in NUMPY_METHODS:
                return is_ndarray(ctx, expr.func.value, depth + 1)
        return False
    if isinstance(expr, ast.Attribute) and expr.attr == "T":
        return is_ndarray(ctx, expr.value, depth + 1)
    if isinstance(expr, ast.Name):
        values = bound_values(ctx, expr)
        return values is not None and bool(values) and all(is_ndarray(ctx, v, depth + 1) for v in values)
    return False


def is_list_data(ctx: FileContext, expr: ast.AST, depth: int = 0) -> bool:
    """A list built from data: a list or tuple display, a comprehension, ``t.tolist()``,
    ``range(...)``/``list(...)``, or a name bound only to them."""
    if isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
        return not isinstance(expr, ast.GeneratorExp)
    if isinstance(expr, (ast.List, ast.Tuple)):
        return True  # a list or tuple display is data, never sizes
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "tolist"
        and not expr.args
    ):
        return True
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id in SEQUENCE_BUILTINS
        and ctx.names.binding(expr.func.id, expr.func) is None
    ):
        return True  # `range(n)`, `list(...)`: the builtins, not shadowed
    if isinstance(expr, ast.Name) and depth < 3:
        values = bound_values(ctx, expr)
        return values is not None and bool(values) and all(is_list_data(ctx, v, depth + 1) for v in values)
    return False


def is_first_parameter(expr: ast.AST) -> bool:
    """``next(model.parameters())`` / ``next(iter(model.parameters()))``: a parameter."""
    if not (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "next"
        and len(expr.args) == 1
    ):
        return False
    inner = expr.args[0]
    if (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id == "iter"
        and len(inner.args) == 1
    ):
        inner = inner.args[0]
    return isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "parameters"


class TensorApiEvidence:
    """One per file and rule run: tensor evidence plus the numpy facts above."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.tensors = TensorEvidence(ctx)

    def is_tensor(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name) and expr.id == "self":
            return False
        if (
            isinstance(expr, ast.Attribute)
            and expr.attr in ("weight", "bias")
            and not (isinstance(expr.value, ast.Name) and expr.value.id == "self")
        ):
            # `m.weight` may as well be a non-torch object's field: only flow evidence counts.
            return self.ctx.flow.value(expr).is_tensor
        if made_by_factory(self.ctx, expr) or is_first_parameter(expr) or self.torch_function(expr):
            return True
        if isinstance(expr, ast.Name):
            values = bound_values(self.ctx, expr)
            if values and all(is_first_parameter(v) or self.torch_function(v) for v in values):
                return True
        return self.tensors.kind(expr) is not None

    def torch_function(self, expr: ast.AST) -> bool:
        return isinstance(expr, ast.Call) and self.ctx.qualname(expr.func) in TORCH_TENSOR_FUNCTIONS

    def is_ndarray(self, expr: ast.AST) -> bool:
        return is_ndarray(self.ctx, expr)
