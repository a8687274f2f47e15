"""Named tuples (``collections.namedtuple``, ``typing.NamedTuple`` called with its fields):
an instance is a tuple whose items are also read by field name. ``LossTuple(cls, loc, total)``
returned by a trainer's step keeps each loss's device and graph for ``losses.total`` and
``losses[2]`` alike (audit-12 M2: Faster R-CNN's ``train_step`` returned such a tuple)."""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable

from ..classes import ClassInfo
from .evaluator import sequence
from .values import UNKNOWN, Args, Kind, Kwargs, Value, ref

MAKERS = frozenset({"collections.namedtuple", "typing.NamedTuple"})
PREFIX = "<namedtuple>:"  # the qualname of a class made by one: its fields after the colon


def maker(node: ast.Call) -> Value | None:
    """``namedtuple("Name", ["a", "b"])`` (a list or tuple of strings, or one string split at
    commas and spaces; ``typing.NamedTuple("Name", [("a", T), ...])``): the class, as a reference
    naming its fields; None where the fields are not constants."""
    given = {k.arg: k.value for k in node.keywords}
    spec = node.args[1] if len(node.args) > 1 else given.get("field_names", given.get("fields"))
    names: list[str] = []
    if isinstance(spec, ast.Constant) and isinstance(spec.value, str):
        names = spec.value.replace(",", " ").split()
    elif isinstance(spec, (ast.List, ast.Tuple)):
        for element in spec.elts:
            if isinstance(element, (ast.Tuple, ast.List)) and element.elts:
                element = element.elts[0]  # typing.NamedTuple's (name, type) pairs
            if not isinstance(element, ast.Constant) or not isinstance(element.value, str):
                return None
            names.append(element.value)
    if not names or not all(n.isidentifier() and not keyword.iskeyword(n) for n in names):
        return None
    return ref(PREFIX + ",".join(names))


def class_fields(info: ClassInfo, qualname: Callable[[ast.expr], str | None]) -> str | None:
    """``class Losses(NamedTuple)`` with annotated fields: the qualname ``maker`` gives; a field
    with a default is marked ``name=``. None for a class with methods (followed as a class's)."""
    if any(isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) for stmt in info.node.body):
        return None
    if not any(qualname(base) in ("typing.NamedTuple", "typing_extensions.NamedTuple") for base in info.node.bases):
        return None
    names = [
        f"{stmt.target.id}{'=' if stmt.value is not None else ''}"
        for stmt in info.node.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
    ]
    return PREFIX + ",".join(names) if names else None


def construct(qualname: str, args: Args, kwargs: Kwargs, node: ast.Call) -> Value:
    """An instance: the items in field order, each also its attribute (unknown for a field
    left to its default)."""
    fields = qualname[len(PREFIX) :].split(",")
    names = [name.rstrip("=") for name in fields]
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return UNKNOWN
    values = dict(zip(names, args))
    values.update((name, value) for name, value in kwargs.items() if name in names)
    values.update((name.rstrip("="), UNKNOWN) for name in fields if name.endswith("=") and name[:-1] not in values)
    if len(values) != len(names) or len(args) > len(names):
        return UNKNOWN  # a wrong call: not read here
    items = tuple(values[name] for name in names)
    # the fields in order: a field reads the item at its position (attribute_reads.named_field)
    return sequence(items).with_(attrs=tuple((name, values[name]) for name in names))


def as_dict(value: Value) -> Value:
    """``nt._asdict()``: a dict whose keys are the fields, each holding its item (what changed the
    items changed the fields: ``attribute_reads.named_field``), as a display of them would be."""
    names = [name for name, _ in value.attrs]
    fields = value.items if value.items is not None and len(value.items) == len(names) else [v for _, v in value.attrs]
    elem = None
    for field in fields:
        elem = field if elem is None else elem.join(field)
    history = frozenset().union(*(f.history for f in fields))
    return Value(kind=Kind.OTHER, requires_grad=None, elem=elem, history=history, keys=tuple(zip(names, fields)))
