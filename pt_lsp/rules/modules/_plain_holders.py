"""PTL301: a module kept inside a plain object (gpt-neox#267: the final projection's class did
not derive from `nn.Module`). ``self.final = FinalProjection(h, v)`` where ``FinalProjection``
is a class of the file or of another file of the project, no module, whose ``__init__`` makes
layers itself (``self.proj = nn.Linear(h, v)``): ``parameters()``, ``.to(device)`` and
``state_dict()`` never reach them through the plain object."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pt_lsp.core import vocabulary
from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr, methods_reached_from
from pt_lsp.rules.modules._registration_evidence import project_module_class

# Methods by which a holder handles what modules do itself (moves, parameters, lookups).
_HANDLES_ITSELF = {
    "to",
    "cuda",
    "cpu",
    "parameters",
    "named_parameters",
    "state_dict",
    "modules",
    "children",
    "_apply",
    "__getattr__",
    "__getattribute__",
}


@dataclass(frozen=True)
class PlainHolder:
    holder: str  # the plain class's name
    layer: str  # what its `__init__` makes, as written (`nn.Linear`)
    layer_attr: str  # the holder's attribute keeping it (`proj`)
    use: ast.AST  # where what `forward` reaches uses the module's attribute


def plain_holder(
    ctx: FileContext, info: ClassInfo, value: ast.expr, attr: str, forward: Function | None
) -> PlainHolder | None:
    """``value`` builds a plain holder of layers that ``forward`` (or what it reaches) uses
    through ``self.<attr>``, and the class reaches none of its layers another way."""
    if forward is None or not isinstance(value, ast.Call) or not isinstance(value.func, (ast.Name, ast.Attribute)):
        return None
    found = _holder_class(ctx, value.func)
    if found is None:
        return None
    other, holder = found
    init = holder.methods.get("__init__")
    if init is None or _HANDLES_ITSELF & set(holder.methods):
        return None
    made = _made_layer(other, init)
    if made is None:
        return None
    uses = [
        n
        for m in methods_reached_from(info, forward)
        for n in own_nodes(m)
        if is_self_attr(n, attr) and isinstance(n.ctx, ast.Load)
    ]
    if not uses or _reached_another_way(info, attr):
        return None
    layer, held = made
    return PlainHolder(holder.name, layer, held, uses[0])


def _holder_class(ctx: FileContext, func: ast.expr) -> tuple[FileContext, ClassInfo] | None:
    """A plain class (no bases but ``object``, no decorator, no metaclass) of this file, or of
    another file of the project read with its names."""
    info: ClassInfo | None = None
    other = ctx
    if isinstance(func, ast.Name) and ctx.names.resolve(func.id, func) is None:
        info = ctx.classes.get(func.id)
    elif ctx.project.enabled and not project_module_class(ctx, func):
        entity = ctx.project.imported_name(func)
        context = ctx.project.context_of(entity) if isinstance(entity, ast.ClassDef) else None
        if context is not None and isinstance(entity, ast.ClassDef):
            other, info = context, context.classes.get(entity.name)
            if info is not None and info.node is not entity:
                info = None
    if info is None or info.is_module or info.node.decorator_list or info.node.keywords:
        return None
    if any(not (isinstance(b, ast.Name) and b.id == "object") for b in info.node.bases):
        return None
    return other, info


def _made_layer(ctx: FileContext, init: Function) -> tuple[str, str] | None:
    """``(layer, attribute)``: an ``nn`` layer with state that ``init`` makes and keeps on
    ``self`` (``self.proj = nn.Linear(h, v)``)."""
    for node in own_nodes(init):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0])):
            continue
        call = node.value
        if not isinstance(call, ast.Call):
            continue
        qualname = ctx.qualname(call.func) or ""
        last = qualname.rsplit(".", 1)[-1]
        if not qualname.startswith("torch.nn.") or not last[:1].isupper() or qualname.count(".") != 2:
            continue
        if qualname in vocabulary.STATELESS_MODULES or last in ("Parameter", "Buffer", "Module"):
            continue
        if last.endswith("Loss") or last.startswith("Dropout"):
            continue  # nothing to train or move (a loss's `weight=` aside)
        target = node.targets[0]
        assert isinstance(target, ast.Attribute)
        return f"nn.{last}", target.attr
    return None


def _reached_another_way(info: ClassInfo, attr: str) -> bool:
    """The class hands the holder (or something of it) to a registering call or keeps a part of
    it as an attribute of its own: ``self.proj = self.final.proj``, ``nn.ModuleList([...])``."""
    for node in ast.walk(info.node):
        if isinstance(node, ast.Assign) and any(is_self_attr(t) for t in node.targets):
            if any(is_self_attr(n, attr) for n in ast.walk(node.value)) and not isinstance(node.value, ast.Call):
                return True
        if isinstance(node, ast.Call) and not is_self_attr(node.func, attr):
            if any(is_self_attr(n, attr) for a in node.args for n in ast.walk(a)):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if name in ("add_module", "register_module", "ModuleList", "ModuleDict", "Sequential", "setattr"):
                    return True
    return False
