"""Graph nodes: the identities the analysis gives to autograd nodes as it meets them."""

from __future__ import annotations

import ast
from bisect import bisect_left

from .. import vocabulary as api
from .lattice import Grade, GraphNode


class GraphNodes:
    """Makes graph nodes, numbered in program order: a node made before a loop (or before this
    pass of it) has a smaller number than the loop's start, which is how a carried graph is told
    from one built in the current pass."""

    def __init__(self) -> None:
        self.uid = 0
        # uid of a node made by a module with parameters -> the modules (paths) whose they are
        self.parameter_nodes: dict[int, frozenset[str]] = {}
        # uid of the node of a forward out of view -> the nodes given to its other outputs, whose
        # sharing with it is unknown: kept (retain_graph=True) with it, not known freed with it
        self.heads: dict[int, tuple[GraphNode, ...]] = {}
        # (first, last] uids of the nodes made while following a dataset's __getitem__ for a
        # DataLoader: a loader makes them again for every item it fetches (Statements.loop_element)
        self.per_item: list[tuple[int, int]] = []
        # (first, last] uids made while a loop (or comprehension) ran, and which one, for each run
        # to its end: sorted, disjoint (an outer loop's span swallows its inner ones)
        self.loop_spans: list[tuple[int, int, int]] = []
        # uid of a list's entry for one pass of a loop (pass_entries.py) -> the nodes it replaced
        self.stand_ins: dict[int, frozenset[GraphNode]] = {}

    def made_per_item(self, first: int) -> None:
        """The nodes made since uid ``first`` are made once per item a DataLoader fetches."""
        if self.uid > first:
            self.per_item.append((first, self.uid))

    def is_per_item(self, node: GraphNode) -> bool:
        return any(first < node.uid <= last for first, last in self.per_item)

    def loop_ended(self, first: int, loop: ast.AST) -> None:
        """``loop`` (a loop or comprehension), started when the last uid was ``first``, has run
        to its end."""
        while self.loop_spans and self.loop_spans[-1][0] >= first:
            self.loop_spans.pop()
        if self.uid > first:
            self.loop_spans.append((first, self.uid, id(loop)))

    def made_in(self, node: GraphNode) -> int | None:
        """The loop or comprehension (its id) that made ``node``, of those run to their end."""
        at = bisect_left(self.loop_spans, (node.uid,)) - 1
        if at >= 0 and self.loop_spans[at][0] < node.uid <= self.loop_spans[at][1]:
            return self.loop_spans[at][2]
        return None

    def fresh(self, site: ast.AST, evidence: Grade = Grade.PROVEN) -> GraphNode:
        self.uid += 1
        return GraphNode(self.uid, site, evidence, saves=saves_tensors(site))


def saves_tensors(site: ast.AST) -> bool:
    """Whether the autograd node made at ``site`` keeps tensors for its backward."""
    if isinstance(site, ast.BinOp):
        return not isinstance(site.op, (ast.Add, ast.Sub))
    if isinstance(site, ast.UnaryOp):
        return not isinstance(site.op, (ast.USub, ast.UAdd))
    if isinstance(site, ast.Subscript):
        index = site.slice
        return not (
            isinstance(index, (ast.Slice, ast.Constant))
            or isinstance(index, ast.Tuple)
            and all(isinstance(e, (ast.Slice, ast.Constant)) for e in index.elts)
        )
    if isinstance(site, ast.Call):
        func = site.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name not in api.NO_SAVED_TENSORS
    return True
