"""Evidence for the NumPy memory-sharing rules (PTL403, PTL404): the nodes of a block that change a
tensor in place, indexed once per block, and the optimizers that update a model's parameters."""

from __future__ import annotations

import ast
import heapq
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.walk import NESTED_SCOPES
from pt_lsp.core.walk import attr_path as path_of

# In-place methods that do not change a tensor's values.
NOT_WRITING = vocabulary.IN_PLACE_NOT_WRITING


def ordered_nodes(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of ``stmts`` roughly in evaluation order (by position; a statement's targets
    after its value), skipping nested functions and classes."""
    for stmt in stmts:
        nodes = []
        pending: list[ast.AST] = [stmt]
        while pending:
            node = pending.pop()
            nodes.append(node)
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, NESTED_SCOPES):
                    pending.append(child)
        targets = _target_ids(stmt)
        nodes.sort(key=lambda n: (id(n) in targets, getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        yield from nodes


def _target_ids(stmt: ast.stmt) -> set[int]:
    if isinstance(stmt, ast.Assign):
        roots = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        roots = [stmt.target]
    else:
        return set()
    return {id(n) for root in roots for n in ast.walk(root)}


# What may write into a tensor: a call, an item assignment, an augmented assignment.
Write = ast.Call | ast.Assign | ast.AugAssign
WRITES = (ast.Call, ast.Assign, ast.AugAssign)


def writes(ctx: FileContext, node: ast.AST, path: str, optimizers: dict[str, str]) -> bool:
    """``node`` changes the values of the tensor at ``path`` in place."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        func = node.func
        receiver = path_of(func.value)
        if (
            func.attr.endswith("_")
            and not func.attr.endswith("__")
            and func.attr not in NOT_WRITING
            and receiver in (path, f"{path}.data")
        ):
            return True
        if func.attr == "step" and not node.args and receiver in optimizers:
            return path.split(".")[0] == optimizers[receiver]
        qualname = ctx.qualname(func)
        if qualname and qualname.startswith("torch.nn.init.") and node.args and path_of(node.args[0]) == path:
            return True
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(node, ast.AugAssign) and path_of(target) in (path, f"{path}.data"):
                return True
            if isinstance(target, ast.Subscript) and path_of(target.value) in (path, f"{path}.data"):
                return True
    return False


@dataclass
class BlockWrites:
    """A block's nodes in evaluation order (``ordered_nodes``), indexed once: where each
    statement's nodes start, and the positions of the nodes that may write into each path in
    place, of the argument-less ``.step()`` calls, of each name's rebindings and of its reads.
    Each finding's question about the rest of the block is then a lookup, not a walk of it."""

    nodes: list[ast.AST] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    writes: dict[str, list[int]] = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)
    rebinds: dict[str, list[int]] = field(default_factory=dict)
    loads: dict[str, list[int]] = field(default_factory=dict)

    def write_candidates(self, path: str, start: int, optimizers: bool) -> Iterator[int]:
        """Positions from ``start`` on of the nodes that may write into ``path`` (``writes`` decides)."""
        paths = self.writes.get(path, [])
        found = paths[bisect_left(paths, start) :]
        if optimizers:
            return heapq.merge(found, self.steps[bisect_left(self.steps, start) :])
        return iter(found)


def first_at(positions: list[int], start: int) -> int | None:
    """The first of the sorted ``positions`` at or after ``start``."""
    at = bisect_left(positions, start)
    return positions[at] if at < len(positions) else None


_BLOCKS: PerFile[dict[int, BlockWrites]] = PerFile(lambda ctx: {})


def block_writes(ctx: FileContext, body: list[ast.stmt]) -> BlockWrites:
    """The index of ``body`` (built once per file and block)."""
    per_block = _BLOCKS(ctx)
    block = per_block.get(id(body))
    if block is not None:
        return block
    block = per_block[id(body)] = BlockWrites()
    for stmt in body:
        block.starts.append(len(block.nodes))
        for node in ordered_nodes([stmt]):
            at = len(block.nodes)
            block.nodes.append(node)
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    block.loads.setdefault(node.id, []).append(at)
                elif not isinstance(ctx.parent(node), ast.AugAssign):  # `+=` on a tensor is in place
                    block.rebinds.setdefault(node.id, []).append(at)
            for path in _written_paths(ctx, node):
                block.writes.setdefault(path, []).append(at)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step":
                block.steps.append(at)
    block.starts.append(len(block.nodes))
    return block


def _written_paths(ctx: FileContext, node: ast.AST) -> set[str]:
    """The paths ``writes`` may find ``node`` writing into in place (it decides)."""
    found: set[str | None] = set()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        method = node.func.attr
        if method.endswith("_") and not method.endswith("__") and method not in NOT_WRITING:
            found.add(path_of(node.func.value))
        if node.args and (ctx.qualname(node.func) or "").startswith("torch.nn.init."):
            found.add(path_of(node.args[0]))
    elif isinstance(node, ast.AugAssign):
        found.add(path_of(node.target.value if isinstance(node.target, ast.Subscript) else node.target))
    elif isinstance(node, ast.Assign):
        found.update(path_of(t.value) for t in node.targets if isinstance(t, ast.Subscript))
    return {p.removesuffix(".data") for p in found if p is not None}


def optimizers_over(ctx: FileContext, scope_nodes: Iterable[ast.AST]) -> dict[str, str]:
    """Names bound to ``torch.optim.X(root.parameters(), ...)``, each with that root name."""
    found: dict[str, str] = {}
    for node in scope_nodes:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        call = node.value
        if not isinstance(call, ast.Call):
            continue
        qualname = ctx.qualname(call.func) or ""
        if not qualname.startswith("torch.optim.") or qualname.startswith("torch.optim.lr_scheduler"):
            continue
        if (
            call.args
            and isinstance(call.args[0], ast.Call)
            and isinstance(call.args[0].func, ast.Attribute)
            and call.args[0].func.attr == "parameters"
            and isinstance(call.args[0].func.value, ast.Name)
        ):
            found[node.targets[0].id] = call.args[0].func.value.id
    return found
