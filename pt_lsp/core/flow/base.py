"""What the parts of the flow interpreter share.

The interpreter is assembled from three parts: statements (``statements.py``), expressions
(``evaluator.py``) and calls (``calls.py``). Each part uses the others through the methods
declared here; ``Interpreter`` (``interpreter.py``) provides the state and the entry points.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from .state import Frame, LoopFrame, State
from .values import Args, Grade, GraphNode, Kind, Kwargs, Value

if TYPE_CHECKING:
    from ..context import FileContext
    from .facts import FlowFacts

Function = ast.FunctionDef | ast.AsyncFunctionDef
LocalCallable = Callable[[ast.Call, Args, Kwargs, State], Value]


class Analysis:
    """The shared state and the methods each part implements for the others."""

    ctx: FileContext
    facts: FlowFacts
    uid: int
    frames: list[Frame]
    loops: list[LoopFrame]
    live_in_cache: dict[int, frozenset[str]]
    module_paths: frozenset[str]
    module_evidence: Grade
    parameter_nodes: dict[int, frozenset[str]]
    module_calls: list[str]

    # -- expressions (evaluator.py) --------------------------------------------------------------
    def eval(self, node: ast.AST | None, state: State) -> Value:
        raise NotImplementedError

    def bind(self, target: ast.AST, value: Value, state: State) -> None:
        raise NotImplementedError

    def eval_Attribute(self, node: ast.Attribute, state: State) -> Value:
        raise NotImplementedError

    def derived(
        self,
        site: ast.AST,
        state: State,
        inputs: list[Value],
        kind: Kind | None = None,
        evidence: Grade | None = None,
    ) -> Value:
        raise NotImplementedError

    # -- statements (statements.py) --------------------------------------------------------------
    def exec_block(self, body: list[ast.stmt], state: State | None) -> State | None:
        raise NotImplementedError

    # -- calls (calls.py) ------------------------------------------------------------------------
    def call(self, node: ast.Call, state: State) -> Value:
        raise NotImplementedError

    def call_unknown(self, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        raise NotImplementedError

    def rebind(self, target: ast.AST, value: Value, state: State) -> None:
        raise NotImplementedError

    # -- the interpreter (interpreter.py) -------------------------------------------------------
    def fresh(self, site: ast.AST, evidence: Grade = Grade.PROVEN) -> GraphNode:
        raise NotImplementedError

    def lookup(self, name: str, node: ast.AST, state: State) -> Value:
        raise NotImplementedError

    def define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, state: State) -> None:
        raise NotImplementedError

    def is_parameter(self, name: str) -> bool:
        raise NotImplementedError

    def local_callable(self, qualname: str) -> LocalCallable | None:
        raise NotImplementedError

    def local_method(self, module: Value, name: str) -> Function | None:
        raise NotImplementedError

    def call_function(
        self, function: Function, node: ast.Call, args: Args, kwargs: Kwargs, state: State, receiver: str | None = None
    ) -> Value:
        raise NotImplementedError

    def backward(
        self, call: ast.Call, target: ast.AST | None, value: Value, state: State, retain: bool | None = None
    ) -> None:
        raise NotImplementedError

    def optimizer_step(self, call: ast.Call, state: State) -> None:
        raise NotImplementedError

    @property
    def optimizers(self) -> dict[str, frozenset[str]]:
        """Variable -> the modules whose ``.parameters()`` the optimizer in it was built from."""
        raise NotImplementedError

    def autograd_call(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        raise NotImplementedError
