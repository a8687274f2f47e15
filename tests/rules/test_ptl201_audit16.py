"""PTL201 false alarms of audit-16 (benchmarks/ecosystem/audit-16.md), with our own programs of
their shapes; each runs under torch 2.13 and is silent, and each neighbour raises "Trying to
backward through the graph a second time" under torch and is still reported. The tests run both.

- G2: ``for k in range(n): if k > 0: fake = netG(noise)``: the counter is 0 in the first
  iteration only and at least ``start + step`` in every later one (flow/counters.py), so the
  batch made before the loop is backwarded by the first iteration alone.
- G4: ``for d in ["Wass", "Hell"]:`` around ``if d == "Wass": ... elif d == "Hell": ...``
  without ``else``: every value ``d`` takes passes one test, the empty ``else`` is never taken
  (flow/exhaustive.py); also where the list is bound once to a name the file only iterates
  (``dists = ["Wass", "Hell"]; for d in dists:``, G4b), not where it is extended or rebound."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow.counters import _decide
from pt_lsp.core.selection import Selection


def reported(source: str) -> list[int]:
    result = lint_source(source, "<audit16>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def run(source: str) -> None:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit16"}
    exec(compile(source, "<audit16>", "exec"), namespace)


COUNTERS = {
    "step_ge_1": """\
import torch
import torch.nn as nn

gen = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
critic = nn.Linear(5, 1)
opt = torch.optim.Adam(gen.parameters(), lr=1e-3)
z = torch.randn(4, 3)
samples = gen(z)
critic(samples.detach()).mean().backward()
for step in range(4):
    if step >= 1:
        z = torch.randn(4, 3)
        samples = gen(z)
    loss = -critic(samples).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("ok")
""",
    "zero_less_than_i_in_method": """\
import torch
import torch.nn as nn


class Trainer:
    def __init__(self):
        self.g = nn.Linear(2, 2)
        self.opt = torch.optim.SGD(self.g.parameters(), lr=0.1)

    def fit(self, first_batch, iters):
        out = self.g(first_batch)
        for i in range(0, iters, 2):
            if 0 < i:
                out = self.g(torch.randn(3, 2))
            loss = out.pow(2).sum()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()


Trainer().fit(torch.randn(3, 2), 6)
print("ok")
""",
    "not_equal_zero": """\
import torch
import torch.nn as nn

net = nn.Linear(3, 3)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
h = net(torch.randn(1, 3))
for t in range(5):
    if t != 0:
        h = net(torch.randn(1, 3))
    opt.zero_grad()
    h.sum().backward()
    opt.step()
print("ok")
""",
}

COUNTERS_REUSING = {
    "second_step_reuses": """\
import torch
import torch.nn as nn

gen = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
critic = nn.Linear(5, 1)
opt = torch.optim.Adam(gen.parameters(), lr=1e-3)
z = torch.randn(4, 3)
samples = gen(z)
critic(samples.detach()).mean().backward()
for step in range(4):
    if step >= 2:
        z = torch.randn(4, 3)
        samples = gen(z)
    loss = -critic(samples).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("ok")
""",
    "third_pass_only": """\
import torch
import torch.nn as nn


class Trainer:
    def __init__(self):
        self.g = nn.Linear(2, 2)
        self.opt = torch.optim.SGD(self.g.parameters(), lr=0.1)

    def fit(self, first_batch, iters):
        out = self.g(first_batch)
        for i in range(0, iters, 2):
            if 2 < i:
                out = self.g(torch.randn(3, 2))
            loss = out.pow(2).sum()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()


Trainer().fit(torch.randn(3, 2), 6)
print("ok")
""",
}

# audit-16 G4b's shape: the loop runs over a list named before it, given by {lists}
NAMED_LIST_LOOP = """\
import torch
import torch.nn as nn

{lists}for d in dists:
    c = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(c.parameters(), lr=1e-4)
    for _ in range(3):
        c.zero_grad()
        p, q = torch.randn(8, 2), torch.randn(8, 2) + 1
        if d == "Wass":
            out = -(c(p).mean() - c(q).mean())
        elif d == "Hell":
            out = -((1 - torch.exp(-c(p))).mean() - (1 - torch.exp(-c(q))).mean())
        out.backward()
        optimizer.step()
    print(d, float(out))
"""

CHAINS = {
    "loss_kind_in_function": """\
import torch
import torch.nn as nn


def main():
    for kind in ("mse", "l1"):
        model = nn.Linear(3, 1)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for step in range(3):
            x, y = torch.randn(6, 3), torch.randn(6, 1)
            pred = model(x)
            if kind == "mse":
                loss = (pred - y).pow(2).mean()
            elif kind == "l1":
                loss = (pred - y).abs().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(kind, loss.item())


main()
""",
    "membership_test": """\
import torch
import torch.nn as nn

for divergence in ["kl", "js", "tv"]:
    critic = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(critic.parameters(), lr=1e-3)
    for it in range(3):
        p, q = torch.randn(5, 2), torch.randn(5, 2) + 0.5
        if divergence in ("kl", "js"):
            objective = -(critic(p).mean() - torch.exp(critic(q) - 1).mean())
        elif divergence == "tv":
            objective = -(torch.tanh(critic(p)).mean() - torch.tanh(critic(q)).mean())
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
    print(divergence, objective.item())
""",
    "named_list": NAMED_LIST_LOOP.format(
        lists='dists = ["Wass", "Hell"]  # bound once and only iterated: the loop runs over these two\n'
    ),
}

CHAINS_FALLING_THROUGH = {
    "a_value_without_branch": """\
import torch
import torch.nn as nn

for d in ["Wass", "Hell", "KL"]:
    c = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(c.parameters(), lr=1e-4)
    for _ in range(3):
        c.zero_grad()
        p, q = torch.randn(8, 2), torch.randn(8, 2) + 1
        if d == "Wass":
            out = -(c(p).mean() - c(q).mean())
        elif d == "Hell":
            out = -((1 - torch.exp(-c(p))).mean() - (1 - torch.exp(-c(q))).mean())
        out.backward()
        optimizer.step()
    print(d, float(out))
""",
    "variable_rebound_inside": """\
import torch
import torch.nn as nn

for mode in ["a", "b"]:
    net = nn.Linear(2, 1)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    for i in range(3):
        x = torch.randn(4, 2)
        if mode == "a":
            loss = net(x).pow(2).mean()
        elif mode == "b":
            loss = net(x).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        mode = "c"
    print(loss.item())
""",
    "named_list_extended": NAMED_LIST_LOOP.format(
        lists='dists = ["Wass", "Hell"]\ndists.append("KL")  # no branch for it: the last "Hell" loss, already backwarded, is used again\n'
    ),
    "named_list_rebound": NAMED_LIST_LOOP.format(lists='dists = ["Wass", "Hell"]\ndists = dists + ["KL"]\n'),
}


SILENT = {**COUNTERS, **CHAINS}
RAISING = {**COUNTERS_REUSING, **CHAINS_FALLING_THROUGH}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_runs_and_silent(name: str) -> None:
    run(SILENT[name])
    assert reported(SILENT[name]) == []


@pytest.mark.parametrize("name", sorted(RAISING))
def test_raises_and_reported(name: str) -> None:
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        run(RAISING[name])
    assert len(reported(RAISING[name])) == 1


def test_a_counter_the_body_rebinds_is_not_read() -> None:
    """(torch runs this one too: rebinding the counter does not change the next iteration; the
    analysis does not follow that, and keeps the finding.)"""
    source = COUNTERS["not_equal_zero"].replace("    if t != 0:\n", "    if t != 0:\n        t = 0\n")
    assert "t = 0" in source
    assert len(reported(source)) == 1


@pytest.mark.parametrize(
    ("op", "constant", "low", "exact", "truth"),
    [
        (ast.Gt, 0, 0, True, False),
        (ast.Gt, 0, 1, False, True),
        (ast.Gt, 1, 1, False, None),
        (ast.GtE, 1, 1, False, True),
        (ast.Eq, 0, 1, False, False),
        (ast.Eq, 5, 1, False, None),
        (ast.NotEq, 0, 1, False, True),
        (ast.Lt, 1, 1, False, False),
        (ast.LtE, 0, 1, False, False),
        (ast.LtE, 3, 1, False, None),
    ],
)
def test_what_a_counter_bound_decides(
    op: type[ast.cmpop], constant: int, low: int, exact: bool, truth: bool | None
) -> None:
    assert _decide(op, constant, low, exact) is truth
