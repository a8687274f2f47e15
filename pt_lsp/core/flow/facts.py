"""What the flow interpreter hands to rules."""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field
from typing import Protocol

from .lattice import GraphNode
from .values import UNKNOWN, Value


class Analyser(Protocol):
    """What the facts ask of the interpreter (``interpreter.Interpreter``)."""

    @property
    def call_modes(self) -> dict[int, set[bool]]: ...

    def ensure_for(self, node: ast.AST) -> None: ...

    def ensure_all(self) -> None: ...

    def backward_records(self) -> list[BackwardRecord]: ...

    def close(self) -> None: ...


class GraphState(enum.Enum):
    """What happened to the graph nodes a backward meets."""

    FREED = "freed"  # an earlier backward freed them (they saved tensors)
    STEPPED = "stepped"  # kept by backward(retain_graph=True), then an optimizer step updated what they saved


@dataclass(frozen=True)
class LoopPass:
    """The innermost loop at a backward, and the pass of it being interpreted: graph nodes with
    a uid up to ``start_uid`` were made before the loop, up to ``pass_start_uid`` in an earlier
    pass (the loop body runs twice)."""

    node: ast.For | ast.AsyncFor | ast.While
    start_uid: int
    pass_start_uid: int
    # the variables (and attribute paths) the pass starts with, read in the body before they are
    # assigned (what one iteration hands to the next), whose graphs reach the nodes met; by name
    carried: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class BackwardRecord:
    """A backward (``call``, ``backward()`` or ``torch.autograd.grad/backward``) that meets graph
    nodes ``hit`` (by creation order, each with its grade) in state ``graph``. Rules classify
    it (PTL201: rules/autograd/_freed_graph_cases.py)."""

    call: ast.Call
    graph: GraphState
    hit: tuple[GraphNode, ...]
    earlier: ast.Call  # FREED: the backward that freed hit[0]; STEPPED: the backward that kept it
    history: frozenset[GraphNode] = frozenset()  # all the graph nodes of the backwarded value
    earlier_history: frozenset[GraphNode] | None = None  # FREED: what ``earlier`` freed (None: unknown)
    loop: LoopPass | None = None  # FREED: the innermost loop
    holders: tuple[tuple[str, Value], ...] = ()  # FREED: variables (not attributes) whose graph reaches hit
    step: ast.Call | None = None  # STEPPED: the optimizer step() that updated the parameters


@dataclass
class FlowFacts:
    """Facts computed on demand: a function is interpreted when a rule first asks about one
    of its expressions (together with the functions of this file that call it, for the
    arguments they pass), and every function that may backward when a rule asks for events."""

    values: dict[int, Value] = field(default_factory=dict)  # id(expr node) -> joined value
    analyser: Analyser | None = None
    # every record, in order, while a call that may be summarised runs (summaries.py replays them)
    log: list[tuple[ast.AST, Value]] | None = None

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
    def backwards(self) -> list[BackwardRecord]:
        """Each backward that meets freed or stepped graph nodes, in the order they were met,
        over every function that may backward."""
        if self.analyser is None:
            return []
        self.analyser.ensure_all()
        return self.analyser.backward_records()

    def close(self) -> None:
        """The file's lint is over: let reference counting free the interpreter, the tree and
        the facts (they refer to one another through the file's context)."""
        if self.analyser is not None:
            self.analyser.close()
        self.analyser, self.values = None, {}

    def record(self, node: ast.AST, value: Value) -> None:
        old = self.values.get(id(node))
        self.values[id(node)] = value if old is None else old.merge_evidence(value)
        if self.log is not None:
            self.log.append((node, value))
