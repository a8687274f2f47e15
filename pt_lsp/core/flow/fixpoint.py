"""The loop head's fixed point: how the states a loop body hands on are joined, and when they stop
changing.

The first pass of a loop body runs from the state before the loop (the first iteration), the
second from the state the first hands on, and every later pass from the join of the head so far
with the end of the last pass, until that join adds nothing: the state at the head is then a
fixed point and the pass that ran from it covers every later iteration. (Peeling the first
iteration keeps the state before the loop out of the join: a ``hidden = None`` before the loop
does not blur the ``(h, c)`` tuple each iteration hands on.)

Graph nodes are made fresh in each pass, so two heads are compared by signature (``settled``): a node made
before the loop is itself, a node made inside it is known by where it was made (the allocation
site) and its grade. Every fact is a finite lattice over those, so the joins stop growing; a
hard cap on the passes bounds the rest.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from .lattice import GraphNode
from .state import State
from .values import Value

MAX_PASSES = 8  # a loop whose head has not settled by then keeps its last pass (imprecise)
EXTRA_PASS_BUDGET = 24  # passes beyond the second, per analysed function: nested loops stay linear


def head_join(head: State, end: State, pass_start_uid: int) -> State:
    """The loop head after one more pass: ``head`` joined with the state the pass ends in.

    Freed, kept and stepped graphs are *must* facts, but a node made during this pass does not
    exist on the paths ``head`` stands for: what the pass says of it holds on every path where
    it exists."""
    joined = head.join(end)
    for mine, theirs in ((joined.freed, end.freed), (joined.retained, end.retained), (joined.updated, end.updated)):
        for node, call in theirs.items():
            if node.uid > pass_start_uid:
                mine.setdefault(node, call)
    joined.under = head.under
    return joined


def exit_facts(after: State, ends: list[tuple[State, int]], loop_start_uid: int) -> None:
    """Completes the loop's exit ``after`` (the join of the state before the loop and each pass's
    end, given with the last graph node id made by then). A node made inside the loop exists
    neither on the zero-iteration path nor at the end of a pass that ran before it was made, so
    the plain join drops its must facts: keep each one every end that knows the node agrees on.
    Where the loop ran, its last pass's backward is the latest one: that is the one cited."""
    last = ends[-1][0]
    for fact in ("freed", "retained", "updated"):
        mine: dict[GraphNode, Any] = getattr(after, fact)
        per_end = [(getattr(end, fact), made) for end, made in ends]
        for facts, _ in per_end:
            for node, call in facts.items():
                if node.uid > loop_start_uid and node not in mine:
                    if all(node in other for other, made in per_end if made >= node.uid):
                        mine[node] = call
        latest = getattr(last, fact)
        for node in mine:
            if node in latest:
                mine[node] = latest[node]


def settled(old: State, new: State, loop_start_uid: int) -> bool:
    """Whether the head ``new`` says nothing ``old`` did not: the same names, and the same
    values and graph facts once the nodes made in the loop are known by their site."""
    if old.env.keys() != new.env.keys() or (old.grad_enabled, old.default_device) != (
        new.grad_enabled,
        new.default_device,
    ):
        return False

    def node_key(node: GraphNode) -> Hashable:
        return node.uid if node.uid <= loop_start_uid else (id(node.site), node.evidence, node.saves)

    memo: dict[int, Hashable] = {}

    def value_key(value: Value) -> Hashable:
        known = memo.get(id(value))
        if known is not None:
            return known
        key: tuple[Any, ...] = (
            value.kind,
            value.device,
            value.requires_grad,
            frozenset(node_key(node) for node in value.history),
            value.qualname,
            id(value.cls) if value.cls is not None else None,
            tuple(value_key(item) for item in value.items) if value.items is not None else None,
            value_key(value.elem) if value.elem is not None else None,
            tuple((name, value_key(attr)) for name, attr in value.attrs),
            value.cuda_flag,
            value.truth,
            value.read_only,
        )
        memo[id(value)] = key
        return key

    for name, value in new.env.items():
        before = old.env[name]
        if before is not value and value_key(before) != value_key(value):
            return False
    return all(
        mine is theirs or {node_key(n) for n in mine} == {node_key(n) for n in theirs}
        for mine, theirs in ((old.freed, new.freed), (old.retained, new.retained), (old.updated, new.updated))
    )
