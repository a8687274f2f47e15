"""What an ``if``'s test says about its branches: names that are None on one side, a device chosen
by ``torch.cuda.is_available()``, a warm-up guard that stays false once it is false."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..walk import attr_path
from .lattice import Device
from .state import NONE, State
from .values import Kind, Value

if TYPE_CHECKING:
    from ..context import FileContext


def chosen_devices(after: State, cuda: State, other: State, stmt: ast.If) -> None:
    """``if torch.cuda.is_available(): device = "cuda"`` and, where CUDA is not used, any other
    device (``"cpu"``, or ``"mps"`` under an ``elif``): the device is CUDA exactly when the
    condition holds, chosen at run time, as the two-way form's join of CUDA and the CPU says."""
    for name, value in after.env.items():
        mine, theirs = cuda.env.get(name), other.env.get(name)
        if mine is None or theirs is None or not (mine.kind is theirs.kind is Kind.DEVICE):
            continue
        # the CPU: the join says it already, but not why (a step another file's caller reads)
        if mine.device is Device.CUDA and theirs.device in (Device.UNKNOWN, Device.CPU):
            test = ast.unparse(stmt.test)
            why = f"device chosen at run time here (`{test}`)" if len(test) < 60 else "device chosen at run time here"
            after.env[name] = value.with_(device=Device.MAYBE_CUDA).step(stmt, why)


def chosen_return(value: Value, stmt: ast.Return, test: ast.expr) -> Value:
    """A device or tensor returned on one side of a CUDA flag's test (``if torch.cuda.is_available():
    return torch.device("cuda")``): chosen at run time, as the step says where another file calls
    the function (functions.device_generic keeps such a choice)."""
    if value.kind not in (Kind.DEVICE, Kind.TENSOR) or value.device not in (Device.CUDA, Device.CPU):
        return value
    text = ast.unparse(test)
    return value.step(
        stmt, f"device chosen at run time here (`{text}`)" if len(text) < 60 else "device chosen at run time here"
    )


def none_paths(test: ast.expr, state: State) -> tuple[set[str], set[str]]:
    """The names (and ``obj.attr`` paths) that are None where ``test`` holds, and where it does
    not: ``x is None``, ``x is not None``, ``not x`` and ``x`` (falsy: None, or an empty tuple
    or list, none of which has a graph; a tensor's falsy value is a zero, which may have one),
    combined by ``not``, ``and`` (all hold) and ``or`` (none holds)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        when_true, when_false = none_paths(test.operand, state)
        return when_false, when_true
    if isinstance(test, ast.BoolOp):
        parts = [none_paths(value, state) for value in test.values]
        if isinstance(test.op, ast.And):
            return set().union(*(part[0] for part in parts)), set()
        return set(), set().union(*(part[1] for part in parts))
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
        left, right = test.left, test.comparators[0]
        subject = right if isinstance(left, ast.Constant) and left.value is None else left
        other = left if subject is right else right
        path = attr_path(subject)
        if path is None or not (isinstance(other, ast.Constant) and other.value is None):
            return set(), set()
        return ({path}, set()) if isinstance(test.ops[0], ast.Is) else (set(), {path})
    path = attr_path(test)
    value = state.env.get(path) if path is not None else None
    if path is None or value is None or value.kind not in (Kind.UNKNOWN, Kind.SEQ, Kind.OTHER):
        return set(), set()  # a tensor, a module or a device is not an optional
    if value.cuda_flag is not None:
        return set(), set()  # nor is a CUDA flag
    return set(), {path}


def narrow_none(state: State, paths: set[str]) -> None:
    """On a branch where ``paths`` are None: they have no graph and no device (``NONE``)."""
    for path in paths:
        state.env[path] = NONE


def grad_paths(test: ast.expr) -> tuple[set[str], set[str]]:
    """The tensors (names and ``obj.attr`` paths) that require no grad where ``test`` holds, and
    where it does not: ``t.requires_grad`` (false side), ``not t.requires_grad`` (true side),
    ``t.requires_grad is False`` / ``== True`` and their negations; ``and`` / ``or`` as in
    ``none_paths``. A tensor that requires no grad has no graph either (``grad_fn`` is None)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        when_true, when_false = grad_paths(test.operand)
        return when_false, when_true
    if isinstance(test, ast.BoolOp):
        parts = [grad_paths(value) for value in test.values]
        if isinstance(test.op, ast.And):
            return set().union(*(part[0] for part in parts)), set()
        return set(), set().union(*(part[1] for part in parts))
    flag, positive = test, True
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq))
    ):
        other = test.comparators[0]
        if not (isinstance(other, ast.Constant) and isinstance(other.value, bool)):
            return set(), set()
        flag, positive = test.left, other.value is isinstance(test.ops[0], (ast.Is, ast.Eq))
    if not (isinstance(flag, ast.Attribute) and flag.attr == "requires_grad"):
        return set(), set()
    path = attr_path(flag.value)
    if path is None:
        return set(), set()
    return (set(), {path}) if positive else ({path}, set())


def narrow_grad(state: State, paths: set[str]) -> None:
    """On a branch where the tensors at ``paths`` require no grad: none, and no graph."""
    for path in paths:
        value = state.env.get(path)
        if value is not None and value.kind is Kind.TENSOR:
            state.env[path] = value.with_(requires_grad=False, history=frozenset())


def grad_narrowed(state: State, paths: set[str]) -> State:
    """``state`` itself, or a copy narrowed to no grad at ``paths``."""
    if not paths:
        return state
    copy = state.copy()
    narrow_grad(copy, paths)
    return copy


SHRINKING_METHODS = frozenset({"pop", "popleft", "popitem", "clear", "remove"})


def warm_up_guard(ctx: FileContext, stmt: ast.If, cache: dict[str, bool]) -> bool:
    """``if len(P) < n: return`` (no else) where the file only ever grows ``P``: once false, the
    test stays false (a replay memory filling up before the first update)."""
    test = stmt.test
    if stmt.orelse or len(stmt.body) != 1 or not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sized, op = (test.left, test.ops[0]) if isinstance(test.ops[0], (ast.Lt, ast.LtE)) else (test.comparators[0], None)
    if op is None and not isinstance(test.ops[0], (ast.Gt, ast.GtE)):
        return False
    if not (isinstance(sized, ast.Call) and isinstance(sized.func, ast.Name) and sized.func.id == "len"):
        return False
    path = attr_path(sized.args[0]) if len(sized.args) == 1 else None
    if path is None:
        return False
    if path not in cache:
        cache[path] = only_grows(ctx, path)
    return cache[path]


def only_grows(ctx: FileContext, path: str) -> bool:
    """``self.memory`` bound only in ``__init__`` (a plain name: bound once, outside loops), and
    nothing in the file removes items from an attribute of that name (``pop``, ``clear``,
    ``del``, a slice assignment)."""
    on_self = path.startswith("self.") and path.count(".") == 1
    if "." in path and not on_self:
        return False
    last = path.rsplit(".", 1)[-1]

    def names_it(expr: ast.AST) -> bool:
        if on_self:
            return isinstance(expr, ast.Attribute) and expr.attr == last
        return isinstance(expr, ast.Name) and expr.id == path

    bindings = 0
    assigns: list[ast.Assign | ast.AnnAssign] = [*ctx.index.of(ast.Assign), *ctx.index.of(ast.AnnAssign)]
    for assign in assigns:
        for target in assign.targets if isinstance(assign, ast.Assign) else [assign.target]:
            for part in ast.walk(target):
                if isinstance(part, ast.Subscript) and names_it(part.value) and isinstance(part.slice, ast.Slice):
                    return False  # `memory[:] = ...`
                if not names_it(part) or part is not target and isinstance(target, ast.Subscript):
                    continue
                scope = ctx.names.scope_of(assign).node
                if on_self and not (isinstance(scope, ast.FunctionDef) and scope.name == "__init__"):
                    return False
                if not on_self and any(
                    isinstance(a, (ast.For, ast.AsyncFor, ast.While)) for a in ancestors(ctx, assign)
                ):
                    return False
                bindings += 1
    if not on_self and bindings != 1:
        return False
    for delete in ctx.index.of(ast.Delete):
        if any(isinstance(t, ast.Subscript) and names_it(t.value) for t in delete.targets):
            return False
    for call in ctx.index.of(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in SHRINKING_METHODS and names_it(func.value):
            return False
    return True


def ancestors(ctx: FileContext, node: ast.AST) -> list[ast.AST]:
    found = []
    current = ctx.parent(node)
    while current is not None:
        found.append(current)
        current = ctx.parent(current)
    return found
