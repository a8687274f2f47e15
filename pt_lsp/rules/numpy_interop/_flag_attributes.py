"""``self.table.flags.writeable = False`` (or ``self.table.setflags(write=False)``) in
``__init__``: every other method of the class reads ``self.table`` read-only, as long as only
``__init__`` assigns it and the flag comes after its last assignment there (a lookup table
a class protects, then hands to ``torch.from_numpy``)."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext

_FLAG_ATTRIBUTES = ("writeable", "writable")


def flagged_attribute(ctx: FileContext, node: ast.Attribute) -> ast.stmt | None:
    """The statement of ``__init__`` that made ``self.<attr>`` read-only, for a read of it in
    another method of the class; None otherwise."""
    cls = ctx.enclosing_class(node)
    if cls is None:
        return None
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None or _inside(ctx, node, init):
        return None
    made: ast.stmt | None = None
    for stmt in init.body:
        if _assigns(stmt, node.attr):
            made = None  # a new array: the flag must come after it
        elif _flags(stmt, node.attr):
            made = stmt
    if made is None:
        return None
    for method in cls.body:
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and method is not init:
            if any(_assigns(s, node.attr) for s in ast.walk(method) if isinstance(s, ast.stmt)):
                return None
    return made


def _inside(ctx: FileContext, node: ast.AST, function: ast.AST) -> bool:
    current: ast.AST | None = node
    while current is not None:
        if current is function:
            return True
        current = ctx.parent(current)
    return False


def _self_attr(node: ast.AST, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _assigns(stmt: ast.stmt, attr: str) -> bool:
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    while any(isinstance(t, (ast.Tuple, ast.List, ast.Starred)) for t in targets):  # `self.a, self.b = ...`
        targets = [e for t in targets for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
        targets = [t.value if isinstance(t, ast.Starred) else t for t in targets]
    return any(_self_attr(t, attr) for t in targets)


def _flags(stmt: ast.stmt, attr: str) -> bool:
    """``self.<attr>.flags.writeable = False`` / ``self.<attr>.setflags(write=False)``."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        false = isinstance(stmt.value, ast.Constant) and stmt.value.value is False
        return (
            false
            and isinstance(target, ast.Attribute)
            and target.attr in _FLAG_ATTRIBUTES
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "flags"
            and _self_attr(target.value.value, attr)
        )
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        return (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "setflags"
            and _self_attr(call.func.value, attr)
            and any(
                k.arg == "write" and isinstance(k.value, ast.Constant) and k.value.value is False for k in call.keywords
            )
        )
    return False
