"""Functions whose end is reached only when a dispatch on a setting matches nothing."""

from __future__ import annotations

import ast


def unmatched_dispatch(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``function`` ends in an ``if``/``elif`` chain without ``else`` each of whose
    branches returns a value (``if self.args.distance == "js": return ... elif ... == "wd":
    return ...``): its end is reached only when no branch matches, the case the author left out
    (the caller's ``loss.backward()`` then raises on None), so the implicit ``return None`` there
    is not one of the values it gives (audit-16 M2)."""
    last = function.body[-1] if function.body else None
    while isinstance(last, ast.If):
        ending = last.body[-1]
        if not isinstance(ending, ast.Return) or ending.value is None:
            return False
        if isinstance(ending.value, ast.Constant) and ending.value.value is None:
            return False
        if not last.orelse:
            return True
        if len(last.orelse) != 1:
            return False
        last = last.orelse[0]
    return False
