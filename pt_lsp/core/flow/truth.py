"""The truth of a test that the facts decide, so that only one side of an ``if`` (or of a
conditional expression) is taken: a boolean constant held by a name, an int known to be zero or
not, ``x is None`` of a tensor with a graph, ``isinstance`` of a value whose kind is known, or the
side a split is running (splits.py)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..walk import attr_path
from .cuda_flags import flag_by_name
from .state import State
from .values import INT, Kind, Value

if TYPE_CHECKING:
    from .scope import Scope


NEVER_NONE = frozenset({Kind.TENSOR, Kind.MODULE, Kind.DEVICE, Kind.SEQ, Kind.REF, Kind.DISTRIBUTION})


def passed(value: Value) -> Value:
    """An argument a call passes, marked never None where its kind says so (a tensor, a module, a
    list...; a number or string constant): ``if action is None:`` in the callee is then decided."""
    if value.none is not None:
        return value
    if value.kind in NEVER_NONE or value.qualname == INT.qualname or value.text is not None or value.truth:
        return value.with_(none=False)
    return value


def int_equals(test: ast.Compare, state: State) -> bool | None:
    """``t == 0`` / ``t != 0`` where ``t`` holds an int known to be zero or not (a loop's
    counter in its first pass: ``for t in range(0, steps, r)``; audit-7 G8)."""
    subject, other = test.left, test.comparators[0]
    if isinstance(subject, ast.Constant):
        subject, other = other, subject
    path = attr_path(subject)
    if path is None or not (isinstance(other, ast.Constant) and type(other.value) is int):
        return None
    held = state.env.get(path)
    if held is None or held.qualname != INT.qualname or held.truth is None:
        return None
    if held.truth and other.value != 0:
        return None  # some other int
    equal = not held.truth and other.value == 0
    return equal if isinstance(test.ops[0], ast.Eq) else not equal


def text_equals(test: ast.Compare, state: State) -> bool | None:
    """``mode == "train"`` (``!=``, ``in ("train", "valid")``, ``not in``) where ``mode`` holds a
    string constant on every path (a method followed from ``self.forward(x, mode="train")``)."""
    subject, other = test.left, test.comparators[0]
    if isinstance(subject, ast.Constant) and isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
        subject, other = other, subject
    path = attr_path(subject)
    held = state.env.get(path) if path is not None else None
    if held is None or held.text is None:
        return None
    if isinstance(other, ast.Constant) and isinstance(other.value, str):
        choices = [other.value]
    elif isinstance(other, (ast.Tuple, ast.List, ast.Set)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in other.elts
    ):
        choices = [e.value for e in other.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    else:
        return None
    found = held.text in choices
    return found if isinstance(test.ops[0], (ast.Eq, ast.In)) else not found


def known_truth(test: ast.expr, state: State, scope: Scope, decided: dict[int, bool]) -> bool | None:
    """The value of a test the facts decide: ``isinstance(x, (tuple, list))`` where ``x`` is
    a tuple or list whose items are known (True; a tensor may be a named tuple:
    ``torch.max(x, 1)``), ``isinstance(x, torch.Tensor)`` of a tuple or list (False), ``x is
    None`` where ``x`` is a tensor with a graph (False) or a parameter the call being followed
    leaves to a None default or passes (values.Value.none), a name or attribute holding a boolean
    constant. None otherwise."""
    if decided and id(test) in decided:
        return decided[id(test)]  # a flag's side, in one run of a split (splits.py)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        truth = known_truth(test.operand, state, scope, decided)
        return None if truth is None else not truth
    if isinstance(test, (ast.Name, ast.Attribute)):
        # a boolean constant (`self.is_test = False` before the loop): not a CUDA flag, whose
        # branches the device rules read both of
        path = attr_path(test)
        if path is None or flag_by_name(path.rsplit(".", 1)[-1]) is not None:
            return None
        held = state.env.get(path)
        if held is None and isinstance(test, ast.Name):
            held = scope.lookup(test.id, test, state)
        return held.truth if held is not None and held.cuda_flag is None else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
        equal = text_equals(test, state)
        return equal if equal is not None else int_equals(test, state)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn)):
        return text_equals(test, state)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
        # `loss is not None` where `loss` is a tensor with a graph on every path (a method's
        # optional argument, passed at the call being followed); not `p.grad`, which may be None
        subject, other = test.left, test.comparators[0]
        path = attr_path(subject)
        if path is None or not (isinstance(other, ast.Constant) and other.value is None) or path not in state.env:
            return None
        value = state.env[path]
        if value.none is False or value.none and isinstance(subject, ast.Name):
            # what the call being followed gives a parameter: a None default it leaves out (`if
            # f_y is None:`), or an argument it passes (`pi(state, action)`); a None attribute
            # (`self.cache = None` in __init__) may have been set by a method out of view
            return value.none is isinstance(test.ops[0], ast.Is)
        if value.qualname == INT.qualname:  # an int on every path: `if batch_size is not None:`
            return isinstance(test.ops[0], ast.IsNot)
        if value.kind is not Kind.TENSOR or not value.history:
            return None
        return isinstance(test.ops[0], ast.IsNot)
    if not (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "isinstance"
        and len(test.args) == 2
        and not test.keywords
    ):
        return None
    types = test.args[1]
    names = {e.id for e in types.elts if isinstance(e, ast.Name)} if isinstance(types, ast.Tuple) else set()
    path = attr_path(test.args[0])
    if path is None or path not in state.env:
        return None
    if scope.lookup("isinstance", test.func, state).qualname != "builtins.isinstance":
        return None
    value = state.env[path]
    elts = types.elts if isinstance(types, ast.Tuple) else [types]
    python_types = all(isinstance(e, ast.Name) and scope.lookup(e.id, e, state).qualname in _PYTHON_TYPES for e in elts)
    if value.kind is Kind.TENSOR and python_types:
        return False  # a tensor is none of Python's own types: `send(v)` recursing into a dict's tensors
    if value.keys is not None and scope.qualname(types) == "torch.Tensor":
        return False  # a dict of known keys is no tensor
    if {"tuple", "list"} <= names:
        return True if value.kind is Kind.SEQ and value.items is not None else None
    if scope.qualname(types) == "torch.Tensor" and value.kind is Kind.SEQ:
        return False  # a tuple or list is no tensor: `repackage_hidden(h)` recursing into (h, c)
    if scope.qualname(types) == "torch.Tensor" and value.kind is Kind.TENSOR:
        return True  # `if isinstance(x, torch.Tensor): return x.cpu().numpy()`: no path after it here
    return None


_PYTHON_TYPES = frozenset(f"builtins.{name}" for name in "dict list tuple set str bytes int float bool".split())
