"""``x.requires_grad = flag`` assigned in the code: the tensor the analysis holds at ``x`` takes
the flag, and ``emb.weight.requires_grad = False`` freezes a layer whose one parameter is its
weight (an ``nn.Embedding`` of frozen GloVe vectors: its outputs require grad only through
their inputs; audit-19 G3)."""

from __future__ import annotations

import ast

from .. import vocabulary as api
from ..walk import attr_path
from .state import State
from .values import Kind


def flagged(tensor: ast.expr, flag: object, state: State) -> None:
    """``x.requires_grad = True`` (or False) on a tensor the analysis holds: as
    ``x.requires_grad_(flag)``, on the variable or attribute path ``x``."""
    path = attr_path(tensor)
    if path is None or not isinstance(flag, bool):
        return
    held = state.env.get(path)
    if held is not None and held.kind is Kind.TENSOR:
        state.env[path] = held.with_(requires_grad=flag, history=held.history if flag else frozenset())
        return
    layer = path.rpartition(".")[0] if isinstance(tensor, ast.Attribute) and tensor.attr == "weight" else ""
    module = state.env.get(layer) if layer else None
    if module is not None and module.kind is Kind.MODULE and module.qualname in api.WEIGHT_ONLY_LAYERS:
        state.env[layer] = module.with_(requires_grad=flag)  # as `emb.requires_grad_(flag)`
