"""Proofs that a tensor has more (or fewer) than one element (PTL202).

``backward()`` without a gradient needs exactly one element. The analysis knows no shapes, so
this proves ``numel != 1`` from what the code states: a factory with literal sizes
(``torch.randn(8, 3)``), a tensor literal with several items, an ``nn.Linear`` with a literal
``out_features > 1``, a loss with ``reduction="none"``, and ops that keep the property:
elementwise arithmetic (broadcasting with a tensor of ``numel != 1`` never yields one element),
activations, reshapes, dtype and device moves. A reduction (``.sum()``, ``.mean()``), an index
or anything unknown ends the proof: no finding.
"""

from __future__ import annotations

import ast
import math

from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes

SIZED_FACTORIES = {f"torch.{n}" for n in "randn rand zeros ones empty".split()}
LIKE = {f"torch.{n}_like" for n in "randn rand zeros ones empty full randint".split()}
# Ops whose result has the shape of their (broadcast) tensor operands.
ELEMENTWISE = set(
    "exp log log1p sin cos tan tanh sigmoid relu abs pow sqrt rsqrt square clamp clip neg reciprocal "
    "float double half bfloat16 to cuda cpu clone contiguous mul add sub div true_divide softmax log_softmax "
    "view reshape flatten squeeze unsqueeze t transpose permute view_as reshape_as gelu silu elu "
    "leaky_relu softplus dropout erf sign floor ceil round expm1 atan sinh cosh".split()
)
FUNCTION_PREFIXES = ("torch.", "torch.nn.functional.", "torch.special.")
ACTIVATION_MODULES = {
    f"torch.nn.{n}"
    for n in "ReLU ReLU6 LeakyReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus "
    "Dropout Identity Hardtanh Hardswish Hardsigmoid Softsign Tanhshrink".split()
}
UNREDUCED_LOSSES = {
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "soft_margin_loss",
}
MAX_DEPTH = 6
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _int(expr: ast.AST | None) -> int | None:
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def _number(expr: ast.AST | None) -> float | None:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _number(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
        return expr.value
    return None


def _sizes(args: list[ast.expr]) -> list[int] | None:
    """Literal sizes: ``(8, 3)``, ``8, 3`` or ``[8, 3]``."""
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = args[0].elts
    sizes = [size for size in map(_int, args) if size is not None]
    return sizes if sizes and len(sizes) == len(args) else None


class NonScalar:
    """``proves(expr)``: the tensor ``expr`` provably has ``numel != 1``."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    def proves(self, expr: ast.AST, depth: int = 0) -> bool:
        if depth > MAX_DEPTH:
            return False
        if isinstance(expr, ast.Name):
            values = self.bindings(expr)
            return bool(values) and all(self.proves(v, depth + 1) for v in values)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.MatMult):
                return False
            return self.proves(expr.left, depth + 1) or self.proves(expr.right, depth + 1)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.proves(expr.operand, depth + 1)
        if isinstance(expr, ast.Call):
            return self.call(expr, depth)
        return False

    def call(self, call: ast.Call, depth: int) -> bool:
        func = call.func
        qualname = self.ctx.qualname(func)
        if qualname is not None:
            return self.function(qualname, call, depth)
        if isinstance(func, ast.Attribute):
            if func.attr in ELEMENTWISE:
                broadcast_with = call.args[:1] if func.attr in ("mul", "add", "sub", "div") else []
                return self.proves(func.value, depth + 1) or any(self.proves(a, depth + 1) for a in broadcast_with)
            if func.attr == "forward":
                return self.module_output(func.value, call, depth)
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self.module_output(func, call, depth)
        if isinstance(func, ast.Call):  # nn.Linear(4, 2)(x)
            return self.constructed_output(func, call, depth)
        return False

    def function(self, qualname: str, call: ast.Call, depth: int) -> bool:
        args = call.args
        if qualname in SIZED_FACTORIES:
            size = _keyword(call, "size")
            sizes = _sizes(args) or _sizes([size] if size is not None else [])
            return sizes is not None and math.prod(sizes) != 1
        if qualname == "torch.full":
            sizes = _sizes(args[:1]) if args else None
            return sizes is not None and math.prod(sizes) != 1
        if qualname == "torch.tensor" and args and isinstance(args[0], (ast.List, ast.Tuple)):
            return len(args[0].elts) != 1
        if qualname == "torch.linspace" and len(args) >= 3:
            return _int(args[2]) not in (None, 1)
        if qualname == "torch.arange":
            bounds = [bound for bound in map(_number, args) if bound is not None]
            if args and len(args) <= 3 and len(bounds) == len(args):
                start, end, step = (
                    (0, bounds[0], 1)
                    if len(bounds) == 1
                    else (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1)
                )
                return step != 0 and max(0, math.ceil((end - start) / step)) != 1
            return False
        if qualname in LIKE:
            return bool(args) and self.proves(args[0], depth + 1)
        name = qualname.rsplit(".", 1)[-1]
        if qualname.startswith(FUNCTION_PREFIXES) and name in UNREDUCED_LOSSES:
            reduction = _keyword(call, "reduction")
            return (
                isinstance(reduction, ast.Constant)
                and reduction.value == "none"
                and any(self.proves(a, depth + 1) for a in args[:2])
            )
        if qualname.startswith(FUNCTION_PREFIXES) and name in ELEMENTWISE:
            return any(self.proves(a, depth + 1) for a in args[:2])
        return False

    # -- modules ----------------------------------------------------------------------------------
    def module_output(self, callee: ast.expr, call: ast.Call, depth: int) -> bool:
        constructors = self.constructors(callee)
        return bool(constructors) and all(self.constructed_output(c, call, depth) for c in constructors)

    def constructed_output(self, constructor: ast.AST, call: ast.Call, depth: int) -> bool:
        if not isinstance(constructor, ast.Call):
            return False
        qualname = self.ctx.qualname(constructor.func)
        if qualname == "torch.nn.Linear":
            out = (
                _int(constructor.args[1]) if len(constructor.args) > 1 else _int(_keyword(constructor, "out_features"))
            )
            return out is not None and out > 1
        if qualname in ACTIVATION_MODULES:
            return bool(call.args) and self.proves(call.args[0], depth + 1)
        if qualname == "torch.nn.Sequential" and constructor.args:
            layers = list(constructor.args)
            while (
                layers and isinstance(layers[-1], ast.Call) and self.ctx.qualname(layers[-1].func) in ACTIVATION_MODULES
            ):
                layers.pop()
            return bool(layers) and self.constructed_output(layers[-1], call, depth)
        if qualname and qualname.startswith("torch.nn.") and qualname.endswith("Loss"):
            reduction = _keyword(constructor, "reduction")
            loss = qualname.rsplit(".", 1)[-1]
            return (
                isinstance(reduction, ast.Constant)
                and reduction.value == "none"
                and loss in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss")
                and any(self.proves(a, depth + 1) for a in call.args[:2])
            )
        if isinstance(constructor.func, ast.Name) and depth < MAX_DEPTH:
            info = self.ctx.classes.get(constructor.func.id)
            if info is not None and info.is_module and self.ctx.qualname(constructor.func) is None:
                forward = info.method("forward")
                returns = [n.value for n in own_nodes(forward) if isinstance(n, ast.Return)] if forward else []
                return bool(returns) and all(r is not None and self.proves(r, depth + 1) for r in returns)
        return False

    def constructors(self, callee: ast.expr) -> list[ast.AST]:
        """The expressions a module variable (``net``, ``self.fc``) is only ever bound to."""
        if isinstance(callee, ast.Name):
            return self.bindings(callee)
        if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id == "self":
            cls = self.ctx.enclosing_class(callee)
            if cls is None:
                return []
            found: list[ast.AST] = []
            for node in ast.walk(cls):  # only while proving one backward's receiver
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and target.attr == callee.attr
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            found.append(node.value)
                        elif not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)):
                            return []
            return found
        return []

    def bindings(self, name: ast.Name) -> list[ast.AST]:
        """Every value ``name`` is assigned in its function (or module); [] if it is bound any
        other way (a parameter, a loop variable, an import, unpacking)."""
        scope = self.ctx.parent(name)
        while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
            scope = self.ctx.parent(scope)
        if scope is None:
            return []
        if isinstance(scope, _FUNCTIONS):
            arguments = scope.args
            if any(
                a is not None and a.arg == name.id
                for a in (
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                    arguments.vararg,
                    arguments.kwarg,
                )
            ):
                return []
        values: list[ast.AST] = []
        for node in own_nodes(scope):
            if isinstance(node, ast.Name) and node.id == name.id and not isinstance(node.ctx, ast.Load):
                parent = self.ctx.parent(node)
                if isinstance(parent, ast.Assign) and any(t is node for t in parent.targets):
                    values.append(parent.value)
                elif isinstance(parent, ast.AugAssign):
                    continue  # `x += y` keeps x's number of elements or grows it
                elif parent is not None and (item := self._unpacked(parent, node)) is not None:
                    values.append(item)
                else:
                    return []
            elif isinstance(node, (ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom)):
                names = (
                    node.names
                    if isinstance(node, (ast.Global, ast.Nonlocal))
                    else [a.asname or a.name.split(".")[0] for a in node.names]
                )
                if name.id in names:
                    return []
        return values

    def _unpacked(self, target: ast.AST, name: ast.Name) -> ast.AST | None:
        """``x, y = a, b``: the item of the value tuple that ``name`` receives."""
        assign = self.ctx.parent(target)
        if not (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(assign, ast.Assign)
            and any(t is target for t in assign.targets)
            and isinstance(assign.value, (ast.Tuple, ast.List))
        ):
            return None
        elts, values = target.elts, assign.value.elts
        if len(elts) != len(values) or any(isinstance(e, ast.Starred) for e in (*elts, *values)):
            return None
        return next((v for e, v in zip(elts, values) if e is name), None)
