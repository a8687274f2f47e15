"""What the returns of a ``forward`` too deep to follow say of themselves: ``return x.cpu().data``
ends on the CPU and cut from the graph whatever ``x`` was (audit-18 G5: ``np.argmax(self.forward(s))``
in a method reached through two callers). Read from the syntax of the return statements, once per
function; the output of an unread ``forward`` is otherwise taken as a layer's (on the module's
device, requiring grad)."""

from __future__ import annotations

import ast

from ..walk import own_nodes
from .lattice import Device
from .values import Value

# methods that keep their receiver's device and graph (a view, a copy, another float type)
_KEEP = frozenset(
    "squeeze unsqueeze view view_as reshape reshape_as flatten contiguous clone t float double half".split()
)
_CUT = frozenset({"data", "detach"})  # `.data`, `.detach()`: no graph, requires no grad

Tail = tuple[bool, bool]  # (on the CPU, cut from the graph)


def _tail(expr: ast.expr) -> Tail | None:
    """From the outside in, the chain of methods (and ``.data``) that ends ``expr``: the
    outermost move decides the device; a cut anywhere holds for what is made from it."""
    cpu: bool | None = None
    cut = False
    node = expr
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, node = node.func.attr, node.func.value
        elif isinstance(node, ast.Attribute) and node.attr == "data":
            name, node = "data", node.value
        else:
            break
        if name in ("cpu", "cuda", "to"):
            cpu = name == "cpu" if cpu is None else cpu
        elif name in _CUT:
            cut = True
        elif name not in _KEEP:
            return None  # another method: its result is not read here
    return (bool(cpu), cut)


def returned_tail(function: ast.FunctionDef | ast.AsyncFunctionDef, cache: dict[int, Tail | None]) -> Tail | None:
    """(on the CPU, cut) where every return of ``function`` says so; None where one says neither."""
    if id(function) in cache:
        return cache[id(function)]
    tails: list[Tail | None] = []
    for node in own_nodes(function):
        if isinstance(node, (ast.Yield, ast.YieldFrom)) or isinstance(node, ast.Return) and node.value is None:
            tails = []
            break
        if isinstance(node, ast.Return) and node.value is not None:
            tails.append(_tail(node.value))
    found: Tail | None = None
    if tails and all(t is not None for t in tails) and isinstance(function.body[-1], (ast.Return, ast.Raise)):
        found = (all(t[0] for t in tails if t), all(t[1] for t in tails if t))
        found = found if any(found) else None
    cache[id(function)] = found
    return found


def unread_output(value: Value, tail: Tail | None) -> Value:
    """The output of an unread ``forward`` (``value``: a layer's) as its returns' tails say."""
    if tail is None:
        return value
    cpu, cut = tail
    if cpu:
        value = value.with_(device=Device.CPU, steps=())
    if cut:
        value = value.with_(requires_grad=False, history=frozenset())
    return value
