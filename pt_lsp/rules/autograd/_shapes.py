"""Shapes the code states, for PTL202's proofs of ``numel != 1`` (``_nonscalar.NonScalar``).

It follows what decides the number of elements past a reduction: ``t.view(n, -1).sum(dim=1)``
keeps ``n = t.size(0)`` values, ``torch.cat`` adds the sizes of its parts, ``torch.stack`` of k
tensors has k rows (``_shape_joins.py``), a loss with ``reduction="none"`` keeps its batch
(``_losses.py``), a layer keeps its input's leading dimensions (``_layer_shapes.py``). Anything
else is unknown: a proof may be lost, never made up. A tensor has more (or fewer) than one element
as soon as one of its dimensions is known not to be one (a zero leaves zero elements); the lattice
is in ``_shape_lattice.py``.
"""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING

from pt_lsp.core.evidence.reaching import returned_values
from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._layer_shapes import LayerShapes
from pt_lsp.rules.autograd._literals import arithmetic, counted, dims_argument, is_size_call, item_key, signed_int
from pt_lsp.rules.autograd._shape_joins import concatenated, joined, stacked
from pt_lsp.rules.autograd._shape_lattice import (
    MAX_SHAPE_DEPTH,
    ROWS,
    Dim,
    Shape,
    broadcast,
    join,
    merged_steps,
    product,
    shape_text,
)
from pt_lsp.rules.autograd._shape_ops import (
    DATA_SHAPED,
    NUMPY_SIZED,
    dim_keyword,
    einsum,
    item_of_call,
    layer_parameter,
    made_array,
    nested_dims,
    sliced_size,
    valued,
)
from pt_lsp.rules.autograd._shape_recurrent import RecurrentShapes, recurrent_item
from pt_lsp.rules.autograd._shape_vocab import (
    BINARY,
    JOINS,
    LOSSES,
    REDUCTIONS,
    SAME_SHAPE,
    SIZED_FACTORIES,
    TENSOR_LITERALS,
    WRAPPERS,
)

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._nonscalar import NonScalar

NUMBERS = (int, float)
MATRIX_PRODUCTS = {"matmul", "mm", "bmm", "mv"}


class Shapes:
    """``shape(expr)``: what the code states of the shape of ``expr`` (memoised per module-call
    context, like the proofs of ``NonScalar``, whose values and module reading it shares)."""

    def __init__(self, prover: NonScalar) -> None:
        self.prover = prover
        self.ctx = prover.ctx
        self.values = prover.values
        self.returns = prover.returns
        self.layers = LayerShapes(self)
        self.recurrent = RecurrentShapes(self)
        self._memos: dict[tuple[int, tuple[int, ...]], Shape | None] = {}

    def shape(self, expr: ast.AST, depth: int = 0) -> Shape | None:
        if depth > MAX_SHAPE_DEPTH:
            return None
        prover = self.prover
        if prover.elsewhere.active:  # an expression of another file of the project: its prover's
            owner = prover.elsewhere.owner(expr, prover)
            if owner is not prover:
                return owner.shapes.shape(expr, depth)
        key = (id(expr), self.values.context)
        if key not in self._memos:
            self._memos[key] = None  # a cycle reads as unknown
            self._memos[key] = self._shape(expr, depth)
        return self._memos[key]

    def _shape(self, expr: ast.AST, depth: int) -> Shape | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, NUMBERS) and not isinstance(expr.value, bool):
            return Shape((), True)
        if isinstance(expr, ast.Name):
            return join([self.shape(v, depth + 1) for v in self.values.of(expr)])
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.shape(expr.operand, depth + 1)
        if isinstance(expr, ast.IfExp):
            return join([self.shape(expr.body, depth + 1), self.shape(expr.orelse, depth + 1)])
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.MatMult):
            return self.multiplied(expr.left, expr.right, expr, depth)
        if isinstance(expr, ast.BinOp):
            return self.broadcast_all([expr.left, expr.right], depth)
        if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):
            shape = self.shape(expr.value, depth + 1)  # `.T` of a matrix (`.mT`: its last two dimensions)
            if shape is None or not shape.exact or len(shape.dims) < 2:
                return None
            return Shape((*shape.dims[:-2], shape.dims[-1], shape.dims[-2]), True, shape.steps)
        if isinstance(expr, ast.Attribute):
            return layer_parameter(self, expr)  # `model.weight` of an `nn.Linear`
        if isinstance(expr, ast.Compare) and len(expr.comparators) == 1:
            return self.broadcast_all([expr.left, expr.comparators[0]], depth)
        if isinstance(expr, ast.Subscript):
            return self.item(expr, depth)
        if isinstance(expr, ast.Call):
            return self.call(expr, depth)
        return None

    def broadcast_all(self, operands: list[ast.expr], depth: int) -> Shape | None:
        shapes = [self.shape(o, depth + 1) for o in operands]
        result: Shape | None = Shape((), True)
        for shape in shapes:
            if shape is None or result is None:
                return None
            result = broadcast(result, shape)
        return result

    def item(self, expr: ast.Subscript, depth: int) -> Shape | None:
        key = item_key(expr)
        if key in (0, 1) and isinstance(expr.value, ast.Call):
            found = valued(self, expr.value, depth)  # `out.max(1)[0]`: the values (or indices) per row
            if found is not None:
                return found
        if isinstance(key, int) and isinstance(expr.value, ast.Call):
            found = item_of_call(self, expr.value, key, depth)  # `grad(y, x)[0]`, `t.chunk(2, -1)[1]`
            if found is not None:
                return found
        if key in (0, 1) and recurrent_item(expr) is not None:
            found = self.recurrent.shape(expr, depth)
            if found is not None:
                return found
        if key is not None:
            shapes = self.returns.dict_item(expr.value, key, depth + 1, lambda v: self.shape(v, depth + 2))
            if shapes:
                return join(shapes)
        elif isinstance(expr.value, ast.Name) and not isinstance(expr.slice, (ast.Slice, ast.Tuple, ast.Constant)):
            elements = self.any_element(expr.value, depth)
            if elements is not None:
                return elements
        if isinstance(expr.slice, ast.Name) and self.index_tensor(expr.slice, depth):
            found = self.gathered(expr, depth)  # `self.W[u]` of ids `u`: a row per id
            if found is not None:
                return found
        return self.sliced(expr, depth) if not isinstance(key, str) else None

    def index_tensor(self, name: ast.Name, depth: int) -> bool:
        """``name`` only ever holds an integer tensor made by ``torch.randint`` / ``torch.randperm``
        (ids, never a mask: a bool index would select, not gather)."""
        values = self.values.of(name) if depth <= MAX_SHAPE_DEPTH else []
        return bool(values) and all(
            self.index_tensor(v, depth + 1)
            if isinstance(v, ast.Name)
            else isinstance(v, ast.Call) and self.ctx.qualname(v.func) in ("torch.randint", "torch.randperm")
            for v in values
        )

    def gathered(self, expr: ast.Subscript, depth: int) -> Shape | None:
        """``t[ids]`` with an integer tensor ``ids``: the shape of ``ids`` then ``t``'s other dimensions."""
        index, shape = self.shape(expr.slice, depth + 1), self.shape(expr.value, depth + 1)
        if index is None or shape is None or not (index.exact and shape.exact and shape.dims):
            return None
        return Shape((*index.dims, *shape.dims[1:]), True, merged_steps(index, shape))

    def any_element(self, name: ast.Name, depth: int) -> Shape | None:
        """``scores[i - 1]`` of a list never changed (``scores = [net(a), net(b)]``, or what a
        model's ``forward`` returns as a display): the shape all its elements share, whichever
        the index reads."""
        shapes = self.returns.any_item(name, depth + 1, lambda v: self.shape(v, depth + 2))
        return join(shapes) if shapes else None

    def sliced(self, expr: ast.Subscript, depth: int) -> Shape | None:
        """Basic indexing of a tensor of known rank: ``ids[:, 1:, None]`` of a (4, 7) tensor is
        (4, 6, 1). A slice keeps its dimension (its length where the bounds and the size are
        literal), ``None`` inserts a dimension of one, an int removes one."""
        parts = list(expr.slice.elts) if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if len(parts) < 2 and not any(
            isinstance(p, ast.Slice) or (isinstance(p, ast.Constant) and p.value is None) for p in parts
        ):
            # `x[i]` of a list or a dict as much as of a tensor (`x[None]`, `x[i, j]` are a tensor's);
            # an int index of a tensor of known rank (`h_n[-1]`: the last layer's state) drops a dimension
            # (also of a call whose result has a tensor's shape: `Net()(x)[0]`, a model output's first row)
            if not (isinstance(expr.value, (ast.Name, ast.Call)) and signed_int(expr.slice) is not None):
                return None
        shape = self.shape(expr.value, depth + 1)
        if shape is None or not shape.exact:
            return None
        # One index of unknown kind (an int, a tensor, a mask: `logits[:, labels]`) alone among
        # slices changes the dimensions from its own on; those before it stay in front (with an
        # int or a second index beside it, torch may move the indexed dimensions to the front).
        indexes = [p for p in parts if not isinstance(p, ast.Slice)]
        ints = {id(p) for p in indexes if self.integer(p, depth)}
        unknown = [p for p in indexes if id(p) not in ints and not (isinstance(p, ast.Constant) and p.value is None)]
        if unknown and len(indexes) > 1:
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
                kept.append(sliced_size(size, part))
            elif id(part) not in ints:
                return Shape(tuple(kept), False, shape.steps) if kept else None  # the dimensions before it
        return Shape((*kept, *dims), True, shape.steps)

    def elementwise_pair(self, call: ast.Call, depth: int) -> bool:
        """``torch.max(zero, margin - d)``: two tensors, not a tensor and a dim, so the elementwise
        maximum (or minimum) of the two, broadcast (RankLoss of RA-CNN#4)."""
        if len(call.args) != 2 or call.keywords or self.integer(call.args[1], depth):
            return False
        return self.shape(call.args[1], depth + 1) is not None

    def integer(self, expr: ast.AST, depth: int) -> bool:
        """``expr`` is a Python int: a literal, ``len(...)``, a loop variable over ``range(...)``, an
        item of a list display of ints, a name every value of which is one."""
        if signed_int(expr) is not None:
            return True
        if depth > MAX_SHAPE_DEPTH:
            return False
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("len", "int"):
            return self.ctx.names.binding(expr.func.id, expr.func) is None  # the builtin
        if isinstance(expr, ast.Subscript) and self.integer(expr.slice, depth + 1):
            return self.int_items(expr.value, depth + 1)
        if isinstance(expr, ast.Name):
            values = self.values.of(expr)
            if values:
                return all(self.integer(v, depth + 1) for v in values)
            return self.values.over_range(expr)
        return False

    def int_items(self, expr: ast.AST, depth: int) -> bool:
        """``expr`` is a list or tuple display of int literals (through names)."""
        if isinstance(expr, (ast.List, ast.Tuple)):
            return bool(expr.elts) and all(signed_int(e) is not None for e in expr.elts)
        if isinstance(expr, ast.Name) and depth <= MAX_SHAPE_DEPTH:
            values = self.values.of(expr)
            return bool(values) and all(self.int_items(v, depth + 1) for v in values)
        return False

    # -- calls ------------------------------------------------------------------------------------
    def call(self, call: ast.Call, depth: int) -> Shape | None:
        func = call.func
        qualname = self.ctx.qualname(func)
        if qualname is not None:  # torch's function, else one of another file of the project
            known = self.function(qualname, call, depth)
            if known is not None:
                return known
            read = self.prover.elsewhere.function
            return read(self.prover, call, lambda there, rs: join([there.shapes.shape(r, depth + 1) for r in rs]))
        if isinstance(func, ast.Attribute):
            method = self.method(func.attr, func.value, call, depth)
            if method is not None:
                return method
        found = self.returns.instance_method(call)  # `model.compute_loss(x, y)` of a local class
        if found is not None and not self.values.inside(found[1]):
            returned_by = returned_values(found[1])
            if not returned_by:
                return None
            with self.values.reading(found[0], call), self.values.calling(found[1], call):
                return join([self.shape(r, depth + 1) for r in returned_by])
        returned = self.returns.returns_of_call(call, depth)  # a helper or a method of the class
        helper = self.returns.called_function(call)
        if returned is not None and helper is not None and not self.values.inside(helper):
            with self.values.calling(helper, call):
                return join([self.shape(r, depth + 1) for r in returned])
        if returned is not None:
            return join([self.shape(r, depth + 1) for r in returned])
        if isinstance(func, ast.Name):  # `from .losses import similarity`
            read = self.prover.elsewhere.function
            shape = read(self.prover, call, lambda there, rs: join([there.shapes.shape(r, depth + 1) for r in rs]))
            if shape is not None:
                return shape
        if isinstance(func, (ast.Name, ast.Attribute, ast.Subscript)):
            built = self.values.constructors(func)
            return join([self.layers.module(c, call, depth + 1) for c in built]) if built else None
        if isinstance(func, ast.Call):
            return self.layers.module(func, call, depth + 1)
        return None

    def function(self, qualname: str, call: ast.Call, depth: int) -> Shape | None:
        args = call.args
        name = qualname.rsplit(".", 1)[-1]
        if qualname in NUMPY_SIZED or qualname in DATA_SHAPED:
            return made_array(self, qualname, call, depth)
        if qualname in SIZED_FACTORIES or qualname in ("torch.full", "torch.randint"):
            sizes = args[:1] if qualname == "torch.full" else args
            if qualname == "torch.randint":  # `torch.randint(low, high, size)`: the size is last
                sizes = args[-1:] if args and isinstance(args[-1], (ast.Tuple, ast.List)) else []
            size = keyword(call, "size")
            given = sizes if sizes else [size] if size is not None else []
            stated = self.stated_sizes(given, depth, partial=True)
            if stated is None:
                return None
            dims, named = stated
            return Shape(dims, True, (*named, Step(call, f"created with shape {shape_text(dims)} here")))
        if qualname in ("torch.linspace", "torch.arange"):  # one dimension, its length stated
            count = counted(qualname, args)
            if count is None:
                return None
            return Shape((count,), True, (Step(call, f"created with {count} elements here"),))
        if name in ("cosine_similarity", "pairwise_distance") and len(args) >= 2:
            # one value per pair of vectors: the broadcast inputs without the compared dimension
            said = keyword(call, "dim") or (args[2] if name == "cosine_similarity" and len(args) > 2 else None)
            dim = said if said is not None else ast.Constant(1 if name == "cosine_similarity" else -1)
            return self.reduced(None, call, depth, dim, given=self.broadcast_all(list(args[:2]), depth))
        if qualname == "torch.einsum":
            return einsum(self, call, depth)
        if qualname in TENSOR_LITERALS and args and isinstance(args[0], (ast.List, ast.Tuple)):
            nested = nested_dims(args[0])
            return (
                Shape(nested, True, (Step(call, f"created with shape {shape_text(nested)} here"),)) if nested else None
            )
        if qualname == "torch.cat" or qualname == "torch.concat":
            return concatenated(self, call, depth)
        if qualname == "torch.stack":
            return stacked(self, call, depth)
        if qualname in JOINS:
            return joined(self, call, depth)
        if qualname.startswith(("torch.nn.functional.", "torch.")) and (
            name in LOSSES or name in ("cross_entropy", "nll_loss")
        ):
            return self.prover.losses.loss_shape(call, call, list(args[:2]), depth + 1)
        if not qualname.startswith(("torch.", "torch.nn.functional.")) or not args:
            return None
        if name in REDUCTIONS:
            at = 2 if name == "norm" else 1  # `torch.norm(t, p, dim)`
            return self.reduced(args[0], call, depth, dim=args[at] if len(args) > at else dim_keyword(call))
        if name in MATRIX_PRODUCTS and len(args) == 2:
            return self.multiplied(args[0], args[1], call, depth)
        if qualname == "torch.where" and len(args) == 3:  # the broadcast of the condition and both values
            return self.broadcast_all(list(args), depth)
        if qualname == "torch.nn.functional.linear" and len(args) >= 2:
            return self.multiplied(args[0], args[1], call, depth, transposed=True)
        if name in BINARY or name in ("max", "min") and self.elementwise_pair(call, depth):
            return self.broadcast_all(list(args[:2]), depth)
        if name in SAME_SHAPE or qualname in WRAPPERS:
            return self.shape(args[0], depth + 1)
        return None

    def method(self, attr: str, receiver: ast.expr, call: ast.Call, depth: int) -> Shape | None:
        if attr in SAME_SHAPE and attr not in BINARY:
            return self.shape(receiver, depth + 1)
        if attr in BINARY and call.args:
            return self.broadcast_all([receiver, call.args[0]], depth)
        if attr in REDUCTIONS:
            at = 1 if attr == "norm" else 0  # `t.norm(p, dim)` takes the order first
            dim = call.args[at] if len(call.args) > at else dim_keyword(call)
            return self.reduced(receiver, call, depth, dim=dim)
        if attr in MATRIX_PRODUCTS and len(call.args) == 1:
            return self.multiplied(receiver, call.args[0], call, depth)
        if attr in ("view", "reshape"):
            return self.reshaped(receiver, call, depth)
        if attr in ("unsqueeze", "squeeze", "flatten", "t", "transpose", "permute"):
            return self.rearranged(attr, receiver, call, depth)
        if attr == "gather" and len(call.args) + len(call.keywords) == 2:  # `t.gather(dim, index)`: index's shape
            index = call.args[1] if len(call.args) == 2 else keyword(call, "index")
            return self.shape(index, depth + 1) if index is not None else None
        if attr == "forward":
            built = self.values.constructors(receiver)
            return join([self.layers.module(c, call, depth + 1) for c in built]) if built else None
        return None

    def multiplied(
        self, left: ast.expr, right: ast.expr, where: ast.AST, depth: int, transposed: bool = False
    ) -> Shape | None:
        """The matrix product of ``left`` and ``right`` (``F.linear(x, w)``: of ``x`` and ``w.T``)."""
        a, b = self.shape(left, depth + 1), self.shape(right, depth + 1)
        if a is None or b is None:
            return None
        if transposed and b.exact and len(b.dims) == 2:
            b = Shape(b.dims[::-1], True, b.steps)
        elif transposed and not (b.exact and len(b.dims) == 1):
            return None
        found = product(a, b)
        if found is None:
            return None
        return Shape(
            found.dims, True, (*found.steps, Step(where, f"matrix product here: shape {shape_text(found.dims)}"))
        )

    def stated_sizes(
        self, args: list[ast.expr], depth: int, partial: bool = False
    ) -> tuple[tuple[Dim, ...], tuple[Step, ...]] | None:
        """A factory's sizes (``8, 3``, ``(8, 3)``, ``batch_size, dim`` with ``batch_size = 8``),
        with the places that give the named ones; None where one is not stated. ``partial``: a size
        not stated is unknown (None) where the sizes are several ints, so the rank is certain
        (``torch.zeros(T, 3)``: 0 or at least 3 elements); a lone name may hold a tuple."""
        certain = len(args) > 1 or (len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)))
        if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
            args = list(args[0].elts)
        if any(isinstance(a, ast.Starred) for a in args):
            return None
        sizes = [self.size_value(a, depth + 1) for a in args]
        if not args or any(s is not None and s < 0 and s != ROWS for s in sizes):
            return None
        if None in sizes and not (partial and certain):
            return None
        named = tuple(
            Step(a, f"`{ast.unparse(a)}` is {s} here")
            for a, s in zip(args, sizes)
            if not isinstance(a, ast.Constant) and s is not None and s >= 0
        )
        return tuple(sizes), named

    def size_value(self, expr: ast.AST, depth: int) -> Dim:
        """An int the code states: a literal, a name bound to one, ``t.size(i)``, ``t.shape[i]``, ``len(t)``."""
        literal = signed_int(expr)
        if literal is not None or depth > MAX_SHAPE_DEPTH:
            return literal
        if isinstance(expr, ast.Name):
            values = self.values.of(expr)
            found = {self.size_value(v, depth + 1) for v in values} if values else {None}
            return found.pop() if len(found) == 1 else None
        if isinstance(expr, ast.BinOp):  # `x.view(-1, 16 * 5 * 5)`, `torch.zeros(n, 2 * k)`
            size = arithmetic(expr, lambda side: self.size_value(side, depth + 1))
            return size if size is None or size >= 0 else None
        tensor, index = None, None
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "size":
            tensor, index = expr.func.value, signed_int(expr.args[0]) if len(expr.args) == 1 else None
        elif isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape":
            tensor, index = expr.value.value, signed_int(expr.slice)
        elif isinstance(expr, ast.Subscript) and is_size_call(expr.value):  # `t.size()[0]`, `b, c = t.size()`
            assert isinstance(expr.value, ast.Call) and isinstance(expr.value.func, ast.Attribute)
            tensor, index = expr.value.func.value, signed_int(expr.slice)
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "len" and expr.args:
            tensor, index = expr.args[0], 0
        if tensor is None or index is None:
            return None
        shape = self.shape(tensor, depth + 1)
        if shape is None or not -len(shape.dims) <= index < len(shape.dims) or (index < 0 and not shape.exact):
            return None
        return shape.dims[index]

    def reduced(
        self, tensor: ast.expr | None, call: ast.Call, depth: int, dim: ast.expr | None, given: Shape | None = None
    ) -> Shape | None:
        shape = self.shape(tensor, depth + 1) if tensor is not None else given
        if dim is None:
            return Shape((), True, ())  # every element: one value
        if shape is None:
            return None
        keep = keyword(call, "keepdim")
        keepdim = isinstance(keep, ast.Constant) and keep.value is True
        dims = [signed_int(d) for d in dim.elts] if isinstance(dim, (ast.Tuple, ast.List)) else [signed_int(dim)]
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
        step = Step(call, f"reduced over dim {over} only here: shape {shape_text(kept)}" if shape.exact else "")
        return Shape(kept, shape.exact, (*shape.steps[-3:], step) if shape.exact else shape.steps)

    def reshaped(self, tensor: ast.expr, call: ast.Call, depth: int) -> Shape | None:
        args = dims_argument(call)
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
        if shape is None:  # `t.unsqueeze(0)` of any tensor: one leading dimension of one
            whole = attr == "unsqueeze" and len(call.args) == 1 and signed_int(call.args[0]) == 0
            return Shape((1,), False) if whole and not call.keywords else None
        dims, args = list(shape.dims), [signed_int(a) for a in call.args]
        if any(a is None for a in args) or call.keywords:
            return None
        if attr == "squeeze" and not args and not shape.exact:
            # the leading sizes other than one stay in front, up to the first unknown one (it may go)
            known: list[Dim] = []
            for d in dims:
                if d is None:
                    break
                if d != 1:
                    known.append(d)
            return Shape(tuple(known), False, shape.steps) if known else None
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
            bound = self.values.of(seq)
            if len(bound) != 1 or self.values.mutated(seq):
                return None
            seq = bound[0] if isinstance(bound[0], ast.expr) else None
        if not isinstance(seq, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in seq.elts):
            return None
        return list(seq.elts)
