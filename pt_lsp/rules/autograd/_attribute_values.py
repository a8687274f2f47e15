"""What attributes hold, for PTL202: ``self.loss_D`` where a method just stored it (a GAN's
``self.loss_D = criterion(pred, 1)`` then ``self.loss_D.backward()``), and the layers a local
class stores in ``self.<attr>`` (``self.fc(x)`` in a method, ``ae.encoder(x)`` outside)."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.walk import breadth_first

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def reaching_attribute(ctx: FileContext, expr: ast.Attribute) -> ast.expr | None:
    """``self.loss_D.backward()`` right after ``self.loss_D = ...`` in the same method: the
    value of the last statement before the use in its block (or a block around it, through
    ``if`` and ``with``) that stores ``self.<attr>``, where it is a plain assignment and no
    statement between stores that attribute or calls anything with ``self``."""
    if not (isinstance(expr.value, ast.Name) and expr.value.id == "self"):
        return None
    stmt: ast.AST | None = expr
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = ctx.parent(stmt)
    if stmt is None or isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, *_NESTED)):
        return None
    while stmt is not None:
        parent = ctx.parent(stmt)
        body = next(
            (b for b in (getattr(parent, f, None) for f in ("body", "orelse")) if isinstance(b, list) and stmt in b),
            None,
        )
        if body is None:
            return None
        for earlier in reversed(body[: body.index(stmt)]):
            if (
                isinstance(earlier, ast.Assign)
                and len(earlier.targets) == 1
                and isinstance(earlier.targets[0], ast.Attribute)
                and earlier.targets[0].attr == expr.attr
                and isinstance(earlier.targets[0].value, ast.Name)
                and earlier.targets[0].value.id == "self"
            ):
                return earlier.value
            if _may_change_self(earlier, expr.attr):
                return None
        if not isinstance(parent, (ast.If, ast.With, ast.AsyncWith)):
            return None
        stmt = parent
    return None


def _may_change_self(stmt: ast.stmt, attr: str) -> bool:
    """``stmt`` stores an attribute named ``attr``, or calls something given ``self`` (a method of
    the object, a helper it is passed to): either may change ``self.<attr>``."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Attribute) and node.attr == attr and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Call) and any(
            isinstance(n, ast.Name) and n.id == "self" for part in (node.func, *node.args) for n in ast.walk(part)
        ):
            return True
    return False


def stored_in(cls: ast.ClassDef, attr: str, ctx: FileContext | None = None) -> list[ast.AST]:
    """What the methods of ``cls`` assign to ``self.<attr>``; [] where one unpacks into it. With
    ``ctx``, the class is walked once for all its attributes (a test class of thousands of lines
    was walked again for each attribute asked: ~1% of a run on torch's source)."""
    if ctx is not None:
        stores = _STORES(ctx)
        known = stores.get(id(cls))
        if known is None:
            known = stores[id(cls)] = _stores_of(cls)
        assigned, unpacked = known
        return [] if attr in unpacked else list(assigned.get(attr, ()))
    found: list[ast.AST] = []
    for node in ast.walk(cls):  # only while proving one backward's receiver
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == attr
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    found.append(node.value)
                elif not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)) and any(
                    isinstance(n, ast.Attribute) and n.attr == attr for n in ast.walk(target)
                ):
                    return []  # `self.fc, x = ...`: bound by unpacking
    return found


def _stores_of(cls: ast.ClassDef) -> tuple[dict[str, list[ast.AST]], frozenset[str]]:
    """``stored_in`` for every attribute of ``cls`` in one walk: the values assigned to each
    ``self.<attr>`` (in the walk's order), and the attribute names some unpacking target holds."""
    assigned: dict[str, list[ast.AST]] = {}
    unpacked: set[str] = set()
    for node in breadth_first(cls):  # ast.walk's order, at about half its cost
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    assigned.setdefault(target.attr, []).append(node.value)
                elif not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)):
                    unpacked.update(n.attr for n in ast.walk(target) if isinstance(n, ast.Attribute))
    return assigned, frozenset(unpacked)


_STORES: PerFile[dict[int, tuple[dict[str, list[ast.AST]], frozenset[str]]]] = PerFile(lambda ctx: {})


def held_by_instance(ctx: FileContext, built: list[ast.AST], attr: str) -> list[ast.AST]:
    """``ae.encoder`` where ``ae`` is only ever bound to one construction of a local class
    (``built``): what that class stores in ``self.encoder``, unless the file stores an attribute
    of that name on anything else (``net.fc = nn.Linear(16, 1)``: replaced from outside)."""
    if len(built) != 1 or not isinstance(built[0], ast.Call) or not isinstance(built[0].func, ast.Name):
        return []
    info = ctx.classes.get(built[0].func.id)
    if info is None or ctx.qualname(built[0].func) is not None:
        return []
    if attr in stored_outside(ctx):
        return []
    return stored_in(info.node, attr, ctx)


@PerFile
def stored_outside(ctx: FileContext) -> frozenset[str]:
    """The attribute names the file stores (or deletes) on anything but ``self``: once per file."""
    return frozenset(
        a.attr
        for a in ctx.index.of(ast.Attribute)
        if not isinstance(a.ctx, ast.Load) and not (isinstance(a.value, ast.Name) and a.value.id == "self")
    )
