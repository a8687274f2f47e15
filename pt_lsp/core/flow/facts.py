"""What the flow interpreter hands to rules."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .values import UNKNOWN, Value


@dataclass(frozen=True)
class BackwardEvent:
    """A backward (``call``) that runs through graph nodes an earlier backward freed."""

    call: ast.Call  # the backward()/autograd.grad() that would raise
    earlier: ast.Call  # the backward that freed the graph
    case: str  # "same-tensor" | "shared-graph" | "gan" | "carried-state" | "before-loop"
    loop: ast.For | ast.While | None = None  # the loop whose iterations hand the graph on
    carried: tuple[tuple[str, str], ...] = ()  # (variable, "tensor"|"tuple"|"list") handed on
    shared: tuple[str, ...] = ()  # variables holding the shared subgraph (GAN: generator output)


@dataclass
class FlowFacts:
    values: dict[int, Value] = field(default_factory=dict)  # id(expr node) -> joined value
    events: list[BackwardEvent] = field(default_factory=list)

    def value(self, node: ast.AST) -> Value:
        """The value of expression ``node`` over every time it was evaluated: in the function's
        own analysis and in calls from this file that passed known arguments."""
        return self.values.get(id(node), UNKNOWN)

    def record(self, node: ast.AST, value: Value) -> None:
        old = self.values.get(id(node))
        self.values[id(node)] = value if old is None else old.merge_evidence(value)
