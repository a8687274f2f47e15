"""One cheap pass over a file deciding which functions the interpreter needs to run.

Most functions of a large code base cannot produce a flow fact any rule asks for: only
functions that mention a trigger (``.backward``, ``.numpy``, ``.data``, ...) are analysed,
plus the functions of this file that call them (to see the arguments they receive).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Attribute and function names whose values rules ask about. Extend when a rule needs flow
# facts at another kind of expression.
TRIGGERS = frozenset({"backward", "grad", "numpy", "data", "asarray", "array", "asanyarray", "item", "tolist"})
MODULE_ONLY_METHODS = frozenset({"parameters", "named_parameters"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class FunctionSurvey:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: ast.ClassDef | None  # the class whose body defines it (a method)
    triggered: bool = False
    calls: set[str] = field(default_factory=set)  # simple names and method names it calls
    module_params: set[str] = field(default_factory=set)  # parameters used as nn.Modules
    params: frozenset[str] = frozenset()


def survey(tree: ast.Module) -> tuple[list[FunctionSurvey], frozenset[str]]:
    """Every function with what it mentions, from one walk of the tree; and the variable
    paths (``model``, ``self.model``) whose ``.parameters()`` are used: only an ``nn.Module``
    has them, so those hold modules wherever their class is not known."""
    functions: list[FunctionSurvey] = []
    module_paths: set[str] = set()
    aliases: list[tuple[str, str]] = []  # (target, value) of `self.model = model`
    stack: list[tuple[ast.AST, FunctionSurvey | None]] = [(tree, None)]
    while stack:
        node, current = stack.pop()
        for name in node._fields:
            value = getattr(node, name, None)
            items = value if isinstance(value, list) else (value,)
            for child in items:
                if not isinstance(child, ast.AST):
                    continue
                if isinstance(child, _FUNCTIONS):
                    owner = node if isinstance(node, ast.ClassDef) else None
                    arguments = child.args
                    found = FunctionSurvey(child, owner, params=frozenset(
                        a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)))
                    functions.append(found)
                    stack.append((child, found))
                    continue
                if current is not None:
                    _note(child, current)
                if isinstance(child, ast.Assign) and len(child.targets) == 1:
                    target, value = _path(child.targets[0]), _path(child.value)
                    if target and value:
                        aliases.append((target, value))
                if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) \
                        and child.func.attr in MODULE_ONLY_METHODS:
                    path = _path(child.func.value)
                    if path:
                        module_paths.add(path)
                stack.append((child, current))
    for _ in range(3):  # `self.model = model` where `model.parameters()` is used
        module_paths.update(target for target, value in aliases if value in module_paths)
    names = {f.node.name for f in functions if f.triggered}
    changed = True
    while changed:  # callers of triggered functions are analysed too
        changed = False
        for function in functions:
            if not function.triggered and function.calls & names:
                function.triggered = changed = True
                names.add(function.node.name)
    return functions, frozenset(module_paths)


def _path(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _note(node: ast.AST, function: FunctionSurvey) -> None:
    if isinstance(node, ast.Attribute):
        if node.attr in TRIGGERS:
            function.triggered = True
    elif isinstance(node, ast.Name):
        if node.id in TRIGGERS:
            function.triggered = True
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            function.calls.add(func.id)
        elif isinstance(func, ast.Attribute):
            function.calls.add(func.attr)
            if func.attr in MODULE_ONLY_METHODS and isinstance(func.value, ast.Name) \
                    and func.value.id in function.params:
                function.module_params.add(func.value.id)
