"""Code that runs when a module is built, besides its ``__init__``'s own statements (PTL302).

A method only ``__init__`` calls (``self._init_tmp_variables()``) sets attributes at construction
exactly as ``__init__`` does (DCLS pull request 8: the limit and index tensors built in such a
helper stay on the CPU after ``model.to(device)``). It counts only where every mention of it in
the class is a call statement in ``__init__``'s own body: a method ``forward`` also calls, or one
handed around as a value, may rebuild its attributes later (a cache), which is not this rule's case.

The ``__init__`` of a module base without a ``forward`` of its own stores attributes of every
subclass that runs it (flamo pull request 30: a DSP base's decay envelope used by a filter's
``forward``)."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr, super_init_line


def construction_helpers(info: ClassInfo, init: Function, excluded: set[int]) -> list[tuple[Function, int]]:
    """``(method, line of its call in __init__)`` for each method of the class, not in
    ``excluded`` (ids of ``forward`` and what it reaches or runs), that only ``__init__`` calls,
    as a statement of its own, also with arguments (``self.build(n)``: its body runs at
    construction whatever it is given; a tensor made from a parameter's value stays unknown)."""
    calls: dict[str, list[int]] = {}
    for stmt in init.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and is_self_attr(call.func):
            calls.setdefault(call.func.attr, []).append(stmt.lineno)
    found: list[tuple[Function, int]] = []
    for name, lines in calls.items():
        method = info.methods.get(name)
        if method is None or method is init or id(method) in excluded or len(lines) != 1:
            continue
        if _mentions(info, name) != 1:
            continue
        found.append((method, lines[0]))
    return found


def _mentions(info: ClassInfo, name: str) -> int:
    """How many times ``self.<name>`` appears in the class (nested functions and lambdas too)."""
    return sum(1 for node in ast.walk(info.node) if is_self_attr(node, name))


def inherited_sources(info: ClassInfo) -> list[tuple[ClassInfo, Function]]:
    """``(base, base.__init__)`` for the module classes of the file ``info`` inherits from whose
    ``__init__`` runs when ``info`` is built (each class on the way calls ``super().__init__``, or
    has no ``__init__`` of its own) and that have no ``forward`` of their own: the attributes such a
    base stores are the subclass's (flamo PR 30: a DSP base's envelope used by a filter's ``forward``)."""
    found: list[tuple[ClassInfo, Function]] = []
    pending, seen = [info], {id(info)}
    while pending:
        current = pending.pop()
        own = current.methods.get("__init__")
        if own is not None and super_init_line(own) is None:
            continue  # the bases' `__init__` may not run
        for base in current.local_bases:
            if id(base) in seen or not base.is_module:
                continue
            seen.add(id(base))
            init = base.methods.get("__init__")
            if init is not None and base.method("forward") is None:
                found.append((base, init))
            pending.append(base)
    return found


def assigned_below(info: ClassInfo, base: ClassInfo, attr: str) -> bool:
    """A class between ``info`` and ``base`` (``info`` included) binds ``self.<attr>`` itself."""
    pending, seen = [info], set()
    while pending:
        current = pending.pop()
        if current is base or id(current) in seen:
            continue
        seen.add(id(current))
        if any(is_self_attr(n, attr) and isinstance(n.ctx, ast.Store) for n in ast.walk(current.node)):
            return True
        pending.extend(current.local_bases)
    return False
