"""What a subscript is: basic indexing (a NumPy view, not a copy), a string key (a mapping, never
a tensor), the pre-0.4 scalar read ``loss.data[0]``."""

from __future__ import annotations

import ast

from .lattice import Device
from .values import Kind, Value


def basic_index(index: ast.expr) -> bool:
    """Basic indexing (slices, integers, ``...``, ``None``): a NumPy view, not a copy."""
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(
        isinstance(item, ast.Slice)
        or (isinstance(item, ast.Constant) and (type(item.value) is int or item.value in (None, Ellipsis)))
        for item in items
    )


def string_key(target: ast.Subscript) -> bool:
    return isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)


def taken_for_a_tensor(container: Value) -> bool:
    """A tensor, or a value of unknown kind and device (a module's output of unknown class),
    which a module call would take for its output tensor."""
    if container.kind is Kind.TENSOR:
        return True
    return container.kind is Kind.UNKNOWN and container.device is Device.UNKNOWN and container.cls is None


def is_dict(container: Value, target: ast.Subscript) -> bool:
    """A container of no class of the file that is given an item by a string key: a dict."""
    return container.kind is Kind.OTHER and container.cls is None and container.elem is not None and string_key(target)


def legacy_scalar_read(node: ast.Subscript) -> bool:
    """``x.data[0]``: an integer index of ``.data``, the pre-0.4 way to read a Python number."""
    index = node.slice
    return (
        isinstance(node.value, ast.Attribute)
        and node.value.attr == "data"
        and isinstance(index, ast.Constant)
        and type(index.value) is int
    )
