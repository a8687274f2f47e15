"""What the flow interpreter hands to rules."""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field
from typing import Protocol

from .values import UNKNOWN, Value


class EventCase(str, enum.Enum):
    """How a backward meets a freed graph (PTL201 words its message and fix by it)."""

    SAME_TENSOR = "same-tensor"
    SHARED_GRAPH = "shared-graph"
    CARRIED_STATE = "carried-state"
    BEFORE_LOOP = "before-loop"
    PARAMETERS_UPDATED = "parameters-updated"  # an optimizer step between two backwards


class Analyser(Protocol):
    """What the facts ask of the interpreter (``interpreter.Interpreter``)."""

    @property
    def call_modes(self) -> dict[int, set[bool]]: ...

    def ensure_for(self, node: ast.AST) -> None: ...

    def ensure_all(self) -> None: ...

    def sorted_events(self) -> list[BackwardEvent]: ...


@dataclass(frozen=True)
class BackwardEvent:
    """A backward (``call``) that runs through graph nodes an earlier backward freed."""

    call: ast.Call  # the backward()/autograd.grad() that would raise
    earlier: ast.Call  # the backward that freed the graph
    case: EventCase
    loop: ast.For | ast.AsyncFor | ast.While | None = None  # the loop whose iterations hand the graph on
    carried: tuple[tuple[str, str], ...] = ()  # (variable, "tensor"|"tuple"|"list") handed on
    shared: tuple[str, ...] = ()  # variables holding the shared subgraph (GAN: generator output)
    sites: tuple[ast.AST, ...] = ()  # where the freed graph nodes it runs through were built
    step: ast.Call | None = None  # PARAMETERS_UPDATED: the optimizer step() in between


@dataclass
class FlowFacts:
    """Facts computed on demand: a function is interpreted when a rule first asks about one
    of its expressions (together with the functions of this file that call it, for the
    arguments they pass), and every function that may backward when a rule asks for events."""

    values: dict[int, Value] = field(default_factory=dict)  # id(expr node) -> joined value
    analyser: Analyser | None = None

    def value(self, node: ast.AST) -> Value:
        """The value of expression ``node`` over every time it was evaluated: in the function's
        own analysis and in calls from this file that passed known arguments."""
        if self.analyser is not None:
            self.analyser.ensure_for(node)
        return self.values.get(id(node), UNKNOWN)

    def call_grad_modes(self, function: ast.AST) -> frozenset[bool]:
        """Whether gradients are enabled at each call of this file that reaches ``function``
        (empty when none does): a helper's facts depend on where it is called from."""
        if self.analyser is None:
            return frozenset()
        self.analyser.ensure_for(
            function.body[0] if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) else function
        )
        return frozenset(self.analyser.call_modes.get(id(function), ()))

    @property
    def events(self) -> list[BackwardEvent]:
        if self.analyser is None:
            return []
        self.analyser.ensure_all()
        return self.analyser.sorted_events()

    def record(self, node: ast.AST, value: Value) -> None:
        old = self.values.get(id(node))
        self.values[id(node)] = value if old is None else old.merge_evidence(value)
