"""Shapes of single torch ops for PTL202 (``_shapes.py`` reads expressions): the (values, indices)
pair of ``t.max(dim)``, ``torch.einsum`` outputs, and the syntax of slices, nested displays and
``dim=`` keywords."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._literals import signed_int
from pt_lsp.rules.autograd._shape_appends import appended
from pt_lsp.rules.autograd._shape_lattice import Dim, Shape, shape_text

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._shapes import Shapes

NUMBERS = (int, float)
VALUED = {"max", "min", "median", "mode", "nanmedian"}  # with a dim: a (values, indices) pair
# NumPy makers of arrays of stated sizes, by where the sizes are: every positional argument ("*"),
# the first one, or the `size` (third positional) one.
NUMPY_SIZED = {
    "numpy.random.rand": "*",
    "numpy.random.randn": "*",
    "numpy.zeros": "first",
    "numpy.ones": "first",
    "numpy.empty": "first",
    "numpy.random.random": "first",
    "numpy.random.random_sample": "first",
    "numpy.random.normal": "size",
    "numpy.random.uniform": "size",
}
SPLITS = {"chunk", "split", "unbind"}  # their items: pieces of the tensor along one dimension
# Calls whose result has the shape of their one argument's data: an array made a tensor, a copy.
DATA_SHAPED = {"torch.from_numpy", "torch.tensor", "torch.as_tensor", "numpy.array", "numpy.asarray"}


def valued(shapes: Shapes, call: ast.Call, depth: int) -> Shape | None:
    """``t.max(dim)`` / ``torch.min(t, dim)`` (also ``median``, ``mode``) with a literal dim: a
    (values, indices) pair, each of the shape of ``t`` reduced over ``dim``."""
    func = call.func
    qualname = shapes.ctx.qualname(func)
    tensor: ast.expr | None
    dim: ast.expr | None
    if qualname is None and isinstance(func, ast.Attribute) and func.attr in VALUED:
        tensor, dim = func.value, call.args[0] if call.args else keyword(call, "dim")
    elif qualname is not None and qualname.rsplit(".", 1)[-1] in VALUED and qualname.startswith("torch."):
        tensor, dim = (call.args[0] if call.args else None), (call.args[1] if len(call.args) > 1 else None)
        dim = dim if dim is not None else keyword(call, "dim")
    else:
        return selected(shapes, call, depth)
    if tensor is None or dim is None or signed_int(dim) is None:
        return None  # `a.max(b)` of two tensors: their elementwise maximum, no pair
    return shapes.reduced(tensor, call, depth, dim)


def selected(shapes: Shapes, call: ast.Call, depth: int) -> Shape | None:
    """The values (or indices) of ``t.sort(dim)``: ``t``'s shape; of ``t.topk(k, dim)``: ``t``'s
    shape with ``k`` along ``dim`` (the last by default), where ``t``'s rank is known."""
    func = call.func
    qualname = shapes.ctx.qualname(func)
    if qualname is None and isinstance(func, ast.Attribute) and func.attr in ("topk", "sort"):
        name, tensor, rest = func.attr, func.value, list(call.args)
    elif qualname in ("torch.topk", "torch.sort") and call.args:
        name, tensor, rest = qualname.rsplit(".", 1)[-1], call.args[0], list(call.args[1:])
    else:
        return None
    given = shapes.shape(tensor, depth + 1)
    if name == "sort" or given is None:
        return given
    k = rest[0] if rest else keyword(call, "k")
    said = rest[1] if len(rest) > 1 else keyword(call, "dim")
    dim = signed_int(said) if said is not None else -1
    count = shapes.size_value(k, depth + 1) if k is not None else None
    if count is None or count < 0 or dim is None or not given.exact or not -len(given.dims) <= dim < len(given.dims):
        return None
    dims = list(given.dims)
    dims[dim] = count
    return Shape(tuple(dims), True, (*given.steps, Step(call, f"`topk` of {count} values here")))


def made_array(shapes: Shapes, qualname: str, call: ast.Call, depth: int) -> Shape | None:
    """``np.random.rand(10, 2)``, ``np.zeros((10, 2))``, ``np.random.normal(0, 1, (10, 2))``: the
    sizes stated; ``torch.from_numpy(a)`` / ``torch.tensor(a)`` / ``np.array(a)``: ``a``'s shape."""
    args = call.args
    if qualname in DATA_SHAPED:
        if len(args) != 1 or isinstance(args[0], ast.Starred):
            return None
        if isinstance(args[0], (ast.List, ast.Tuple)):
            nested = nested_dims(args[0])
            step = Step(call, f"created with shape {shape_text(nested)} here") if nested else None
            return Shape(nested, True, (step,)) if nested and step else None
        counted = appended(shapes.values, args[0]) if isinstance(args[0], ast.Name) else None
        if counted is not None and qualname != "torch.from_numpy":  # `torch.tensor(returns)`: a row per item
            count = counted[0]
            return Shape((count,), False, (Step(call, f"made from a list of {count} items here"),))
        return shapes.shape(args[0], depth + 1)
    where = NUMPY_SIZED.get(qualname)
    if where == "*":
        given = list(args)
    elif where == "first":
        first = args[0] if args else keyword(call, "shape") or keyword(call, "size")
        given = [first] if first is not None else []
    else:
        size = args[2] if len(args) > 2 else keyword(call, "size")
        given = [size] if size is not None else []
    if not given or any(isinstance(a, ast.Starred) for a in given):
        return None  # no sizes: one Python float
    stated = shapes.stated_sizes(given, depth, partial=True)
    if stated is None:
        return None
    dims, named = stated
    return Shape(dims, True, (*named, Step(call, f"created with shape {shape_text(dims)} here")))


def item_of_call(shapes: Shapes, call: ast.Call, key: int, depth: int) -> Shape | None:
    """Item ``key`` of a call returning a tuple of tensors of stated shapes:
    ``torch.autograd.grad(out, inputs)[k]`` has the shape of input k; ``t.chunk(n, dim)[k]`` /
    ``t.split(size, dim)[k]`` / ``t.unbind(dim)[k]`` have ``t``'s other dimensions."""
    func = call.func
    qualname = shapes.ctx.qualname(func)
    if qualname == "torch.autograd.grad":
        inputs = call.args[1] if len(call.args) > 1 else keyword(call, "inputs")
        if isinstance(inputs, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in inputs.elts) or not -len(inputs.elts) <= key < len(inputs.elts):
                return None
            inputs = inputs.elts[key]
        elif key != 0:
            return None
        return shapes.shape(inputs, depth + 1) if inputs is not None else None
    tensor: ast.expr | None
    if qualname is None and isinstance(func, ast.Attribute) and func.attr in SPLITS:
        method, tensor, rest = func.attr, func.value, list(call.args)
    elif qualname is not None and qualname.startswith("torch.") and qualname.rsplit(".", 1)[-1] in SPLITS:
        method, tensor, rest = qualname.rsplit(".", 1)[-1], call.args[0] if call.args else None, list(call.args[1:])
    else:
        return None
    if tensor is None or key < 0 or any(k.arg not in ("dim",) for k in call.keywords):
        return None
    shape = shapes.shape(tensor, depth + 1)
    if shape is None or not shape.exact:
        return None
    parts = [] if method == "unbind" else rest[:1]
    dim_arg = keyword(call, "dim") or (rest[0] if method == "unbind" and rest else rest[1] if len(rest) > 1 else None)
    at = signed_int(dim_arg) if dim_arg is not None else 0
    if at is None or not -len(shape.dims) <= at < len(shape.dims) or (method != "unbind" and not parts):
        return None
    at = at + len(shape.dims) if at < 0 else at
    size = shape.dims[at]
    if method == "unbind":
        return Shape((*shape.dims[:at], *shape.dims[at + 1 :]), True, shape.steps)
    count = signed_int(parts[0])
    if count is None or count <= 0:
        return None
    if method == "chunk":  # pieces of ceil(size / count), the last one smaller
        piece = -(-size // count) if size is not None and size >= 0 else None
    else:  # `split(piece_size, dim)`
        piece = count
    known = size is not None and size >= 0 and piece is not None and (key + 1) * piece <= size
    return Shape((*shape.dims[:at], piece if known else None, *shape.dims[at + 1 :]), True, shape.steps)


def layer_parameter(shapes: Shapes, expr: ast.Attribute) -> Shape | None:
    """``model.weight`` / ``self.fc.bias`` of an ``nn.Linear(in, out)``: (out, in) / (out,)."""
    if expr.attr not in ("weight", "bias") or not isinstance(expr.value, (ast.Name, ast.Attribute)):
        return None
    built = shapes.values.constructors(expr.value)
    if len(built) != 1 or not isinstance(built[0], ast.Call):
        return None
    layer = built[0]
    if shapes.ctx.qualname(layer.func) != "torch.nn.Linear" or keyword(layer, "bias") is not None:
        return None
    given = [*layer.args[:2], *(k.value for k in layer.keywords if k.arg in ("in_features", "out_features"))]
    if len(given) != 2 or len(layer.args) + len(layer.keywords) != 2:
        return None
    stated = shapes.stated_sizes(list(reversed(given)) if len(layer.args) == 2 else [], depth=0)
    if stated is None:
        return None
    (out, inner), named = stated[0][:2], stated[1]
    dims = (out, inner) if expr.attr == "weight" else (out,)
    return Shape(dims, True, (*named, Step(layer, f"`nn.Linear` whose {expr.attr} has shape {shape_text(dims)}")))


def einsum(shapes: Shapes, call: ast.Call, depth: int) -> Shape | None:
    """``torch.einsum("bi,bi->b", a, b)``: each output letter's size from the operands' shapes."""
    spec = call.args[0] if call.args else None
    if not (isinstance(spec, ast.Constant) and isinstance(spec.value, str)) or "." in spec.value:
        return None
    text = spec.value.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    operands = list(call.args[1:])
    if len(operands) == 1 and isinstance(operands[0], (ast.List, ast.Tuple)):
        operands = list(operands[0].elts)
    if len(terms) != len(operands) or not all(t.isalpha() for t in terms) or not (output.isalpha() or not output):
        return None
    if not arrow:  # implicit output: the letters that appear once, in alphabetical order
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes: dict[str, Dim] = {}
    steps: tuple[Step, ...] = ()
    for term, operand in zip(terms, operands):
        shape = shapes.shape(operand, depth + 1)
        if shape is None or not shape.exact or len(shape.dims) != len(term):
            continue  # an operand of unknown shape states none of its letters
        steps += shape.steps[-2:]
        for letter, size in zip(term, shape.dims):
            if size is not None and size != 1:
                sizes[letter] = size  # (a size of one may broadcast: another operand's counts)
            else:
                sizes.setdefault(letter, size)
    if any(letter not in sizes for letter in output):
        return None
    dims = tuple(sizes[letter] for letter in output)
    return Shape(dims, True, (*steps, Step(call, f"`torch.einsum` gives shape {shape_text(dims)} here")))


def sliced_size(size: Dim, part: ast.Slice) -> Dim:
    """The length of ``part`` of a dimension of ``size``: the size itself for ``:``, the length
    of the literal range where both are literal, else unknown (``ROWS`` stays unknown too)."""
    if part.lower is None and part.upper is None and part.step is None:
        return size
    given = (part.lower, part.upper, part.step)
    bounds = [signed_int(b) if b is not None else None for b in given]
    if size is None or size < 0 or any(b is None and e is not None for b, e in zip(bounds, given)):
        return None
    return len(range(size)[slice(*bounds)])


def nested_dims(expr: ast.AST) -> tuple[Dim, ...] | None:
    """``[[1, 2], [3, 4]]`` -> (2, 2); a number -> (); None where the nesting is not regular."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, NUMBERS):
        return ()
    if isinstance(expr, (ast.List, ast.Tuple)) and expr.elts and not any(isinstance(e, ast.Starred) for e in expr.elts):
        inner = {nested_dims(e) for e in expr.elts}
        if len(inner) != 1:
            return None
        rest = inner.pop()
        return None if rest is None else (len(expr.elts), *rest)
    return None


def dim_keyword(call: ast.Call) -> ast.expr | None:
    """``dim=``, or NumPy's ``axis=``, which torch's reductions accept too."""
    return keyword(call, "dim") or keyword(call, "axis")
