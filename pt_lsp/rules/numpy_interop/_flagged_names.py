"""``a.flags.writeable = False`` / ``a.setflags(write=False)`` on a local name (PTL404): the
statement before a read of the name that made its array read-only."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.edits import statement_position
from pt_lsp.core.walk import attr_path as path_of

# `a.flags["WRITEABLE"] = False`: the keys NumPy's flags object accepts for the writeable flag.
WRITEABLE_KEYS = ("WRITEABLE", "W")


def made_read_only(ctx: FileContext, name: ast.Name) -> ast.stmt | None:
    """``a.flags.writeable = False`` or ``a.setflags(write=False)`` before ``name`` in its body:
    that statement."""
    stmt: ast.AST | None = name
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = ctx.parent(stmt)
    if not isinstance(stmt, ast.stmt):
        return None
    position = statement_position(ctx, stmt)
    if position is None or position[0] is not getattr(ctx.parent(stmt) or ctx.tree, "body", None):
        return None
    body, here = position
    return next((earlier for at, earlier in _flag_statements(ctx, body).get(name.id, ()) if at < here), None)


_FLAGGED: PerFile[dict[int, dict[str, list[tuple[int, ast.stmt]]]]] = PerFile(lambda ctx: {})


def _flag_statements(ctx: FileContext, body: list[ast.stmt]) -> dict[str, list[tuple[int, ast.stmt]]]:
    """For each name, the statements of ``body`` (with their positions, in order) that make its
    array read-only: found once per block, not once per read."""
    per_body = _FLAGGED(ctx)
    flagged = per_body.get(id(body))
    if flagged is None:
        flagged = per_body[id(body)] = {}
        for at, earlier in enumerate(body):
            made = _read_only_target(earlier)
            if made is not None:
                flagged.setdefault(made, []).append((at, earlier))
    return flagged


def _read_only_target(stmt: ast.stmt) -> str | None:
    """The name whose array ``stmt`` makes read-only (``a.flags.writeable = False``,
    ``a.setflags(write=False)``), if any."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.slice, ast.Constant)
            and target.slice.value in WRITEABLE_KEYS
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "flags"
            and isinstance(target.value.value, ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is False
        ):
            return target.value.value.id  # `a.flags["WRITEABLE"] = False`
        path = path_of(target)
        if path is not None and isinstance(stmt.value, ast.Constant) and stmt.value.value is False:
            for suffix in (".flags.writeable", ".flags.writable"):
                if path.endswith(suffix) and "." not in path[: -len(suffix)]:
                    return path[: -len(suffix)]
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "setflags"
            and any(
                k.arg == "write" and isinstance(k.value, ast.Constant) and k.value.value is False for k in call.keywords
            )
        ):
            flagged = path_of(call.func.value)
            if flagged is not None and "." not in flagged:
                return flagged
    return None
