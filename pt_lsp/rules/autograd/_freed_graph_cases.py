"""PTL201's cases: how a backward meets a freed (or stepped) graph, classified from the flow
engine's neutral records (``ctx.flow.backwards``).

The engine records each backward that runs through graph nodes an earlier backward freed, with
the nodes' grades, the loop pass it happens in and the variables holding the nodes. Here that
becomes a finding's case: the same tensor backwarded twice, two losses sharing a subgraph, a
state carried across loop iterations, a graph built once before a loop, or parameters an
optimizer step updated under a kept graph. Unproven nodes count only where the failure does
not rest on them alone.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass

from pt_lsp.core.flow.facts import BackwardRecord, FlowFacts, GraphState, LoopPass
from pt_lsp.core.flow.lattice import Grade, GraphNode
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.core.walk import attr_path

MAX_SITES = 3  # where the freed graph was built: the first few places are enough for a path


class EventCase(str, enum.Enum):
    """How a backward meets a freed graph (PTL201 words its message and fix by it)."""

    SAME_TENSOR = "same-tensor"
    SHARED_GRAPH = "shared-graph"
    CARRIED_STATE = "carried-state"
    BEFORE_LOOP = "before-loop"
    PARAMETERS_UPDATED = "parameters-updated"  # an optimizer step between two backwards


class Carried(str, enum.Enum):
    """The shape of a value a loop hands on: the fix detaches a tensor or each item of a tuple,
    and clears a list that grows with every iteration."""

    TENSOR = "tensor"
    TUPLE = "tuple"  # (h, c)
    LIST = "list"  # a growing list, such as saved log-probabilities


@dataclass(frozen=True)
class BackwardEvent:
    """A backward (``call``) that runs through graph nodes an earlier backward freed."""

    call: ast.Call  # the backward()/autograd.grad() that would raise
    earlier: ast.Call  # the backward that freed the graph
    case: EventCase
    loop: ast.For | ast.AsyncFor | ast.While | None = None  # the loop whose iterations hand the graph on
    carried: tuple[tuple[str, Carried], ...] = ()  # (variable, its shape) handed on
    shared: tuple[str, ...] = ()  # variables holding the shared subgraph (GAN: generator output)
    sites: tuple[ast.AST, ...] = ()  # where the freed graph nodes it runs through were built
    step: ast.Call | None = None  # PARAMETERS_UPDATED: the optimizer step() in between


def freed_graph_events(facts: FlowFacts) -> list[BackwardEvent]:
    """PTL201's events of a file in program order: one per backward and the backward (or step)
    before it, the first record of the pair deciding its case."""
    events: dict[tuple[int, int], BackwardEvent] = {}
    for record in facts.backwards:
        if record.graph is GraphState.STEPPED:
            if record.step is not None:
                key = (id(record.call), id(record.step))
                if key not in events:
                    events[key] = BackwardEvent(
                        record.call,
                        record.earlier,
                        EventCase.PARAMETERS_UPDATED,
                        sites=_sites(record.hit),
                        step=record.step,
                    )
            continue
        if not trusted(record.hit, record.loop):
            continue
        key = (id(record.call), id(record.earlier))
        if key not in events:
            events[key] = classify(record)
    return sorted(events.values(), key=lambda e: (e.call.lineno, e.call.col_offset))


def classify(record: BackwardRecord) -> BackwardEvent:
    """The case of a backward through freed nodes: built before the loop, carried from the
    previous pass, the very graph the earlier backward freed, or a subgraph two losses share."""
    hit, loop = record.hit, record.loop
    # only a proven node says the graph was built before the loop: an unknown callable's output
    # (state = init_state(...)) may have no graph at all, what the loop hands on has one
    if loop is not None and any(n.uid <= loop.start_uid and n.evidence is Grade.PROVEN for n in hit):
        return _event(record, EventCase.BEFORE_LOOP, loop=loop.node)
    if loop is not None and any(n.uid <= loop.pass_start_uid for n in hit):
        carried = tuple((name, shape_of(value)) for name, value in loop.carried)
        return _event(record, EventCase.CARRIED_STATE, loop=loop.node, carried=carried)
    if record.earlier_history is not None and same_graph(record.earlier_history, record.history):
        return _event(record, EventCase.SAME_TENSOR)
    # the loss being backwarded holds the shared part too, but is no name for it; nor is the loss
    # the earlier backward() freed (`loss_g, loss_d = compute_losses(...)`: they share `fake`)
    freed = _backwarded(record.earlier)
    holders = tuple(
        (name, value) for name, value in record.holders if value.history != record.history and name != freed
    )
    return _event(record, EventCase.SHARED_GRAPH, shared=shared_variables(holders))


def same_graph(earlier: frozenset[GraphNode], history: frozenset[GraphNode]) -> bool:
    """The very graph ``earlier`` freed, or that graph joined with its twins from the loop's earlier
    passes (a loss backwarded in every iteration, then again after the loop): each extra node was
    made where one of the freed ones was."""
    if earlier == history:
        return True
    sites = {id(node.site) for node in earlier if node.site is not None}
    return earlier < history and all(node.site is not None and id(node.site) in sites for node in history - earlier)


def trusted(hit: tuple[GraphNode, ...], loop: LoopPass | None) -> bool:
    """Whether the freed nodes prove a failure: unproven nodes count only within one pass
    (and, for a callable parameter's output, when carried from the previous pass)."""
    for graph_node in hit:
        if graph_node.evidence is Grade.PROVEN:
            return True
        if loop is None or graph_node.uid > loop.pass_start_uid:
            return True  # made and freed in this very pass
        if graph_node.evidence is Grade.CALLABLE and graph_node.uid > loop.start_uid:
            return True
    return False


def shape_of(value: Value) -> Carried:
    return Carried.TUPLE if value.items is not None else Carried.LIST if value.kind is Kind.SEQ else Carried.TENSOR


def shared_variables(holders: tuple[tuple[str, Value], ...]) -> tuple[str, ...]:
    """Variables holding the root of the shared subgraph: the smallest histories that reach it."""
    if not holders:
        return ()
    sizes = [(len(value.history), name) for name, value in holders]
    smallest = min(size for size, _ in sizes)
    return tuple(sorted(name for size, name in sizes if size == smallest))


def _backwarded(call: ast.AST) -> str | None:
    """The variable a backward call differentiates: ``loss.backward()``, ``autograd.grad(loss, ...)``."""
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr == "backward":
        return attr_path(call.func.value)
    return attr_path(call.args[0]) if call.args else None


def _sites(hit: tuple[GraphNode, ...]) -> tuple[ast.AST, ...]:
    return tuple(dict.fromkeys(n.site for n in hit if isinstance(n.site, ast.AST)))[:MAX_SITES]


def _event(
    record: BackwardRecord,
    case: EventCase,
    loop: ast.For | ast.AsyncFor | ast.While | None = None,
    carried: tuple[tuple[str, Carried], ...] = (),
    shared: tuple[str, ...] = (),
) -> BackwardEvent:
    return BackwardEvent(record.call, record.earlier, case, loop, carried, shared, _sites(record.hit))
