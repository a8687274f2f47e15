"""Session 13's speed gates (issue 15) give the answers the work they skip gave: PTL203 asks the
flow nothing about a local name bound only to literals or displays and changed only by augmented
assignments; the flow reads the module a plain class keeps in ``self.<attr>`` by a walk of the
class's methods only where the file stores some ``<x>.<attr>`` (a method called on ``self`` is
not one)."""

from __future__ import annotations

import ast

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow.attribute_modules import AttributeModules
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


AGENT = """\
import abc

import torch
import torch.nn as nn


class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


class Agent(metaclass=abc.ABCMeta):
    def __init__(self):
        self.net = QNet()

    def act(self, x):
        return self.net(x)

    def values(self, x):
        q = self.act(x)
        return self.net(x).numpy()


agent = Agent()
print(agent.values(torch.randn(3, 4)))
"""


def test_a_method_called_on_self_needs_no_walk_of_the_class_and_a_kept_module_still_does(monkeypatch):
    """A class with a metaclass is not plain: its methods run on an unknown ``self``, whose
    attributes are read from the class's assignments. ``self.act(x)``: no statement stores
    ``.act``, so they are not walked for it; ``self.net(x)`` is still read as QNet's forward (its output requires grad:
    PTL402 reports ``.numpy()``, torch raises "Can't call numpy() on Tensor that requires grad")."""
    walked: list[str] = []
    original = AttributeModules.assigned_class

    def counted(self, owner, attr, state):  # type: ignore[no-untyped-def]
        result = original(self, owner, attr, state)
        if id(owner.node) in self.tables:
            walked.append(attr)
        return result

    monkeypatch.setattr(AttributeModules, "assigned_class", counted)
    found = lint_source(AGENT, "agent.py", Selection.of(["PTL402"])).findings
    assert [f.line for f in found] == [25]
    assert "net" in walked
    assert "act" not in walked[: walked.index("net")]
