"""Layers without parameters whose behaviour `train()`/`eval()` switch (dropout, `nn.RReLU`),
made and applied inside `forward`: a new module starts in training mode, and `model.eval()` only
reaches the submodules the model registered, so inference keeps dropping activations."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import Function

# each layer and the functional form that follows the module's mode
MODE_LAYERS = {
    "torch.nn.Dropout": "F.dropout(x, p, training=self.training)",
    "torch.nn.Dropout1d": "F.dropout1d(x, p, training=self.training)",
    "torch.nn.Dropout2d": "F.dropout2d(x, p, training=self.training)",
    "torch.nn.Dropout3d": "F.dropout3d(x, p, training=self.training)",
    "torch.nn.AlphaDropout": "F.alpha_dropout(x, p, training=self.training)",
    "torch.nn.FeatureAlphaDropout": "F.feature_alpha_dropout(x, p, training=self.training)",
    "torch.nn.RReLU": "F.rrelu(x, training=self.training)",
}


def fresh_mode_layers(ctx: FileContext, method: Function) -> Iterator[tuple[ast.Call, ast.Call]]:
    """(the construction, where the new module is applied) for each such layer ``method`` makes
    and applies: ``nn.Dropout(0.5)(x)``, or ``drop = nn.Dropout(0.5)`` then ``drop(x)``."""
    local: dict[str, ast.Call] = {}  # `drop = nn.Dropout(...)`, also `self.drop = ...` (as "self.drop")
    stores: dict[str, int] = {}  # how often each name is bound in the method: once, or not followed
    for node in own_nodes(method):
        if isinstance(node, (ast.Name, ast.Attribute)) and not isinstance(node.ctx, ast.Load):
            bound = _bound_name(node)
            if bound is not None:
                stores[bound] = stores.get(bound, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = _bound_name(node.targets[0])
            if name is not None and isinstance(node.value, ast.Call) and _mode_layer(ctx, node.value):
                local[name] = node.value
            elif name is not None:
                local.pop(name, None)
    for node in own_nodes(method):
        if not isinstance(node, ast.Call):
            continue
        name = _bound_name(node.func)
        if isinstance(node.func, ast.Call) and _mode_layer(ctx, node.func):
            yield node.func, node
        elif name is not None and name in local and stores.get(name) == 1:
            yield local[name], node


def _bound_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return f"self.{target.attr}"
    return None


def _mode_layer(ctx: FileContext, call: ast.Call) -> bool:
    if ctx.qualname(call.func) not in MODE_LAYERS:
        return False
    p = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "p"), None)
    return not (isinstance(p, ast.Constant) and p.value == 0)  # dropping nothing: no mode to miss
