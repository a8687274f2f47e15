"""Methods that only ``__init__`` runs (PTL302): ``self._init_tmp_variables()`` in ``__init__``
sets attributes at construction exactly as ``__init__``'s own statements do, so a plain tensor it
stores stays on the CPU after ``model.to(device)`` (DCLS pull request 8: the limit and index
tensors built in such a helper).

A helper counts only where every mention of it in the class is a call statement in
``__init__``'s own body: a method ``forward`` also calls, or one handed around as a value, may
rebuild its attributes later (a cache), which is not this rule's case."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr


def construction_helpers(info: ClassInfo, init: Function, excluded: set[int]) -> list[tuple[Function, int]]:
    """``(method, line of its call in __init__)`` for each method of the class, not in
    ``excluded`` (ids of ``forward`` and what it reaches or runs), that only ``__init__`` calls,
    as a statement of its own."""
    calls: dict[str, list[int]] = {}
    for stmt in init.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and is_self_attr(call.func) and not call.args and not call.keywords:
            calls.setdefault(call.func.attr, []).append(stmt.lineno)
    found: list[tuple[Function, int]] = []
    for name, lines in calls.items():
        method = info.methods.get(name)
        if method is None or method is init or id(method) in excluded or len(lines) != 1:
            continue
        if _mentions(info, name) != 1 or method.args.args[1:] or method.args.vararg or method.args.kwarg:
            continue
        found.append((method, lines[0]))
    return found


def _mentions(info: ClassInfo, name: str) -> int:
    """How many times ``self.<name>`` appears in the class (nested functions and lambdas too)."""
    return sum(1 for node in ast.walk(info.node) if is_self_attr(node, name))
