"""One entry of a list kept with its graph, the others detached, picked by an index the pass
decides: MADDPG's ``[a if i == self.id else a.detach() for i, a in enumerate(all_actions)]``
(audit-18 G6). Every agent's action is made once before the update loop, and agent k backwards
through its own action only: each pass of the loop over the agents backwards another entry's
graph. The analysis folds a list's entries into one element, so the second agent would seem to
backward the graph the first one freed; the kept entry is the pass's own (pass_entries.py).

The selector must change with the pass: an attribute of ``self`` (the method runs on each
agent) or a name the loops around bind. A constant (``i == 0``) or a name fixed before the loop
picks the same entry every pass, whose graph the first pass freed: that stays reported."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from ..walk import attr_path
from .per_item import loop_form
from .state import LoopFrame

_DETACHING_METHODS = frozenset({"detach", "clone"})


@dataclass(frozen=True)
class Selection:
    """``[a if i == selector else a.detach() for i, a in enumerate(source)]``."""

    source: ast.expr
    selector: ast.expr


def selection(node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> Selection | None:
    """The comprehension's selection of one entry with its graph, or None for another form."""
    if len(node.generators) != 1 or node.generators[0].ifs or not isinstance(node.elt, ast.IfExp):
        return None
    generator = node.generators[0]
    form = loop_form(generator.target, generator.iter)  # `for i, a in enumerate(X)`
    index = form[1] if form is not None else None
    if form is None or index is None or not isinstance(generator.iter, ast.Call):
        return None
    item = form[2]
    choice = node.elt
    test = choice.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    left, right = test.left, test.comparators[0]
    if _is_name(left, index):
        selector = right
    elif _is_name(right, index):
        selector = left
    else:
        return None
    kept, cut = (choice.body, choice.orelse) if isinstance(test.ops[0], ast.Eq) else (choice.orelse, choice.body)
    if not _is_name(kept, item) or not _detached(cut, item):
        return None
    if any(isinstance(n, ast.Name) and n.id in (index, item) for n in ast.walk(selector)):
        return None
    return Selection(generator.iter.args[0], selector)


def changes_per_pass(selector: ast.expr, loops: Sequence[LoopFrame]) -> bool:
    """Whether the selector may pick another entry in each pass of the innermost loop: an
    attribute of ``self`` (a method run on each item of the loop) or a name a loop around binds."""
    if not loops:
        return False
    path = attr_path(selector)
    if path is not None and path.startswith("self."):
        return True
    bound = {name for frame in loops for name in _targets(frame.node)}
    return any(isinstance(n, ast.Name) and n.id in bound for n in ast.walk(selector))


def _targets(loop: ast.AST) -> set[str]:
    target = getattr(loop, "target", None)
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} if target is not None else set()


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _detached(node: ast.expr, item: str) -> bool:
    """``item.detach()`` (also ``.detach().clone()``) or ``item.data``."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        return _is_name(node.value, item)
    detached = False
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
        if node.func.attr not in _DETACHING_METHODS:
            return False
        detached = detached or node.func.attr == "detach"
        node = node.func.value
    return detached and _is_name(node, item)
