"""What ``torch.autograd.grad(loss, inputs)`` cannot reach: autograd runs only the nodes on a
path from the outputs to the inputs, so a subgraph built before the loop from modules none of
whose parameters are among the inputs is never run, and never freed (audit-19 G4). A MAML inner
loop takes ``grad(loss, fast_weights)`` of a head over features a backbone made once before the
loop: every step runs, though the features' graph is backwarded into again and again. Asking for
the backbone's parameters too runs (and frees) that subgraph: the second step raises.

The inputs are read from the source: ``X.parameters()`` (also in ``list(...)``, ``[*...]``, sums
of lists), a name bound only to such values in the function, or to fast weights computed from
itself (``fast = [w - lr * g for w, g in zip(fast, grads)]``). Anything else: unknown, and every
node stays freed as before."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from ..walk import attr_path, own_nodes
from .lattice import GraphNode
from .values import Value

_PARAMETER_METHODS = frozenset({"parameters"})
MAX_DEPTH = 3


def input_modules(expr: ast.expr, scope: ast.AST, depth: int = 0) -> frozenset[str] | None:
    """The modules whose parameters ``expr`` (the inputs of a ``grad`` call in ``scope``) are,
    or None where it may hold anything else."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _PARAMETER_METHODS:
        owner = attr_path(expr.func.value)
        return frozenset({owner}) if owner is not None and not expr.args else None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("list", "tuple"):
        return input_modules(expr.args[0], scope, depth + 1) if len(expr.args) == 1 and not expr.keywords else None
    if isinstance(expr, (ast.List, ast.Tuple)):
        parts = [e.value if isinstance(e, ast.Starred) else e for e in expr.elts]
        return _union(input_modules(part, scope, depth + 1) for part in parts)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _union([input_modules(expr.left, scope, depth + 1), input_modules(expr.right, scope, depth + 1)])
    if isinstance(expr, ast.Name):
        values = _bindings(scope, expr.id)
        if values is None:
            return None
        found = [input_modules(v, scope, depth + 1) for v in values if not _derived_from(v, expr.id)]
        return _union(found) if found else None
    return None


def unreachable(outputs: Value, env: Iterable[Value], modules: frozenset[str], before: int) -> frozenset[GraphNode]:
    """The nodes of ``outputs`` the inputs (parameters of ``modules``) cannot be behind: those of
    a value held before this pass (every node's uid up to ``before``) made where nothing of
    ``modules`` is named (``backbone(x)``, ``feats.view(n, -1)``, ``torch.stack(rows)``)."""
    found: set[GraphNode] = set()
    named: dict[int, bool] = {}  # id(site) -> whether it names one of the modules: once per site
    for value in env:
        history = value.history
        if not history or not history <= outputs.history or any(node.uid > before for node in history):
            continue
        for node in history:
            if id(node.site) not in named:
                named[id(node.site)] = _names(node.site, modules)
        if not any(named[id(node.site)] for node in history):
            found |= history
    return frozenset(found)


def _names(site: object, modules: frozenset[str]) -> bool:
    """Whether the expression ``site`` names one of ``modules``, a module inside one or one
    holding one (``self.al_net``, ``self.al_net.fc``, ``self``); unknown sites do."""
    if not isinstance(site, ast.AST):
        return True
    inner = {id(node.value) for node in ast.walk(site) if isinstance(node, ast.Attribute)}
    for node in ast.walk(site):
        if id(node) in inner or not isinstance(node, (ast.Name, ast.Attribute)):
            continue  # `self` of `self.net` is not named by itself
        path = attr_path(node)
        if path is not None and _overlap(frozenset({path}), modules):
            return True
    return False


def _overlap(paths: frozenset[str], modules: frozenset[str]) -> bool:
    """A module among ``paths`` is one of ``modules``, inside one, or holds one."""
    return any(p == m or p.startswith(m + ".") or m.startswith(p + ".") for p in paths for m in modules)


def _union(parts: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    return frozenset(found)


def _bindings(scope: ast.AST, name: str) -> list[ast.expr] | None:
    """The values ``name`` is assigned in ``scope`` (None where it is bound otherwise too: a
    parameter, a loop target, an augmented or unpacking assignment)."""
    values: list[ast.expr] = []
    direct: set[int] = set()
    stores: list[ast.Name] = []
    for node in own_nodes(scope):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id == name:
                values.append(node.value)
                direct.add(id(target))
        elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, (ast.Store, ast.Del)):
            stores.append(node)
        elif isinstance(node, ast.arg) and node.arg == name:
            return None
    return values if all(id(store) in direct for store in stores) else None


def _derived_from(value: ast.expr, name: str) -> bool:
    """Fast weights computed from ``name`` itself: a comprehension over it (or a ``zip`` of it),
    or ``list(map(f, zip(grads, name)))``."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple"):
        inner = value.args[0] if len(value.args) == 1 else None
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "map":
            return any(isinstance(n, ast.Name) and n.id == name for arg in inner.args[1:] for n in ast.walk(arg))
        return False
    if not isinstance(value, (ast.ListComp, ast.GeneratorExp)) or len(value.generators) != 1:
        return False
    iterated = value.generators[0].iter
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(iterated))
