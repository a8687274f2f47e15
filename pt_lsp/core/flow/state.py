"""The abstract state at one program point, and how branches join."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..walk import attr_path
from .lattice import Device, GraphNode, must
from .values import Kind, Value

Function = ast.FunctionDef | ast.AsyncFunctionDef

# A name on a path where it is None (``if x is None:``, the else of ``if x is not None:``). Compared
# by identity: a join takes the other path's value, so a detach on the not-None path holds after it.
NONE = Value(kind=Kind.OTHER, requires_grad=False)


@dataclass
class State:
    env: dict[str, Value] = field(default_factory=dict)  # names and "obj.attr" paths
    freed: dict[GraphNode, ast.Call] = field(default_factory=dict)  # node -> backward that freed it
    grad_enabled: bool = True
    default_device: Device = Device.CPU
    # The condition of the innermost branch on this path and whether it holds there, for
    # evidence steps ("moved to CUDA here (under `use_cuda`)"); rendered only for a step.
    under: tuple[ast.expr, bool] | None = None
    # Nodes a backward went through with retain_graph=True -> that backward.
    retained: dict[GraphNode, ast.Call] = field(default_factory=dict)
    # Retained nodes that saved parameters an optimizer then updated in place -> its step().
    updated: dict[GraphNode, ast.Call] = field(default_factory=dict)
    # List items stored by index (`hidden[i] = h.detach()`), kept in env under the text
    # "hidden[i]": what a read of the same index gets until the list, the index or a call
    # handed the list changes (a strong update; audit-5 G1).
    items: set[str] = field(default_factory=set)

    def copy(self) -> State:
        return State(
            dict(self.env),
            dict(self.freed),
            self.grad_enabled,
            self.default_device,
            self.under,
            dict(self.retained),
            dict(self.updated),
            set(self.items),
        )

    def forget_items(self, touched: str) -> None:
        """Drop the stored items of the list or index named ``touched`` (a name or a path)."""
        for key in [k for k in self.items if item_touches(k, touched)]:
            self.items.discard(key)
            self.env.pop(key, None)

    def rebind(self, target: ast.AST, value: Value) -> None:
        """Give the variable or attribute path ``target`` a new value (an in-place change such
        as ``x.detach_()`` or ``model.cuda()``); other targets are left alone."""
        path = attr_path(target)
        if path is not None:
            self.env[path] = value

    def join(self, other: State | None) -> State:
        if other is None:
            return self
        env = dict(self.env)
        for name, value in other.env.items():
            mine = env.get(name)
            # NONE (a name narrowed to None on one path) adds nothing: no graph, no device
            env[name] = value if mine is None or mine is NONE else mine if value is NONE else mine.join(value)
        # Must-freed: a graph counts as freed after a join only when every path freed it, so
        # that a backward taken on one branch never meets a value kept on the other.
        freed = must(self.freed, other.freed)
        for key in self.items ^ other.items:  # stored on one path only: the list's element holds
            env.pop(key, None)
        return State(
            env,
            freed,
            self.grad_enabled and other.grad_enabled,
            self.default_device
            if self.default_device is other.default_device
            else self.default_device.join(other.default_device),
            None,
            must(self.retained, other.retained),
            must(self.updated, other.updated),  # a step on every path, like freed
            self.items & other.items,
        )


def item_key(target: ast.expr) -> str | None:
    """``hidden[i]`` / ``hidden[0]`` (a list path indexed by a name or an integer): its env key."""
    if not isinstance(target, ast.Subscript):
        return None
    path = attr_path(target.value)
    index = target.slice
    if path is None:
        return None
    if isinstance(index, ast.Name):
        return f"{path}[{index.id}]"
    if isinstance(index, ast.Constant) and type(index.value) is int:
        return f"{path}[{index.value}]"
    return None


def item_touches(key: str, touched: str) -> bool:
    """Whether rebinding or mutating ``touched`` may change the item ``key`` names."""
    container, index = key[:-1].split("[", 1)
    return container == touched or container.startswith(touched + ".") or index == touched


def join_states(states: Iterable[State | None]) -> State | None:
    result = None
    for state in states:
        if state is None:
            continue
        result = state.copy() if result is None else result.join(state)
    return result


@dataclass
class Frame:
    """One function activation (or the module body)."""

    node: ast.AST
    returns: list[Value] = field(default_factory=list)
    locals: frozenset[str] = frozenset()
    exits: list[State] = field(default_factory=list)  # the state at each `return`
    yields: list[Value] = field(default_factory=list)  # what a generator function yields


@dataclass
class LoopFrame:
    """One loop being interpreted: where its passes start (graph node ids) and what it hands on."""

    node: ast.For | ast.AsyncFor | ast.While
    start_uid: int
    pass_start_uid: int = 0
    head: State | None = None
    live_in: frozenset[str] = frozenset()
    entry: State | None = None  # the state before the loop
    breaks: list[State] = field(default_factory=list)
    continues: list[State] = field(default_factory=list)


@dataclass
class Stack:
    """The activations and the loops being interpreted, innermost last."""

    frames: list[Frame] = field(default_factory=list)
    loops: list[LoopFrame] = field(default_factory=list)

    def is_parameter(self, name: str) -> bool:
        """Whether ``name`` is a parameter of the function being interpreted."""
        function = self.frames[-1].node if self.frames else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        arguments = function.args
        return any(a.arg == name for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs))
