"""Layers a method makes once and a decorator of the file keeps on the module (PTL304).

``@singleton("projector")`` over ``def _get_projector(self, hidden): return nn.Linear(...)``,
where the file's ``singleton(key)`` wraps the method in a function that returns
``getattr(self, key)`` when it is set and otherwise calls the method and ``setattr(self, key,
result)``: the layer the method returns is made on the first call only and registered on the
module as ``self.projector``, the lazy initialisation pattern written as a decorator. Also: a
module whose ``__init__`` calls its own ``forward`` (a mock pass that creates such layers before
any optimizer can be built).
"""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import name_uses, reaching_values
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import Function

# methods of a module that return the same module (``layer.to(hidden)``)
_SAME_MODULE = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "requires_grad_"}
_CONTAINERS = {"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"}


def caching_key(ctx: FileContext, method: Function) -> str | None:
    """``"projector"`` for a method decorated with ``@factory("projector")`` where ``factory`` is
    a module-level function of this file that caches the method's result on ``self`` under that
    name (see the module's docstring); None otherwise."""
    for decorator in method.decorator_list:
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Name)
            and len(decorator.args) == 1
            and not decorator.keywords
            and isinstance(decorator.args[0], ast.Constant)
            and isinstance(decorator.args[0].value, str)
        ):
            continue
        factories = [s for s in ctx.tree.body if isinstance(s, ast.FunctionDef) and s.name == decorator.func.id]
        binding = ctx.names.binding(decorator.func.id, decorator.func)
        if len(factories) == 1 and binding is not None and binding.qualname is None and _caches_on_self(factories[0]):
            return decorator.args[0].value
    return None


def _caches_on_self(factory: ast.FunctionDef) -> bool:
    """``def factory(key): def inner(fn): def wrapper(self, *args): ...; return wrapper; return
    inner``, where ``wrapper`` returns early under an ``if`` after reading ``getattr(self, key)``
    (or ``hasattr``), then calls ``fn(self, ...)`` and stores its result by ``setattr(self, key,
    result)``."""
    if len(factory.args.args) != 1:
        return False
    key = factory.args.args[0].arg
    inner = _returned_function(factory)
    if inner is None or len(inner.args.args) != 1:
        return False
    fn = inner.args.args[0].arg
    wrapper = _returned_function(inner)
    if wrapper is None or not wrapper.args.args:
        return False
    this = wrapper.args.args[0].arg
    read = stored = called = early = False
    for stmt in wrapper.body:
        if not called and isinstance(stmt, ast.If) and any(isinstance(s, ast.Return) for s in stmt.body):
            early = (
                early
                or read
                or any(_attribute_access(n, this, key, ("getattr", "hasattr")) for n in ast.walk(stmt.test))
            )
        for node in [stmt, *own_nodes(stmt)]:
            if _attribute_access(node, this, key, ("getattr", "hasattr")):
                read = True
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == fn
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == this
            ):
                called = True
            elif called and _attribute_access(node, this, key, ("setattr",)):
                stored = True
    return early and called and stored


def _returned_function(function: ast.FunctionDef) -> ast.FunctionDef | None:
    """The function ``function`` defines in its body and returns by name (its last statement)."""
    last = function.body[-1] if function.body else None
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Name)):
        return None
    name = last.value.id
    found = [s for s in function.body if isinstance(s, ast.FunctionDef) and s.name == name]
    return found[0] if len(found) == 1 else None


def _attribute_access(node: ast.AST, this: str, key: str, functions: tuple[str, ...]) -> bool:
    """``getattr(this, key)`` (or another of ``functions``), the key being the factory's parameter."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in functions
        and len(node.args) >= 2
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == this
        and isinstance(node.args[1], ast.Name)
        and node.args[1].id == key
    )


def returned(ctx: FileContext, call: ast.Call, method: Function, depth: int = 0) -> bool:
    """The layer ``call`` makes is what ``method`` returns: in the returned expression
    (``return nn.Linear(...).to(x)``), or through local names and containers that the return
    reads (``fc = nn.Linear(...)``, ``head = nn.Sequential(fc, act)``, ``return head``)."""
    node: ast.AST = call
    parent = ctx.parent(node)
    while parent is not None and _keeps_module(ctx, node, parent):
        node, parent = parent, ctx.parent(parent)
    if isinstance(parent, ast.Return) and parent.value is node:
        return True
    if depth > 3 or not (
        isinstance(parent, ast.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0], ast.Name)
    ):
        return False
    start, end = (method.lineno, method.col_offset), (method.end_lineno or 0, method.end_col_offset or 0)
    for use in name_uses(ctx, parent.targets[0].id):
        if not (isinstance(use.ctx, ast.Load) and start <= (use.lineno, use.col_offset) <= end):
            continue
        if not any(v is node for v in reaching_values(ctx, use) or ()):
            continue
        if _reaches_return(ctx, use, method, depth):
            return True
    return False


def _reaches_return(ctx: FileContext, use: ast.Name, method: Function, depth: int) -> bool:
    node: ast.AST = use
    parent = ctx.parent(node)
    while parent is not None and _keeps_module(ctx, node, parent):
        node, parent = parent, ctx.parent(parent)
    if isinstance(parent, ast.Return) and parent.value is node:
        return True
    if isinstance(node, ast.Call) and isinstance(parent, ast.Assign):
        return returned(ctx, node, method, depth + 1)  # `head = nn.Sequential(fc, act)`
    return False


def _keeps_module(ctx: FileContext, node: ast.AST, parent: ast.AST) -> bool:
    """``parent`` is the same module as ``node`` (``node.to(x)``) or a container holding it
    (``nn.Sequential(node, ...)``, ``[node, act]``)."""
    if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr in _SAME_MODULE:
        grand = ctx.parent(parent)
        return isinstance(grand, ast.Call) and grand.func is parent
    if isinstance(parent, ast.Call) and parent.func is node:
        return isinstance(node, ast.Attribute) and node.attr in _SAME_MODULE
    if isinstance(parent, (ast.List, ast.Tuple, ast.Starred)):
        return True
    return isinstance(parent, ast.Call) and node in parent.args and ctx.qualname(parent.func) in _CONTAINERS


def runs_forward_in_init(info: ClassInfo) -> bool:
    """The class's ``__init__`` calls ``self.forward(...)`` or ``self(...)``: layers that
    ``forward`` creates lazily exist once the module is built."""
    init = info.method("__init__")
    if init is None:
        return False
    for node in own_nodes(init):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "self":
            return True
        if isinstance(func, ast.Attribute) and func.attr == "forward" and isinstance(func.value, ast.Name):
            if func.value.id == "self":
                return True
    return False
