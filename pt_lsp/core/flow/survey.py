"""A cheap look at a file deciding which functions the interpreter needs to run.

Most functions of a large code base cannot produce a flow fact any rule asks for: only
functions that mention a trigger (``.backward``, ``.numpy``, ``.data``, ...) are analysed,
plus the functions of this file that call them (to see the arguments they receive). Built from
the shared node index: no walk of its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..walk import NodeIndex
from ..walk import attr_path as _path

# Attribute and function names whose values rules ask about. Extend when a rule needs flow
# facts at another kind of expression.
TRIGGERS = frozenset({"backward", "grad", "numpy", "data", "asarray", "array", "asanyarray", "item", "tolist"})
BACKWARD_CALLS = frozenset({"backward", "grad"})
MODULE_ONLY_METHODS = frozenset({"parameters", "named_parameters"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class FunctionSurvey:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: ast.ClassDef | None  # the class whose body defines it (a method)
    triggered: bool = False
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

    # the lines that mention a trigger, collected first (a comprehension: most nodes mention none)
    mentions = {attribute.lineno for attribute in index.of(ast.Attribute) if attribute.attr in TRIGGERS}
    mentions.update(name.lineno for name in index.of(ast.Name) if name.id in TRIGGERS)
    for line in mentions:
        if line in innermost:
            innermost[line].triggered = True
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
    names = {f.node.name for f in functions if f.triggered}
    changed = True
    while changed:  # callers of triggered functions are analysed too
        changed = False
        for function in functions:
            if not function.triggered and function.calls & names:
                function.triggered = changed = True
                names.add(function.node.name)
    return functions, frozenset(module_paths), innermost
