"""Tensors bound in a module class's body (``grid = torch.linspace(0, 1, 8)``) and read as
``self.grid``: one CPU tensor shared by every instance, which no ``model.to(device)`` moves."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import is_self_attr
from pt_lsp.rules.modules._tensor_makers import plain_tensor


def class_body_tensors(ctx: FileContext, info: ClassInfo) -> Iterator[tuple[str, ast.Assign]]:
    """``name = <plain tensor>`` statements of the class body whose name no method of the class
    assigns or registers (an instance attribute set there would hide the class's)."""
    for stmt in info.node.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if plain_tensor(ctx, stmt.value) and not _set_by_a_method(info, name):
            yield name, stmt


def _set_by_a_method(info: ClassInfo, name: str) -> bool:
    for method in info.methods.values():
        for node in own_nodes(method):
            if isinstance(node, ast.Attribute) and is_self_attr(node, name) and not isinstance(node.ctx, ast.Load):
                return True
            if isinstance(node, ast.Call) and any(isinstance(a, ast.Constant) and a.value == name for a in node.args):
                return True  # `self.register_buffer("grid", ...)`, `setattr(self, "grid", ...)`
    return False
