"""PTL305's evidence: where, in the code a module's ``forward`` runs, a tensor that a torch factory
made without ``device=`` meets a tensor on the GPU in an op that needs both on one device.

Two facts are asked of the flow engine (core/flow): the device of each operand at the op (the
factory's operand proven on the CPU, the other proven moved to CUDA or to a device chosen at run
time), and nothing else: the way from the factory to the operand is read from the syntax, and
only through what keeps a tensor where it is (views, casts, arithmetic with numbers, names, a
method's return value, an argument of a call of this file), so the operand is the factory's tensor.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import (
    argument_for,
    arguments_at_calls,
    local_function,
    parameter_of,
    reaching_values,
    returned_values,
)
from pt_lsp.core.flow.device_ops import ELEMENTWISE_OPS, SAME_DEVICE_METHODS, SAME_DEVICE_OPS
from pt_lsp.core.flow.lattice import Device
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.core.vocabulary import CPU_FACTORIES, FACTORIES, LIKE_FACTORIES
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr

# Factories that place their tensor on the default device unless told (`*_like` follow their
# argument; `torch.complex`/`torch.polar` follow their inputs).
CPU_MAKERS = (FACTORIES - LIKE_FACTORIES - {"torch.complex", "torch.polar"}) | CPU_FACTORIES
# Factories whose first positional arguments are sizes: `()` or `[]` alone is a 0-dim tensor,
# which elementwise ops take from the CPU as a number.
SIZED = {f"torch.{n}" for n in "zeros ones empty rand randn full eye".split()}
DATA = {"torch.tensor", "torch.as_tensor", "torch.Tensor"}  # a list display: at least one dimension
# Methods that give a tensor on the receiver's device, made from it alone.
KEEPS = frozenset(
    "view reshape unsqueeze squeeze expand expand_as repeat permute transpose t flatten contiguous clone"
    " detach float double half long int bool byte triu tril fill_ zero_ normal_ uniform_ exp log sqrt"
    " abs neg sin cos pow mul add sub div requires_grad_ flip roll cumsum sum mean softmax"
    " log_softmax sigmoid tanh relu masked_fill unbind chunk split narrow".split()
)
KEEP_FUNCTIONS = frozenset(f"torch.{n}" for n in "triu tril exp log sqrt abs sin cos flip cumsum".split())
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
# Methods that need their tensor arguments on the receiver's device.
MEETING_METHODS = SAME_DEVICE_METHODS | ELEMENTWISE_OPS | {"masked_fill", "masked_fill_", "masked_scatter", "where"}
MEETING_METHODS |= {f"{m}_" for m in ELEMENTWISE_OPS}
MEETING_FUNCTIONS = SAME_DEVICE_OPS | {f"torch.{m}" for m in ELEMENTWISE_OPS} | {"torch.where", "torch.masked_fill"}
MEETING_FUNCTIONS |= {
    f"torch.nn.functional.{n}"
    for n in "mse_loss l1_loss smooth_l1_loss binary_cross_entropy binary_cross_entropy_with_logits".split()
}
# torch.nn losses and layers: their inputs (and a layer's parameters) on one device.
LOSSES = {f"torch.nn.{n}" for n in "MSELoss L1Loss SmoothL1Loss BCELoss BCEWithLogitsLoss".split()}
# A distribution's parameters (`MultivariateNormal(loc, covariance_matrix=...)`) are combined
# with one another: on one device.
DISTRIBUTIONS = "torch.distributions."
MAX_DEPTH = 12  # steps from the op back to the factory; each node is visited once per question


Made = ast.Call | None  # the factory call found, if any
_SEEN: set[int] = set()  # the nodes one origin() question visited: no node twice, no cycle


@dataclass(frozen=True)
class Meeting:
    """The factory call, the op where its tensor meets a GPU tensor, and the two operands."""

    factory: ast.Call
    op: ast.AST
    operand: ast.expr  # the factory's tensor, as the op reads it
    other: ast.expr  # the tensor on the GPU (or the layer, whose parameters are)
    other_value: Value


def on_cpu(value: Value) -> bool:
    """A tensor on the CPU, or a tuple or list of them (an LSTM's `(h, c)`; its items, or every
    element where the contexts that ran it disagree on the positions)."""
    if value.kind is Kind.TENSOR:
        return value.device is Device.CPU
    if value.kind is Kind.SEQ and value.items:
        return all(on_cpu(item) for item in value.items)
    return value.kind is Kind.SEQ and value.elem is not None and on_cpu(value.elem)


def gpu(value: Value) -> bool:
    """On CUDA, or on the device chosen at run time: a tensor (or module) the code moved there."""
    return value.kind in (Kind.TENSOR, Kind.MODULE) and value.device in (Device.CUDA, Device.MAYBE_CUDA)


Values = Callable[[ast.AST], Value]


def meetings(
    ctx: FileContext, functions: list[tuple[Function, dict[str, str]]], value_of: Values | None = None
) -> Iterator[Meeting]:
    """Each op in ``functions`` (what a module's ``forward`` runs) whose operands are a tensor a
    factory made on the CPU and a tensor on the GPU. With each function, its module's attributes
    bound to torch layers in ``__init__`` (name -> qualname): a call gives its inputs to its
    parameters. ``ctx``: the functions' file; ``value_of``: the flow's values where another
    file's analysis ran them (default: ``ctx``'s own flow)."""
    values = value_of or ctx.flow.value
    for function, layers in functions:
        for node in own_nodes(function):
            for operand, other, other_value in _operands(ctx, values, node, layers):
                if not (
                    on_cpu(values(operand))
                    or _first_pass_on_cpu(ctx, values, operand, node, function)
                    or _made_here_on_cpu(ctx, values, operand)
                ):
                    continue
                factory = origin(ctx, values, operand, function, 0)
                if factory is not None and not _zero_dim(ctx, factory, node):
                    yield Meeting(factory, node, operand, other, other_value)


def _operands(
    ctx: FileContext, values: Values, node: ast.AST, layers: dict[str, str]
) -> Iterator[tuple[ast.expr, ast.expr, Value]]:
    """(a tensor operand, another operand on the GPU, its value) of an op that needs one device."""
    tensors: list[ast.expr] = []
    layer: ast.Attribute | None = None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
        tensors = [node.left, node.right]
    elif isinstance(node, ast.Call):
        func = node.func
        qualname = ctx.qualname(func)
        if qualname in MEETING_FUNCTIONS:
            tensors = [e for a in node.args for e in (a.elts if isinstance(a, (ast.List, ast.Tuple)) else [a])]
        elif qualname is not None and qualname.startswith(DISTRIBUTIONS):
            tensors = [*node.args, *(k.value for k in node.keywords if k.arg is not None)]  # loc, scale...
        elif isinstance(func, ast.Attribute) and func.attr in MEETING_METHODS and not qualname:
            tensors = [func.value, *node.args]
        elif is_self_attr(func) and func.attr in layers:
            tensors = [e for a in node.args for e in (a.elts if isinstance(a, (ast.List, ast.Tuple)) else [a])]
            layer = func if layers[func.attr] not in LOSSES else None
    if len(tensors) + (layer is not None) < 2:
        return
    read = [(t, values(t)) for t in tensors if not isinstance(t, ast.Starred)]
    on_gpu = [(t, v) for t, v in read if v.kind is Kind.TENSOR and gpu(v)]
    if layer is not None:
        owner = values(layer.value)  # `self`: the module, where its layers' parameters are
        if owner.kind is Kind.MODULE and gpu(owner):
            on_gpu.append((layer, owner))
    if not on_gpu:
        return
    for operand, value in read:
        if on_cpu(value) or (
            value.kind in (Kind.UNKNOWN, Kind.TENSOR) and isinstance(operand, (ast.Name, ast.Call, ast.BinOp))
        ):
            others = [(o, v) for o, v in on_gpu if o is not operand]
            if others:
                yield operand, *others[0]


def _first_pass_on_cpu(ctx: FileContext, values: Values, expr: ast.AST, op: ast.AST, function: Function) -> bool:
    """A loop's carried state in its first pass: ``h = torch.zeros(...)`` before the loop, ``h``
    read by ``op`` in the loop's body (not under an ``if`` of the body) before the body rebinds
    it, and the value assigned before the loop on the CPU: the first pass meets the CPU tensor."""
    if not isinstance(expr, ast.Name):
        return False
    stmt: ast.AST | None = op
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = ctx.parent(stmt)
    loop = ctx.parent(stmt) if stmt is not None else None
    if not isinstance(loop, (ast.For, ast.While)) or stmt not in loop.body:
        return False  # directly in the loop's body: the first pass runs it
    earlier = [
        s
        for s in loop.body[: loop.body.index(stmt)]
        if any(isinstance(n, ast.Name) and n.id == expr.id and isinstance(n.ctx, ast.Store) for n in ast.walk(s))
    ]
    if earlier:
        return False  # rebound in the body before the op
    before = [
        n
        for n in own_nodes(function)
        if isinstance(n, ast.Assign)
        and len(n.targets) == 1
        and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id == expr.id
        and n.lineno < loop.lineno
    ]
    if not before:
        return False
    last = max(before, key=lambda n: (n.lineno, n.col_offset))
    if ctx.parent(last) is not ctx.parent(loop):
        return False  # the assignment and the loop in one block: it reaches the first pass
    return on_cpu(values(last.targets[0])) and origin(ctx, values, last.value, function, 0) is not None


def _made_here_on_cpu(ctx: FileContext, values: Values, expr: ast.AST, depth: int = 0) -> bool:
    """An expression that makes the tensor itself: a factory on the CPU, through views and
    arithmetic with what is not on the GPU (``torch.randn(x.shape) * self.std``). Where the other
    side were a GPU tensor, that arithmetic would raise first: the factory is on the CPU either way."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(expr, ast.Call):
        func = expr.func
        qualname = ctx.qualname(func)
        if qualname in CPU_MAKERS:
            return on_cpu(values(expr)) and not any(k.arg == "device" or k.arg is None for k in expr.keywords)
        if isinstance(func, ast.Attribute) and func.attr in KEEPS and not qualname:
            return _made_here_on_cpu(ctx, values, func.value, depth + 1)
        return False
    if isinstance(expr, ast.Subscript):
        return _made_here_on_cpu(ctx, values, expr.value, depth + 1)
    if isinstance(expr, ast.UnaryOp):
        return _made_here_on_cpu(ctx, values, expr.operand, depth + 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ARITHMETIC):
        return any(
            not gpu(values(rest)) and _made_here_on_cpu(ctx, values, side, depth + 1)
            for side, rest in ((expr.left, expr.right), (expr.right, expr.left))
        )
    return False


def _method(cls: ast.ClassDef, name: str) -> Function | None:
    return next(
        (m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name == name), None
    )


def _zero_dim(ctx: FileContext, factory: ast.Call, op: ast.AST) -> bool:
    """A factory that may make a 0-dim tensor, which an elementwise op takes from the CPU."""
    if isinstance(op, ast.Call) and (ctx.qualname(op.func) in SAME_DEVICE_OPS or _layer_call(op)):
        return False  # no CPU-scalar exception there
    qualname = ctx.qualname(factory.func)
    if qualname in DATA:
        return not (factory.args and isinstance(factory.args[0], (ast.List, ast.ListComp, ast.Tuple)))
    if qualname in SIZED:
        sizes = [a for a in factory.args if not isinstance(a, ast.Starred)]
        if qualname == "torch.full":
            sizes = sizes[:1]
        first = sizes[0] if sizes else None
        return first is None or (isinstance(first, (ast.Tuple, ast.List)) and not first.elts)
    return qualname in CPU_FACTORIES  # an array may have no dimension


def _layer_call(op: ast.Call) -> bool:
    return is_self_attr(op.func)


def origin(ctx: FileContext, values: Values, expr: ast.AST, function: Function, depth: int) -> ast.Call | None:
    """The factory call (without ``device=``) whose tensor ``expr`` is, read through what keeps a
    tensor where it is; None where ``expr`` may be something else."""
    if depth > MAX_DEPTH:
        return None
    if depth == 0:
        _SEEN.clear()
    elif id(expr) in _SEEN:
        return None
    _SEEN.add(id(expr))
    if isinstance(expr, ast.Call):
        func = expr.func
        qualname = ctx.qualname(func)
        if qualname in CPU_MAKERS:
            return None if any(k.arg == "device" or k.arg is None for k in expr.keywords) else expr
        if qualname in KEEP_FUNCTIONS and expr.args:
            return origin(ctx, values, expr.args[0], function, depth + 1)
        if isinstance(func, ast.Attribute) and func.attr in KEEPS and not qualname:
            return origin(ctx, values, func.value, function, depth + 1)
        return _returned(ctx, values, expr, function, depth)
    if isinstance(expr, ast.Subscript):
        return origin(ctx, values, expr.value, function, depth + 1)
    if isinstance(expr, ast.UnaryOp):
        return origin(ctx, values, expr.operand, function, depth + 1)
    if isinstance(expr, ast.BinOp):
        # `torch.eye(n) * self.std ** 2`: the op's own operand is proven on the CPU; a side that
        # is a factory's tensor, with the other not on the GPU, is where it came from
        for side, rest in ((expr.left, expr.right), (expr.right, expr.left)):
            if not gpu(values(rest)):
                found = origin(ctx, values, side, function, depth + 1)
                if found is not None:
                    return found
        return None
    if isinstance(expr, (ast.Tuple, ast.List)):
        for element in expr.elts:
            found = origin(ctx, values, element, function, depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(expr, ast.Name):
        return _name(ctx, values, expr, function, depth)
    if is_self_attr(expr):
        return _attribute(ctx, values, expr, function, depth)
    return None


def _name(ctx: FileContext, values: Values, name: ast.Name, function: Function, depth: int) -> ast.Call | None:
    bound = reaching_values(ctx, name)
    if bound is not None:
        for bound_value in bound:
            value: ast.AST | None = bound_value
            if isinstance(value, ast.List) and not value.elts:
                value = _appended(ctx, name.id, function)  # `states = []`, `states.append(...)`
            found = origin(ctx, values, value, function, depth + 1) if value is not None else None
            if found is not None:
                return found
        return None
    found_parameter = parameter_of(ctx, name)
    if found_parameter is None:
        # `h, c = state`, `h, c = self.init_hidden(b)`, `if h is None: h = torch.zeros(...)`
        for value in _unpacked(name.id, function) + _assigned(name.id, function):
            found = origin(ctx, values, value, function, depth + 1)
            if found is not None:
                return found
        return None
    owner, parameter = found_parameter
    for argument in _arguments(ctx, values, owner, parameter):
        caller = _enclosing(ctx, argument)
        found = origin(ctx, values, argument, caller, depth + 1) if caller is not None else None
        if found is not None:
            return found
    return None


def _unpacked(name: str, function: Function) -> list[ast.expr]:
    """The values ``function`` unpacks into ``name`` (``a, b = value``): the item at its place
    where ``value`` is a display, else the whole value."""
    found: list[ast.expr] = []
    for node in own_nodes(function):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, (ast.Tuple, ast.List)):
            continue
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Name) and element.id == name:
                value = node.value
                if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                    found.append(value.elts[index])
                else:
                    found.append(value)
    return found


def _assigned(name: str, function: Function) -> list[ast.expr]:
    """Every value ``function`` assigns to ``name`` with a plain ``name = value``."""
    return [
        node.value
        for node in own_nodes(function)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == name
    ]


def _appended(ctx: FileContext, name: str, function: Function) -> ast.List | None:
    """What ``function`` appends to the list ``name``, as one list display."""
    found = [
        node.args[0]
        for node in own_nodes(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
        and len(node.args) == 1
    ]
    return ast.List(elts=found, ctx=ast.Load()) if found else None


def _arguments(ctx: FileContext, values: Values, function: Function, parameter: str) -> list[ast.AST]:
    """What this file's calls of ``function`` pass for ``parameter``: a module-level function
    called by name, or a method called as ``self.name(...)`` from its class."""
    plain = arguments_at_calls(ctx, function, parameter)
    if plain:
        return plain
    cls = ctx.parent(function)
    if not isinstance(cls, ast.ClassDef):
        return []
    found: list[ast.AST] = []
    if function.name == "forward":  # `self.cell(x, h)`: a module of this class, held by another
        for call in _module_calls(ctx, values, cls):
            argument = argument_for(call, function, parameter, bound=True)
            if argument is not None:
                found.append(argument)
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in own_nodes(method):
            if isinstance(node, ast.Call) and is_self_attr(node.func, function.name):
                argument = argument_for(node, function, parameter, bound=True)
                if argument is not None:
                    found.append(argument)
    return found


def _module_calls(ctx: FileContext, values: Values, cls: ast.ClassDef) -> list[ast.Call]:
    """Calls, in other classes of this file, of a module of class ``cls`` that a class holds:
    ``self.cell(...)`` with ``self.cell = Cls(...)``, or ``cell(...)`` in a loop over
    ``self.cells`` built from ``Cls(...)``; else the calls of a name (in a loop over a module
    list) whose value the flow knows is of that class."""
    found = _held_calls(ctx, cls)
    if found:
        return found
    return [
        call
        for call in _bare_calls(ctx)
        if isinstance(call.func, ast.Name)  # (all are: for the type checker)
        and isinstance(cls_info := values(call.func).cls, ClassInfo)
        and cls_info.node is cls
        and not _moves_inputs(ctx, call.func.id)
    ]


# What _module_calls reads of the syntax, once per file: a forward asks for each of its parameters
# and each forward of the file asks again (torch's distributed_test.py: 29 scans of its calls).
@PerFile
def _bare_calls(ctx: FileContext) -> list[ast.Call]:
    """The calls of a bare name that no import binds (``cell(h)``, ``model(x)``), in source order."""
    return [
        call for call in ctx.index.of(ast.Call) if isinstance(call.func, ast.Name) and ctx.qualname(call.func) is None
    ]


_MOVES: PerFile[dict[str, bool]] = PerFile(lambda ctx: {})  # name -> _moves_inputs
_HELD: PerFile[dict[int, list[ast.Call]]] = PerFile(lambda ctx: {})  # id(class) -> _held_calls


def _moves_inputs(ctx: FileContext, name: str) -> bool:
    """``name`` is bound to a ``DataParallel``/``DistributedDataParallel`` wrapper, whose forward
    moves its inputs to the model's devices (a CPU tensor given to it meets nothing there)."""
    known = _MOVES(ctx)
    if name not in known:
        known[name] = any(
            isinstance(target, (ast.Name, ast.Attribute))
            and (target.id if isinstance(target, ast.Name) else target.attr) == name
            and _wrapper(ctx, node.value)
            for node in ctx.index.of(ast.Assign)
            for target in node.targets
        )
    return known[name]


def _wrapper(ctx: FileContext, value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and (ctx.qualname(value.func) or "").endswith("DataParallel")


def _held_calls(ctx: FileContext, cls: ast.ClassDef) -> list[ast.Call]:
    known = _HELD(ctx)
    if id(cls) not in known:
        known[id(cls)] = _find_held_calls(ctx, cls)
    return list(known[id(cls)])


def _find_held_calls(ctx: FileContext, cls: ast.ClassDef) -> list[ast.Call]:
    holders: set[str] = set()
    for node in ctx.index.of(ast.Assign):
        target = node.targets[0]
        if (
            len(node.targets) == 1
            and is_self_attr(target)
            and not _wrapper(ctx, node.value)
            and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == cls.name
                for n in ast.walk(node.value)
            )
        ):
            holders.add(target.attr)
    if not holders:
        return []
    loops: set[str] = set()
    for loop in ctx.index.of(ast.For):
        iterable = loop.iter
        if isinstance(iterable, ast.Call) and iterable.args and isinstance(iterable.func, ast.Name):
            iterable = iterable.args[0]
        if is_self_attr(iterable) and iterable.attr in holders:
            target = loop.target
            if isinstance(target, ast.Tuple) and target.elts:
                target = target.elts[-1]
            if isinstance(target, ast.Name):
                loops.add(target.id)
    return [
        call
        for call in ctx.index.of(ast.Call)
        if (is_self_attr(call.func) and call.func.attr in holders)
        or (isinstance(call.func, ast.Name) and call.func.id in loops)
    ]


def _returned(ctx: FileContext, values: Values, call: ast.Call, function: Function, depth: int) -> ast.Call | None:
    """A call of a method of the class (``self.init_hidden(b)``) or of a function of this file:
    the factory one of its returned values is."""
    callee: Function | None = None
    func = call.func
    if isinstance(func, ast.Attribute) and not is_self_attr(func) and ctx.qualname(func) is None:
        held = values(func.value).cls  # `self.cells[i].init_hidden(b)`: a method of a module of this file
        if isinstance(held, ClassInfo) and any(held.node is c for c in ctx.index.of(ast.ClassDef)):
            callee = held.method(func.attr)
    elif (held := values(func).cls) is not None and isinstance(held, ClassInfo) and held.is_module:
        if any(held.node is c for c in ctx.index.of(ast.ClassDef)):
            callee = held.method("forward")  # `self.penc(x)`: a module of this file, its forward's result
    elif is_self_attr(call.func):
        cls = ctx.parent(function)
        if isinstance(cls, ast.ClassDef):
            callee = _method(cls, call.func.attr)
    elif isinstance(call.func, ast.Name):
        callee = local_function(ctx, call)
    if callee is None:
        return None
    for value in returned_values(callee) or ():
        found = origin(ctx, values, value, callee, depth + 1)
        if found is not None:
            return found
    return None


def _attribute(ctx: FileContext, values: Values, attr: ast.Attribute, function: Function, depth: int) -> Made:
    """``self.hidden``: what the class's methods store there (``self.hidden = torch.zeros(...)``)."""
    cls = ctx.parent(function)
    if not isinstance(cls, ast.ClassDef):
        return None
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or method.name == "__init__":
            continue
        for node in own_nodes(method):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0], attr.attr):
                found = origin(ctx, values, node.value, method, depth + 1)
                if found is not None:
                    return found
    return None


def _enclosing(ctx: FileContext, node: ast.AST) -> Function | None:
    current = ctx.parent(node)
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
        current = ctx.parent(current)
    return current
