"""The syntax the leaf evidence (``_leaves.py``) reads: the tensor a view is of, the name a
``w.requires_grad = True`` sets, the block that holds a statement, the names a statement binds,
a loop over a model's parameters."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.flow.indexing import basic_index
from pt_lsp.core.walk import target_names
from pt_lsp.rules.autograd._frozen_parameters import _literal

# Tensor methods that always return a view of their receiver (sharing its memory).
VIEW_METHODS = frozenset(
    "view view_as t transpose permute squeeze unsqueeze narrow select expand expand_as diagonal unflatten".split()
)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _view_base(value: ast.expr) -> ast.expr:
    """The tensor ``value`` is a view of through view methods (``w.view(3, -1)``, ``w.t()``) and
    basic indexing by literals (``bias[:255].view(3, -1)``, ``w[0]``), or ``value`` itself. Not
    ``reshape``/``flatten``: they copy a tensor that is not contiguous; nor an index by a name or
    a tensor (``w[idx]`` may gather: a copy)."""
    while True:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in VIEW_METHODS:
            value = value.func.value
        elif isinstance(value, ast.Subscript) and basic_index(value.slice):
            value = value.value
        else:
            return value


def _flag_target(node: ast.Assign) -> str | None:
    """``w.requires_grad = True``: ``w``."""
    if len(node.targets) != 1 or not _literal(node.value, True):
        return None
    target = node.targets[0]
    if isinstance(target, ast.Attribute) and target.attr == "requires_grad" and isinstance(target.value, ast.Name):
        return target.value.id
    return None


def _block_of(ctx: FileContext, stmt: ast.stmt) -> tuple[ast.AST, list[ast.stmt]] | None:
    """The statement (or module) and the statement list that hold ``stmt``."""
    parent = ctx.parent(stmt)
    if parent is None:
        return None
    for field_name in ("body", "orelse", "finalbody"):
        statements = getattr(parent, field_name, None)
        if isinstance(statements, list) and any(s is stmt for s in statements):
            return parent, statements
    return None


def _bound_names(node: ast.AST) -> set[str]:
    """The names ``node`` binds in its scope, for the kinds of binding :meth:`LeafEvidence._name_leaf` reads."""
    if isinstance(node, ast.Assign):
        return {name for target in node.targets for name in target_names(target)}
    if isinstance(node, (ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.comprehension)):
        return set(target_names(node.target))
    if isinstance(node, ast.withitem):
        return set(target_names(node.optional_vars)) if node.optional_vars is not None else set()
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return set(node.names)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names}
    if isinstance(node, (*_NESTED[:2], ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    return set()


def _iterates_parameters(target: ast.AST, iterable: ast.AST, name: str) -> bool:
    """``for p in model.parameters()`` / ``for n, p in model.named_parameters()``."""
    if not (isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute)):
        return False
    if iterable.func.attr == "parameters":
        return isinstance(target, ast.Name) and target.id == name
    if iterable.func.attr == "named_parameters" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
        second = target.elts[1]
        return isinstance(second, ast.Name) and second.id == name
    return False


REGISTERS = ("register_buffer", "register_parameter", "setattr")


def registered_attribute(call: ast.Call) -> tuple[str, ast.expr | None] | None:
    """``self.register_parameter("alpha", p)`` / ``setattr(self, "alpha", p)``: the attribute name
    and the value stored (None for ``register_buffer``: a buffer); None where the name is not a
    string literal on ``self`` (any attribute may be meant)."""
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    args = call.args if method != "setattr" else call.args[1:]
    owner = func.value if isinstance(func, ast.Attribute) else call.args[0] if call.args else None
    if method not in REGISTERS or not (isinstance(owner, ast.Name) and owner.id == "self") or len(args) != 2:
        return None
    if call.keywords or not (isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
        return None
    return args[0].value, (None if method == "register_buffer" else args[1])
