"""Summaries of followed calls: a helper called again with the same inputs is not interpreted again.

A call into a function of the file (``Functions.call_function``) runs the callee's body; a helper
called from every branch and every pass of its callers' loops runs many times, each level of
calls multiplying the work (``_functorch/partitioners.py``: 502 interpretations from 37 call
sites). Interpretation is deterministic, so a second run from the same inputs does what the first
did. The summary keeps what the first run did, and a later call with the same inputs replays it:
its value, the facts it recorded (in the same order, so the joined facts come out the same), the
attributes it set on the receiver and passed objects, the call budget it spent.

Inputs are everything the callee's run reads: its entry state (compared value by value, evidence
steps and attributes included), the functions and loops it runs inside, the graph node counter,
the module calls under way. A run is summarised only when it changed nothing else: no graph
node made, no backward recorded, no loop left unsettled or extra pass spent, no class's
attributes or containers filled, freed/retained/updated graphs empty before and after. Calls
from the module body (which see its globals live) are not summarised.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .values import Step, Value

if TYPE_CHECKING:
    from .state import State

SummaryKey = tuple[Any, ...]


@dataclass
class Summary:
    """What one run of a callee did, from ``entry`` (its state once the call bound its parameters)."""

    entry: dict[str, Value]
    tape: list[tuple[ast.AST, Value]]  # the facts recorded, in order
    updates: list[dict[str, Value]]  # what the caller's state.env was updated with, in order
    result: Value
    spent: int  # call budget spent inside the body


@dataclass
class Watch:
    """The effects a summarised run must not have had: counters read before and after it."""

    marks: tuple[Any, ...]
    log_start: int
    owns_log: bool


_PLAIN = (str, int, float, bool, frozenset, Step)


def same(a: object, b: object) -> bool:
    """``a`` and ``b`` are the same value for the interpreter: equal in every field, evidence
    steps and attributes included (``Value.__eq__`` leaves those out), a class by identity."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Value):
        theirs = b.__dict__
        return all(same(mine, theirs[name]) for name, mine in a.__dict__.items())
    if isinstance(a, tuple):
        assert isinstance(b, tuple)
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return isinstance(a, _PLAIN) and a == b


def same_env(mine: dict[str, Value], theirs: dict[str, Value]) -> bool:
    if len(mine) != len(theirs):
        return False
    for name, value in mine.items():
        other = theirs.get(name)
        if other is None or not same(value, other):
            return False
    return True


def empty_graphs(state: State) -> bool:
    return not (state.freed or state.retained or state.updated)
