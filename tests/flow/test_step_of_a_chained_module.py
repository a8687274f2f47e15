"""PTL201: an optimizer step between two backward passes through one kept graph, where the stepped
module is the first of the graph (a generator fed by data, audit-3 M1). Its first layer saves no
weight (its input needs no grad), but a later layer with parameters does: its input is the first
layer's output. So an ``nn.Sequential`` of two layers with parameters is reported, one with a
single such layer is not. Each program is ours and runs (or raises) under torch as the test says."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

IN_PLACE = "modified by an inplace operation"

PROGRAM = """
import torch
from torch import nn

G = {generator}
D = nn.Linear(4, 3)
opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
out = D(G(torch.rand(5, 3)))
out[:, 0].mean().backward(retain_graph=True)
opt_g.step()
out[:, 1:].pow(2).mean().backward()
"""

RAISES = {
    "two linear layers": "nn.Sequential(nn.Linear(3, 8), nn.Linear(8, 4))",
    "linear, tanh, linear": "nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4))",
}

RUNS = {
    "one linear layer": "nn.Linear(3, 4)",
    "a Sequential of one layer with parameters": "nn.Sequential(nn.Linear(3, 4), nn.ReLU())",
    "a Sequential of one layer with parameters between parameter-free ones": (
        "nn.Sequential(nn.Dropout(0.0), nn.Linear(3, 4), nn.Sigmoid())"
    ),
}


def source(generator: str) -> str:
    return textwrap.dedent(PROGRAM).format(generator=generator)


def lines(text: str) -> list[int]:
    result = lint_source(text, "<chained>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def run(text: str) -> None:
    namespace: dict[str, Any] = {"__name__": "chained"}
    exec(compile(text, "<chained>", "exec"), namespace)


@pytest.mark.parametrize("name", sorted(RAISES))
def test_reported(name: str) -> None:
    text = source(RAISES[name])
    assert lines(text) == [len(text.splitlines())]  # the last backward


@pytest.mark.parametrize("name", sorted(RUNS))
def test_silent(name: str) -> None:
    assert lines(source(RUNS[name])) == []


@pytest.mark.parametrize("name", sorted(RAISES))
def test_reported_raises_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(source(RAISES[name]))


@pytest.mark.parametrize("name", sorted(RUNS))
def test_silent_runs_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    run(source(RUNS[name]))
