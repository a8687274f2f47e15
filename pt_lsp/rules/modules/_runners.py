"""The methods of a module class that run it, or one of its layers, on an input besides
``forward`` (a policy's ``sample(state)`` calling ``self(state)``): they meet the device of the
module's parameters as ``forward`` does."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr


def runners_of(ctx: FileContext, info: ClassInfo, init: Function, forward: Function) -> dict[int, str]:
    """The methods that run the module, or one of its layers, on an input (``self.forward(x)``,
    ``self(x)``, ``self.fc(x)``, as a policy's ``sample(state)`` does), by id, with what they
    run: they meet the device of the module's parameters, as ``forward`` does."""
    layers = _layers(ctx, info, init)
    found: dict[int, str] = {}
    for method in info.methods.values():
        if method is init or method is forward:
            continue
        for node in own_nodes(method):
            if not isinstance(node, ast.Call):
                continue
            if is_self_attr(node.func, "forward") or (isinstance(node.func, ast.Name) and node.func.id == "self"):
                found[id(method)] = "runs `forward`"
                break
            if is_self_attr(node.func) and node.func.attr in layers:
                found[id(method)] = f"runs the layer `self.{node.func.attr}`"
                break
    return found


def _layers(ctx: FileContext, info: ClassInfo, init: Function) -> set[str]:
    """The attributes ``__init__`` sets to a layer: a module class of torch.nn or of the file."""
    found: set[str] = set()
    for node in own_nodes(init):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0])):
            continue
        if not isinstance(node.value, ast.Call):
            continue
        qualname = ctx.qualname(node.value.func) or ""
        name = qualname.rsplit(".", 1)[-1]
        local = ctx.classes.get(node.value.func.id) if isinstance(node.value.func, ast.Name) else None
        if (qualname.startswith("torch.nn.") and name[:1].isupper() and "Parameter" not in name) or (
            local is not None and local.is_module and not qualname
        ):
            found.add(node.targets[0].attr)
    return found
