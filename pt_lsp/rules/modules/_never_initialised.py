"""PTL303's evidence that a module class's `__init__` never runs `nn.Module.__init__` at all
(no `super().__init__()`, no `Base.__init__(self)`), while it only sets plain attributes: the
assignments work, but every use of the instance as a module then raises AttributeError."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr

# Hooks of class creation or instantiation that may run the base initialiser some other way.
_CREATION_HOOKS = {"__new__", "__init_subclass__", "__class_getitem__"}


def never_initialised(info: ClassInfo, init: Function, classes: list[ClassInfo]) -> bool:
    """``init`` (with the methods of the class it calls on ``self``) calls no ``__init__``, no
    ``super()`` and touches no ``__dict__``; the class is a plain statement (no decorator, no
    metaclass) with a ``forward`` of its own, and no class of the file it derives from defines a
    creation hook, and no class of the file derives from it. Its instances then have no
    ``_parameters``/``_modules``/hook tables."""
    node = info.node
    if node.decorator_list or node.keywords or "forward" not in info.methods:
        return False
    if _stub(init) or _stub(info.methods["forward"]):
        return False  # an exercise's template (`def __init__(...): pass`), not code that runs
    if any(info in other.local_bases for other in classes):
        return False  # a mixin: a subclass may run each base's `__init__` itself (botorch's samplers)
    pending: list[ClassInfo] = [info]
    visited: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if _CREATION_HOOKS & set(current.methods):
            return False
        pending.extend(current.local_bases)
    seen: list[ast.AST] = [init]
    index = 0
    while index < len(seen):
        for sub in ast.walk(seen[index]):
            if isinstance(sub, ast.Attribute) and sub.attr in ("__init__", "__dict__", "__setattr__"):
                return False
            if isinstance(sub, ast.Name) and sub.id in ("super", "setattr", "object"):
                return False
            if isinstance(sub, ast.Call) and is_self_attr(sub.func):
                helper = info.methods.get(sub.func.attr)
                if helper is not None and helper not in seen:
                    seen.append(helper)
        index += 1
    return True


def _stub(function: Function) -> bool:
    """A body of only a docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    for stmt in function.body:
        if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            continue
        if isinstance(stmt, ast.Raise):
            continue
        return False
    return True
