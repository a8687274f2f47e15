"""Session 13's speed gates (issue 15) give the answers the work they skip gave: PTL203 asks the
flow nothing about a local name bound only to literals or displays and changed only by augmented
assignments."""

from __future__ import annotations

import ast

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.rules.autograd import _flow_leaves

COUNTERS = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3))

    def forward(self, x):
        return x * self.w

    def describe(self):
        text = ""
        seen = {}
        count = 0
        for name in ("a", "b"):
            text += name
            seen[name] = count
            count += 1
        return text


net = Net()
print(net.describe())
"""


def _flow_questions(monkeypatch) -> list[str]:
    asked: list[str] = []
    original = _flow_leaves.flow_leaf

    def counted(ctx, leaves, receiver, near=False):  # type: ignore[no-untyped-def]
        asked.append(ast.unparse(receiver))
        return original(ctx, leaves, receiver, near)

    monkeypatch.setattr(_flow_leaves, "flow_leaf", counted)
    return asked


def test_counters_strings_and_dicts_filled_item_by_item_ask_the_flow_nothing(monkeypatch):
    """``text += name``, ``seen[name] = count``, ``count += 1`` in a method of a class naming a
    leaf source: no leaf can be there (the program runs and prints "ab")."""
    asked = _flow_questions(monkeypatch)
    assert lint_source(COUNTERS, "counters.py", Selection.of(["PTL203"])).findings == []
    assert asked == []


def test_a_name_also_bound_to_a_leaf_is_still_asked_and_reported(monkeypatch):
    """``acc`` starts as a number but is rebound to a leaf held in a list before the augmented
    assignment: the flow is asked, and finds the leaf (torch raises "a leaf Variable that
    requires grad is being used in an in-place operation")."""
    asked = _flow_questions(monkeypatch)
    program = COUNTERS.replace(
        '        text = ""\n',
        '        text = ""\n'
        "        params = [torch.zeros(3, requires_grad=True)]\n"
        "        acc = 0\n"
        "        acc = params[0]\n"
        "        acc += 1\n",
    )
    found = lint_source(program, "rebound.py", Selection.of(["PTL203"])).findings
    assert "acc" in asked
    assert [f.code for f in found] == ["PTL203"]
