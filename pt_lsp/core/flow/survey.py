"""A cheap look at a file before the interpreter runs any function of it: each function's owner
class, the functions it calls (the interpreter analyses a function with its callers, to see the
arguments they receive), whether it may backward, and the innermost function of each line (where
a rule's question about a node is answered). Functions are analysed when a rule first asks about
one of their nodes. Built from the shared node index: no walk of its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..walk import NodeIndex
from ..walk import attr_path as _path

BACKWARD_CALLS = frozenset({"backward", "grad"})
MODULE_ONLY_METHODS = frozenset({"parameters", "named_parameters"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class FunctionSurvey:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: ast.ClassDef | None  # the class whose body defines it (a method)
    backwards: bool = False  # calls backward() or autograd.grad(): analysed for events
    calls: set[str] = field(default_factory=set)  # functions `f(...)` and methods `self.m(...)` it calls
    module_params: set[str] = field(default_factory=set)  # parameters used as nn.Modules
    params: frozenset[str] = frozenset()


def survey(index: NodeIndex) -> tuple[list[FunctionSurvey], frozenset[str], dict[int, FunctionSurvey]]:
    """Every function with what it mentions; the variable paths (``model``, ``self.model``)
    whose ``.parameters()`` are used (only an ``nn.Module`` has them, so those hold modules
    wherever their class is not known); and the innermost function of each line."""
    owners = {id(stmt): cls for cls in index.of(ast.ClassDef) for stmt in cls.body if isinstance(stmt, _FUNCTIONS)}
    functions = []
    definitions: list[ast.FunctionDef | ast.AsyncFunctionDef] = [
        *index.of(ast.FunctionDef),
        *index.of(ast.AsyncFunctionDef),
    ]
    for definition in sorted(definitions, key=lambda f: f.lineno):
        arguments = definition.args
        functions.append(
            FunctionSurvey(
                definition,
                owners.get(id(definition)),
                params=frozenset([a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]),
            )
        )
    # The innermost function of each line: nested functions start later and overwrite.
    innermost: dict[int, FunctionSurvey] = {}
    for function in functions:
        lines = range(function.node.body[0].lineno, (function.node.end_lineno or function.node.lineno) + 1)
        innermost.update(dict.fromkeys(lines, function))

    module_paths: set[str] = set()
    for call in index.of(ast.Call):
        func, caller = call.func, innermost.get(call.lineno)
        callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if caller is not None and callee in BACKWARD_CALLS:
            caller.backwards = True
        if isinstance(func, ast.Name):
            if caller is not None:
                caller.calls.add(func.id)
        elif isinstance(func, ast.Attribute):
            if caller is not None and isinstance(func.value, ast.Name) and func.value.id == "self":
                caller.calls.add(func.attr)  # self.helper(): a method of this class
            if func.attr in MODULE_ONLY_METHODS:
                path = _path(func.value)
                if path:
                    module_paths.add(path)
                    if caller is not None and path in caller.params:
                        caller.module_params.add(path)
    if module_paths:  # (aliases add to known paths only)
        found = [(_path(a.targets[0]), _path(a.value)) for a in index.of(ast.Assign) if len(a.targets) == 1]
        aliases = [(target, value) for target, value in found if target and value]
        for _ in range(3):  # `self.model = model` where `model.parameters()` is used
            module_paths.update(target for target, value in aliases if value in module_paths)
    return functions, frozenset(module_paths), innermost
