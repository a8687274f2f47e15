"""Proofs that a tensor has more (or fewer) than one element (PTL202).

``backward()`` without a gradient needs exactly one element. The flow engine knows no shapes,
so this proves ``numel != 1`` from what the code states: a factory with literal sizes
(``torch.randn(8, 3)``), a tensor literal with several items, an ``nn.Linear`` with a literal
``out_features > 1``, a loss with ``reduction="none"``, and ops that keep the property:
elementwise arithmetic (broadcasting with a tensor of ``numel != 1`` never yields one element),
activations, reshapes, dtype and device moves. Where these end (a reduction over some
dimensions, ``torch.cat`` / ``torch.stack``, an item of a returned dict or tuple), the shapes
the code states decide (``_shapes.py``). A full reduction (``.sum()``, ``.mean()``), an index
or anything unknown ends the proof: no finding.
"""

from __future__ import annotations

import ast
import bisect
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from pt_lsp.core import vocabulary
from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import statement_index, statement_of
from pt_lsp.core.evidence.reaching import (
    argument_for,
    arguments_at_calls,
    instantiation_arguments,
    local_function,
    returned_values,
)
from pt_lsp.core.flow.lattice import Proof
from pt_lsp.core.flow.lattice import proof_all as _all
from pt_lsp.core.flow.lattice import proof_either as _either
from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import own_nodes, parameter_defaults
from pt_lsp.rules.autograd._shapes import JOINS, ROWS, Shape, Shapes

SIZED_FACTORIES = vocabulary.SIZED_FACTORIES
LIKE = {f"torch.{n}_like" for n in "randn rand zeros ones empty full randint".split()}
# Ops whose result has the shape of their (broadcast) tensor operands.
ELEMENTWISE = set(
    "exp log log1p sin cos tan tanh sigmoid relu abs pow sqrt rsqrt square clamp clip neg reciprocal "
    "float double half bfloat16 to cuda cpu clone contiguous mul add sub div true_divide softmax log_softmax "
    "view reshape flatten squeeze unsqueeze t transpose permute view_as reshape_as gelu silu elu "
    "leaky_relu softplus dropout erf sign floor ceil round expm1 atan sinh cosh logsigmoid hardtanh relu6 selu "
    "celu mish".split()
)
FUNCTION_PREFIXES = ("torch.", "torch.nn.functional.", "torch.special.")
ACTIVATION_MODULES = {
    f"torch.nn.{n}"
    for n in "ReLU ReLU6 LeakyReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus "
    "Dropout Identity Hardtanh Hardswish Hardsigmoid Softsign Tanhshrink".split()
}
# Ops whose result has their (first) operand's shape exactly, and reductions of the last dimension.
SAME_SHAPE = set(
    "exp log log1p sin cos tanh sigmoid relu abs sqrt rsqrt square neg reciprocal float double half "
    "bfloat16 to cuda cpu clone detach contiguous softmax log_softmax normalize gelu silu elu leaky_relu "
    "softplus dropout erf sign".split()
)
LAST_DIM_REDUCTIONS = {"sum", "mean", "norm", "prod", "amax", "amin", "logsumexp", "std", "var"}
CONV_MODULES = {f"torch.nn.{n}" for n in "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d".split()}
UNREDUCED_LOSSES = {
    "kl_div",
    "poisson_nll_loss",
    "hinge_embedding_loss",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "soft_margin_loss",
    "margin_ranking_loss",
    "gaussian_nll_loss",
}
# Per-element losses (an output of the shape of the broadcast inputs) and per-row ones (one value
# per sample of an (N, C) input), by module and by functional name.
ELEMENTWISE_LOSS_MODULES = {
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "SoftMarginLoss",
    "KLDivLoss",
    "PoissonNLLLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "GaussianNLLLoss",
}
# (N, C) or (N, D) inputs, one value per row: classification losses and embedding losses.
ROW_LOSS_MODULES = {
    "CrossEntropyLoss",
    "NLLLoss",
    "MultiMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiLabelMarginLoss",
    "TripletMarginLoss",
    "CosineEmbeddingLoss",
}
ROW_LOSSES = {
    "cross_entropy",
    "nll_loss",
    "multi_margin_loss",
    "multilabel_soft_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "cosine_embedding_loss",
}
# Wrappers whose result has the size of the tensor they wrap.
WRAPPERS = {"torch.autograd.Variable", "torch.nn.Parameter", "torch.nn.parameter.Parameter"}
# Module methods that return the module itself.
RETURNS_SELF = {"eval", "train", "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "requires_grad_", "apply"}
MAX_DEPTH = 16  # a cycle guard: each step reads one expression, a backward call at most a few hundred
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "clear"}
R = TypeVar("R")


def _base_names(cls: ast.ClassDef) -> set[str]:
    names = {b.id for b in cls.bases if isinstance(b, ast.Name)}
    return names | {b.attr for b in cls.bases if isinstance(b, ast.Attribute)}


def _decorator(decorator: ast.expr) -> ast.expr:
    """``@dataclass(frozen=True)`` names ``dataclass`` too."""
    return decorator.func if isinstance(decorator, ast.Call) else decorator


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


Evidence = Proof[Step]  # the places that prove it, or None without a proof (core/flow/lattice.py)


def _shape(sizes: list[int]) -> str:
    return f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(map(str, sizes))})"


def _single(expr: ast.AST) -> bool:
    """A literal single element: a number, or ``torch.tensor(<number>)``."""
    if _number(expr) is not None:
        return True
    if isinstance(expr, ast.Call) and expr.args:
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name == "tensor" and _number(expr.args[0]) is not None
    return False


class NonScalar:
    """``proves(expr)``: the tensor ``expr`` provably has ``numel != 1``; ``evidence(expr)``:
    the places that decide it (a factory's sizes, a layer's width, ``reduction="none"``)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._instances: list[ast.Call] = []  # the local modules being constructed, innermost last
        self._module_calls: list[ast.Call] = []  # the calls whose `forward` is being read, innermost last
        self._memos: dict[tuple[str, int, tuple[int, ...]], Evidence] = {}
        # Per block (id of its list): each statement's index, and the indexes of the statements
        # binding each name; per scope and name, its assigned values. Built once: a file of n
        # backward calls asks n times, and a scan per question would make the rule quadratic.
        self._blocks: dict[int, tuple[dict[int, int], dict[str, list[int]]]] = {}
        self._scope_values: dict[tuple[int, str], list[ast.AST]] = {}
        self._first_bindings: dict[int, dict[str, int]] = {}
        self._mutated: dict[tuple[int, str], bool] = {}
        self._items: dict[tuple[int, int], ast.Subscript] = {}  # `a, b = f()`: `f()[0]`, `f()[1]`
        self._single: dict[tuple[int, tuple[int, ...]], bool] = {}
        self._stored: dict[tuple[int, str, str | int], list[ast.expr] | None] = {}
        self.shapes = Shapes(self)

    @property
    def module_calls(self) -> list[ast.Call]:
        return self._module_calls

    @contextmanager
    def reading(self, constructor: ast.Call, call: ast.Call) -> Iterator[None]:
        """Read a local module's ``forward`` for ``call``: its parameters hold the call's arguments."""
        self._instances.append(constructor)
        self._module_calls.append(call)
        try:
            yield
        finally:
            self._instances.pop()
            self._module_calls.pop()

    def proves(self, expr: ast.AST, depth: int = 0) -> bool:
        return self.evidence(expr, depth) is not None

    def evidence(self, expr: ast.AST, depth: int = 0) -> Evidence:
        return self._memo("evidence", expr, depth, self._evidence)

    def _memo(self, kind: str, expr: ast.AST, depth: int, compute: Callable[[ast.AST, int], Evidence]) -> Evidence:
        """Each expression is read once per module-call context: an expression that names the
        same value several times (``h * h + h * h``) would otherwise be read again per mention,
        exponentially in the depth. A failure found deep down is kept (a proof may be lost,
        never made up)."""
        if depth > MAX_DEPTH:
            return None
        key = (kind, id(expr), tuple(id(c) for c in self._module_calls))
        if key not in self._memos:
            self._memos[key] = None  # a cycle reads as no proof
            self._memos[key] = compute(expr, depth)
        return self._memos[key]

    def _evidence(self, expr: ast.AST, depth: int) -> Evidence:
        if isinstance(expr, ast.Name):
            return _all([self.evidence(v, depth + 1) for v in self.bindings(expr)])
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.MatMult):
                return None
            return _either(self.evidence(expr.left, depth + 1), self.evidence(expr.right, depth + 1))
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.evidence(expr.operand, depth + 1)
        if isinstance(expr, ast.IfExp):  # either branch may run: both must prove it
            return _all([self.evidence(expr.body, depth + 1), self.evidence(expr.orelse, depth + 1)])
        if isinstance(expr, ast.Call):
            found = self.call(expr, depth)
            return found if found is not None else self.shaped(expr, depth)
        key = _item_key(expr)
        if isinstance(expr, ast.Subscript) and key is not None:
            # `model(x)["loss"]`, `model(x)[0]`: the item of the dict or tuple the model returns
            items = self.dict_item(expr.value, key, depth + 1, lambda v: self.evidence(v, depth + 2))
            return _all(items) if items else None
        return None

    def shaped(self, expr: ast.AST, depth: int) -> Evidence:
        """A shape the code states with a dimension other than one (``t.view(n, -1).sum(dim=1)``,
        ``torch.stack((a, b))``, ``torch.cat([x, y])``)."""
        shape = self.shapes.shape(expr)  # a depth of its own: shapes follow longer chains than proofs
        if shape is None or not shape.several():
            return None
        return shape.steps or (Step(expr, "more than one element here"),)

    def call(self, call: ast.Call, depth: int) -> Evidence:
        func = call.func
        qualname = self.ctx.qualname(func)
        if qualname is not None:
            return self.function(qualname, call, depth)
        if isinstance(func, ast.Attribute):
            if func.attr in LAST_DIM_REDUCTIONS and _reduces_last_dim(call):
                # `(p * z).sum(dim=-1)`: one value per row of the operand
                return self.leading(func.value, depth + 1)
            if func.attr in ELEMENTWISE:
                broadcast_with = call.args[:1] if func.attr in ("mul", "add", "sub", "div") else []
                return _either(
                    self.evidence(func.value, depth + 1), *(self.evidence(a, depth + 1) for a in broadcast_with)
                )
            if func.attr == "gather":  # `x.gather(dim, index)` has the shape of `index`
                index = call.args[1] if len(call.args) > 1 else _keyword(call, "index")
                return self.evidence(index, depth + 1) if index is not None else None
            if func.attr == "forward":
                return self.module_output(func.value, call, depth)
            method = self.method_returns(call)
            if method is not None:  # `self.compute_loss(out, y)`: what the method of the class returns
                return _all([self.evidence(r, depth + 1) for r in method])
        if isinstance(func, ast.Name) and func.id not in self.ctx.classes:
            helper = local_function(self.ctx, call)  # `byol_loss(p, z)`: what the helper returns
            returned = returned_values(helper) if helper is not None else None
            if returned:
                return _all([self.evidence(r, depth + 1) for r in returned])
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self.module_output(func, call, depth)
        if isinstance(func, ast.Call):  # nn.Linear(4, 2)(x), model.eval()(x)
            return self.constructed_output(func, call, depth)
        return None

    def function(self, qualname: str, call: ast.Call, depth: int) -> Evidence:
        args = call.args
        if qualname in SIZED_FACTORIES or qualname == "torch.full":
            size = _keyword(call, "size")
            if qualname == "torch.full":
                sizes = _sizes(args[:1]) if args else None
            else:
                sizes = _sizes(args) or _sizes([size] if size is not None else [])
            if sizes is None or math.prod(sizes) == 1:
                return None
            return (Step(call, f"created with shape {_shape(sizes)} here: {math.prod(sizes)} elements"),)
        if qualname == "torch.randint":  # randint(low, high, size) / randint(high, size)
            size = _keyword(call, "size") or (args[-1] if len(args) >= 2 else None)
            sizes = _sizes([size]) if isinstance(size, (ast.Tuple, ast.List)) else None
            if sizes is None or math.prod(sizes) == 1:
                return None
            return (Step(call, f"created with shape {_shape(sizes)} here: {math.prod(sizes)} elements"),)
        if qualname == "torch.tensor" and args and isinstance(args[0], (ast.List, ast.Tuple)):
            count = len(args[0].elts)
            return (Step(call, f"created with {count} elements here"),) if count != 1 else None
        if qualname == "torch.linspace" and len(args) >= 3:
            steps = _int(args[2])
            return (Step(call, f"created with {steps} elements here"),) if steps not in (None, 1) else None
        if qualname == "torch.arange":
            bounds = [bound for bound in map(_number, args) if bound is not None]
            if args and len(args) <= 3 and len(bounds) == len(args):
                start, end, step = (
                    (0, bounds[0], 1)
                    if len(bounds) == 1
                    else (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1)
                )
                count = max(0, math.ceil((end - start) / step)) if step != 0 else 1
                return (Step(call, f"created with {count} elements here"),) if count != 1 else None
            return None
        if qualname == "torch.gather":  # torch.gather(input, dim, index): the shape of `index`
            index = args[2] if len(args) > 2 else _keyword(call, "index")
            return self.evidence(index, depth + 1) if index is not None else None
        if qualname in LIKE or qualname in WRAPPERS:
            return self.evidence(args[0], depth + 1) if args else None
        if qualname in ("torch.cat", "torch.concat") or qualname in JOINS:
            # sizes of parts that are each 0 or at least 2 add up to 0 or at least 2
            parts = self.shapes.parts(call, depth)
            return _all([self.evidence(p, depth + 1) for p in parts]) if parts else None
        name = qualname.rsplit(".", 1)[-1]
        if qualname.startswith(FUNCTION_PREFIXES) and (name in UNREDUCED_LOSSES or name in ROW_LOSSES):
            return self.unreduced(call, call, call.args[:2], name in ROW_LOSSES, depth)
        if qualname.startswith(FUNCTION_PREFIXES) and name in ELEMENTWISE:
            return _either(*(self.evidence(a, depth + 1) for a in args[:2]))
        return None

    def unreduced(self, where: ast.Call, loss: ast.Call, inputs: list[ast.expr], per_row: bool, depth: int) -> Evidence:
        """A loss with ``reduction="none"`` (made by ``where``) on ``inputs``: one value per
        element (per row for a classification loss). Proven where an input has more than one
        element, or, for an elementwise loss, where no input is a literal single element."""
        kept = "sample" if per_row else "element"
        reduction, legacy = _keyword(where, "reduction"), _keyword(where, "reduce")
        if self.names_none(reduction):
            assert reduction is not None
            step = Step(reduction, f'`reduction="none"` here: the loss keeps one value per {kept}')
        elif isinstance(legacy, ast.Constant) and legacy.value is False:
            # The pre-1.0 spelling, still accepted, and it wins over `reduction=` (torch 2.13).
            step = Step(legacy, f"`reduce=False` here: the loss keeps one value per {kept}")
        else:
            return None
        proof = _either(*(self.evidence(a, depth + 1) for a in inputs))
        if proof is not None and not per_row:
            return (*proof, step)
        if per_row:  # the input, or the target: both have one row per sample
            batch = _either(
                *(self.rows(a, depth + 1) for a in inputs[:1]),
                *(self.rows(a, depth + 1, target=True) for a in inputs[1:2]),
            )
            if batch is not None:
                return (*batch, step)
            shape = self.loss_shape(where, loss, inputs, depth + 1)
            return shape.steps if shape is not None and shape.several() else None
        if inputs and not any(_single(a) for a in inputs):
            return (step,)
        return None

    def reduction_step(self, where: ast.Call, per_row: bool) -> Step | None:
        """The place that makes the loss ``where`` builds keep one value per element (per row)."""
        kept = "sample" if per_row else "element"
        reduction, legacy = _keyword(where, "reduction"), _keyword(where, "reduce")
        if self.names_none(reduction):
            assert reduction is not None
            return Step(reduction, f'`reduction="none"` here: the loss keeps one value per {kept}')
        if isinstance(legacy, ast.Constant) and legacy.value is False:
            return Step(legacy, f"`reduce=False` here: the loss keeps one value per {kept}")
        return None

    def loss_shape(self, where: ast.Call, loss: ast.Call, inputs: list[ast.expr], depth: int) -> Shape | None:
        """The shape of the loss ``where`` builds (a module or a function), applied by ``loss`` to
        ``inputs``: reduced, one value; with ``reduction="none"``, the broadcast inputs, or for a
        classification loss its batch (the input without its class dimension). A batch of unknown
        size counts as several rows unless an input visibly holds one sample (``x[i]``,
        ``x.unsqueeze(0)``, a literal)."""
        name = (self.ctx.qualname(where.func) or "").rsplit(".", 1)[-1]
        per_row = name in ROW_LOSSES or name in ROW_LOSS_MODULES
        if not (per_row or name in UNREDUCED_LOSSES or name in ELEMENTWISE_LOSS_MODULES):
            return None
        step = self.reduction_step(where, per_row)
        if step is None:
            reduction, legacy = _keyword(where, "reduction"), _keyword(where, "reduce")
            plain = reduction is None or (
                isinstance(reduction, ast.Constant) and reduction.value in ("mean", "sum", "batchmean")
            )
            return Shape((), True) if plain and legacy is None else None
        if not per_row:
            shape = self.shapes.broadcast_all(inputs, depth)
            return Shape(shape.dims, True, (*shape.steps, step)) if shape is not None else None
        given = self.shapes.shape(inputs[0], depth + 1) if inputs else None
        if given is not None and given.exact:
            dims = given.dims[:1] + given.dims[2:] if len(given.dims) >= 2 else ()
            return Shape(dims, True, (*given.steps, step))
        target = self.shapes.shape(inputs[1], depth + 1) if len(inputs) > 1 else None
        if target is not None and target.exact:
            return Shape(target.dims[:1], not target.dims, (*target.steps, step))
        if not inputs or any(self.single_sample(a, depth + 1) for a in inputs[:2]):
            return None
        return Shape((ROWS,), False, (step,))

    def single_sample(self, expr: ast.AST, depth: int) -> bool:
        """``expr`` visibly holds one sample: an integer index (``logits[i]``), ``x.unsqueeze(0)``,
        ``x[None]``, ``x.view(1, -1)``, a number or ``torch.tensor(<number>)``, a ``.item()``."""
        if depth > MAX_DEPTH:
            return False
        key = (id(expr), tuple(id(c) for c in self._module_calls))
        if key not in self._single:
            self._single[key] = False  # a cycle reads as not single (the memo keeps it linear)
            self._single[key] = self._single_sample(expr, depth)
        return self._single[key]

    def _single_sample(self, expr: ast.AST, depth: int) -> bool:
        if isinstance(expr, ast.Name):
            return any(self.single_sample(v, depth + 1) for v in self.bindings(expr))
        if _single(expr):
            return True
        if isinstance(expr, ast.Subscript):
            parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            first = parts[0] if parts else None
            return not isinstance(first, ast.Slice) or (isinstance(first, ast.Constant) and first.value is None)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            attr, args = expr.func.attr, expr.args
            if attr == "unsqueeze" and args and _number(args[0]) == 0 or attr == "item":
                return True
            if attr in ("view", "reshape", "expand") and args:
                first_size = args[0].elts[0] if isinstance(args[0], (ast.Tuple, ast.List)) and args[0].elts else args[0]
                return _number(first_size) == 1
            if attr in SAME_SHAPE or attr in ("long", "int", "float", "to", "cuda"):
                return self.single_sample(expr.func.value, depth + 1)
        if isinstance(expr, ast.Call):
            qualname = self.ctx.qualname(expr.func) or ""
            literal = expr.args[0] if expr.args and qualname.startswith("torch.") else None
            if isinstance(literal, (ast.List, ast.Tuple)) and len(literal.elts) == 1:
                return True  # `torch.LongTensor([action])`: one row
            # a model or helper given one sample (`policy(state.unsqueeze(0))`) returns one; a
            # tensor method's arguments are not samples (`x.permute(0, 2, 1)`)
            model = isinstance(expr.func, ast.Name) or (
                isinstance(expr.func, ast.Attribute)
                and isinstance(expr.func.value, ast.Name)
                and expr.func.value.id == "self"
            )
            samples = [a for a in expr.args[:2] if not isinstance(a, ast.Constant)]
            return model and not qualname and any(self.single_sample(a, depth + 1) for a in samples)
        return False

    def method_returns(self, call: ast.Call) -> list[ast.AST] | None:
        """``self.compute_loss(...)`` in a method: every value that method of the class returns."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return None
        cls = self.ctx.enclosing_class(call)
        info = self.ctx.class_info(cls) if cls is not None else None
        method = info.method(func.attr) if info is not None else None
        if method is None or method.name == "forward":
            return None
        return returned_values(method)

    def returns_of_call(self, call: ast.Call, depth: int) -> list[ast.AST] | None:
        """What a helper function of the file, or a method of the class, returns to ``call``."""
        if isinstance(call.func, ast.Name) and call.func.id not in self.ctx.classes:
            helper = local_function(self.ctx, call)
            return returned_values(helper) if helper is not None else None
        found = self.method_returns(call)
        if found is not None or not isinstance(call.func, ast.Attribute) or self.ctx.qualname(call.func) is not None:
            return found
        # `model.compute_loss(x)`: a method of the local class every binding of `model` builds
        built = self.constructors(call.func.value)
        if len(built) != 1 or not isinstance(built[0], ast.Call) or not isinstance(built[0].func, ast.Name):
            return None
        info = self.ctx.classes.get(built[0].func.id)
        method = info.method(call.func.attr) if info is not None and self.ctx.qualname(built[0].func) is None else None
        if method is None or method.name in ("forward", "__call__", "__init__"):
            return None
        return returned_values(method)

    def forward_returns(self, info: ClassInfo) -> list[ast.expr] | None:
        forward = info.method("forward")
        returns = [n.value for n in own_nodes(forward) if isinstance(n, ast.Return)] if forward else []
        if not returns or any(r is None for r in returns):
            return None
        return [r for r in returns if r is not None]

    def dict_item(self, container: ast.AST, key: str | int, depth: int, read: Callable[[ast.AST], R]) -> list[R] | None:
        """``read`` of every value the item ``key`` of the dict (a string key) or tuple (an int)
        ``container`` may hold (a display, a name filled with ``d[key] = v``, what a helper, a
        method or a local module's ``forward`` returns), each read in the context of its module
        call; None where one is unknown."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(container, (ast.Tuple, ast.List)) and isinstance(key, int):
            if any(isinstance(e, ast.Starred) for e in container.elts) or not -len(container.elts) <= key < len(
                container.elts
            ):
                return None
            return [read(container.elts[key])]
        if isinstance(container, ast.Dict) and isinstance(key, str):
            if any(k is None for k in container.keys):
                return None  # `{**other}`
            return [read(v) for k, v in zip(container.keys, container.values) if _is_key(k, key)]
        if isinstance(container, ast.Name):
            found: list[R] = []
            bindings = self.bindings(container)
            if not bindings:
                return None  # a parameter or a loop variable: a dict from elsewhere
            for bound in bindings:
                items = self.dict_item(bound, key, depth + 1, read)
                if items is None:
                    return None
                found += items
            stored = self.stored_items(container, key)
            if stored is None:
                return None
            found += [read(v) for v in stored]
            return found or None
        if not isinstance(container, ast.Call):
            return None
        if isinstance(container.func, ast.Name) and container.func.id == "dict" and not container.args:
            return [read(k.value) for k in container.keywords if k.arg == key] or None
        if self.ctx.qualname(container.func) is not None:
            return None  # a library's call: a tensor, indexed
        returned = self.returns_of_call(container, depth)
        if returned is not None:
            return self._items_of_all(returned, key, depth, read)
        if isinstance(container.func, (ast.Name, ast.Attribute)):
            built = self.constructors(container.func)
            if len(built) != 1 or not isinstance(built[0], ast.Call) or not isinstance(built[0].func, ast.Name):
                return None
            info = self.ctx.classes.get(built[0].func.id)
            returns = self.forward_returns(info) if info is not None and info.is_module else None
            if returns is None or self.ctx.qualname(built[0].func) is not None:
                return None
            with self.reading(built[0], container):
                return self._items_of_all(returns, key, depth, read)
        return None

    def _items_of_all(
        self, containers: Sequence[ast.AST], key: str | int, depth: int, read: Callable[[ast.AST], R]
    ) -> list[R] | None:
        found: list[R] = []
        for returned in containers:
            items = self.dict_item(returned, key, depth + 1, read)
            if not items:
                return None  # a return without the item: not this dict
            found += items
        return found

    def stored_items(self, name: ast.Name, key: str | int) -> list[ast.expr] | None:
        """The values of ``name[key] = value`` in ``name``'s scope; None where the dict is changed
        any other way (``update``, a computed key)."""
        scope = self._scope(name)
        if scope is None:
            return None
        memo = (id(scope), name.id, key)
        if memo not in self._stored:
            self._stored[memo] = self._stored_items(scope, name, key)
        return self._stored[memo]

    def _stored_items(self, scope: ast.AST, name: ast.Name, key: str | int) -> list[ast.expr] | None:
        found: list[ast.expr] = []
        for node in own_nodes(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == name.id
                    ):
                        if not isinstance(target.slice, ast.Constant):
                            return None
                        if target.slice.value == key:
                            found.append(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                if isinstance(receiver, ast.Name) and receiver.id == name.id and node.func.attr in MUTATORS:
                    return None
        return found

    def mutated(self, name: ast.Name) -> bool:
        """``name`` (a list) is changed in its scope: ``append``, ``extend``, an item stored, ``+=``."""
        scope = self._scope(name)
        if scope is None:
            return True
        key = (id(scope), name.id)
        if key not in self._mutated:
            self._mutated[key] = any(
                (
                    isinstance(n, ast.Attribute)
                    and n.attr in MUTATORS
                    and isinstance(n.value, ast.Name)
                    and n.value.id == name.id
                )
                or (
                    isinstance(n, ast.Subscript)
                    and isinstance(n.ctx, ast.Store)
                    and isinstance(n.value, ast.Name)
                    and n.value.id == name.id
                )
                or (isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == name.id)
                for n in own_nodes(scope)
            )
        return self._mutated[key]

    def _scope(self, node: ast.AST) -> ast.AST | None:
        scope = self.ctx.parent(node)
        while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
            scope = self.ctx.parent(scope)
        return scope

    @staticmethod
    def loss_names() -> set[str]:
        return UNREDUCED_LOSSES | ROW_LOSSES

    @staticmethod
    def wrappers() -> set[str]:
        return WRAPPERS

    @staticmethod
    def returns_self() -> set[str]:
        return RETURNS_SELF

    def names_none(self, reduction: ast.expr | None) -> bool:
        """``"none"``, or a name every assignment of which (in its function) is ``"none"``, or a
        field of a configuration object every construction of which in the file gives ``"none"``."""
        if isinstance(reduction, ast.Constant):
            return reduction.value == "none"
        if isinstance(reduction, ast.Name):
            values = self.bindings(reduction)
            return bool(values) and all(isinstance(v, ast.Constant) and v.value == "none" for v in values)
        if isinstance(reduction, ast.Attribute):
            strings = self.strings(reduction, 0)
            return bool(strings) and all(value == "none" for value in strings or ())
        return False

    def strings(self, expr: ast.AST, depth: int) -> list[str] | None:
        """Every string ``expr`` may be in this file: a constant; a name with the values that
        reach it (a parameter: what every call or instantiation passes); ``config.field`` of a
        dataclass of the file (or a class whose ``__init__`` stores a parameter as the field) with
        what each construction passes for it, or the default. None where one is not known."""
        if depth > 8:
            return None
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else None
        if isinstance(expr, ast.Name):
            return self._all_strings(self.bindings(expr), depth)
        if not isinstance(expr, ast.Attribute) or not isinstance(expr.value, ast.Name):
            return None
        objects = self._constructions(expr.value, depth)
        if not objects:
            return None
        fields: list[ast.AST] = []
        for made in objects:
            field = self._field_given(made, expr.attr)
            if field is None:
                return None
            fields.append(field)
        return self._all_strings(fields, depth)

    def _constructions(self, name: ast.Name, depth: int) -> list[ast.AST] | None:
        """The values that reach ``name``, through names and parameters (what each call passes)."""
        found: list[ast.AST] = []
        for value in self.bindings(name):
            if isinstance(value, ast.Name):
                inner = self._constructions(value, depth + 1) if depth < 8 else None
                if not inner:
                    return None
                found += inner
            else:
                found.append(value)
        return found or None

    def _all_strings(self, values: Sequence[ast.AST], depth: int) -> list[str] | None:
        found: list[str] = []
        for value in values:
            strings = self.strings(value, depth + 1)
            if strings is None:
                return None
            found += strings
        return found or None

    def _field_given(self, made: ast.AST, field: str) -> ast.expr | None:
        """What the construction ``made`` (``Config(reduction="none")``) gives ``field`` of a
        dataclass of this file (by keyword, by position, else the field's default), or of a class
        whose ``__init__`` assigns ``self.field = <parameter>`` once; None otherwise."""
        if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
            return None
        if any(isinstance(a, ast.Starred) for a in made.args) or any(k.arg is None for k in made.keywords):
            return None
        info = self.ctx.classes.get(made.func.id)
        if info is None or self.ctx.names.resolve(made.func.id, made.func) is not None:
            return None  # not a class of this file (an import of that name)
        given = _keyword(made, field)
        if any(self.ctx.qualname(_decorator(d)) == "dataclasses.dataclass" for d in info.node.decorator_list):
            if info.node.bases or info.method("__init__") is not None:
                return None  # inherited fields or a hand-written __init__: the order is not the body's
            declared = [s for s in info.node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            names = [s.target.id for s in declared if isinstance(s.target, ast.Name)]
            if field not in names or any(self._assigns_self(m, field) for m in info.methods.values()):
                return None
            if given is None and names.index(field) < len(made.args):
                given = made.args[names.index(field)]
            return given if given is not None else declared[names.index(field)].value
        init = info.methods.get("__init__")
        if init is None or info.node.decorator_list:
            return None
        stores = [n for m in info.methods.values() for n in own_nodes(m) if self._stores_self(n, field)]
        if len(stores) != 1 or not isinstance(stores[0], ast.Assign) or not isinstance(stores[0].value, ast.Name):
            return None
        parameter = stores[0].value.id
        if parameter not in {a.arg for a in init.args.args[1:]} or self._bound_in(init, parameter):
            return None
        return argument_for(made, init, parameter, bound=True)

    @staticmethod
    def _stores_self(node: ast.AST, field: str) -> bool:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            return False
        return any(
            isinstance(t, ast.Attribute) and t.attr == field and isinstance(t.value, ast.Name) and t.value.id == "self"
            for target in targets
            for t in ast.walk(target)
        )

    def _assigns_self(self, method: ast.AST, field: str) -> bool:
        return any(self._stores_self(n, field) for n in own_nodes(method))

    def chosen_loss(self, chooser: ast.Call) -> str | None:
        """``getattr(nn, name)`` where every string the file gives ``name`` names a per-element
        loss module (or every one a per-row one): the first of them."""
        if not (isinstance(chooser.func, ast.Name) and chooser.func.id == "getattr" and len(chooser.args) == 2):
            return None
        if self.ctx.names.binding("getattr", chooser.func) is not None:
            return None
        if self.ctx.qualname(chooser.args[0]) != "torch.nn":
            return None
        names = self.strings(chooser.args[1], 0)
        if not names:
            return None
        if all(n in ELEMENTWISE_LOSS_MODULES for n in names) or all(n in ROW_LOSS_MODULES for n in names):
            return names[0]
        return None

    def rows(self, expr: ast.AST, depth: int, target: bool = False) -> Evidence:
        """``expr`` is a factory result with more than one row: the input of a classification
        loss (at least two dimensions) or its target (one class index per row: one dimension is
        enough), which keep one value per row."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            return _all([self.rows(v, depth + 1, target) for v in self.bindings(expr)])
        if not isinstance(expr, ast.Call):
            return None
        if target and _flattened(expr):  # `labels.view(-1)`: one row per element
            return self.evidence(expr.func.value, depth + 1) if isinstance(expr.func, ast.Attribute) else None
        qualname = self.ctx.qualname(expr.func)
        sizes = None
        if qualname in SIZED_FACTORIES:
            sizes = _sizes(expr.args)
        elif qualname == "torch.randint":  # randint(low, high, size) / randint(high, size)
            size = _keyword(expr, "size") or (expr.args[-1] if len(expr.args) >= 2 else None)
            sizes = _sizes([size]) if isinstance(size, (ast.Tuple, ast.List)) else None
        if sizes is not None and len(sizes) >= (1 if target else 2) and sizes[0] != 1:
            return (Step(expr, f"created with shape {_shape(sizes)} here: {sizes[0]} rows"),)
        return None

    # -- modules ----------------------------------------------------------------------------------
    def module_output(self, callee: ast.expr, call: ast.Call, depth: int) -> Evidence:
        return _all([self.constructed_output(c, call, depth) for c in self.constructors(callee)])

    def constructed_output(self, constructor: ast.AST, call: ast.Call, depth: int, rows: bool = True) -> Evidence:
        """The output of the module ``constructor`` builds, called by ``call``; ``rows``: the
        call's input reaches that module with its rows (not through a layer that changes them)."""
        if isinstance(constructor, ast.Name) and depth <= MAX_DEPTH:  # `self.net = net`: what `net` holds
            values = self.bindings(constructor)
            return _all([self.constructed_output(v, call, depth + 1, rows) for v in values]) if values else None
        if not isinstance(constructor, ast.Call) or depth > MAX_DEPTH:
            return None
        func = constructor.func
        qualname = self.ctx.qualname(func)
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in RETURNS_SELF:
            receiver = func.value  # model.eval(), model.to(device): the same module
            if isinstance(receiver, ast.Call):
                return self.constructed_output(receiver, call, depth + 1)
            return self.module_output(receiver, call, depth + 1)
        if qualname == "torch.nn.Linear":
            width = constructor.args[1] if len(constructor.args) > 1 else _keyword(constructor, "out_features")
            found = self.width(width, constructor)
            if found is None or found[0] < 1:
                return None
            out, steps = found
            if out == 1:  # one value per row of the input: (N, in) -> (N, 1)
                batch = self.leading(call.args[0], depth + 1) if call.args and rows else None
                return (
                    (*batch, Step(constructor, "`nn.Linear` with 1 output feature per row created here"))
                    if batch
                    else None
                )
            return (*steps, Step(constructor, f"`nn.Linear` with {out} output features created here"))
        if qualname in CONV_MODULES:  # out_channels > 1: N * C * ... elements, never one
            channels = constructor.args[1] if len(constructor.args) > 1 else _keyword(constructor, "out_channels")
            count = _int(channels)
            if count is None or count <= 1:
                return None
            return (Step(constructor, f"`{qualname.rsplit('.', 1)[-1]}` with {count} output channels created here"),)
        if qualname in ACTIVATION_MODULES:
            return self.evidence(call.args[0], depth + 1) if call.args else None
        if qualname == "torch.nn.Sequential" and constructor.args:
            layers = list(constructor.args)
            while (
                layers and isinstance(layers[-1], ast.Call) and self.ctx.qualname(layers[-1].func) in ACTIVATION_MODULES
            ):
                layers.pop()
            if not layers:
                return None
            last = layers[-1]
            # a one-output Linear counts the input's rows only where no layer before changes them
            return self.constructed_output(last, call, depth, all(self._keeps_rows(layer) for layer in layers))
        if isinstance(func, ast.Name) and qualname is None and func.id not in self.ctx.classes:
            function = local_function(self.ctx, constructor)  # `model = build_model()`
            returned = returned_values(function) if function is not None else None
            if returned:
                return _all([self.constructed_output(r, call, depth + 1) for r in returned])
        if qualname and qualname.startswith("torch.nn.") and qualname.endswith("Loss"):
            loss = qualname.rsplit(".", 1)[-1]
            if loss in ELEMENTWISE_LOSS_MODULES or loss in ROW_LOSS_MODULES:
                return self.unreduced(constructor, call, call.args[:2], loss in ROW_LOSS_MODULES, depth)
            return None
        if qualname is None and isinstance(func, ast.Call):  # `getattr(nn, config.loss)(reduction=...)`
            chosen = self.chosen_loss(func)
            if chosen is not None:
                return self.unreduced(constructor, call, call.args[:2], chosen in ROW_LOSS_MODULES, depth)
        if isinstance(func, ast.Name) and depth < MAX_DEPTH:
            info = self.ctx.classes.get(func.id)
            if info is not None and info.is_module and qualname is None:
                forward = info.method("forward")
                returns = [n.value for n in own_nodes(forward) if isinstance(n, ast.Return)] if forward else []
                if not returns or any(r is None for r in returns):
                    return None
                self._instances.append(constructor)
                self._module_calls.append(call)
                try:
                    return _all([self.evidence(r, depth + 1) for r in returns if r is not None])
                finally:
                    self._instances.pop()
                    self._module_calls.pop()
        return None

    def _keeps_rows_all(self, module: ast.AST) -> bool:
        """A Linear, an activation, or a Sequential of them: the output keeps the input's rows."""
        if isinstance(module, ast.Call) and self.ctx.qualname(module.func) == "torch.nn.Sequential":
            return bool(module.args) and all(self._keeps_rows(layer) for layer in module.args)
        return self._keeps_rows(module)

    def _keeps_rows(self, layer: ast.AST) -> bool:
        """A layer whose output has the leading dimensions of its input (a Linear, an activation)."""
        return isinstance(layer, ast.Call) and self.ctx.qualname(layer.func) in ACTIVATION_MODULES | {"torch.nn.Linear"}

    def leading(self, expr: ast.AST, depth: int) -> Evidence:
        """``expr`` is a factory result whose dimensions before the last have more (or fewer)
        than one element in all: ``torch.randn(5, 6)``, five rows for a ``Linear``."""
        return self._memo("leading", expr, depth, self._leading)

    def _leading(self, expr: ast.AST, depth: int) -> Evidence:
        if isinstance(expr, ast.Name):
            return _all([self.leading(v, depth + 1) for v in self.bindings(expr)])
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            # broadcasting only stretches size-1 dimensions: a row count other than 1 survives
            return _either(self.leading(expr.left, depth + 1), self.leading(expr.right, depth + 1))
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.leading(expr.operand, depth + 1)
        if not isinstance(expr, ast.Call):
            return None
        qualname = self.ctx.qualname(expr.func)
        if qualname in WRAPPERS and expr.args:
            return self.leading(expr.args[0], depth + 1)
        if qualname is None and isinstance(expr.func, ast.Attribute) and expr.func.attr in SAME_SHAPE:
            return self.leading(expr.func.value, depth + 1)
        if (
            qualname is not None
            and qualname.startswith(FUNCTION_PREFIXES)
            and qualname.rsplit(".", 1)[-1] in SAME_SHAPE
        ):
            return self.leading(expr.args[0], depth + 1) if expr.args else None  # F.normalize(p, dim=-1)
        if qualname is None and isinstance(expr.func, (ast.Name, ast.Attribute)) and expr.args:
            # `enc(x)` of a Linear (or an activation, or a Sequential of them): x's rows
            built = self.constructors(expr.func)
            if built and all(self._keeps_rows_all(c) for c in built):
                return self.leading(expr.args[0], depth + 1)
        sizes = _sizes(expr.args) if qualname in SIZED_FACTORIES else None
        if sizes is None or len(sizes) < 2 or math.prod(sizes[:-1]) == 1:
            return None
        return (Step(expr, f"created with shape {_shape(sizes)} here: {math.prod(sizes[:-1])} rows"),)

    def width(self, expr: ast.expr | None, layer: ast.Call) -> tuple[int, tuple[Step, ...]] | None:
        """A layer's literal width, or the width a parameter of the constructor of the module
        being built passes down: the argument of that construction, else the default."""
        literal = _int(expr)
        if literal is not None:
            return literal, ()
        if not isinstance(expr, ast.Name) or not self._instances:
            return None
        init = self.ctx.parent(layer)
        while init is not None and not isinstance(init, _FUNCTIONS):
            init = self.ctx.parent(init)
        if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
            return None
        cls = self.ctx.parent(init)
        instance = self._instances[-1]
        if not (isinstance(cls, ast.ClassDef) and isinstance(instance.func, ast.Name) and instance.func.id == cls.name):
            return None
        arguments = init.args
        positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)][1:]
        if expr.id not in positional and expr.id not in [a.arg for a in arguments.kwonlyargs]:
            return None
        if any(
            isinstance(n, ast.Name) and n.id == expr.id and not isinstance(n.ctx, ast.Load) for n in own_nodes(init)
        ):
            return None  # rebound in __init__
        if any(isinstance(a, ast.Starred) for a in instance.args) or any(k.arg is None for k in instance.keywords):
            return None
        passed = next((k.value for k in instance.keywords if k.arg == expr.id), None)
        if passed is None and expr.id in positional and positional.index(expr.id) < len(instance.args):
            passed = instance.args[positional.index(expr.id)]
        if passed is not None:
            value = _int(passed)
            return (value, (Step(passed, f"`{expr.id}` is {value} here"),)) if value is not None else None
        defaults = parameter_defaults(arguments)
        default = _int(defaults.get(expr.id))
        if default is None:
            return None
        return default, (Step(defaults[expr.id], f"`{expr.id}` defaults to {default} here"),)

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
                        elif not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)) and any(
                            isinstance(n, ast.Attribute) and n.attr == callee.attr for n in ast.walk(target)
                        ):
                            return []  # `self.fc, x = ...`: bound by unpacking
            return found
        return []

    def bindings(self, name: ast.Name) -> list[ast.AST]:
        """Every value ``name`` is assigned in its function (or module); [] if it is bound any
        other way (a parameter, a loop variable, an import, unpacking)."""
        reaching = self.reaching(name)
        if reaching is not None:
            return [reaching]
        scope = self.ctx.parent(name)
        while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
            scope = self.ctx.parent(scope)
        if scope is None:
            return []
        passed = self.forward_argument(scope, name)
        if passed is not None:
            return [passed]
        if isinstance(scope, ast.FunctionDef) and scope.name == "__init__" and not self._bound_in(scope, name.id):
            # `self.objective = objective`: what every instantiation of the class passes
            given = instantiation_arguments(self.ctx, scope, name.id)
            if given is not None:
                return list(given)
        if isinstance(scope, ast.FunctionDef) and self._read_at_entry(scope, name):
            # a helper's parameter before any rebinding: what every call of the file passes
            passed_all = arguments_at_calls(self.ctx, scope, name.id, rebound=True)
            if passed_all is None:
                passed_all = self.method_arguments(scope, name.id)
            if passed_all is not None:
                return list(passed_all)
        key = (id(scope), name.id)
        if key not in self._scope_values:
            self._scope_values[key] = self._assigned(scope, name)
        return self._scope_values[key]

    def method_arguments(self, method: ast.FunctionDef, parameter: str) -> list[ast.AST] | None:
        """What every call ``obj.method(...)`` of the file passes for ``parameter`` of a method
        of a plain class, where each ``obj`` is an instance of that class made in the file
        (``Trainer(...).step(x)``, ``trainer = Trainer(...)`` then ``trainer.step(x)``); None
        where any call of that name has another receiver or the class is subclassed."""
        cls = self.ctx.parent(method)
        if not isinstance(cls, ast.ClassDef) or method.decorator_list or method.name.startswith("__"):
            return None
        info = self.ctx.classes.get(cls.name)
        if info is None or info.is_module or any(cls.name in _base_names(c) for c in self.ctx.index.of(ast.ClassDef)):
            return None
        found: list[ast.AST] = []
        for call in self.ctx.index.of(ast.Call):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == method.name):
                continue
            if not self._instance_of(call.func.value, cls.name):
                return None
            given = argument_for(call, method, parameter, bound=True)
            if given is None:
                return None
            found.append(given)
        return found or None

    def _instance_of(self, receiver: ast.expr, name: str) -> bool:
        """``Cls(...)`` itself, or a module-level name every assignment of which is one."""
        if isinstance(receiver, ast.Call):
            return isinstance(receiver.func, ast.Name) and receiver.func.id == name
        if isinstance(receiver, ast.Name) and self._scope(receiver) is self.ctx.tree:
            values = self.bindings(receiver)
            return bool(values) and all(isinstance(v, ast.expr) and self._instance_of(v, name) for v in values)
        return False

    def _read_at_entry(self, function: ast.FunctionDef, name: ast.Name) -> bool:
        """``name`` is a parameter of ``function`` read in a statement of its body itself, with
        no statement before binding it (``p = F.normalize(p)`` as the first line)."""
        arguments = function.args
        if name.id not in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
            return False
        stmt = statement_of(self.ctx, name)
        if stmt is None or isinstance(stmt, (ast.For, ast.While)):
            return False
        outer = self.ctx.parent(stmt)
        if outer is not function:  # inside `with` / `if` blocks only, and never rebound in the function
            while isinstance(outer, (ast.With, ast.If)):
                outer = self.ctx.parent(outer)
            return outer is function and not self._bound_in(function, name.id) and not _binds(stmt, name.id)
        evaluated = stmt.value if isinstance(stmt, (ast.Assign, ast.Return, ast.Expr)) else None
        if evaluated is None or _binds(evaluated, name.id) or not _contains(evaluated, name):
            return False
        return not self._bound_in(function, name.id, before=statement_index(self.ctx, stmt))

    def _bound_in(self, scope: ast.FunctionDef | ast.AsyncFunctionDef, name: str, before: int | None = None) -> bool:
        """A statement of ``scope``'s body (of the first ``before`` ones) binds ``name``. The first
        binding statement of each name is indexed once per function: asking per read, statement by
        statement, was quadratic in the function's length."""
        first = self._first_bindings.get(id(scope))
        if first is None:
            first = self._first_bindings[id(scope)] = {}
            for index, stmt in enumerate(scope.body):
                for bound in _bound_names(stmt):
                    first.setdefault(bound, index)
        at = first.get(name)
        return at is not None and (before is None or at < before)

    def forward_argument(self, scope: ast.AST, name: ast.Name) -> ast.expr | None:
        """A parameter of the ``forward`` being read for a module call (``model(ids, labels)``):
        what that call passes for it, where ``forward`` never rebinds it."""
        if not self._module_calls or not isinstance(scope, ast.FunctionDef) or scope.name != "forward":
            return None
        call = self._module_calls[-1]
        cls = self.ctx.parent(scope)
        instance = self._instances[-1]
        if not (isinstance(cls, ast.ClassDef) and isinstance(instance.func, ast.Name) and instance.func.id == cls.name):
            return None
        if self._bound_in(scope, name.id):
            return None
        return argument_for(call, scope, name.id, bound=True)

    def _assigned(self, scope: ast.AST, name: ast.Name) -> list[ast.AST]:
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
                elif isinstance(parent, ast.For) and parent.target is node and isinstance(parent.iter, ast.ListComp):
                    values.append(parent.iter.elt)  # `for x in [torch.randn(8, 16) for _ in ...]`
                elif isinstance(parent, ast.For) and parent.target is node and isinstance(parent.iter, ast.List):
                    values.extend(parent.iter.elts)
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

    def reaching(self, name: ast.Name) -> ast.expr | None:
        """The value of the one ``name = value`` that reaches ``name``: the last statement before
        it in its block (or in a block around it, through ``if`` and ``with``) that binds the
        name, where that is a plain assignment. None where that is not evident (a loop around
        the use, another kind of binding, none found)."""
        stmt: ast.AST | None = name
        while stmt is not None and not isinstance(stmt, ast.stmt):
            stmt = self.ctx.parent(stmt)
        if stmt is None or isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, *_NESTED)):
            return None  # the use in a loop header
        evaluated_first = stmt.value if isinstance(stmt, (ast.Assign, ast.AugAssign)) else stmt
        if _binds(evaluated_first, name.id) or not _contains(evaluated_first, name):
            return None  # bound by its own statement before the use (walrus), or in its targets
        while stmt is not None:
            parent = self.ctx.parent(stmt)
            found = next(
                (
                    (block, index)
                    for block in (getattr(parent, f, None) for f in ("body", "orelse"))
                    if isinstance(block, list) and (index := self._block(block)[0].get(id(stmt))) is not None
                ),
                None,
            )
            if found is None:
                return None
            body, index = found
            binders = self._block(body)[1].get(name.id, [])
            at = bisect.bisect_left(binders, index)
            if at:  # the last statement before ``stmt`` in its block that binds the name
                earlier = body[binders[at - 1]]
                if (
                    isinstance(earlier, ast.Assign)
                    and len(earlier.targets) == 1
                    and isinstance(earlier.targets[0], ast.Name)
                    and earlier.targets[0].id == name.id
                    and not _binds(earlier.value, name.id)
                ):
                    return earlier.value
                return None
            if not isinstance(parent, (ast.If, ast.With, ast.AsyncWith)):
                return None  # a function or module body (or a loop, whose back edge may rebind)
            stmt = parent
        return None

    def _block(self, body: list[ast.stmt]) -> tuple[dict[int, int], dict[str, list[int]]]:
        """Where each statement of ``body`` stands, and which statements bind each name."""
        if id(body) not in self._blocks:
            places = {id(stmt): index for index, stmt in enumerate(body)}
            binders: dict[str, list[int]] = {}
            for index, stmt in enumerate(body):
                for bound in _bound_names(stmt):
                    binders.setdefault(bound, []).append(index)
            self._blocks[id(body)] = (places, binders)
        return self._blocks[id(body)]

    def _unpacked(self, target: ast.AST, name: ast.Name) -> ast.AST | None:
        """``x, y = a, b``: the item of the value tuple that ``name`` receives."""
        assign = self.ctx.parent(target)
        if not (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(assign, ast.Assign)
            and any(t is target for t in assign.targets)
        ):
            return None
        value = assign.value
        sizes = isinstance(value, ast.Attribute) and value.attr == "shape"  # `b, c, h, w = x.shape`
        if (isinstance(value, ast.Call) or sizes) and not any(isinstance(e, ast.Starred) for e in target.elts):
            # `loss, logits = model(x)`: item i of what the call returns, a node of our own
            index = next((i for i, e in enumerate(target.elts) if e is name), None)
            if index is None:
                return None
            if (id(assign), index) not in self._items:
                item = ast.Subscript(value=assign.value, slice=ast.Constant(index), ctx=ast.Load())
                self._items[(id(assign), index)] = ast.copy_location(item, name)
            return self._items[(id(assign), index)]
        if not isinstance(assign.value, (ast.Tuple, ast.List)):
            return None
        elts, values = target.elts, assign.value.elts
        if len(elts) != len(values) or any(isinstance(e, ast.Starred) for e in (*elts, *values)):
            return None
        return next((v for e, v in zip(elts, values) if e is name), None)


def _is_key(node: ast.expr | None, key: str | int) -> bool:
    return isinstance(node, ast.Constant) and node.value == key


def _item_key(expr: ast.AST) -> str | int | None:
    """``x["loss"]`` -> "loss", ``x[0]`` / ``x[-1]`` -> 0 / -1: a key an item can be read by."""
    if not isinstance(expr, ast.Subscript):
        return None
    key = expr.slice
    if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant):
        value = key.operand.value
        return -value if type(value) is int else None
    if isinstance(key, ast.Constant) and (isinstance(key.value, str) or type(key.value) is int):
        return key.value
    return None


def _reduces_last_dim(call: ast.Call) -> bool:
    """``t.sum(-1)``, ``t.mean(dim=-1)``, ``t.norm(dim=-1, keepdim=True)``: the last dimension only."""
    dim = _keyword(call, "dim")
    if dim is None and isinstance(call.func, ast.Attribute) and call.func.attr != "norm" and call.args:
        dim = call.args[0]  # `norm(p, dim)` takes the order first
    return _number(dim) == -1


def _flattened(call: ast.Call) -> bool:
    """``t.view(-1)``, ``t.reshape(-1)``, ``t.flatten()``: all of ``t``'s elements in one dimension."""
    if not isinstance(call.func, ast.Attribute) or call.keywords:
        return False
    if call.func.attr == "flatten":
        return not call.args
    return call.func.attr in ("view", "reshape") and len(call.args) == 1 and _number(call.args[0]) == -1


def _bound_names(node: ast.AST) -> set[str]:
    """The names ``node`` binds, as ``_binds`` sees them."""
    found: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            found.add(current.id)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            found.update(current.names)
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            found.update(a.asname or a.name.split(".")[0] for a in current.names)
        elif isinstance(current, (*_NESTED, ast.ExceptHandler)) and isinstance(getattr(current, "name", None), str):
            found.add(getattr(current, "name"))  # noqa: B009 (a Lambda has no name: mypy needs getattr)
        if current is node or not isinstance(current, _NESTED):
            pending.extend(ast.iter_child_nodes(current))
    return found


def _binds(node: ast.AST, name: str) -> bool:
    """``node`` (not counting nested functions and classes) binds ``name``."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Name) and current.id == name and not isinstance(current.ctx, ast.Load):
            return True
        if isinstance(current, (ast.Global, ast.Nonlocal)) and name in current.names:
            return True
        if isinstance(current, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) == name for a in current.names
        ):
            return True
        if isinstance(current, (*_NESTED, ast.ExceptHandler)) and getattr(current, "name", None) == name:
            return True
        if current is node or not isinstance(current, _NESTED):
            pending.extend(ast.iter_child_nodes(current))
    return False


def _contains(node: ast.AST, part: ast.AST) -> bool:
    return any(child is part for child in ast.walk(node))
