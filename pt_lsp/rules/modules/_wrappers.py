"""Containers that wrap modules the class registers already (audit-16 G3).

``self.seq_list = [nn.Sequential(m) for m in self.features]`` keeps new ``nn.Sequential``
objects in a plain list, but they hold no parameter of their own: each wraps a module of
``self.features``, which registers it. ``parameters()``, ``.to(device)`` and ``state_dict()``
reach every weight the list's wrappers use, so the plain list misses nothing."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.vocabulary import STATELESS_MODULES
from pt_lsp.rules.modules._module_evidence import is_self_attr

WRAPPERS = frozenset({"torch.nn.Sequential", "torch.nn.ModuleList"})
# methods of a registered module that hand out its own submodules
_SUBMODULES = frozenset({"children", "modules", "values"})


def wraps_registered(ctx: FileContext, call: ast.Call) -> bool:
    """``nn.Sequential(self.conv, nn.ReLU())``, ``nn.Sequential(m)`` with ``m`` from a
    comprehension over ``self.features``: a container of registered or parameter-free modules."""
    if call.keywords or ctx.qualname(call.func) not in WRAPPERS:
        return False
    parts = call.args
    if len(parts) == 1 and isinstance(parts[0], (ast.List, ast.Tuple)):
        parts = parts[0].elts  # `nn.ModuleList([self.a, self.b])`
    return bool(parts) and all(_registered(ctx, part) or _parameter_free(ctx, part) for part in parts)


def _registered(ctx: FileContext, expr: ast.expr) -> bool:
    """An attribute of ``self`` (or an item of one), which a wrapper accepts only where it is a
    module the class registers (a list or a tensor raises), or a comprehension's name iterating one."""
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    if is_self_attr(expr):
        return True
    if not isinstance(expr, ast.Name):
        return False
    iterated = _comprehension_iterable(ctx, expr)
    if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute) and not iterated.args:
        if iterated.func.attr in _SUBMODULES:
            iterated = iterated.func.value  # `self.features.children()`
    return iterated is not None and is_self_attr(iterated)


def _comprehension_iterable(ctx: FileContext, name: ast.Name) -> ast.expr | None:
    """What the comprehension enclosing ``name`` iterates where one of its generators binds it."""
    node = ctx.parent(name)
    while node is not None and not isinstance(node, ast.stmt):
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            for generator in node.generators:
                if isinstance(generator.target, ast.Name) and generator.target.id == name.id:
                    return generator.iter
        node = ctx.parent(node)
    return None


def _parameter_free(ctx: FileContext, expr: ast.expr) -> bool:
    return isinstance(expr, ast.Call) and ctx.qualname(expr.func) in STATELESS_MODULES
