"""The entries of what a callable out of view returned, read by constant keys: each its own
graph, on top of the graph of the callable's inputs (audit-19 G1). A VAE-GAN trainer is handed
its loss function ``vi`` and reads ``losses["vae"]`` and ``losses["disc"]`` from one call: the
analysis cannot see whether the discriminator loss went through the VAE's output or through a
detached copy, so two backwards of different entries prove no shared graph (as the items a
forward out of view returns: Statements.forward_call). The same entry backwarded twice still
meets its own freed node.

Only within the pass that made the callable's node: an entry read in a later pass of a loop
keeps the callable's node, whose age the loop's cases read (built before the loop, carried)."""

from __future__ import annotations

import ast

from .graph import GraphNodes
from .lattice import Grade, GraphNode
from .state import LoopFrame
from .values import Value

_OPAQUE = (Grade.CALLABLE, Grade.UNKNOWN)


class KeyedOutputs:
    def __init__(self, graph: GraphNodes) -> None:
        self.graph = graph
        self.entries: dict[tuple[int, str], GraphNode] = {}  # (callable's node, key) -> entry

    def entry(self, read: ast.Subscript, value: Value, loops: list[LoopFrame]) -> Value:
        """``value``, read by ``read``, with the callable's node replaced by the key's own."""
        # a string key reads a mapping: an integer one may take a row of one tensor, one graph
        key = read.slice.value if isinstance(read.slice, ast.Constant) else None
        if not isinstance(key, str) or not value.history:
            return value
        made = max(value.history, key=lambda node: node.uid)
        if made.evidence not in _OPAQUE or not isinstance(made.site, ast.Call):
            return value
        # the call's own nodes (a callable parameter's output, an unknown function's on graph values)
        calls = frozenset(node for node in value.history if node.site is made.site and node.evidence in _OPAQUE)
        if loops and min(node.uid for node in calls) <= loops[-1].pass_start_uid:
            return value
        own = self.entries.get((made.uid, key))
        if own is None:
            own = self.entries[(made.uid, key)] = self.graph.fresh(made.site, made.evidence)
            self.graph.stand_ins[own.uid] = calls  # the parameters they saved, for steps
            owners = frozenset().union(*(self.graph.parameter_nodes.get(node.uid, frozenset()) for node in calls))
            if owners:
                self.graph.parameter_nodes[own.uid] = owners
        return value.with_(history=(value.history - calls) | {own})
