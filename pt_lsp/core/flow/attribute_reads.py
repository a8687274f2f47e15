"""Reads of attributes (``base.attr``): a tensor's ``.grad``/``.device``/``.T``, a module's layers
and parameters, what a class body or an instance of a class of this file holds, a named tuple's
fields, a namespace's entries."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import vocabulary as api
from ..classes import ClassInfo
from .cuda_flags import flag_by_name
from .lattice import Device, ReadOnly
from .module_device import NAMESPACES, parameters_device
from .state import State
from .values import OTHER, UNKNOWN, Kind, Value, ref, subject

if TYPE_CHECKING:
    from .evaluator import Expressions


class AttributeReads:
    """What ``base.attr`` holds, for the attributes the expressions do not find in the state."""

    def __init__(self, expressions: Expressions) -> None:
        self.expressions = expressions  # its calls are set after it is built
        self.scope = expressions.scope
        self.eval = expressions.eval
        self.derived = expressions.derived

    def read(self, base: Value, node: ast.Attribute, state: State) -> Value:
        value = self._attribute(base, node, state)
        if value.kind is Kind.UNKNOWN and base.kind in (Kind.UNKNOWN, Kind.OTHER) and not base.history:
            option = self.scope.options.default(node)  # `args.device` defaulting to CUDA, a non-zero size
            if option is not None:
                return option
        if value.cuda_flag is None and value.kind in (Kind.UNKNOWN, Kind.OTHER) and not value.history:
            flag = True if node.attr == "is_cuda" else flag_by_name(node.attr)
            if flag is not None:
                return value.with_(cuda_flag=flag)
        return value

    def class_attribute(self, qualname: str, attr: str) -> Value | None:
        """What the body of a class of this file binds to ``attr`` (class_attributes.py)."""
        if not qualname.startswith("<class>."):
            return None
        info = self.expressions.calls.functions.class_by_id.get(int(qualname[8:]))
        if info is None:
            return None
        return self.scope.class_attributes.read(info, attr, lambda expr: self.eval(expr, State()))

    def static_method(self, qualname: str, attr: str) -> Value | None:
        """A ``@staticmethod`` of a class of this file read through the class: a function."""
        info = (
            self.expressions.calls.functions.class_by_id.get(int(qualname[8:]))
            if qualname.startswith("<class>.")
            else None
        )
        method = info.methods.get(attr) if info is not None else None
        if method is None or not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list):
            return None
        self.scope.definitions[id(method)] = method
        return ref(f"<def>.{id(method)}")

    def _attribute(self, base: Value, node: ast.Attribute, state: State) -> Value:
        attr = node.attr
        if base.read_only is not None and attr == "T":  # a view; of a 1-D array, the array itself
            array = base.read_only
            return Value(read_only=ReadOnly(array.reason, array.where, array.one_dim, array.one_dim))
        if base.kind is Kind.REF and base.qualname:
            if (method := self.static_method(base.qualname, attr)) is not None:
                return method  # `Metrics.to_array(t)`: followed as a function of the file
            if base.qualname.startswith("<"):
                held = self.class_attribute(base.qualname, attr)  # `Cfg.device` bound by the class body
                return held if held is not None else UNKNOWN  # else an attribute of a local function or class
            return self.scope.module_global(f"{base.qualname}.{attr}") or ref(f"{base.qualname}.{attr}")
        if base.kind is Kind.TENSOR:
            if attr in ("data", "grad"):
                return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
            if attr == "device":
                return Value(kind=Kind.DEVICE, device=base.device, requires_grad=False)
            if attr in api.TENSOR_ATTRS_OTHER:
                return OTHER
            if attr == "indices":  # of torch.max/topk/sort results
                return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
            if attr in ("T", "mT", "H", "real", "imag", "values"):
                return self.derived(node, state, [base])
            return UNKNOWN
        if base.kind is Kind.MODULE:
            return self.module_attribute(base, node, state)
        if base.cls is not None:  # an instance of a plain class of this file
            known = dict(base.attrs).get(attr)
            if known is None and isinstance(base.cls, ClassInfo):
                known = self.class_attribute(f"<class>.{id(base.cls.node)}", attr)  # one it never sets itself
            return known if known is not None else UNKNOWN
        if attr == "grad" and base.requires_grad:
            return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
        if base.kind is Kind.SEQ and base.attrs:  # a named tuple's field (namedtuples.py)
            return named_field(base, attr)
        if base.qualname in NAMESPACES:  # `opt = SimpleNamespace(device=...)`
            return dict(base.attrs).get(attr, UNKNOWN)
        return UNKNOWN

    def module_attribute(self, base: Value, node: ast.Attribute, state: State) -> Value:
        known = dict(base.attrs).get(node.attr)
        if known is not None:
            return (
                known.with_(device=base.device)
                if base.device is not Device.UNKNOWN
                and known.kind in (Kind.MODULE, Kind.TENSOR)
                and known.requires_grad
                else known
            )
        if node.attr == "device" and base.device.may_be_cuda and parameters_device(base):
            # `model.device` of a model moved to CUDA (or maybe): its parameters' device
            return Value(kind=Kind.DEVICE, device=base.device, requires_grad=False, steps=base.steps)
        if base.qualname and node.attr in ("weight", "bias"):
            if base.requires_grad is False:  # a layer frozen by `requires_grad_(False)`
                return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
            parameter = Value(kind=Kind.TENSOR, device=base.device, requires_grad=True, steps=base.steps)
            return parameter.step(node, f"{subject(node)} is a parameter (requires grad)")
        return UNKNOWN


def named_field(value: Value, attr: str) -> Value:
    """A named tuple's field: its item at the field's position (``attrs`` name the fields in
    order), so that what changed the items (``for t in state: t.detach_()``) changes the field."""
    names = [name for name, _ in value.attrs]
    if attr not in names:
        return UNKNOWN
    if value.items is not None and len(value.items) == len(names):
        return value.items[names.index(attr)]
    return value.attrs[names.index(attr)][1]
