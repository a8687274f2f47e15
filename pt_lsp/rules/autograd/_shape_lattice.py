"""PTL202's lattice: what is known of a tensor's shape, with its join, and the evidence behind it.

A ``Shape`` is a tuple of dimensions, each a literal size, ``None`` (unknown) or ``ROWS`` (a
batch: not one, size unknown), and a flag saying whether the rank is known; where it is not, the
dimensions are the leading ones. The join of two paths keeps a dimension both agree on, ``ROWS``
where both are known not to be one, else unknown; a binding of unknown shape makes the join
unknown. Broadcasting keeps a dimension other than one.

Evidence is graded two ways only: a ``Proof`` (the steps that prove ``numel != 1``: a factory's
sizes, a layer's width, ``reduction="none"``) or none. Unknown is never promoted: a proof may be
lost, never made up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pt_lsp.core.flow.lattice import Proof
from pt_lsp.core.flow.lattice import proof_all as proof_all
from pt_lsp.core.flow.lattice import proof_either as proof_either
from pt_lsp.core.flow.values import Step

Evidence = Proof[Step]  # the places that prove it, or None without a proof (core/flow/lattice.py)
ROWS = -2  # a dimension known not to be one, of unknown size: a loss's batch
Dim = int | None
MAX_DEPTH = 16  # a cycle guard: each step reads one expression, a backward call at most a few hundred
MAX_SHAPE_DEPTH = 32  # a recursion guard (cycles end at the memo): a chain of layers, views and names
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Answers(Generic[K, V]):
    """Answers to a recursive question (what a module outputs for a call, in a context), each
    worked out once. The same question met again on its own path is a cycle (``self.critic =
    self.critic.cuda()`` leads back to every binding of ``self.critic``): no answer at once, as
    the depth guard would end it, without the walk down to that depth; and without the memo the
    walk through every order of several such rebinds is exponential (audit-9 H1). An answer
    found under a cut can only be unknown where a fresh one is known: a finding lost, never a
    false one."""

    def __init__(self) -> None:
        self.known: dict[K, V | None] = {}
        self.open: set[K] = set()

    def ask(self, key: K, work_out: Callable[[], V | None]) -> V | None:
        if key in self.known:
            return self.known[key]
        if key in self.open:
            return None
        self.open.add(key)
        try:
            found = self.known[key] = work_out()
        finally:
            self.open.discard(key)
        return found


@dataclass(frozen=True)
class Shape:
    dims: tuple[Dim, ...]
    exact: bool  # the rank is len(dims); else dims are the leading dimensions only
    steps: tuple[Step, ...] = ()

    def several(self) -> bool:
        """Some dimension is known not to be one: the tensor has 0 or at least 2 elements."""
        return any(d is not None and d != 1 for d in self.dims)

    def numel(self) -> int | None:
        if not self.exact or any(d is None or d < 0 for d in self.dims):
            return None
        return math.prod(d for d in self.dims if d is not None)


def join_dim(a: Dim, b: Dim) -> Dim:
    if a == b:
        return a
    several = a is not None and b is not None and a != 1 and b != 1
    return ROWS if several else None  # (4,) on one path, (8,) on another: not one either way


def broadcast_dim(a: Dim, b: Dim) -> Dim:
    if a == 1:
        return b
    if b == 1 or a == b:
        return a
    if a is None or b is None:  # a dimension other than one survives broadcasting (or fails)
        known = a if b is None else b
        return known if known is not None and known != 1 else None
    return ROWS if ROWS in (a, b) else a  # unequal sizes fail at run time: keep either


def merged_steps(*shapes: Shape) -> tuple[Step, ...]:
    seen: dict[int, Step] = {}
    for shape in shapes:
        for step in shape.steps:
            seen.setdefault(id(step.node), step)
    return tuple(seen.values())[:6]


def broadcast(a: Shape, b: Shape) -> Shape | None:
    for one, other in ((a, b), (b, a)):  # with a 0-dim operand (`x - x.mean()`): the other's shape
        if one.exact and not one.dims:
            return Shape(other.dims, other.exact, merged_steps(other, one))
    if not (a.exact and b.exact):
        return None
    rank = max(len(a.dims), len(b.dims))
    left = (1,) * (rank - len(a.dims)) + a.dims
    right = (1,) * (rank - len(b.dims)) + b.dims
    return Shape(tuple(broadcast_dim(x, y) for x, y in zip(left, right)), True, merged_steps(a, b))


def product(a: Shape, b: Shape) -> Shape | None:
    """``a @ b`` as ``torch.matmul`` shapes it: two vectors give one value, a vector operand loses
    its dimension, matrices give ``(n, m)`` after the broadcast batch dimensions."""
    if not (a.exact and b.exact and a.dims and b.dims):
        return None
    left, right = a.dims, b.dims
    if len(left) == 1 and len(right) == 1:
        dims: tuple[Dim, ...] = ()
    elif len(right) == 1:
        dims = left[:-1]
    elif len(left) == 1:
        dims = (*right[:-2], right[-1])
    else:
        batch = broadcast(Shape(left[:-2], True), Shape(right[:-2], True))
        assert batch is not None  # both exact
        dims = (*batch.dims, left[-2], right[-1])
    return Shape(dims, True, merged_steps(a, b))


def join(shapes: list[Shape | None]) -> Shape | None:
    """The shape every binding has (dimension by dimension); None if one is unknown."""
    if not shapes or any(s is None for s in shapes):
        return None
    known = [s for s in shapes if s is not None]
    first = known[0]
    if any(len(s.dims) != len(first.dims) or s.exact != first.exact for s in known):
        return None
    dims = first.dims
    for other in known[1:]:
        dims = tuple(join_dim(a, b) for a, b in zip(dims, other.dims))
    return Shape(dims, first.exact, merged_steps(*known))


def shape_text(dims: tuple[Dim, ...]) -> str:
    shown = ["?" if d is None else "n" if d == ROWS else str(d) for d in dims]
    return f"({shown[0]},)" if len(shown) == 1 else f"({', '.join(shown)})"
