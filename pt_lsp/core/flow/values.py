"""The abstract values the flow interpreter computes, and their joins.

A value is what the analysis knows of a Python object at one program point: a product of the
lattices of ``lattice.py`` (device, requires-grad, graph history) with its kind, its items and
its attributes. Only evidence counts: a value of unknown origin is ``UNKNOWN`` and no rule
fires on it.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field, fields
from typing import Any

from .lattice import Device, GraphNode, ReadOnly, RequiresGrad, join_read_only, join_requires_grad


class Kind(enum.Enum):
    UNKNOWN = "unknown"
    TENSOR = "tensor"  # evidence that it is a torch.Tensor (or Parameter)
    MODULE = "module"  # an nn.Module instance
    DEVICE = "device"  # a torch.device or a device string
    REF = "ref"  # a module, function or class known by qualified name
    SEQ = "seq"  # tuple/list whose items are tracked
    OTHER = "other"  # a known non-tensor (number, string, None, ...)
    DISTRIBUTION = "distribution"  # a torch.distributions object: sample() has no graph


@dataclass(frozen=True)
class Step:
    """One place that decided a fact, for the evidence path of a finding: ``node`` is where
    (an ast node), ``message`` says what happened there."""

    node: ast.AST
    message: str


MAX_STEPS = 6  # an evidence path names the places that decide, not every operation
# Containers within containers that joins keep apart (a batch dict of (h, c) tuples is 3 deep);
# deeper, a join keeps the facts of the values and drops their structure.
MAX_NESTING = 6


def merge_steps(*groups: tuple[Step, ...]) -> tuple[Step, ...]:
    """The steps of several values in program order, each place once, at most MAX_STEPS
    (the latest ones: those nearest to the finding)."""
    present = [group for group in groups if group]
    if len(present) <= 1:  # the common case: one value's steps handed on as they are
        return present[0] if present else ()
    if all(group is present[0] for group in present):
        return present[0]
    seen: dict[int, Step] = {}
    for group in present:
        for step in group:
            seen.setdefault(id(step.node), step)
    if len(seen) <= 1:
        return tuple(seen.values())
    ordered = sorted(seen.values(), key=lambda s: (getattr(s.node, "lineno", 0), getattr(s.node, "col_offset", 0)))
    return tuple(ordered[-MAX_STEPS:])


@dataclass(frozen=True)
class Value:
    kind: Kind = Kind.UNKNOWN
    device: Device = Device.UNKNOWN
    requires_grad: RequiresGrad = None  # None: unknown
    history: frozenset[GraphNode] = frozenset()  # non-leaf graph nodes this value depends on
    qualname: str | None = None  # for REF values (and module instances of torch.nn classes)
    cls: object | None = None  # ClassInfo of a local nn.Module subclass instance
    items: tuple[Value, ...] | None = None  # SEQ items when known
    elem: Value | None = None  # SEQ element of a homogeneous sequence (parameters(), a list)
    attrs: tuple[tuple[str, Value], ...] = field(default=(), compare=False)
    # A boolean that is true exactly when CUDA is used (``torch.cuda.is_available()``, a flag
    # derived from it, ``x.is_cuda``): True, or False for its negation; None for anything else.
    cuda_flag: bool | None = None
    # Where the device and requires-grad facts came from, for evidence paths.
    steps: tuple[Step, ...] = field(default=(), compare=False)
    # A NumPy array proven read-only (``np.frombuffer`` of bytes, a view of one): on every path.
    read_only: ReadOnly | None = None
    # A boolean constant (``self.is_test = False``): its value on every path, else None.
    truth: bool | None = None
    # A string constant (``mode="train"`` passed to the method followed): on every path, else None.
    text: str | None = None
    # A dict whose keys are all constant strings: each key's value (a loss dict's entries are
    # separate graphs; ``elem`` and ``history`` still join them all), else None.
    keys: tuple[tuple[str, Value], ...] | None = None
    # ``x is None`` on every path (True: the constant None, a None default the call leaves out),
    # never None (False: an argument the call passes, of a kind that is never None), else None.
    none: bool | None = None

    @property
    def is_tensor(self) -> bool:
        return self.kind is Kind.TENSOR

    def with_(self, **changes: Any) -> Value:
        # What dataclasses.replace makes, without its per-call field scan and the frozen
        # __init__ (a setattr per field): the flow engine makes tens of thousands of these per file.
        if not changes.keys() <= _FIELD_NAMES:
            raise TypeError(f"Value has no field {sorted(changes.keys() - _FIELD_NAMES)}")
        copy = object.__new__(Value)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def step(self, node: ast.AST, message: str) -> Value:
        """This value with one more step on its evidence path."""
        return self.with_(steps=merge_steps(self.steps, (Step(node, message),)))

    def join(self, other: Value, depth: int = 0) -> Value:
        if self is other or self == other:
            return self
        kind = self.kind if self.kind is other.kind else Kind.UNKNOWN
        if depth >= MAX_NESTING:
            return _flat_join(self, other)
        items = None
        if self.items is not None and other.items is not None and len(self.items) == len(other.items):
            items = tuple(a.join(b, depth + 1) for a, b in zip(self.items, other.items))
        elem = (
            self.elem
            if other.elem is None
            else other.elem
            if self.elem is None
            else self.elem.join(other.elem, depth + 1)
        )
        if items is None and (self.items or other.items):
            # the positions disagree (a list one path grew): every item is one of its elements
            for item in (*(self.items or ()), *(other.items or ())):
                elem = item if elem is None else elem.join(item, depth + 1)
        return Value(
            kind=kind,
            device=self.device.join(other.device),
            requires_grad=join_requires_grad(self.requires_grad, other.requires_grad),
            history=self.history | other.history,
            qualname=self.qualname if self.qualname == other.qualname else None,
            cls=self.cls if self.cls is other.cls else None,
            items=items,
            elem=elem,
            attrs=_join_attrs(self.attrs, other.attrs, depth + 1),
            cuda_flag=self.cuda_flag if self.cuda_flag == other.cuda_flag else None,
            steps=merge_steps(self.steps, other.steps),
            read_only=join_read_only(self.read_only, other.read_only),
            truth=self.truth if self.truth == other.truth else None,
            text=self.text if self.text == other.text else None,
            keys=_join_keys(self.keys, other.keys, depth + 1),
            none=self.none if self.none == other.none else None,
        )

    def merge_evidence(self, other: Value, depth: int = 0) -> Value:
        """Combine what two *contexts* (standalone, called with known arguments) know of one
        expression: evidence from either counts, so unknown never erases a known device."""
        if self is other or self == other:
            return self
        joined = self.join(other, depth)
        changes: dict[str, Any] = {}  # each computed from self and other: one copy for all of them
        if Device.UNKNOWN in (self.device, other.device):
            changes["device"] = other.device if self.device is Device.UNKNOWN else self.device
        if Kind.UNKNOWN in (self.kind, other.kind):
            changes["kind"] = other.kind if self.kind is Kind.UNKNOWN else self.kind
        if True in (self.requires_grad, other.requires_grad):
            changes["requires_grad"] = True
        if self.read_only is not None or other.read_only is not None:
            changes["read_only"] = self.read_only or other.read_only
        if depth < MAX_NESTING:
            if self.elem is not None and other.elem is not None:  # a list's elements, the same way
                changes["elem"] = self.elem.merge_evidence(other.elem, depth + 1)
            if self.items is not None and other.items is not None and len(self.items) == len(other.items):
                changes["items"] = tuple(a.merge_evidence(b, depth + 1) for a, b in zip(self.items, other.items))
        return joined.with_(**changes) if changes else joined

    def iter_elem(self) -> Value:
        """The value of one element when iterating over this value."""
        if self.elem is not None:
            return self.elem
        if self.items:
            result = self.items[0]
            for item in self.items[1:]:
                result = result.join(item)
            return result
        if self.kind is Kind.TENSOR:
            return self.with_(history=self.history)
        return UNKNOWN


def add_element(old: Value, added: Value, depth: int = 0) -> Value:
    """The element of a container that held elements ``old`` and now also holds ``added``
    (``stats.append((t, value))``): it *contains* both, so evidence from either counts, as in
    ``merge_evidence``, and a plain Python value (``loss.item()``) hides no tensor next to it.
    Tuples of one length keep their positions."""
    if old is UNKNOWN or old == added:
        return added
    if old.kind is Kind.OTHER and not old.history and added.kind is Kind.TENSOR:
        return added
    if added.kind is Kind.OTHER and not added.history and old.kind is Kind.TENSOR:
        return old
    joined = old.merge_evidence(added, depth)
    if depth >= MAX_NESTING:
        return joined
    if old.items is not None and added.items is not None and len(old.items) == len(added.items):
        joined = joined.with_(items=tuple(add_element(a, b, depth + 1) for a, b in zip(old.items, added.items)))
    if old.elem is not None and added.elem is not None:
        joined = joined.with_(elem=add_element(old.elem, added.elem, depth + 1))
    return joined


def _flat_join(mine: Value, theirs: Value) -> Value:
    """The join of two values nested ``MAX_NESTING`` deep in containers: their own facts, none of
    their structure (items, elements, keys, attributes) nor the facts read out of it: what is read
    out of it is unknown. A tree of nodes that link to each other (a beam search's
    ``{"last": node, "next": [...]}``) would otherwise grow with every pass and every join would
    walk all of it."""
    return mine.with_(**_BARE).join(theirs.with_(**_BARE))


_BARE: dict[str, Any] = {
    "items": None,
    "elem": None,
    "keys": None,
    "attrs": (),
    "truth": None,
    "cuda_flag": None,
    "read_only": None,
}


def _join_keys(
    mine: tuple[tuple[str, Value], ...] | None, theirs: tuple[tuple[str, Value], ...] | None, depth: int = 0
) -> tuple[tuple[str, Value], ...] | None:
    """A dict's entries on either path: a key one path lacks is read only on the other (a read
    on the first raises KeyError), so its value is the other path's."""
    if mine is None or theirs is None:
        return None
    if mine is theirs:
        return mine
    other = dict(theirs)
    joined = [(name, value.join(other.pop(name), depth) if name in other else value) for name, value in mine]
    return (*joined, *other.items())


def _join_attrs(
    mine: tuple[tuple[str, Value], ...], theirs: tuple[tuple[str, Value], ...], depth: int = 0
) -> tuple[tuple[str, Value], ...]:
    """Attributes known on both paths, joined: a branch that moves a model keeps its layers."""
    if mine is theirs or not (mine and theirs):
        return mine if mine is theirs else ()
    other = dict(theirs)
    return tuple((name, value.join(other[name], depth)) for name, value in mine if name in other)


# What a call receives: positional argument values, and keyword values (None: ``**kwargs``).
Args = list[Value]
Kwargs = dict[str | None, Value]

_FIELD_NAMES = frozenset(f.name for f in fields(Value))


def ref(qualname: str | None) -> Value:
    """``Value(kind=Kind.REF, qualname=qualname, requires_grad=False)``, made as ``with_`` makes
    copies (without the frozen ``__init__``'s setattr per field): every name the interpreter
    looks up that an import, a def or a builtin binds is one (40k per half of torch's source)."""
    value = object.__new__(Value)
    value.__dict__.update(_REF_FIELDS, qualname=qualname)
    device = TENSOR_TYPE_DEVICES.get(qualname) if qualname is not None else None
    if device is not None:
        value.__dict__["device"] = device
    return value


_REF_FIELDS = dict(Value(kind=Kind.REF, requires_grad=False).__dict__)
_LEGACY_TYPES = "Float Double Half Long Int Short Byte Char Bool BFloat16".split()
# A legacy tensor type says where the tensors it makes live: `dtype = torch.cuda.FloatTensor if
# use_cuda else torch.FloatTensor` joins to a reference (no name) on the device chosen at run time.
TENSOR_TYPE_DEVICES = {f"torch.cuda.{t}Tensor": Device.CUDA for t in _LEGACY_TYPES} | {
    f"torch.{t}Tensor": Device.CPU for t in _LEGACY_TYPES
}
UNKNOWN = Value()
OTHER = Value(kind=Kind.OTHER, requires_grad=False)
BYTES = Value(kind=Kind.OTHER, requires_grad=False, qualname="builtins.bytes")  # an immutable buffer
INT = Value(kind=Kind.OTHER, requires_grad=False, qualname="builtins.int")  # `truth`: zero (False) or not
NONE_CONSTANT = Value(kind=Kind.OTHER, requires_grad=False, truth=False, none=True)  # the constant None
# A NumPy array (`np.array(...)` and the other makers): never a tensor, no graph.
NDARRAY = Value(kind=Kind.OTHER, requires_grad=False, qualname="numpy.ndarray")


def subject(expr: ast.expr) -> str:
    """How an evidence step names what it is about: `` `net` `` or "the tensor"."""
    text = ast.unparse(expr)
    return f"`{text}`" if len(text) <= 40 else "the tensor"
