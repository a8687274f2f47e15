"""PTL304's models of other files: ``model = LiquidCell(16)`` where ``LiquidCell`` is an
``nn.Module`` class of another file of the project (LiqudNet#6: the cell builds its parameters
on the first call of ``forward``; ``train.py`` builds the optimizer before that call)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Finding
from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._cached_layers import runs_forward_in_init
from pt_lsp.rules.modules._module_evidence import Function, methods_reached_from

if TYPE_CHECKING:
    from pt_lsp.rules.modules.layer_created_in_forward import LayerCreatedInForward

# (ctx, info, forward, imported name) -> (model name, construction, optimizer) or None
Early = Callable[[FileContext, ClassInfo, Function, str], "tuple[str, ast.Call, ast.Call] | None"]

# Module methods returning the module itself: `LiquidCell(16).to(device)` is still the model.
SAME_MODEL = {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "type"}


def imported_models(ctx: FileContext) -> Iterator[tuple[str, FileContext, ClassInfo, Function]]:
    """``(name, context, class, forward)`` for each module class of another file of the project
    that an assignment of this file constructs (by the name the import binds), once per class;
    a class whose ``__init__`` runs ``forward`` (a mock pass) is left out."""
    if not ctx.project.enabled:
        return
    seen: set[int] = set()
    for stmt in ctx.index.of(ast.Assign):
        value = stmt.value
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in SAME_MODEL:
            value = value.func.value
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
            continue
        entity = ctx.project.imported_name(value.func)
        if not isinstance(entity, ast.ClassDef) or id(entity) in seen:
            continue
        seen.add(id(entity))
        other = ctx.project.context_of(entity)
        info = other.classes.get(entity.name) if other is not None else None
        if other is None or info is None or info.node is not entity or not info.is_module:
            continue
        forward = info.method("forward")
        if forward is None or runs_forward_in_init(info):
            continue
        yield value.func.id, other, info, forward


def imported_lazy(rule: LayerCreatedInForward, ctx: FileContext, early: Early) -> Iterator[Finding]:
    """A model of a class of another file that makes its layers lazily in ``forward``,
    whose optimizer this file builds before the model's first call (LiqudNet#6)."""
    for name, other, info, forward in imported_models(ctx):
        lazy = [
            (node, target, method)
            for method in methods_reached_from(info, forward)
            for node in own_nodes(method)
            if isinstance(node, ast.Call)
            and rule.parameterised(other, node)
            and (target := rule.attribute_target(other, node)) is not None
            and (method is not forward or rule.guarded(other, node, forward))
        ]
        found = early(ctx, info, forward, name) if lazy else None
        if found is None:
            continue
        model, instance, optimizer = found
        call, target, method = min(lazy, key=lambda t: (t[0].lineno, t[0].col_offset))
        layer = (other.qualname(call.func) or "nn.layer").rsplit(".", 1)[-1]
        where = PurePath(str(other.path)).name
        message = (
            f"the optimizer is built from `{model}.parameters()` before `{model}`'s first call, but"
            f" `{info.name}` ({where}) creates `self.{target.attr}` (`nn.{layer}`) in"
            f" {'`forward`' if method is forward else f'`{method.name}` (called from `forward`)'} on its first"
            " call: the optimizer never updates it (with no other parameters, it raises 'optimizer got an empty"
            " parameter list'); build the optimizer after a first forward pass, or create it in `__init__`"
        )
        steps = [
            Step(instance, f"`{model}` is built here, without `self.{target.attr}` (made by its first call)"),
            Step(optimizer, f"the optimizer takes `{model}`'s parameters here, before `forward` has run"),
        ]
        yield rule.report(ctx, optimizer, message, related=evidence_path(ctx, steps))
