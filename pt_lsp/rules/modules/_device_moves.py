"""Where PTL302's tensors are placed and moved: a tensor made with a device (``device=``,
``.to(device)``) or computed from a placed one is the code's own business, and a use that moves
the attribute itself (``self.mask.to(x.device)``, also after views) or reads only its metadata
misses nothing. Split from ``unregistered_buffer`` (which asks these questions) to keep the
device reasoning in one place."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import (
    argument_for,
    arguments_at_calls,
    attribute_calls,
    instantiation_arguments,
    name_uses,
    parameter_of,
    reaching_values,
)
from pt_lsp.core.evidence.tensors import TENSOR_METHODS
from pt_lsp.core.vocabulary import FACTORIES, LIKE_FACTORIES
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr, self_attribute_uses, tensor_value

MOVES_AT_USE = {"to", "cuda", "cpu", "type_as", "to_dense"}
METADATA = {"size", "shape", "dim", "ndim", "ndimension", "dtype", "numel", "nelement", "is_cuda", "device"}
# torch functions whose result is made where their tensor arguments are
FOLLOW_INPUTS = LIKE_FACTORIES | {"torch.polar", "torch.complex"}
RESHAPES = {"view", "reshape", "unsqueeze", "expand", "repeat"}  # with sizes: at least one dimension
# Methods that give a view, a copy in another shape or a dtype cast on the tensor's own device and
# combine it with no other tensor: a `.to(x.device)` after them still moves the attribute's values.
VIEWS = RESHAPES | {
    "squeeze", "permute", "transpose", "t", "flatten", "contiguous", "clone", "detach", "narrow",
    "expand_as", "view_as", "reshape_as", "float", "double", "half", "long", "int", "bool",
}  # fmt: skip


def placement_free(ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
    for node in ast.walk(value):
        # requires_grad=True tensors are PTL301's; a tensor created with an explicit device
        # (`device=`, `.to(device)`) belongs to code that places its tensors itself.
        if isinstance(node, ast.Call) and (
            any(
                (k.arg == "requires_grad" and not _false(k.value))
                or (k.arg == "device" and not _cpu_example_device(ctx, k.value, depth))
                for k in node.keywords
            )
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_")
            or _placed(node, ctx)
        ):
            return False
        # `torch.ones_like(freqs)`, `torch.polar(abs, freqs)`: made where their tensor
        # arguments are, so placed when one of those is
        if (
            isinstance(node, ast.Call)
            and ctx.qualname(node.func) in FOLLOW_INPUTS
            and any(_placed_value(ctx, a, depth + 1) for a in node.args)
        ):
            return False
    return True


def _false(value: ast.expr) -> bool:
    """``requires_grad=False``: what a factory makes anyway, a plain tensor (audit-10 M3)."""
    return isinstance(value, ast.Constant) and value.value is False


def moved_at_use(ctx: FileContext, use: ast.Attribute) -> bool:
    """The use moves the tensor itself, or hands it to a function of another library, which
    may place it (allennlp copies such ids into a slice of the input's device)."""
    parent = ctx.parent(use)
    if (
        isinstance(parent, ast.Call)
        and any(a is use for a in parent.args)
        and not isinstance(parent.func, ast.Attribute)
    ):
        qualname = ctx.qualname(parent.func)
        return qualname is not None and qualname.split(".")[0] != "torch"
    if isinstance(parent, ast.Attribute) and parent.attr in METADATA:
        return True  # `self.t.size(-1)`, `self.t.shape`: no device is involved
    if isinstance(parent, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops):
        return True  # `if self.alpha is not None:`: an identity test reads no values
    if isinstance(parent, ast.Starred) and _sizes(ctx, ctx.parent(parent)):
        return True  # `x.view(n, *self.shape)`: its items are sizes, read as numbers
    moved = _through_views(ctx, use)  # `self.t[:n].unsqueeze(0).to(x.device)`
    moved = _through_cpu_arithmetic(ctx, moved)  # `e = torch.randn(x.size()) * self.alpha; e.to(x.device)`
    parent = ctx.parent(moved)
    if isinstance(parent, ast.IfExp) and moved is not parent.test:
        return _local_moved(ctx, parent)  # `t = self.t if t is None else t`
    if isinstance(parent, ast.Assign):
        return _local_moved(ctx, moved)  # `t = self.t`, `pe = self.pe[:n].unsqueeze(0)`
    if isinstance(parent, ast.Return):
        return _moved_by_callers(ctx, parent)  # `return self.E[start:]`, moved where it is called
    return isinstance(parent, ast.Attribute) and parent.attr in MOVES_AT_USE


# Calls whose positional arguments are sizes: a tensor unpacked into them gives numbers.
SIZED_METHODS = RESHAPES | {"new_zeros", "new_ones", "new_empty", "new_full", "permute", "tile"}
SIZED_FACTORIES = {"torch.zeros", "torch.ones", "torch.empty", "torch.rand", "torch.randn"}


def _sizes(ctx: FileContext, call: ast.AST | None) -> bool:
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in SIZED_METHODS:
        return True
    return ctx.qualname(func) in SIZED_FACTORIES


def _placed(call: ast.Call, ctx: FileContext) -> bool:
    """``.to(device)`` / ``.to("cuda:1")`` / ``.to(other)``, which place the tensor where the caller says (like
    ``device=``), not a dtype cast (``.to(torch.half)``). ``.cuda()`` places it on one fixed device: reported."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "to":
        return False
    if not call.args:
        return False
    first = call.args[0]
    qualname = ctx.qualname(first)
    return not (qualname is not None and qualname.startswith("torch.") and qualname != "torch.device")


def _cpu_example_device(ctx: FileContext, device: ast.expr, depth: int) -> bool:
    """``device=x_example.device`` where ``x_example`` is a parameter of ``__init__`` for which every
    instantiation in the file passes a tensor made on the CPU (``SLSTMBlock(torch.zeros(1, 5, 8))``,
    also through a name): the tensor is made on the CPU, as a plain one, and a later
    ``block.to("cuda")`` leaves it there (recall: xLSTM's recurrent states)."""
    if depth > 2 or not (
        isinstance(device, ast.Attribute) and device.attr == "device" and isinstance(device.value, ast.Name)
    ):
        return False
    init = ctx.parent(device)
    while init is not None and not isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef)):
        init = ctx.parent(init)
    if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
        return False
    name = device.value.id
    if name not in {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}:
        return False
    passed = instantiation_arguments(ctx, init, name)
    if not passed:
        return False
    for value in passed:
        values = reaching_values(ctx, value) if isinstance(value, ast.Name) else [value]
        if not values or not all(
            isinstance(v, ast.expr)
            and tensor_value(ctx, v)
            and placement_free(ctx, v, depth + 1)
            and not any(isinstance(n, ast.Call) and _moves(n) for n in ast.walk(v))
            for v in values
        ):
            return False
    return True


def _moves(call: ast.Call) -> bool:
    """``.to(...)``, ``.cuda()``: the example may be anywhere after it."""
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("to", "cuda")


def _placed_value(ctx: FileContext, value: ast.expr, depth: int) -> bool:
    """``value`` is a tensor placed by the code (``torch.arange(n, device=device)``, ``w.to(device)``)
    or computed by torch from one (``torch.outer(t, inv).float()``, ``t * 2``, a local bound only
    to such): wherever the model is meant to run, not an unplaced CPU tensor."""
    if depth > 4:
        return False
    if isinstance(value, ast.Name):
        values = reaching_values(ctx, value)
        return bool(values) and all(isinstance(v, ast.expr) and _placed_value(ctx, v, depth + 1) for v in values or ())
    if isinstance(value, ast.BinOp):
        return any(_placed_value(ctx, side, depth) for side in (value.left, value.right))
    if not isinstance(value, ast.Call):
        return False
    if not placement_free(ctx, value, depth):
        return True
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr in TENSOR_METHODS and func.attr not in MOVES_AT_USE:
        return _placed_value(ctx, func.value, depth)  # `.float()`, `.unsqueeze(0)` keep the device
    qualname = ctx.qualname(func)
    if qualname is None or not qualname.startswith("torch.") or qualname in FACTORIES - FOLLOW_INPUTS:
        return False  # `torch.zeros(n)` is made on the CPU whatever `n` came from
    return any(_placed_value(ctx, a, depth) for a in value.args)


def placed_somewhere(ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
    """Some value ``value`` may hold is a tensor the code placed (``torch.tensor(m).to(device)``),
    also through a parameter of ``__init__`` or of a function of the file, with what their calls in
    the file pass: ``torch.tensor(value)`` of it copies it on that device (audit-11 G4). So may a
    parameter of a module-level function that no code of the file names: its caller is elsewhere
    (audit-11's ``get_style_model_and_losses(cnn, mean, std)``, called from ``main.py`` with
    ``torch.tensor([...]).to(device)``), and nothing here says what it passes."""
    if depth > 3:
        return False
    if _placed_value(ctx, value, 0):
        return True
    if not isinstance(value, ast.Name):
        return False
    values: list[ast.AST] | list[ast.expr] | None = reaching_values(ctx, value)
    found = parameter_of(ctx, value) if values is None else None
    if found is not None:
        function, parameter = found
        owner = ctx.parent(function)
        if function.name == "__init__":
            values = instantiation_arguments(ctx, function, parameter)
        elif isinstance(owner, ast.Module) and not _named(ctx, function.name):
            return True  # handed in by code of another file
        elif isinstance(owner, ast.ClassDef):
            # a method the class calls as `self.build(mean, std)` (audit-14 G4); one no code of the
            # file calls is handed its arguments from elsewhere, as a module-level function is
            calls = [c for c in attribute_calls(ctx).get(function.name, ()) if is_self_attr(c.func)]
            if not calls:
                return True
            passed = [argument_for(call, function, parameter, bound=True) for call in calls]
            values = [v for v in passed if v is not None]
        else:
            values = arguments_at_calls(ctx, function, parameter)
    return any(isinstance(v, ast.expr) and placed_somewhere(ctx, v, depth + 1) for v in values or ())


def _named(ctx: FileContext, name: str) -> bool:
    return any(isinstance(n.ctx, ast.Load) for n in name_uses(ctx, name))


def _local_moved(ctx: FileContext, value: ast.expr) -> bool:
    """``t = <value>`` where every later read of ``t`` that ``value`` may reach moves it
    (``t = t.to(x.device)``), as a use of ``self.t.to(x.device)`` does."""
    assign = ctx.parent(value)
    if not (isinstance(assign, ast.Assign) and assign.value is value and len(assign.targets) == 1):
        return False
    target = assign.targets[0]
    scope = ctx.parent(assign)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scope = ctx.parent(scope)
    if not isinstance(target, ast.Name) or scope is None:
        return False
    reads = []
    start, end = (scope.lineno, scope.col_offset), (scope.end_lineno or 0, scope.end_col_offset or 0)
    for node in name_uses(ctx, target.id):  # indexed once per file: no walk of the scope per question
        if not (isinstance(node.ctx, ast.Load) and start <= (node.lineno, node.col_offset) <= end):
            continue
        values = reaching_values(ctx, node)
        after = (node.lineno, node.col_offset) >= (assign.end_lineno or 0, assign.end_col_offset or 0)
        if any(v is value for v in values or ()) or (values is None and after):
            reads.append(node)
    return bool(reads) and all(_read_moved(ctx, n) for n in reads)


def _read_moved(ctx: FileContext, read: ast.expr) -> bool:
    """A read of a local that moves it, or returns it (``return e``) from a method every call of
    which in its class moves the result."""
    parent = ctx.parent(_through_views(ctx, read))
    if isinstance(parent, ast.Return):
        return _moved_by_callers(ctx, parent)
    return isinstance(parent, ast.Attribute) and parent.attr in MOVES_AT_USE


def _moved_by_callers(ctx: FileContext, ret: ast.Return) -> bool:
    """``ret`` returns from a method of a class, and every ``self.<method>(...)`` call in that
    class (at least one) moves its result (``self._left(n).to(q.device)``, also after views):
    the attribute's values reach the computation on the input's device."""
    method = ctx.parent(ret)
    while method is not None and not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
        method = ctx.parent(method)
    cls = ctx.parent(method) if method is not None else None
    if not isinstance(method, ast.FunctionDef) or not isinstance(cls, ast.ClassDef):
        return False
    if method.name in ("forward", "__call__"):
        return False  # `model(x)` runs it too, and hands its result to the caller unmoved
    calls = [n for n in _self_calls(ctx).get(method.name, ()) if ctx.enclosing_class(n) is cls]
    return bool(calls) and all(
        isinstance(p := ctx.parent(_through_views(ctx, c)), ast.Attribute) and p.attr in MOVES_AT_USE for c in calls
    )


@PerFile
def _self_calls(ctx: FileContext) -> dict[str, list[ast.Call]]:
    """The file's ``self.<name>(...)`` calls by name, built once per file from the shared index."""
    found: dict[str, list[ast.Call]] = {}
    for call in ctx.index.of(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            found.setdefault(func.attr, []).append(call)
    return found


def _through_views(ctx: FileContext, value: ast.expr) -> ast.expr:
    """The outermost of slices (``t[:n]``, ``t[..., 0]``) and view/shape methods (``VIEWS``) applied
    to ``value``: none computes with another tensor, so where that result is moved, ``value`` is.
    An index that may be a tensor (``t[idx]``) stops here: it may sit on another device."""
    for _ in range(16):  # a chain of views is short; the bound keeps a pathological one linear
        parent = ctx.parent(value)
        if isinstance(parent, ast.Subscript) and parent.value is value and _slicing(ctx, parent.slice):
            value = parent
        elif (
            isinstance(parent, ast.Attribute)
            and parent.value is value
            and parent.attr in VIEWS
            and isinstance(call := ctx.parent(parent), ast.Call)
            and call.func is parent
        ):
            value = call
        else:
            break
    return value


def _through_cpu_arithmetic(ctx: FileContext, value: ast.expr) -> ast.expr:
    """The outermost arithmetic ``value`` takes part in with operands made on the CPU only
    (numbers, torch factories given no device): `torch.randn(x.size()) * self.alpha + 1` is a CPU
    tensor, as the attribute is, so where that result is moved, the attribute's values are
    (a Gaussian dropout's noise scale; audit-16). A bounded climb, linear like the views'."""
    for _ in range(16):
        parent = ctx.parent(value)
        if not isinstance(parent, ast.BinOp) or not _on_the_cpu(
            ctx, parent.right if parent.left is value else parent.left
        ):
            break
        value = _through_views(ctx, parent)
    return value


def _on_the_cpu(ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
    """A number, or a tensor a torch factory makes on the CPU (no ``device=``, not ``*_like``)."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, (int, float)) and not isinstance(value.value, bool)
    if isinstance(value, ast.UnaryOp) and depth < 8:
        return _on_the_cpu(ctx, value.operand, depth + 1)
    if isinstance(value, ast.BinOp) and depth < 8:
        return _on_the_cpu(ctx, value.left, depth + 1) and _on_the_cpu(ctx, value.right, depth + 1)
    if not isinstance(value, ast.Call) or any(k.arg == "device" or k.arg is None for k in value.keywords):
        return False
    qualname = ctx.qualname(value.func)
    return qualname in FACTORIES and qualname not in LIKE_FACTORIES


def _slicing(ctx: FileContext, index: ast.expr) -> bool:
    """Slices, constants, ``None``, ``...`` and Python integers (``self.primes[i]`` where ``i`` counts
    a ``for`` over ``range``): an index that holds no tensor. A tensor index may sit on the GPU,
    where indexing a CPU tensor with it raises ("indices should be either on cpu or on the same
    device as the indexed tensor"), so ``self.table[t].to(x.device)`` still meets the table."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(isinstance(p, (ast.Slice, ast.Constant)) or _python_int(ctx, p, 0) for p in parts)


def _python_int(ctx: FileContext, value: ast.expr, depth: int) -> bool:
    """An integer of Python: a constant, a counter of ``range``/``enumerate`` or arithmetic of such
    with constants (``i + 1``, ``-k``)."""
    if depth > 4:
        return False
    if isinstance(value, ast.Constant):
        return isinstance(value.value, int) and not isinstance(value.value, bool)
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
        return _python_int(ctx, value.operand, depth + 1)
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
        return _python_int(ctx, value.left, depth + 1) and _python_int(ctx, value.right, depth + 1)
    return isinstance(value, ast.Name) and _counter(ctx, value)


def _counter(ctx: FileContext, name: ast.Name) -> bool:
    """Every binding of ``name`` in its function is a ``for`` target counting ``range(...)`` (or the
    counter of ``enumerate(...)``): the loop variable is a Python int on every iteration."""
    scope = ctx.parent(name)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        scope = ctx.parent(scope)
    if (
        scope is None
        or isinstance(scope, ast.Lambda)
        or name.id in {a.arg for a in ast.walk(scope.args) if isinstance(a, ast.arg)}
    ):
        return False
    stores = [n for n in name_uses(ctx, name.id) if not isinstance(n.ctx, ast.Load) and _function_of(ctx, n) is scope]
    return bool(stores) and all(_counts(ctx, store) for store in stores)


def _counts(ctx: FileContext, store: ast.Name) -> bool:
    loop = ctx.parent(store)
    if isinstance(loop, ast.For) and loop.target is store:
        return _builtin_call(ctx, loop.iter, "range")
    pair = loop  # `for i, item in enumerate(xs)`
    loop = ctx.parent(pair) if isinstance(pair, ast.Tuple) else None
    return (
        isinstance(pair, ast.Tuple)
        and isinstance(loop, ast.For)
        and loop.target is pair
        and pair.elts[0] is store
        and _builtin_call(ctx, loop.iter, "enumerate")
    )


def _builtin_call(ctx: FileContext, call: ast.expr, name: str) -> bool:
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == name
        and ctx.names.binding(name, call.func) is None
    )


def _function_of(ctx: FileContext, node: ast.AST) -> ast.AST | None:
    scope = ctx.parent(node)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        scope = ctx.parent(scope)
    return scope


def unmoved_uses(ctx: FileContext, reached: list[Function], attr: str) -> list[tuple[Function, ast.Attribute]]:
    """Where the methods ``reached`` read ``self.<attr>``; none when every read moves it itself."""
    uses = [(m, u) for m in reached for u in self_attribute_uses(m, attr)]
    return [] if all(moved_at_use(ctx, use) for _, use in uses) else uses
