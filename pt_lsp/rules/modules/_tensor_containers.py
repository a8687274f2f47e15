"""A list or dict attribute of plain tensors that ``forward`` reads (PTL302).

``model.to(device)`` moves parameters and buffers, never the items of a Python container: a
list built in ``__init__`` of tensors the module makes there keeps CPU tensors. That holds also
where each item is a registered buffer read back (``self.scales.append(getattr(self, name))``
after ``self.register_buffer(name, t)``, pytorch#29807; a dict registered item by item,
pytorch#43815): the move replaces the buffers and leaves the container with the old tensors.

A container counts only where ``__init__`` binds it once, to a display of plain tensors or to an
empty list or dict it fills there with them, and no other method changes it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr
from pt_lsp.rules.modules._tensor_makers import plain_item

MUTATORS = {"append", "extend", "insert", "pop", "clear", "update", "setdefault", "remove", "__setitem__"}


def tensor_containers(ctx: FileContext, info: ClassInfo, init: Function, attr: str, stmt: ast.Assign) -> bool:
    """``self.<attr> = stmt.value`` (the class's only binding of it, in ``__init__``) holds only
    plain tensors made at construction, and no method but ``__init__`` changes the container."""
    value = stmt.value
    if isinstance(value, (ast.List, ast.Tuple)):
        items: list[ast.expr] = list(value.elts)
    elif isinstance(value, ast.Dict):
        if any(key is None for key in value.keys):
            return False  # `{**other}`
        items = list(value.values)
    elif isinstance(value, (ast.ListComp, ast.DictComp)):
        items = [value.elt if isinstance(value, ast.ListComp) else value.value]
    elif _empty(value):
        items = []
    else:
        return False
    filled = _filled_in(init, attr)
    if filled is None or _changed_elsewhere(info, init, attr):
        return False
    items += filled
    return bool(items) and all(plain_item(ctx, item) or _registered_alias(init, item) for item in items)


def _empty(value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.Dict)) and not (value.elts if isinstance(value, ast.List) else value.keys):
        return True
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in ("list", "dict")
        and not value.args
        and not value.keywords
    )


def _filled_in(init: Function, attr: str) -> list[ast.expr] | None:
    """The values ``__init__`` puts into ``self.<attr>`` (``append(v)``, ``[k] = v``); None where it
    changes it any other way (``extend``, ``insert``, a store into an item's item)."""
    found: list[ast.expr] = []
    for node in own_nodes(init):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_self_attr(node.func.value, attr):
            if node.func.attr == "append" and len(node.args) == 1 and not node.keywords:
                found.append(node.args[0])
            elif node.func.attr in MUTATORS:
                return None
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and is_self_attr(target.value, attr):
                    found.append(node.value)
    return found


def _changed_elsewhere(info: ClassInfo, init: Function, attr: str) -> bool:
    """A method other than ``__init__`` calls a mutating method of ``self.<attr>`` or stores into it."""
    for method in info.methods.values():
        if method is init:
            continue
        for node in own_nodes(method):
            if isinstance(node, ast.Attribute) and is_self_attr(node.value, attr) and node.attr in MUTATORS:
                return True
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                if is_self_attr(node.value, attr):
                    return True
    return False


def _registered_alias(init: Function, item: ast.expr) -> bool:
    """``getattr(self, key)`` where ``__init__`` calls ``self.register_buffer(key, ...)`` with the
    same key expression: the container holds the buffer's tensor of the moment."""
    if not (
        isinstance(item, ast.Call)
        and isinstance(item.func, ast.Name)
        and item.func.id == "getattr"
        and len(item.args) == 2
        and isinstance(item.args[0], ast.Name)
        and item.args[0].id == "self"
    ):
        return False
    key = ast.dump(item.args[1])
    return any(
        isinstance(node, ast.Call)
        and is_self_attr(node.func, "register_buffer")
        and node.args
        and ast.dump(node.args[0]) == key
        for node in own_nodes(init)
    )


def moved_in_loop(ctx: FileContext, use: ast.Attribute) -> bool:
    """``for s in self.scales: ... s.to(x.device) ...``: the loop moves each item itself."""
    loop = ctx.parent(use)
    if not (isinstance(loop, (ast.For, ast.comprehension)) and loop.iter is use and isinstance(loop.target, ast.Name)):
        return False
    name = loop.target.id
    scope: ast.AST = loop if isinstance(loop, ast.For) else ctx.parent(loop) or loop
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("to", "cuda", "type_as")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
        for node in ast.walk(scope)
    )


def container_uses(ctx: FileContext, method: ast.AST, attr: str) -> Iterator[ast.Attribute]:
    """Where ``method`` takes items out of ``self.<attr>``: iterates it (``for s in self.scales``,
    ``zip(self.scales, ...)``) or indexes it (``self.data["b"]``). A container used as a tensor
    itself (``x * self.t``) is another error, not this one."""
    for node in own_nodes(method):
        if not (is_self_attr(node, attr) and isinstance(node.ctx, ast.Load)):
            continue
        parent = ctx.parent(node)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            yield node
        elif isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node:
            yield node
        elif (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Name)
            and parent.func.id in ("zip", "enumerate", "reversed")
            and any(a is node for a in parent.args)
        ):
            yield node
