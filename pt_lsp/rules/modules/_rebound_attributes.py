"""Attributes ``__init__`` binds more than once: a plain tensor then a method of itself
(``self.t = self.t.permute(2, 0, 1)``), a move that runs only when a parameter is given, or one
binding per exclusive branch (``if isinstance(alpha, list): self.alpha = torch.Tensor(alpha)`` /
``else: self.alpha = None``). Split from ``unregistered_buffer`` to keep those chains together."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.tensors import TENSOR_METHODS
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._dimensions import is_none
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr


def branch_assignments(ctx: FileContext, info: ClassInfo, init: Function) -> dict[str, list[ast.Assign]]:
    """``self.attr = value`` statements of ``__init__`` (in source order), by attribute, for
    attributes bound two or more times there, each in its own branch of an ``if`` (no two can run
    in one call), and bound nowhere else in the class."""
    found: dict[str, list[ast.Assign]] = {}
    for node in own_nodes(init):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0]):
            found.setdefault(node.targets[0].attr, []).append(node)
    return {
        attr: sorted(stmts, key=lambda s: (s.lineno, s.col_offset))
        for attr, stmts in found.items()
        if len(stmts) >= 2 and exclusive(ctx, stmts) and not set_elsewhere(info, init, attr, stmts)
    }


def enclosing_function(ctx: FileContext, node: ast.AST) -> ast.AST | None:
    scope = ctx.parent(node)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        scope = ctx.parent(scope)
    return scope


def exclusive(ctx: FileContext, stmts: list[ast.Assign]) -> bool:
    """No two of ``stmts`` run in one pass: for each pair, an ``if`` holds one in its body and
    the other in its ``else`` (an ``elif`` chain nests them so)."""
    sides = [_branch_sides(ctx, s) for s in stmts]
    return all(
        any(key in sides[j] and sides[j][key] != side for key, side in sides[i].items())
        for i in range(len(stmts))
        for j in range(i + 1, len(stmts))
    )


def _branch_sides(ctx: FileContext, stmt: ast.stmt) -> dict[int, bool]:
    """For each enclosing ``if`` up to the function: whether ``stmt`` is in its body (True) or its
    ``else`` (False)."""
    sides: dict[int, bool] = {}
    child: ast.AST = stmt
    parent = ctx.parent(stmt)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if isinstance(parent, ast.If) and child is not parent.test:
            sides[id(parent)] = any(child is s for s in parent.body)
        child, parent = parent, ctx.parent(parent)
    return sides


def moved_when_given(ctx: FileContext, init: Function, move: ast.Assign, attr: str) -> str | None:
    """The parameter ``p`` of ``__init__`` (default None) when ``move`` is ``self.attr =
    self.attr.to(...)`` (or ``.cuda(...)``) that runs only under an ``if`` testing ``p is not None``."""
    value = move.value
    if not (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("to", "cuda")
    ):
        return None
    if not is_self_attr(value.func.value, attr):
        return None
    defaults = dict(
        zip([a.arg for a in init.args.args][len(init.args.args) - len(init.args.defaults) :], init.args.defaults)
    )
    node: ast.AST | None = ctx.parent(move)
    while node is not None and node is not init:
        if isinstance(node, ast.If):
            tests = (
                node.test.values
                if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And)
                else [node.test]
            )
            for test in tests:
                if (
                    isinstance(test, ast.Compare)
                    and isinstance(test.left, ast.Name)
                    and len(test.ops) == 1
                    and isinstance(test.ops[0], ast.IsNot)
                    and is_none(test.comparators[0])
                    and test.left.id in defaults
                    and is_none(defaults[test.left.id])
                ):
                    return test.left.id
        node = ctx.parent(node)
    return None


def self_reads(value: ast.AST, attr: str) -> bool:
    return any(is_self_attr(n, attr) for n in ast.walk(value))


def method_of_itself(ctx: FileContext, value: ast.AST, attr: str) -> bool:
    """``self.t.permute(2, 0, 1)``, ``self.t.float().unsqueeze(0)``: tensor methods of ``self.t``."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS:
        if value.func.attr == "requires_grad_":
            return False
        value = value.func.value
    return is_self_attr(value, attr)


def set_elsewhere(info: ClassInfo, init: Function, attr: str, chain: list[ast.Assign]) -> bool:
    """``self.<attr>`` is bound anywhere but by ``chain`` (another method, a branch, unpacking,
    ``setattr``, ``register_buffer``)."""
    mine = {id(s) for s in chain}
    for method in info.methods.values():
        for node in ast.walk(method):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and id(node) not in mine:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(is_self_attr(t, attr) for n in targets for t in ast.walk(n)):
                    return True
            elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in ("register_buffer", "register_parameter", "setattr", "delattr"):
                    return True
    return False
