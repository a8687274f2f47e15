"""What a class of the file stores in ``self.<attr>`` (PTL404's read-only arrays and bytes
buffers): every value assigned to it, and the elements of a container it only fills."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext


def self_attribute_values(ctx: FileContext, node: ast.Attribute) -> list[ast.AST | None] | None:
    """Every value the class assigns to ``self.<attr>`` (None for an augmented assignment);
    None when it is also set another way (unpacked into, ``setattr``, its flags changed)."""
    cls = ctx.enclosing_class(node)
    if cls is None:
        return None
    found: list[ast.AST | None] = []
    for child in ast.walk(cls):  # only for an array handed to from_numpy
        if isinstance(child, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            for target in targets:
                if self_attr(target, node.attr):
                    found.append(None if isinstance(child, ast.AugAssign) else child.value)
                elif not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)) and any(
                    self_attr(t, node.attr) for t in ast.walk(target)
                ):
                    return None  # unpacked into: not followed
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "setattr":
            return None
        elif (
            isinstance(child, ast.Attribute)
            and child.attr in ("flags", "setflags")
            and self_attr(child.value, node.attr)
        ):
            return None  # its flags changed: not followed
    return found or None


def self_container_elements(ctx: FileContext, node: ast.Attribute) -> list[ast.AST] | None:
    """What ``self.a`` holds when the class only builds it as a display (``{}``, ``[]``, ...) and
    fills it with ``self.a[key] = value``, ``append`` or ``insert``; None when it changes
    another way (``update``, ``extend``, ``setdefault``, an augmented assignment, unpacked into)."""
    values = self_attribute_values(ctx, node)
    cls = ctx.enclosing_class(node)
    if not values or cls is None or not all(isinstance(v, (ast.List, ast.Tuple, ast.Dict)) for v in values):
        return None
    elements: list[ast.AST] = []
    for value in values:
        elements.extend(value.values if isinstance(value, ast.Dict) else value.elts)  # type: ignore[union-attr]
    for child in ast.walk(cls):
        if not (isinstance(child, ast.Attribute) and self_attr(child, node.attr)):
            continue
        parent = ctx.parent(child)
        if isinstance(parent, ast.Subscript) and parent.value is child and isinstance(parent.ctx, ast.Store):
            statement = ctx.parent(parent)
            if not (isinstance(statement, ast.Assign) and statement.targets == [parent]):
                return None
            elements.append(statement.value)
        elif isinstance(parent, ast.Attribute) and parent.value is child:
            call = ctx.parent(parent)
            if parent.attr in ("append", "insert") and isinstance(call, ast.Call) and call.func is parent and call.args:
                elements.append(call.args[-1])
            elif parent.attr not in ("get", "keys", "values", "items", "__len__", "index", "count", "copy"):
                return None
    return elements


def is_self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def self_attr(node: ast.AST, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )
