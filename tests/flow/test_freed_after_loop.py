"""PTL201 after a loop (issue 11, audit-4 M3): a graph made and freed inside the loop keeps its
freed fact at the loop's exit, so a second ``backward()`` after the loop is reported; it names the
loop's backward. Each reported program raises under torch (the tests run it); each silent
neighbour (``retain_graph=True`` in the loop, a fresh loss after it, ``.detach()``, a backward
taken on some iterations only, a tensor-or-None state detached in place) runs through. The
programs are ours, written for these tests."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

FREED = "Trying to backward through the graph a second time"


def findings(source: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<train>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.message) for f in result.findings]


def run_error(source: str) -> str | None:
    """Run ``source`` under torch: the RuntimeError's message, or None when it runs through."""
    try:
        exec(compile(source, "<train>", "exec"), {"__name__": "__train__"})
    except RuntimeError as error:
        return str(error)
    return None


HEAD = """
import torch

w = torch.randn(3, requires_grad=True)
data = [torch.randn(3) for _ in range(4)]
"""

FOR_THEN_AGAIN = (
    HEAD
    + """
for x in data:
    loss = (w * x).sum() ** 2
    loss.backward()
loss.backward()
"""
)

WHILE_THEN_AGAIN = (
    HEAD
    + """
while data:
    x = data.pop()
    loss = (w * x).sum() ** 2
    loss.backward()
loss.backward()
"""
)

# built and backwarded before the loop, rebuilt and backwarded by every iteration, then once more
BEFORE_THEN_LOOP_THEN_AGAIN = (
    HEAD
    + """
loss = (w * data[0]).sum() ** 2
loss.backward()
for x in data:
    loss = (w * x).sum() ** 2
    loss.backward()
loss.backward()
"""
)


@pytest.mark.parametrize("source", [FOR_THEN_AGAIN, WHILE_THEN_AGAIN])
def test_a_loss_freed_by_the_loop_and_backwarded_after_it(source: str) -> None:
    last = len(source.splitlines())
    [(line, message)] = findings(source)
    assert line == last
    # the loop's backward freed it, the very graph: not a subgraph two losses share
    assert f"the backward() on line {last - 1}" in message and "the same graph" in message
    assert FREED in (run_error(source) or "")


def test_a_loss_also_freed_before_the_loop() -> None:
    # every path frees it: no iteration (the backward before the loop) or some (the loop's)
    source = BEFORE_THEN_LOOP_THEN_AGAIN
    last = len(source.splitlines())
    [(line, message)] = findings(source)
    assert line == last and "already freed by the backward() on line" in message
    assert FREED in (run_error(source) or "")


SILENT = [
    FOR_THEN_AGAIN.replace("    loss.backward()\n", "    loss.backward(retain_graph=True)\n"),
    FOR_THEN_AGAIN.replace("\nloss.backward()\n", "\nloss = (w * data[0]).sum() ** 2\nloss.backward()\n"),
    FOR_THEN_AGAIN.replace("\nloss.backward()\n", "\nprint(loss.detach().item())\n"),
    # backwarded on some iterations only: the last one may have kept its graph
    FOR_THEN_AGAIN.replace("    loss.backward()\n", "    if x.sum() > 100:\n        loss.backward()\n"),
]


@pytest.mark.parametrize("source", SILENT)
def test_neighbours_that_run_are_silent(source: str) -> None:
    assert source != FOR_THEN_AGAIN
    assert findings(source) == []
    assert run_error(source) is None


# A state that is None on the first call and a tensor after it (the loop's exit joins both),
# detached in place under `is not None` at the top of every iteration: it runs.
NONE_OR_TENSOR_DETACHED = """
import torch
from torch import nn

rnn = nn.RNN(1, 4, batch_first=True)
head = nn.Linear(4, 1)
opt = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.01)


def train(hidden):
    for _ in range(3):
        opt.zero_grad()
        if hidden is not None:
            hidden.detach_()
        out, hidden = rnn(torch.rand(1, 5, 1), hidden)
        loss = head(out).pow(2).mean()
        loss.backward()
        opt.step()
    return loss.item(), hidden


hidden = None
for epoch in range(3):
    loss, hidden = train(hidden)
"""


def test_a_tensor_or_none_detached_in_place_is_silent() -> None:
    assert findings(NONE_OR_TENSOR_DETACHED) == []
    assert run_error(NONE_OR_TENSOR_DETACHED) is None
    # without the detach_, the second call backwards into the first call's freed graph
    kept = NONE_OR_TENSOR_DETACHED.replace("            hidden.detach_()\n", "            pass\n")
    assert FREED in (run_error(kept) or "")
    assert [line for line, _ in findings(kept)] == [17]
