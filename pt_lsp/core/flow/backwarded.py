"""Which names of a scope reach a ``backward()`` there, read from the syntax: the names in the
backwarded expression, then, until nothing changes, the names in the values assigned to those.
A call that makes a value without a graph from its arguments (``torch.tensor([...])``, a NumPy
function, ``.item()``, ``.detach()``) cuts the chain.

``a, b = model(x)`` of a forward out of view: the first item is taken for the model's output,
which requires grad (audit-4 F3). Where another item reaches the scope's backward and the first
does not, the first is no more proven to be that output than the others (audit-14 G7c: a policy
gradient's ``ids, logprobs = model(...)``, the sampled ids converted, the log-probabilities
backwarded)."""

from __future__ import annotations

import ast

from ..context import FileContext, PerFile
from ..walk import own_nodes

CUT_METHODS = frozenset({"item", "tolist", "numpy", "detach", "size", "dim", "numel"})
CUT_FUNCTIONS = ("torch.tensor", "torch.as_tensor", "torch.from_numpy", "np.", "numpy.")

_MEMO: PerFile[dict[int, frozenset[str]]] = PerFile(lambda ctx: {})


def backwarded_names(ctx: FileContext, scope: ast.AST) -> frozenset[str]:
    """The names of ``scope`` (a function, or the module) whose values reach its backwards."""
    memo = _MEMO(ctx)
    if id(scope) in memo:
        return memo[id(scope)]
    reached: set[str] = set()
    assigned: list[tuple[set[str], ast.expr]] = []
    for node in own_nodes(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
            reached |= _names(node.func.value)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            stores = node.targets if isinstance(node, ast.Assign) else [node.target]
            assigned.append(({n.id for t in stores for n in ast.walk(t) if isinstance(n, ast.Name)}, node.value))
    changed = bool(reached)
    while changed:
        changed = False
        for targets, value in assigned:
            if targets & reached:
                more = _names(value) - reached
                if more:
                    reached |= more
                    changed = True
    memo[id(scope)] = frozenset(reached)
    return memo[id(scope)]


def _names(expr: ast.expr) -> set[str]:
    found: set[str] = set()
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and _cuts(node):
            continue
        if isinstance(node, ast.Name):
            found.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _cuts(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in CUT_METHODS:
        return True
    if isinstance(func, (ast.Name, ast.Attribute)):
        return ast.unparse(func).startswith(CUT_FUNCTIONS)
    return False
