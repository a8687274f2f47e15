"""Issue 15: whether a method sets its own state (``self.x = ...``) is read once per method and
analysis, not walked again at each call past the depth limit; the answers stay the same.

The program is ours (audit-7 G8's shape, tests/rules/test_autograd_audit7.py, one module deeper, so
that ``self.reset(x)`` is a call past the depth limit): under torch 2.13 it raises "Trying to
backward through the graph a second time" on line 48 in the second iteration (the reset never
runs: the counter starts at 1). Before the memo the method was walked 6 times."""

from __future__ import annotations

import ast
from collections import Counter

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow import functions
from pt_lsp.core.selection import Selection

_STALE_STATE = """
import torch
import torch.nn as nn


class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.cumulative = torch.zeros(2, 4)

    def reset(self, x):
        self.cumulative = torch.zeros_like(x)

    def forward(self, x, t):
        if t == 0:
            self.reset(x)
        s = torch.softmax(self.lin(x) + self.cumulative, dim=1)
        self.cumulative = self.cumulative + s
        return s


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attn()

    def forward(self, x, t):
        return self.attn(x, t)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x, steps=6):
        outs = []
        for t in range(1, steps, 2):
            outs.append(self.block(x, t))
        return torch.stack(outs).sum()


def train(model, opt):
    for _ in range(3):
        loss = model(torch.randn(2, 4))
        opt.zero_grad()
        loss.backward()
        opt.step()


model = Model()
train(model, torch.optim.SGD(model.parameters(), lr=0.1))
print("ok")
"""


def test_a_method_is_walked_once_and_the_finding_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: Counter[int] = Counter()
    walk = functions.sets_own_state

    def counted(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        asked[id(function)] += 1
        return walk(function)

    monkeypatch.setattr(functions, "sets_own_state", counted)
    result = lint_source(_STALE_STATE, "stale_state.py", Selection.of(["PTL201"]))
    assert [f.line for f in result.findings] == [48]
    assert asked, "no call past the depth limit: the program no longer tests the memo"
    assert max(asked.values()) == 1
