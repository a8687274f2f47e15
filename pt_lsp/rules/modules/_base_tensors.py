"""PTL302: plain tensors a module base without a ``forward`` of its own stores in its
``__init__`` and a subclass's ``forward`` uses (flamo pull request 30), with the base in this file
or in another file of the project (``class Tagger(SequenceModel)`` with ``SequenceModel`` from
``base.py``: its ``self.pe`` table stays on the CPU after ``model.to(device)``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Finding
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.modules._device_moves import unmoved_uses
from pt_lsp.rules.modules._init_helpers import assigned_below, inherited_sources
from pt_lsp.rules.modules._module_evidence import (
    Function,
    init_assignments,
    is_self_attr,
    methods_reached_from,
    super_init_line,
)
from pt_lsp.rules.modules._tensor_makers import tensor_values
from pt_lsp.rules.modules._trained_apart import made_trainable

if TYPE_CHECKING:
    from pt_lsp.rules.modules.unregistered_buffer import UnregisteredBuffer

# Methods that handle device moves themselves: the attribute may follow the module.
MOVE_OVERRIDES = {"_apply", "to", "cuda", "_load_from_state_dict", "state_dict"}


def set_by_bases(rule: UnregisteredBuffer, ctx: FileContext) -> Iterator[Finding]:
    """Plain tensors a module base without ``forward`` stores in its ``__init__`` and a
    subclass's ``forward`` uses; each assignment reported once."""
    reported: set[int] = set()
    for info in ctx.class_list:
        forward = info.method("forward")
        if not info.is_module or forward is None or not info.node.bases:
            continue
        if any(info.method(name) is not None for name in MOVE_OVERRIDES):
            continue
        reached = methods_reached_from(info, forward)
        for base, init in inherited_sources(info):
            for attr, stmt in init_assignments(base, init).items():
                if id(stmt) in reported or assigned_below(info, base, attr):
                    continue
                made = tensor_values(ctx, init, stmt.value)
                uses = unmoved_uses(ctx, reached, attr) if made is not None else []
                if made is None or not uses:
                    continue
                if made_trainable(base, attr) or made_trainable(info, attr):
                    continue  # a trainable tensor: the optimizer question, not this one
                reported.add(id(stmt))
                message = (
                    f"`self.{attr}` is a plain tensor attribute of `{base.name}` used in `forward` of its"
                    f" subclass `{info.name}`: `model.to(device)` does not move it and `state_dict()` does not"
                    f" save it; register it as a buffer"
                )
                where_set = f"`{base.name}.__init__` (a base of `{info.name}`)"
                related = rule.path(ctx, forward, stmt, attr, made, uses, {}, where_set)
                fixes = rule.fixes(ctx, stmt, attr, super_init_line(init))
                yield rule.report(ctx, stmt, message, fixes=fixes, related=related)
        yield from _set_by_project_bases(rule, ctx, info, forward, reached)


def _set_by_project_bases(
    rule: UnregisteredBuffer, ctx: FileContext, info: ClassInfo, forward: Function, reached: list[Function]
) -> Iterator[Finding]:
    """The same, where the base is a class of another file of the project: the tensor is made
    there (read with that file's names), the finding is at the first use here (no fix: the
    assignment to change is in the other file)."""
    own = info.methods.get("__init__")
    if (own is not None and super_init_line(own) is None) or not ctx.project.enabled:
        return  # the bases' `__init__` may not run
    for expr in info.node.bases:
        found = _project_base(ctx, expr)
        if found is None:
            continue
        other, top = found
        for base, init in [(top, top.methods.get("__init__")), *inherited_sources(top)]:
            if init is None or base.method("forward") is not None:
                continue
            if base is not top and top.methods.get("__init__") is not None:
                if super_init_line(top.methods["__init__"]) is None:
                    continue
            for attr, stmt in init_assignments(base, init).items():
                if _stored_here(info, attr) or assigned_below(top, base, attr):
                    continue
                made = tensor_values(other, init, stmt.value)
                uses = unmoved_uses(ctx, reached, attr) if made is not None else []
                if made is None or not uses or made_trainable(base, attr) or made_trainable(info, attr):
                    continue
                place = PurePath(str(other.path)).name
                message = (
                    f"`self.{attr}` is a plain tensor attribute set in `{base.name}.__init__` ({place}, a base of"
                    f" `{info.name}`) and used in `forward`: `model.to(device)` does not move it and"
                    f" `state_dict()` does not save it; register it as a buffer there"
                )
                method, use = uses[0]
                where = "`forward`" if method is forward else f"`{method.name}` (called from `forward`)"
                steps = [
                    Step(
                        expr,
                        f"`{base.name}` ({place}) stores `self.{attr}` as a plain tensor in its `__init__`,"
                        " not as a buffer",
                    ),
                    Step(use, f"used here in {where}: still on the CPU after `model.to(device)`"),
                ]
                yield rule.report(ctx, use, message, related=evidence_path(ctx, steps))
                break  # one finding per base


def _project_base(ctx: FileContext, expr: ast.expr) -> tuple[FileContext, ClassInfo] | None:
    """The module class of another file of the project that the base ``expr`` names, with
    that file's context."""
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    entity = ctx.project.imported_name(expr)
    if not isinstance(entity, ast.ClassDef):
        return None
    other = ctx.project.context_of(entity)
    info = other.classes.get(entity.name) if other is not None else None
    if other is None or info is None or info.node is not entity or not info.is_module:
        return None
    return other, info


def _stored_here(info: ClassInfo, attr: str) -> bool:
    """The class (or a base of this file) binds ``self.<attr>`` itself."""
    pending, seen = [info], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if any(is_self_attr(n, attr) and isinstance(n.ctx, ast.Store) for n in ast.walk(current.node)):
            return True
        pending.extend(current.local_bases)
    return False
