"""Shapes the code states, for PTL202's proofs of ``numel != 1`` (``_nonscalar.NonScalar``).

A shape is a tuple of dimensions, each a literal size, ``None`` (unknown) or ``ROWS`` (a batch:
not one, size unknown), and a flag saying whether the rank is known; where it is not, the
dimensions are the leading ones. It follows what decides the number of elements past a
reduction: ``t.view(n, -1).sum(dim=1)`` keeps ``n = t.size(0)`` values, ``torch.cat`` adds the
sizes of its parts, ``torch.stack`` of k tensors has k rows, a loss with ``reduction="none"``
keeps its batch, a layer keeps its input's leading dimensions. Anything else is unknown: a
proof may be lost, never made up. A tensor has more (or fewer) than one element as soon as one
of its dimensions is known not to be one (a zero leaves zero elements).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pt_lsp.core import vocabulary
from pt_lsp.core.evidence.reaching import local_function, returned_values
from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import own_nodes

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._nonscalar import NonScalar

ROWS = -2  # a dimension known not to be one, of unknown size: a loss's batch
Dim = int | None
MAX_DEPTH = 32  # a recursion guard (cycles end at the memo): a chain of layers, views and names
SIZED = vocabulary.SIZED_FACTORIES
# Tensor methods and torch functions whose result has their first operand's shape.
SAME_SHAPE = set(
    "exp log log1p log2 log10 sin cos tan tanh sigmoid relu abs sqrt rsqrt square neg reciprocal float double "
    "half bfloat16 long int bool to cuda cpu clone detach contiguous softmax log_softmax normalize gelu silu "
    "elu leaky_relu softplus dropout erf sign floor ceil round expm1 clamp clip pow mul add sub div "
    "true_divide masked_fill type_as requires_grad_ logsigmoid hardtanh relu6 selu celu mish".split()
)
BINARY = {"mul", "add", "sub", "div", "true_divide", "pow", "maximum", "minimum"}
REDUCTIONS = {"sum", "mean", "prod", "amax", "amin", "logsumexp", "std", "var", "norm", "nansum", "nanmean"}
ACTIVATIONS = {
    f"torch.nn.{n}"
    for n in "ReLU ReLU6 LeakyReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus "
    "Dropout Identity Hardtanh Hardswish Hardsigmoid Softsign Tanhshrink".split()
}
CONVS = {f"torch.nn.Conv{k}d": k for k in (1, 2, 3)} | {f"torch.nn.ConvTranspose{k}d": k for k in (1, 2, 3)}
NUMBERS = (int, float)
# Joins whose result holds every element of their parts (a 0-dim part counts as one element).
JOINS = {f"torch.{n}" for n in "hstack vstack dstack row_stack column_stack concatenate".split()}


@dataclass(frozen=True)
class Shape:
    dims: tuple[Dim, ...]
    exact: bool  # the rank is len(dims); else dims are the leading dimensions only
    steps: tuple[Step, ...] = ()

    def several(self) -> bool:
        """Some dimension is known not to be one: the tensor has 0 or at least 2 elements."""
        return any(d is not None and d != 1 for d in self.dims)

    def numel(self) -> int | None:
        if not self.exact or any(d is None or d < 0 for d in self.dims):
            return None
        return math.prod(d for d in self.dims if d is not None)


def _join(a: Dim, b: Dim) -> Dim:
    if a == b:
        return a
    several = a is not None and b is not None and a != 1 and b != 1
    return ROWS if several else None  # (4,) on one path, (8,) on another: not one either way


def _broadcast_dim(a: Dim, b: Dim) -> Dim:
    if a == 1:
        return b
    if b == 1 or a == b:
        return a
    if a is None or b is None:  # a dimension other than one survives broadcasting (or fails)
        known = a if b is None else b
        return known if known is not None and known != 1 else None
    return ROWS if ROWS in (a, b) else a  # unequal sizes fail at run time: keep either


def _steps(*shapes: Shape) -> tuple[Step, ...]:
    seen: dict[int, Step] = {}
    for shape in shapes:
        for step in shape.steps:
            seen.setdefault(id(step.node), step)
    return tuple(seen.values())[:6]


def broadcast(a: Shape, b: Shape) -> Shape | None:
    if not (a.exact and b.exact):
        return None
    rank = max(len(a.dims), len(b.dims))
    left = (1,) * (rank - len(a.dims)) + a.dims
    right = (1,) * (rank - len(b.dims)) + b.dims
    return Shape(tuple(_broadcast_dim(x, y) for x, y in zip(left, right)), True, _steps(a, b))


def _const_int(expr: ast.AST | None) -> int | None:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _const_int(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def _dims_argument(call: ast.Call) -> list[ast.expr] | None:
    """The sizes of ``view(2, -1)`` / ``view((2, -1))`` / ``reshape([2, -1])``."""
    args = list(call.args)
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = list(args[0].elts)
    if not args or call.keywords or any(isinstance(a, ast.Starred) for a in args):
        return None
    return args


class Shapes:
    """``shape(expr)``: what the code states of the shape of ``expr`` (memoised per module-call
    context, like the proofs of ``NonScalar``, whose bindings and module reading it shares)."""

    def __init__(self, prover: NonScalar) -> None:
        self.prover = prover
        self.ctx = prover.ctx
        self._memos: dict[tuple[int, tuple[int, ...]], Shape | None] = {}

    def shape(self, expr: ast.AST, depth: int = 0) -> Shape | None:
        if depth > MAX_DEPTH:
            return None
        key = (id(expr), tuple(id(c) for c in self.prover.module_calls))
        if key not in self._memos:
            self._memos[key] = None  # a cycle reads as unknown
            self._memos[key] = self._shape(expr, depth)
        return self._memos[key]

    def _shape(self, expr: ast.AST, depth: int) -> Shape | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, NUMBERS) and not isinstance(expr.value, bool):
            return Shape((), True)
        if isinstance(expr, ast.Name):
            return self.join([self.shape(v, depth + 1) for v in self.prover.bindings(expr)])
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.shape(expr.operand, depth + 1)
        if isinstance(expr, ast.IfExp):
            return self.join([self.shape(expr.body, depth + 1), self.shape(expr.orelse, depth + 1)])
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            return self.broadcast_all([expr.left, expr.right], depth)
        if isinstance(expr, ast.Compare) and len(expr.comparators) == 1:
            return self.broadcast_all([expr.left, expr.comparators[0]], depth)
        if isinstance(expr, ast.Subscript):
            return self.item(expr, depth)
        if isinstance(expr, ast.Call):
            return self.call(expr, depth)
        return None

    def join(self, shapes: list[Shape | None]) -> Shape | None:
        """The shape every binding has (dimension by dimension); None if one is unknown."""
        if not shapes or any(s is None for s in shapes):
            return None
        known = [s for s in shapes if s is not None]
        first = known[0]
        if any(len(s.dims) != len(first.dims) or s.exact != first.exact for s in known):
            return None
        dims = first.dims
        for other in known[1:]:
            dims = tuple(_join(a, b) for a, b in zip(dims, other.dims))
        return Shape(dims, first.exact, _steps(*known))

    def broadcast_all(self, operands: list[ast.expr], depth: int) -> Shape | None:
        shapes = [self.shape(o, depth + 1) for o in operands]
        result: Shape | None = Shape((), True)
        for shape in shapes:
            if shape is None or result is None:
                return None
            result = broadcast(result, shape)
        return result

    def item(self, expr: ast.Subscript, depth: int) -> Shape | None:
        key = _item_key(expr)
        if key is not None:
            shapes = self.prover.dict_item(expr.value, key, depth + 1, lambda v: self.shape(v, depth + 2))
            return self.join(shapes) if shapes else None
        return self.sliced(expr, depth)

    def sliced(self, expr: ast.Subscript, depth: int) -> Shape | None:
        """Basic indexing of a tensor of known rank: ``ids[:, 1:, None]`` of a (4, 7) tensor is
        (4, 6, 1). A slice keeps its dimension (its length where the bounds and the size are
        literal), ``None`` inserts a dimension of one, an int removes one."""
        parts = list(expr.slice.elts) if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if not any(isinstance(p, ast.Slice) for p in parts):
            return None  # `x[i]` of a list or a dict as much as of a tensor
        shape = self.shape(expr.value, depth + 1)
        if shape is None or not shape.exact:
            return None
        dims, kept = list(shape.dims), []  # type: list[Dim], list[Dim]
        for part in parts:
            if isinstance(part, ast.Constant) and part.value is None:
                kept.append(1)
                continue
            if not dims:
                return None
            size = dims.pop(0)
            if isinstance(part, ast.Slice):
                kept.append(_sliced_size(size, part))
            elif _const_int(part) is None:
                return None  # a tensor index, an Ellipsis: another shape
        return Shape((*kept, *dims), True, shape.steps)

    # -- calls ------------------------------------------------------------------------------------
    def call(self, call: ast.Call, depth: int) -> Shape | None:
        func = call.func
        qualname = self.ctx.qualname(func)
        if qualname is not None:
            return self.function(qualname, call, depth)
        if isinstance(func, ast.Attribute):
            method = self.method(func.attr, func.value, call, depth)
            if method is not None:
                return method
        returned = self.prover.returns_of_call(call, depth)  # a helper or a method of the class
        if returned is not None:
            return self.join([self.shape(r, depth + 1) for r in returned])
        if isinstance(func, (ast.Name, ast.Attribute)):
            built = self.prover.constructors(func)
            return self.join([self.module(c, call, depth + 1) for c in built]) if built else None
        if isinstance(func, ast.Call):
            return self.module(func, call, depth + 1)
        return None

    def function(self, qualname: str, call: ast.Call, depth: int) -> Shape | None:
        args = call.args
        name = qualname.rsplit(".", 1)[-1]
        if qualname in SIZED or qualname in ("torch.full", "torch.randint"):
            sizes = args[:1] if qualname == "torch.full" else args
            if qualname == "torch.randint":  # `torch.randint(low, high, size)`: the size is last
                sizes = args[-1:] if args and isinstance(args[-1], (ast.Tuple, ast.List)) else []
            size = keyword(call, "size")
            dims = self.literal_sizes(sizes) if sizes else self.literal_sizes([size]) if size is not None else None
            if dims is None:
                return None
            return Shape(dims, True, (Step(call, f"created with shape {_text(dims)} here"),))
        if qualname == "torch.tensor" and args:
            dims = _nested_dims(args[0])
            return Shape(dims, True, (Step(call, f"created with shape {_text(dims)} here"),)) if dims else None
        if qualname == "torch.cat" or qualname == "torch.concat":
            return self.concatenated(call, depth)
        if qualname == "torch.stack":
            return self.stacked(call, depth)
        if qualname in JOINS:
            return self.joined(call, depth)
        if qualname.startswith(("torch.nn.functional.", "torch.")) and (
            name in self.prover.loss_names() or name in ("cross_entropy", "nll_loss")
        ):
            return self.prover.loss_shape(call, call, list(args[:2]), depth + 1)
        if not qualname.startswith(("torch.", "torch.nn.functional.")) or not args:
            return None
        if name in REDUCTIONS:
            at = 2 if name == "norm" else 1  # `torch.norm(t, p, dim)`
            return self.reduced(args[0], call, depth, dim=args[at] if len(args) > at else keyword(call, "dim"))
        if name in BINARY:
            return self.broadcast_all(list(args[:2]), depth)
        if name in SAME_SHAPE or qualname in self.prover.wrappers():
            return self.shape(args[0], depth + 1)
        return None

    def method(self, attr: str, receiver: ast.expr, call: ast.Call, depth: int) -> Shape | None:
        if attr in SAME_SHAPE and attr not in BINARY:
            return self.shape(receiver, depth + 1)
        if attr in BINARY and call.args:
            return self.broadcast_all([receiver, call.args[0]], depth)
        if attr in REDUCTIONS:
            at = 1 if attr == "norm" else 0  # `t.norm(p, dim)` takes the order first
            dim = call.args[at] if len(call.args) > at else keyword(call, "dim")
            return self.reduced(receiver, call, depth, dim=dim)
        if attr in ("view", "reshape"):
            return self.reshaped(receiver, call, depth)
        if attr in ("unsqueeze", "squeeze", "flatten", "t", "transpose", "permute"):
            return self.rearranged(attr, receiver, call, depth)
        if attr == "gather" and len(call.args) + len(call.keywords) == 2:  # `t.gather(dim, index)`: index's shape
            index = call.args[1] if len(call.args) == 2 else keyword(call, "index")
            return self.shape(index, depth + 1) if index is not None else None
        if attr == "forward":
            built = self.prover.constructors(receiver)
            return self.join([self.module(c, call, depth + 1) for c in built]) if built else None
        return None

    def literal_sizes(self, args: list[ast.expr]) -> tuple[Dim, ...] | None:
        if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
            args = list(args[0].elts)
        sizes = [_const_int(a) for a in args]
        if not args or any(s is None or s < 0 for s in sizes):
            return None
        return tuple(sizes)

    def size_value(self, expr: ast.AST, depth: int) -> Dim:
        """An int the code states: a literal, a name bound to one, ``t.size(i)``, ``t.shape[i]``, ``len(t)``."""
        literal = _const_int(expr)
        if literal is not None or depth > MAX_DEPTH:
            return literal
        if isinstance(expr, ast.Name):
            values = self.prover.bindings(expr)
            found = {self.size_value(v, depth + 1) for v in values} if values else {None}
            return found.pop() if len(found) == 1 else None
        tensor, index = None, None
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "size":
            tensor, index = expr.func.value, _const_int(expr.args[0]) if len(expr.args) == 1 else None
        elif isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape":
            tensor, index = expr.value.value, _const_int(expr.slice)
        elif isinstance(expr, ast.Subscript) and _is_size_call(expr.value):  # `t.size()[0]`, `b, c = t.size()`
            assert isinstance(expr.value, ast.Call) and isinstance(expr.value.func, ast.Attribute)
            tensor, index = expr.value.func.value, _const_int(expr.slice)
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "len" and expr.args:
            tensor, index = expr.args[0], 0
        if tensor is None or index is None:
            return None
        shape = self.shape(tensor, depth + 1)
        if shape is None or not -len(shape.dims) <= index < len(shape.dims) or (index < 0 and not shape.exact):
            return None
        return shape.dims[index]

    def reduced(self, tensor: ast.expr, call: ast.Call, depth: int, dim: ast.expr | None) -> Shape | None:
        shape = self.shape(tensor, depth + 1)
        if dim is None:
            return Shape((), True, ())  # every element: one value
        if shape is None:
            return None
        keep = keyword(call, "keepdim")
        keepdim = isinstance(keep, ast.Constant) and keep.value is True
        dims = [_const_int(d) for d in dim.elts] if isinstance(dim, (ast.Tuple, ast.List)) else [_const_int(dim)]
        if any(d is None for d in dims) or (keep is not None and not isinstance(keep, ast.Constant)):
            return None
        rank = len(shape.dims)
        positions = set()
        for d in dims:
            assert d is not None
            if d < 0 and not shape.exact:
                return None
            position = d + rank if d < 0 else d
            if shape.exact and not 0 <= position < rank:
                return None
            positions.add(position)
        kept = tuple(1 if i in positions else x for i, x in enumerate(shape.dims) if keepdim or i not in positions)
        over = ", ".join(map(str, sorted(positions)))
        step = Step(call, f"reduced over dim {over} only here: shape {_text(kept)}" if shape.exact else "")
        return Shape(kept, shape.exact, (*shape.steps[-3:], step) if shape.exact else shape.steps)

    def reshaped(self, tensor: ast.expr, call: ast.Call, depth: int) -> Shape | None:
        args = _dims_argument(call)
        if args is None:
            return None
        sizes = [self.size_value(a, depth + 1) for a in args]
        if sizes.count(-1) > 1:
            return None
        source = self.shape(tensor, depth + 1)
        steps = source.steps if source is not None else ()
        if -1 in sizes:
            total = source.numel() if source is not None else None
            rest = [s for s in sizes if s != -1]
            known = total is not None and all(s is not None and s > 0 for s in rest)
            inferred = total // math.prod(s for s in rest if s is not None) if known and total is not None else None
            sizes = [inferred if s == -1 else s for s in sizes]
        steps += tuple(
            Step(a, f"`{ast.unparse(a)}` is {s} here")
            for a, s in zip(args, sizes)
            if isinstance(a, ast.Name) and s is not None and s >= 0
        )
        return Shape(tuple(sizes), True, steps)

    def rearranged(self, attr: str, tensor: ast.expr, call: ast.Call, depth: int) -> Shape | None:
        shape = self.shape(tensor, depth + 1)
        if shape is None:
            return None
        dims, args = list(shape.dims), [_const_int(a) for a in call.args]
        if any(a is None for a in args) or call.keywords:
            return None
        if attr == "unsqueeze" and len(args) == 1 and args[0] is not None:
            at = args[0]
            if at < 0 and not shape.exact:
                return None
            at = at + len(dims) + 1 if at < 0 else at
            if at > len(dims):
                return None
            return Shape(tuple(dims[:at] + [1] + dims[at:]), shape.exact, shape.steps)
        if not shape.exact:
            return None
        if attr == "flatten" and len(args) <= 1:  # `t.flatten()`, `t.flatten(1)`: the rest in one dimension
            start = args[0] if args else 0
            assert start is not None
            start = start + len(dims) if start < 0 else start
            if not 0 <= start < max(len(dims), 1):
                return None
            rest = Shape(tuple(dims[start:]), True)
            total = rest.numel()
            merged = total if total is not None else ROWS if rest.several() else None
            return Shape((*dims[:start], merged), True, shape.steps)
        if attr == "squeeze" and not args:
            if any(d is None for d in dims):
                return None
            return Shape(tuple(d for d in dims if d != 1), True, shape.steps)
        if attr == "squeeze" and len(args) == 1 and args[0] is not None:  # only that dimension, if of size one
            at = args[0] + len(dims) if args[0] < 0 else args[0]
            if not 0 <= at < len(dims) or dims[at] is None:
                return None
            return Shape(tuple(dims[:at] + dims[at + 1 :]) if dims[at] == 1 else tuple(dims), True, shape.steps)
        if attr == "t" and len(dims) <= 2:
            return Shape(tuple(reversed(dims)), True, shape.steps)
        if attr in ("transpose", "permute") and args:
            order = list(range(len(dims)))
            picked = [a + len(dims) if a is not None and a < 0 else a for a in args]
            if any(p is None or not 0 <= p < len(dims) for p in picked):
                return None
            if attr == "transpose" and len(picked) == 2:
                i, j = picked[0], picked[1]
                assert i is not None and j is not None
                order[i], order[j] = order[j], order[i]
            elif attr == "permute" and sorted(p for p in picked if p is not None) == order:
                order = [p for p in picked if p is not None]
            else:
                return None
            return Shape(tuple(dims[i] for i in order), True, shape.steps)
        return None

    def parts(self, call: ast.Call, depth: int) -> list[ast.expr] | None:
        """The tensors of ``torch.cat([a, b])`` / ``torch.stack((a, b))``: a display, or a name
        bound only to one that nothing appends to."""
        seq = call.args[0] if call.args else keyword(call, "tensors")
        if isinstance(seq, ast.Name):
            bound = self.prover.bindings(seq)
            if len(bound) != 1 or self.prover.mutated(seq):
                return None
            seq = bound[0] if isinstance(bound[0], ast.expr) else None
        if not isinstance(seq, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in seq.elts):
            return None
        return list(seq.elts)

    def _dim(self, call: ast.Call) -> int | None:
        dim = call.args[1] if len(call.args) > 1 else keyword(call, "dim")
        return 0 if dim is None else _const_int(dim)

    def stacked(self, call: ast.Call, depth: int) -> Shape | None:
        parts, dim = self.parts(call, depth), self._dim(call)
        if not parts or dim is None:
            return None
        step = Step(call, f"{len(parts)} tensors stacked here")
        shapes = [self.shape(p, depth + 1) for p in parts]
        joined = self.join(shapes) if all(s is not None for s in shapes) else None
        if joined is None or not joined.exact:
            return Shape((len(parts),), False, (step,)) if dim == 0 else None
        rank = len(joined.dims) + 1
        at = dim + rank if dim < 0 else dim
        if not 0 <= at < rank:
            return None
        dims = joined.dims[:at] + (len(parts),) + joined.dims[at:]
        return Shape(dims, True, (*joined.steps, step))

    def joined(self, call: ast.Call, depth: int) -> Shape | None:
        """``torch.hstack([a, b])`` of 0-dim tensors (losses): one element each, k in all."""
        parts = self.parts(call, depth)
        if not parts or len(parts) < 2:
            return None
        shapes = [self.shape(p, depth + 1) for p in parts]
        if not all(s is not None and s.exact and not s.dims for s in shapes):
            return None
        name = (self.ctx.qualname(call.func) or "").rsplit(".", 1)[-1]
        return Shape((len(parts),), False, (Step(call, f"{len(parts)} one-element tensors joined here by `{name}`"),))

    def concatenated(self, call: ast.Call, depth: int) -> Shape | None:
        parts, dim = self.parts(call, depth), self._dim(call)
        if not parts or dim is None:
            return None
        shapes = [self.shape(p, depth + 1) for p in parts]
        if any(s is None or not s.exact for s in shapes):
            return None
        known = [s for s in shapes if s is not None]
        rank = len(known[0].dims)
        if rank == 0 or any(len(s.dims) != rank for s in known):
            return None
        at = dim + rank if dim < 0 else dim
        if not 0 <= at < rank:
            return None
        sizes = [s.dims[at] for s in known]
        total = sum(s for s in sizes if s is not None) if all(s is not None and s >= 0 for s in sizes) else None
        dims = list(known[0].dims)
        for other in known[1:]:
            dims = [_join(a, b) for a, b in zip(dims, other.dims)]
        dims[at] = total
        step = Step(call, f"{len(parts)} tensors concatenated here" + (f": {total} along dim {dim}" if total else ""))
        return Shape(tuple(dims), True, (*_steps(*known), step))

    # -- modules ----------------------------------------------------------------------------------
    def module(self, constructor: ast.AST, call: ast.Call, depth: int) -> Shape | None:
        """The output shape of the module ``constructor`` builds, called by ``call``."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(constructor, ast.Name):
            values = self.prover.bindings(constructor)
            return self.join([self.module(v, call, depth + 1) for v in values]) if values else None
        if not isinstance(constructor, ast.Call):
            return None
        func = constructor.func
        qualname = self.ctx.qualname(func)
        first = call.args[0] if call.args else None
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in self.prover.returns_self():
            receiver = func.value
            if isinstance(receiver, ast.Call):
                return self.module(receiver, call, depth + 1)
            built = self.prover.constructors(receiver)
            return self.join([self.module(c, call, depth + 1) for c in built]) if built else None
        if qualname == "torch.nn.Linear" and first is not None:
            shape = self.shape(first, depth + 1)
            if shape is None or not shape.exact or not shape.dims:
                return None
            return self.linear(constructor, shape)
        if qualname in CONVS and first is not None:
            shape = self.shape(first, depth + 1)
            channels = _const_int(
                constructor.args[1] if len(constructor.args) > 1 else keyword(constructor, "out_channels")
            )
            if shape is None or not shape.exact or channels is None:
                return None
            spatial = CONVS[qualname]
            step = Step(constructor, f"`{qualname.rsplit('.', 1)[-1]}` with {channels} output channels created here")
            if len(shape.dims) == spatial + 2:  # (N, C, ...): the batch stays
                return Shape((shape.dims[0], channels, *(None,) * spatial), True, (*shape.steps, step))
            if len(shape.dims) == spatial + 1:  # unbatched
                return Shape((channels, *(None,) * spatial), True, (step,))
            return None
        if qualname in ACTIVATIONS and first is not None:
            return self.shape(first, depth + 1)
        if qualname == "torch.nn.Sequential" and constructor.args and first is not None:
            return self.chained(list(constructor.args), call, depth)
        if qualname and qualname.startswith("torch.nn.") and qualname.endswith("Loss"):
            return self.prover.loss_shape(constructor, call, list(call.args[:2]), depth + 1)
        if isinstance(func, ast.Name) and qualname is None:
            info = self.ctx.classes.get(func.id)
            if info is not None and info.is_module:
                returns = self.prover.forward_returns(info)
                if returns is None:
                    return None
                with self.prover.reading(constructor, call):
                    return self.join([self.shape(r, depth + 1) for r in returns])
            helper = local_function(self.ctx, constructor)  # `model = build_model()`
            returned = returned_values(helper) if helper is not None else None
            if returned:
                return self.join([self.module(r, call, depth + 1) for r in returned])
        return None

    def chained(self, layers: list[ast.expr], call: ast.Call, depth: int) -> Shape | None:
        """A Sequential: each layer's output is the next layer's input. Read as a chain of
        synthetic calls would need new nodes; instead each layer maps the shape it is given."""
        shape = self.shape(call.args[0], depth + 1) if call.args else None
        for layer in layers:
            if shape is not None and isinstance(layer, ast.Starred):  # `nn.Sequential(*blocks, head)`
                shape = self.listed(layer.value, shape)
                continue
            if shape is None or not isinstance(layer, ast.Call):
                return None
            shape = self.layer(layer, shape)
        return shape

    def linear(self, layer: ast.Call, shape: Shape) -> Shape:
        """``nn.Linear`` maps ``(..., in)`` to ``(..., out)``: the leading dimensions pass through
        whatever the width is (a width the code does not state leaves only the last one unknown)."""
        found = self.prover.width(layer.args[1] if len(layer.args) > 1 else keyword(layer, "out_features"), layer)
        out, steps = found if found is not None else (None, ())
        said = f"with {out} output features" if out is not None else "keeping the leading dimensions"
        return Shape(
            (*shape.dims[:-1], out), True, (*shape.steps, *steps, Step(layer, f"`nn.Linear` {said} created here"))
        )

    def listed(self, expr: ast.expr, shape: Shape) -> Shape | None:
        """The shape after the layers a list holds, in an order and a number the code may not state
        (``layers.append(...)`` in a loop): known where each is a ``Linear`` or an activation, which
        keep the leading dimensions (the last one is then unknown, unless no ``Linear`` is among them)."""
        layers = self.listed_layers(expr)
        if layers is None or not shape.exact or not shape.dims:
            return None
        kinds = {self.ctx.qualname(layer.func) for layer in layers}
        if not kinds <= ACTIVATIONS | {"torch.nn.Linear"}:
            return None
        if "torch.nn.Linear" not in kinds:
            return shape
        return Shape((*shape.dims[:-1], None), True, shape.steps)

    def listed_layers(self, expr: ast.expr) -> list[ast.Call] | None:
        """Every layer a local list can hold: its name is only bound to list displays of calls,
        grown by ``+=`` of such displays, ``.append(call)`` and ``.extend(display)``, and read to
        be unpacked; any other use (an argument, an item assignment) leaves it unknown."""
        if not isinstance(expr, ast.Name):
            return None
        scope = self.ctx.names.scope_of(expr).node
        arguments = getattr(scope, "args", None)
        if arguments is not None and any(a.arg == expr.id for a in ast.walk(arguments) if isinstance(a, ast.arg)):
            return None  # a parameter: what the callers pass
        found: list[ast.expr] = []
        for node in own_nodes(scope):
            if not (isinstance(node, ast.Name) and node.id == expr.id):
                continue
            parent = self.ctx.parent(node)
            if isinstance(node.ctx, ast.Store):
                if isinstance(parent, ast.Assign) and parent.targets == [node] and isinstance(parent.value, ast.List):
                    found.extend(parent.value.elts)
                elif isinstance(parent, ast.AugAssign) and isinstance(parent.value, ast.List):
                    found.extend(parent.value.elts)
                else:
                    return None
                continue
            grown = self.ctx.parent(parent) if isinstance(parent, ast.Attribute) else None
            if isinstance(parent, ast.Starred):
                continue
            if not (
                isinstance(grown, ast.Call) and grown.func is parent and len(grown.args) == 1 and not grown.keywords
            ):
                return None
            assert isinstance(parent, ast.Attribute)
            if parent.attr == "append":
                found.append(grown.args[0])
            elif parent.attr == "extend" and isinstance(grown.args[0], ast.List):
                found.extend(grown.args[0].elts)
            else:
                return None
        calls = [layer for layer in found if isinstance(layer, ast.Call)]
        return calls if found and len(calls) == len(found) else None

    def layer(self, layer: ast.Call, shape: Shape) -> Shape | None:
        qualname = self.ctx.qualname(layer.func)
        if qualname in ACTIVATIONS:
            return shape
        if not shape.exact:
            return None
        if qualname == "torch.nn.Linear" and shape.dims:
            return self.linear(layer, shape)
        if qualname in CONVS:
            channels = _const_int(layer.args[1] if len(layer.args) > 1 else keyword(layer, "out_channels"))
            spatial = CONVS[qualname]
            if channels is None or len(shape.dims) != spatial + 2:
                return None
            step = Step(layer, f"`{qualname.rsplit('.', 1)[-1]}` with {channels} output channels created here")
            return Shape((shape.dims[0], channels, *(None,) * spatial), True, (*shape.steps, step))
        if qualname == "torch.nn.Flatten" and not layer.args and not layer.keywords and shape.dims:
            return Shape((shape.dims[0], None), True, shape.steps)
        return None


def _is_size_call(expr: ast.AST) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "size"
        and not expr.args
        and not expr.keywords
    )


def _sliced_size(size: Dim, part: ast.Slice) -> Dim:
    """The length of ``part`` of a dimension of ``size``: the size itself for ``:``, the length
    of the literal range where both are literal, else unknown (``ROWS`` stays unknown too)."""
    if part.lower is None and part.upper is None and part.step is None:
        return size
    given = (part.lower, part.upper, part.step)
    bounds = [_const_int(b) if b is not None else None for b in given]
    if size is None or size < 0 or any(b is None and e is not None for b, e in zip(bounds, given)):
        return None
    return len(range(size)[slice(*bounds)])


def _item_key(expr: ast.Subscript) -> str | int | None:
    key = expr.slice
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return _const_int(key)


def _nested_dims(expr: ast.AST) -> tuple[Dim, ...] | None:
    """``[[1, 2], [3, 4]]`` -> (2, 2); a number -> (); None where the nesting is not regular."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, NUMBERS):
        return ()
    if isinstance(expr, (ast.List, ast.Tuple)) and expr.elts and not any(isinstance(e, ast.Starred) for e in expr.elts):
        inner = {_nested_dims(e) for e in expr.elts}
        if len(inner) != 1:
            return None
        rest = inner.pop()
        return None if rest is None else (len(expr.elts), *rest)
    return None


def _text(dims: tuple[Dim, ...]) -> str:
    shown = ["?" if d is None else "n" if d == ROWS else str(d) for d in dims]
    return f"({shown[0]},)" if len(shown) == 1 else f"({', '.join(shown)})"
