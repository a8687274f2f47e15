"""The facts the analysis tracks, each a lattice: its values, its order and its join.

A join is where two paths meet (the two branches of an ``if``, a loop's entry and its back edge,
the calls of one function). Each join here is commutative, associative and idempotent, and
moves up its order: what both paths agree on stays, a disagreement becomes the less precise
value above both. Rules report only where a fact is precise enough (``CUDA``, not ``MAYBE_CUDA``
or ``UNKNOWN``; a graph node graded ``PROVEN``).

- ``Device``: where a tensor or module lives.
- requires-grad (``RequiresGrad``): known True, known False, or None (unknown).
- Graph membership: a value's history is a set of ``GraphNode``; join is the union (a value
  may depend on the graphs of either path). Freed, kept and stepped graphs are *must* facts:
  a node is freed after a join only when every path freed it (``must``).
- ``Grade``: how sure the analysis is that a graph node exists.
- Proofs (``Proof``) of a syntactic fact that flows through bindings (PTL202's element count,
  PTL404's read-only arrays): a proof or none; the join of several bindings needs all of them
  (``proof_all``), an operation with several operands needs one (``proof_either``).
- ``ReadOnly``: PTL404's writability fact, a proof that a NumPy array is read-only.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class Device(enum.Enum):
    """CPU and CUDA join to MAYBE_CUDA (chosen at run time); anything joined with UNKNOWN is
    UNKNOWN. Order: CPU, CUDA < MAYBE_CUDA < UNKNOWN."""

    UNKNOWN = "unknown"
    CPU = "cpu"
    CUDA = "cuda"
    MAYBE_CUDA = "maybe-cuda"

    def join(self, other: Device) -> Device:
        if self is other:
            return self
        if Device.UNKNOWN in (self, other):
            return Device.UNKNOWN
        return Device.MAYBE_CUDA  # cpu/cuda/maybe-cuda mixed

    def leq(self, other: Device) -> bool:
        """``self`` is at least as precise as ``other``."""
        return self.join(other) is other

    @property
    def may_be_cuda(self) -> bool:
        return self in (Device.CUDA, Device.MAYBE_CUDA)


# requires-grad: True, False, or None where unknown (a flat lattice with None on top)
RequiresGrad = bool | None


def join_requires_grad(mine: RequiresGrad, theirs: RequiresGrad) -> RequiresGrad:
    return mine if mine == theirs else None


class Grade(enum.Enum):
    """How sure the analysis is of a graph node: rules name the grade they report on.

    Ordered by the strength of the evidence, BACKWARD < UNKNOWN < CALLABLE < PROVEN: an op on
    several graphs is as sure as the surest of them (one proven graph proves the op's node)."""

    PROVEN = "proven"  # a differentiable op on values known to require grad
    CALLABLE = "callable"  # the output of a callable parameter (likely a model, not proven)
    UNKNOWN = "unknown"  # the output of an unknown function or class built from graph values
    BACKWARD = "backward"  # given to a value of unknown origin because backward() ran on it

    @property
    def rank(self) -> int:
        return _GRADE_ORDER.index(self)

    def join(self, other: Grade) -> Grade:
        return self if self.rank >= other.rank else other

    def leq(self, other: Grade) -> bool:
        return self.rank <= other.rank


_GRADE_ORDER = (Grade.BACKWARD, Grade.UNKNOWN, Grade.CALLABLE, Grade.PROVEN)


@dataclass(frozen=True)
class GraphNode:
    """A non-leaf autograd node created at ``site`` (an ast node id) in one loop pass."""

    uid: int
    site: object  # the ast node that created it (compared by identity)
    evidence: Grade = Grade.PROVEN
    saves: bool = True  # whether its backward needs saved tensors (freed by a backward)

    @property
    def opaque(self) -> bool:
        return self.evidence is not Grade.PROVEN

    def __hash__(self) -> int:
        # Equal nodes share their uid. The generated hash (of every field, an enum's among them)
        # dominated the joins of the freed maps in long functions.
        return hash(self.uid)


def grade_of(history: Iterable[GraphNode]) -> Grade:
    """The grade of an op extending ``history``: the join of its nodes' grades (PROVEN when
    some node is proven); PROVEN for an empty history (the op's own inputs decide)."""
    grades = {node.evidence for node in history}
    for grade in reversed(_GRADE_ORDER):
        if grade in grades:
            return grade
    return Grade.PROVEN


def must(mine: Mapping[K, V], theirs: Mapping[K, V]) -> dict[K, V]:
    """The join of a *must* fact kept per key (graph node -> the backward that freed it): the
    keys every path has, with this path's value (the first path's backward is the one cited)."""
    if mine.keys() <= theirs.keys():  # the usual case, nothing freed on one path only: no Python loop
        return dict(mine)
    return {key: value for key, value in mine.items() if key in theirs}


# -- proofs of syntactic facts (PTL202 element counts, PTL404 writability) ----------------------
Proof = tuple[T, ...] | None  # the places that prove it, or None without a proof


def proof_either(*proofs: Proof[T]) -> Proof[T]:
    """One operand's proof suffices (broadcasting with a tensor of ``numel != 1``)."""
    return next((proof for proof in proofs if proof is not None), None)


def proof_all(proofs: list[Proof[T]]) -> Proof[T]:
    """Every binding must prove it: the places of all of them, or None."""
    if not proofs or any(proof is None for proof in proofs):
        return None
    return tuple(step for proof in proofs if proof is not None for step in proof)


@dataclass(frozen=True)
class ReadOnly:
    """Why an array is read-only (``reason``), the place that made it so (``where``), and
    whether it is known to be C-contiguous (a reshape of it is then a view as well). No
    ``ReadOnly`` (None) means no evidence: the array may be writable."""

    reason: str
    where: ast.AST
    contiguous: bool
    one_dim: bool = False  # `np.frombuffer`'s result: its `.T` is itself


def join_read_only(mine: ReadOnly | None, theirs: ReadOnly | None) -> ReadOnly | None:
    """Read-only on both paths (a must fact): the earlier place's evidence, contiguous (and
    one-dimensional) only when both are."""
    if mine is None or theirs is None or mine == theirs:
        return mine if theirs is not None else None
    first = min(
        mine, theirs, key=lambda r: (getattr(r.where, "lineno", 0), getattr(r.where, "col_offset", 0), r.reason)
    )
    return ReadOnly(first.reason, first.where, mine.contiguous and theirs.contiguous, mine.one_dim and theirs.one_dim)
