"""Arguments a module keeps as they are: ``self.device = device`` in ``__init__``. A module's
attributes are read once per class, from an ``__init__`` run without its arguments, so such an
attribute was unknown; this call's argument is what it holds (audit-14 M2: a predictor built
with the run's device, ``torch.tensor(..., device=model.device)``)."""

from __future__ import annotations

import ast

from .state import Function
from .values import Args, Kwargs, Value


def stored_arguments(init: Function, node: ast.Call, args: Args, kwargs: Kwargs) -> dict[str, Value]:
    """``self.<attr> = <param>`` statements of ``__init__``'s top level, before anything rebinds
    the parameter: each attribute's value is the argument this call passes for it (by position or
    keyword; none where ``*``/``**`` hide which is which). An attribute ``__init__`` assigns
    anywhere else as well is left out: which assignment holds is not known here."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return {}
    every = [*init.args.posonlyargs, *init.args.args]
    if not every:
        return {}
    own, params = every[0].arg, [p.arg for p in every[1:]]
    given = {**dict(zip(params, args)), **{k: v for k, v in kwargs.items() if k in params}}
    if not given:
        return {}
    stored: dict[str, Value] = {}
    rebound: set[str] = set()
    assigned: dict[str, int] = {}  # attribute -> how many times __init__ assigns it
    for stmt in init.body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) and _is_name(sub.value, own):
                assigned[sub.attr] = assigned.get(sub.attr, 0) + 1
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
            if (
                isinstance(target, ast.Attribute)
                and _is_name(target.value, own)
                and isinstance(value, ast.Name)
                and value.id in given
                and value.id not in rebound
            ):
                stored[target.attr] = given[value.id]
                continue
        rebound.update(n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return {k: v for k, v in stored.items() if assigned.get(k) == 1}


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
