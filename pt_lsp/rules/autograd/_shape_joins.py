"""Shapes of joined tensors for PTL202 (``_shapes.py`` reads expressions): ``torch.stack`` of k
tensors has k rows (also of a list built by ``append`` in loops of stated counts, or by a list
comprehension), ``torch.cat`` adds the sizes of its parts, ``torch.hstack`` of one-element
tensors has one element per part."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._literals import signed_int
from pt_lsp.rules.autograd._shape_appends import appended, comprehended
from pt_lsp.rules.autograd._shape_lattice import Shape, join, join_dim, merged_steps

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._shapes import Shapes


def _dim(call: ast.Call) -> int | None:
    dim = call.args[1] if len(call.args) > 1 else keyword(call, "dim")
    return 0 if dim is None else signed_int(dim)


def appended_parts(shapes: Shapes, call: ast.Call, depth: int) -> tuple[int, list[tuple[int, ast.expr]]] | None:
    """``torch.stack(losses)`` of a list built by ``append`` in loops of stated counts."""
    seq = call.args[0] if call.args else keyword(call, "tensors")
    return appended(shapes.values, seq, depth) if isinstance(seq, ast.Name) else None


def stacked(shapes: Shapes, call: ast.Call, depth: int) -> Shape | None:
    parts, dim = shapes.parts(call, depth), _dim(call)
    counted = appended_parts(shapes, call, depth) if not parts and dim == 0 else None
    if counted is not None:  # the items' shapes are not needed: one row each
        return Shape((counted[0],), False, (Step(call, f"{counted[0]} tensors appended in loops stacked here"),))
    seq = call.args[0] if call.args else keyword(call, "tensors")
    listed = comprehended(shapes.values, seq) if not parts and dim == 0 else None
    if listed is not None:  # `torch.stack([loss_fn(x, y) for x, y in pairs])`: one row per item
        return Shape((listed,), False, (Step(call, f"{listed} tensors of a list comprehension stacked here"),))
    if not parts or dim is None:
        return None
    step = Step(call, f"{len(parts)} tensors stacked here")
    part_shapes = [shapes.shape(p, depth + 1) for p in parts]
    joined = join(part_shapes) if all(s is not None for s in part_shapes) else None
    if joined is None or not joined.exact:
        return Shape((len(parts),), False, (step,)) if dim == 0 else None
    rank = len(joined.dims) + 1
    at = dim + rank if dim < 0 else dim
    if not 0 <= at < rank:
        return None
    dims = joined.dims[:at] + (len(parts),) + joined.dims[at:]
    return Shape(dims, True, (*joined.steps, step))


def joined(shapes: Shapes, call: ast.Call, depth: int) -> Shape | None:
    """``torch.hstack([a, b])`` of 0-dim tensors (losses): one element each, k in all."""
    parts = shapes.parts(call, depth)
    if not parts or len(parts) < 2:
        return None
    part_shapes = [shapes.shape(p, depth + 1) for p in parts]
    if not all(s is not None and s.exact and not s.dims for s in part_shapes):
        return None
    name = (shapes.ctx.qualname(call.func) or "").rsplit(".", 1)[-1]
    return Shape((len(parts),), False, (Step(call, f"{len(parts)} one-element tensors joined here by `{name}`"),))


def concatenated(shapes: Shapes, call: ast.Call, depth: int) -> Shape | None:
    parts, dim = shapes.parts(call, depth), _dim(call)
    counted = appended_parts(shapes, call, depth) if not parts else None
    if counted is not None:  # an appended expression stands for every item it appends
        parts = [expr for times, expr in counted[1] for _ in range(min(times, 64))]
        if len(parts) != counted[0]:
            return None
    if not parts or dim is None:
        return None
    part_shapes = [shapes.shape(p, depth + 1) for p in parts]
    if dim == 0 and all(s is not None and s.dims and not s.exact for s in part_shapes):
        return leading_parts([s for s in part_shapes if s is not None], call)
    if any(s is None or not s.exact for s in part_shapes):
        return None
    known = [s for s in part_shapes if s is not None]
    rank = len(known[0].dims)
    if rank == 0 or any(len(s.dims) != rank for s in known):
        return None
    at = dim + rank if dim < 0 else dim
    if not 0 <= at < rank:
        return None
    sizes = [s.dims[at] for s in known]
    total = sum(s for s in sizes if s is not None) if all(s is not None and s >= 0 for s in sizes) else None
    dims = list(known[0].dims)
    for other in known[1:]:
        dims = [join_dim(a, b) for a, b in zip(dims, other.dims)]
    dims[at] = total
    step = Step(call, f"{len(parts)} tensors concatenated here" + (f": {total} along dim {dim}" if total else ""))
    return Shape(tuple(dims), True, (*merged_steps(*known), step))


def leading_parts(part_shapes: list[Shape], call: ast.Call) -> Shape | None:
    """``torch.cat(parts)`` along dim 0 of parts whose rank is not known but whose first size is
    (``log_prob(a).unsqueeze(0)`` appended per step): those sizes add up."""
    sizes = [s.dims[0] for s in part_shapes]
    if any(size is None or size < 0 for size in sizes):
        return None
    total = sum(size for size in sizes if size is not None)
    step = Step(call, f"{len(part_shapes)} tensors concatenated here: {total} along dim 0")
    return Shape((total,), False, (*merged_steps(*part_shapes), step))
