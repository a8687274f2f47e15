"""A module registered under a literal name binds that attribute: ``self.add_module("features",
nn.Conv2d(...))`` (also ``register_module``, and ``setattr(self, "features", ...)``) makes
``self.features`` that module, as ``self.features = nn.Conv2d(...)`` does; its calls run the
layer and carry its device (audit-19 M3: a model registering every layer so, whose activations
on the GPU were handed to NumPy). A computed name (``add_module(f"l{i}", layer)``) binds no path
the analysis can read."""

from __future__ import annotations

import ast

from ..walk import attr_path

_REGISTERING_METHODS = frozenset({"add_module", "register_module"})


def registered(expr: ast.expr) -> tuple[str, ast.expr] | None:
    """(``self.features``, the registered value) for such a call, else None."""
    if not isinstance(expr, ast.Call) or expr.keywords or len(expr.args) < 2:
        return None
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in _REGISTERING_METHODS and len(expr.args) == 2:
        receiver, (name, value) = func.value, expr.args
    elif isinstance(func, ast.Name) and func.id == "setattr" and len(expr.args) == 3:
        receiver, name, value = expr.args
    else:
        return None
    owner = attr_path(receiver)
    if owner is None or not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    if not name.value.isidentifier() or isinstance(value, ast.Starred):
        return None
    return f"{owner}.{name.value}", value
