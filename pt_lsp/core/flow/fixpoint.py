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

from collections.abc import Callable, Hashable
from typing import Any

from .lattice import GraphNode
from .state import Facts, Lineage, State, delta
from .values import Value

MAX_PASSES = 8  # a loop whose head has not settled by then keeps its last pass (imprecise)
SITE_FORKS = 8  # forks of a loop head searched for the nodes a pass made again (settled)
EXTRA_PASS_BUDGET = 24  # passes beyond the second, per analysed function: nested loops stay linear


def head_join(head: State, end: State, pass_start_uid: int) -> State:
    """The loop head after one more pass: ``head`` joined with the state the pass ends in.

    Freed, kept and stepped graphs are *must* facts, but a node made during this pass does not
    exist on the paths ``head`` stands for: what the pass says of it holds on every path where
    it exists."""
    joined = head.join(end)
    for mine, theirs, before in (
        (joined.freed, end.freed, head.freed),
        (joined.retained, end.retained, head.retained),
        (joined.updated, end.updated, head.updated),
    ):
        # a node made in this pass is not in the head: among the keys the pass changed
        found = delta(theirs, before)
        for node in found[0] if found is not None else list(theirs):
            call = theirs.get(node)
            if call is not None and node.uid > pass_start_uid:
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
            found = delta(facts, mine)  # a node the exit lacks: among the keys where the two differ
            for node in found[0] if found is not None else list(facts):
                call = facts.get(node)
                if call is not None and node.uid > loop_start_uid and node not in mine:
                    if all(node in other for other, made in per_end if made >= node.uid):
                        mine[node] = call
        latest = getattr(last, fact)
        found = delta(mine, latest)
        for node in found[0] if found is not None else list(mine):
            if node in mine and node in latest and mine[node] is not latest[node]:
                mine[node] = latest[node]


def settled(old: State, new: State, loop_start_uid: int) -> bool:
    """Whether the head ``new`` says nothing ``old`` did not: the same names, and the same
    values and graph facts once the nodes made in the loop are known by their site."""
    if (old.grad_enabled, old.default_device) != (new.grad_enabled, new.default_device):
        return False
    # where the new head was joined from the old one, only the names either changed can differ
    found = delta(old.env, new.env)
    if found is None and old.env.keys() != new.env.keys():
        return False
    names = found[0] if found is not None else new.env.keys()
    if found is not None and any((name in old.env) != (name in new.env) for name in names):
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
            tuple((name, value_key(entry)) for name, entry in value.keys) if value.keys is not None else None,
            value.cuda_flag,
            value.truth,
            value.text,
            value.read_only,
            value.none,
        )
        memo[id(value)] = key
        return key

    for name in names:
        value = new.env.get(name)
        before = old.env.get(name)
        if before is not value and (before is None or value is None or value_key(before) != value_key(value)):
            return False
    for mine, theirs in ((old.freed, new.freed), (old.retained, new.retained), (old.updated, new.updated)):
        if mine is theirs:
            continue
        shared = delta(mine, theirs)
        if shared is not None:  # the same signatures among the changed keys: the same overall
            keys = shared[0]
            unmatched = {node_key(n) for n in keys if n in mine} ^ {node_key(n) for n in keys if n in theirs}
            if not unmatched or sites_kept(unmatched, keys, mine, theirs, node_key):
                continue
        if {node_key(n) for n in mine} != {node_key(n) for n in theirs}:
            return False
    return True


def sites_kept(
    unmatched: set[Hashable],
    keys: set[GraphNode],
    mine: dict[GraphNode, Any],
    theirs: dict[GraphNode, Any],
    node_key: Callable[[GraphNode], Hashable],
) -> bool:
    """Whether nodes both maps hold outside ``keys`` have the signatures ``unmatched`` (a node
    made in the loop, freed by one pass, stands for the same site freed by the next): looked for
    among the nodes written in the last few forks of ``mine``, where a loop's own nodes are."""
    lineage: Lineage | None = mine.lineage if isinstance(mine, Facts) else None
    for _ in range(SITE_FORKS):
        if lineage is None or lineage.written is None:
            return False
        for node in lineage.written:
            if node not in keys and node in mine and node in theirs:
                unmatched.discard(node_key(node))
        if not unmatched:
            return True
        lineage = lineage.parent()
    return False
