"""A layer handed to a helper of the file, for PTL203: ``def init_head(conv, prior):
conv.bias.fill_(prior)`` where every call of the file passes a torch layer made there
(``head = nn.Conv2d(16, 3, 1)``, ``init_head(head, -4.0)``). The ``weight`` and ``bias`` of such a
layer are parameters: changing them in place outside ``no_grad`` raises as on the layer itself."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import arguments_at_calls, instantiation_arguments, reaching_values
from pt_lsp.core.flow.values import Step

# Layers whose `weight` (and `bias`, unless `bias=False`) is a parameter whatever else is passed;
# the position `bias` takes among the positional arguments (None: no bias).
_LAYERS = {
    "torch.nn.Linear": 2,
    "torch.nn.Bilinear": 3,
    "torch.nn.Conv1d": 7,
    "torch.nn.Conv2d": 7,
    "torch.nn.Conv3d": 7,
    "torch.nn.ConvTranspose1d": 6,
    "torch.nn.ConvTranspose2d": 6,
    "torch.nn.ConvTranspose3d": 6,
    "torch.nn.Embedding": None,
}


def passed_layer_parameter(ctx: FileContext, expr: ast.Attribute) -> tuple[Step, ...] | None:
    """The places proving ``layer.weight`` / ``layer.bias`` a parameter, where ``layer`` is a
    parameter of the function around ``expr`` that the function never rebinds and every call of
    the file passes a layer of ``_LAYERS`` made in the caller (or ``model.fc.weight``, where it
    passes a local module whose ``__init__`` alone assigns ``self.fc`` such a layer); else None."""
    holder: ast.expr = expr.value
    member: str | None = None
    if expr.attr in ("weight", "bias") and _is_self_member(holder):
        return _stored_layer_parameter(ctx, expr)
    if expr.attr in ("weight", "bias") and isinstance(holder, ast.Call) and isinstance(holder.func, ast.Name):
        return _named_layer_parameter(ctx, expr, holder) if holder.func.id == "getattr" else None
    if isinstance(holder, ast.Attribute) and isinstance(holder.value, ast.Name):
        member, holder = holder.attr, holder.value  # `model.fc.weight`: a layer a local module keeps
    if expr.attr not in ("weight", "bias") or not isinstance(holder, ast.Name) or holder.id in ("self", "cls"):
        return None
    function = ctx.parent(expr)
    while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        function = ctx.parent(function)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    arguments = function.args
    if holder.id not in {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}:
        return None
    passed = arguments_at_calls(ctx, function, holder.id)
    if not passed:
        return None
    return _layers_passed(ctx, expr.attr, holder.id, passed, member)


def _named_layer_parameter(ctx: FileContext, expr: ast.Attribute, call: ast.Call) -> tuple[Step, ...] | None:
    """``getattr(net, "fc").bias`` (the name a literal, or a name bound only to that literal):
    ``net.fc``, where ``net`` is only ever a local module whose class assigns ``self.fc`` once, in
    ``__init__``, a layer of ``_LAYERS`` (``_kept_layer``)."""
    if len(call.args) != 2 or call.keywords or ctx.names.binding("getattr", call.func) is not None:
        return None
    owner, name = call.args
    names = reaching_values(ctx, name) if isinstance(name, ast.Name) else [name]
    literals = {n.value for n in names or () if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    if not isinstance(owner, ast.Name) or not names or len(literals) != 1 or len(names) != len(literals):
        return None
    member = literals.pop()
    made = reaching_values(ctx, owner)
    layer = _kept_layer(ctx, made[0], member) if made and len(made) == 1 and isinstance(made[0], ast.Call) else None
    qualname = ctx.qualname(layer.func) if layer is not None else None
    if layer is None or qualname not in _LAYERS or not _has(layer, expr.attr, _LAYERS[qualname]):
        return None
    kind = qualname.rsplit(".", 1)[-1]
    return (
        Step(layer, f"created here: the `{expr.attr}` of an `nn.{kind}` is a parameter"),
        Step(call, f"`{ast.unparse(call)}` is `{owner.id}.{member}` here"),
    )


def _is_self_member(holder: ast.expr) -> bool:
    return isinstance(holder, ast.Attribute) and isinstance(holder.value, ast.Name) and holder.value.id == "self"


def _stored_layer_parameter(ctx: FileContext, expr: ast.Attribute) -> tuple[Step, ...] | None:
    """``self.base.weight`` in a method of a class whose ``__init__`` alone binds ``self.base`` to
    one of its parameters (never rebound there), where every instantiation of the class in the
    file passes a layer of ``_LAYERS`` made in the caller (``LoRALinear(nn.Linear(6, 4))``)."""
    holder = expr.value
    assert isinstance(holder, ast.Attribute)
    cls = ctx.enclosing_class(expr)
    stored = _stored_parameters(ctx).get((id(cls), holder.attr)) if cls is not None else None
    if stored is None:
        return None
    init, name = stored
    passed = instantiation_arguments(ctx, init, name)
    if not passed:
        return None
    return _layers_passed(ctx, expr.attr, name, list(passed), None)


@PerFile
def _stored_parameters(ctx: FileContext) -> dict[tuple[int, str], tuple[ast.FunctionDef, str]]:
    """Per class (its id) and attribute: the ``__init__`` and the name of its parameter that the
    class's one store of ``self.<attribute>`` binds it to (``self.base = base``), where ``__init__``
    never rebinds that name. Once per file: each candidate site of a class would walk it again."""
    stores: dict[tuple[int, str], list[ast.Attribute]] = {}
    for node in ctx.index.of(ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "self" and not isinstance(node.ctx, ast.Load):
            cls = ctx.enclosing_class(node)
            if cls is not None:
                stores.setdefault((id(cls), node.attr), []).append(node)
    found: dict[tuple[int, str], tuple[ast.FunctionDef, str]] = {}
    for key, nodes in stores.items():
        assign = ctx.parent(nodes[0]) if len(nodes) == 1 else None
        init = ctx.parent(assign) if isinstance(assign, ast.Assign) else None
        if not (
            isinstance(assign, ast.Assign)
            and assign.targets == nodes
            and isinstance(assign.value, ast.Name)
            and isinstance(init, ast.FunctionDef)
            and init.name == "__init__"
            and id(ctx.parent(init)) == key[0]
        ):
            continue
        name = assign.value.id
        arguments = init.args
        if name in {a.arg for a in (*arguments.posonlyargs, *arguments.args[1:], *arguments.kwonlyargs)} and not any(
            isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) for n in ast.walk(init)
        ):
            found[key] = (init, name)
    return found


def _layers_passed(
    ctx: FileContext, attr: str, name: str, passed: list[ast.AST], member: str | None
) -> tuple[Step, ...] | None:
    """The steps proving that every value ``passed`` for ``name`` is a layer of ``_LAYERS`` (or a
    local module keeping one as ``self.<member>``) that has the parameter ``attr``."""
    steps: list[Step] = []
    for value in passed:
        made = (
            [value]
            if isinstance(value, ast.Call)
            else reaching_values(ctx, value)
            if isinstance(value, ast.Name)
            else None
        )
        if not made or len(made) != 1 or not isinstance(made[0], ast.Call):
            return None
        layer = made[0] if member is None else _kept_layer(ctx, made[0], member)
        if layer is None:
            return None
        qualname = ctx.qualname(layer.func)
        if qualname not in _LAYERS or not _has(layer, attr, _LAYERS[qualname]):
            return None
        kind = qualname.rsplit(".", 1)[-1]
        steps.append(Step(layer, f"created here: the `{attr}` of an `nn.{kind}` is a parameter"))
        steps.append(Step(value, f"passed as `{name}` here"))
    return tuple(steps[:4])


def _kept_layer(ctx: FileContext, made: ast.Call, member: str) -> ast.Call | None:
    """The layer ``self.<member>`` of the local ``nn.Module`` that ``made`` constructs, where its
    class assigns that attribute once, in ``__init__``, a call (``self.fc = nn.Linear(3, 3)``)."""
    if not isinstance(made.func, ast.Name) or ctx.qualname(made.func) is not None:
        return None
    info = ctx.classes.get(made.func.id)
    if info is None or not info.is_module or not isinstance(info.node, ast.ClassDef):
        return None
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, ast.expr]] = []
    for node in ast.walk(info.node):
        if isinstance(node, ast.Attribute) and node.attr == member and not isinstance(node.ctx, ast.Load):
            assign = ctx.parent(node)
            function = ctx.parent(assign) if isinstance(assign, ast.Assign) else None
            if not isinstance(assign, ast.Assign) or assign.targets != [node]:
                return None
            found.append((function if isinstance(function, ast.FunctionDef) else None, assign.value))
    if len(found) != 1 or found[0][0] is None or found[0][0].name != "__init__":
        return None
    value = found[0][1]
    return value if isinstance(value, ast.Call) else None


def _has(layer: ast.Call, attr: str, bias_at: int | None) -> bool:
    """The layer has that parameter: always its weight; its bias unless `bias=` is given as
    anything but a literal True (or positionally), or the layer has none."""
    if attr == "weight":
        return True
    if bias_at is None or len(layer.args) > bias_at or any(k.arg is None for k in layer.keywords):
        return False
    given = next((k.value for k in layer.keywords if k.arg == "bias"), None)
    return given is None or (isinstance(given, ast.Constant) and given.value is True)
