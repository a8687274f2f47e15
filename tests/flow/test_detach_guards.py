"""PTL201 and the ways a training loop detaches its carried state that audit-3 found reported
wrongly: under a None guard (the None branch has no graph) and element by element in place
(``for s in state: s.detach_()``). Each silent program runs under torch; each reported one
raises there. The programs are ours."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

SECOND_TIME = "second time"

PROLOGUE = """
import torch
from torch import nn

rnn = nn.GRU(3, 4)
lstm = nn.LSTM(3, 4)
"""


def findings(body: str) -> list[tuple[int, str]]:
    source = PROLOGUE + textwrap.dedent(body)
    result = lint_source(source, "<guards>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.message) for f in result.findings]


def run(body: str) -> None:
    namespace: dict[str, Any] = {"__name__": "guards"}
    exec(compile(PROLOGUE + textwrap.dedent(body), "<guards>", "exec"), namespace)


SILENT = {
    "else branch of `is None` detaches": """
        state = None
        for step in range(3):
            if state is None:
                state = torch.zeros(1, 2, 4)
            else:
                state = state.detach()
            out, state = rnn(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "truthiness of a tuple-or-None state": """
        state = None
        for step in range(3):
            if state:
                state = tuple(s.detach() for s in state)
            out, state = lstm(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "`None is not state` and a second condition on the detaching side": """
        state = None
        for step in range(3):
            if None is not state or step < 0:
                state = state.detach()
            out, state = rnn(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "LSTM tuple detached element by element in place": """
        state = (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4))
        for step in range(3):
            for s in state:
                s.detach_()
            out, state = lstm(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "a comprehension statement detaching each element in place": """
        state = (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4))
        for step in range(3):
            [s.detach_() for s in state]
            out, state = lstm(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
}

REPORTED = {
    "the guard without a detach": """
        state = None
        for step in range(3):
            if state is not None:
                pass
            out, state = rnn(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "a detach only when another condition holds too": """
        state = None
        for flag in (True, False, False):
            if state is not None and flag:
                state = state.detach()
            out, state = rnn(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "each element rebound, the tuple kept": """
        state = (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4))
        for step in range(3):
            for s in state:
                s = s.detach()
            out, state = lstm(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
    "only some elements detached": """
        state = (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4))
        for step in range(3):
            for s in state:
                if s.dim() > 5:
                    s.detach_()
            out, state = lstm(torch.rand(5, 2, 3), state)
            out.sum().backward()
        """,
}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent(name: str) -> None:
    assert findings(SILENT[name]) == []


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported(name: str) -> None:
    lines = [line for line, _ in findings(REPORTED[name])]
    source_lines = (PROLOGUE + textwrap.dedent(REPORTED[name])).splitlines()
    assert len(lines) == 1 and "backward()" in source_lines[lines[0] - 1]


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_runs_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    run(SILENT[name])


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_raises_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        run(REPORTED[name])


def test_state_of_an_unknown_callable_is_not_a_graph_built_before_the_loop() -> None:
    # init_state is a parameter: its result may have no graph; what fails is the state the loop hands on
    body = """
        def train(model, init_state, batches):
            for epoch in range(2):
                state = init_state(1, 2, 4)
                for x in batches:
                    out, state = model(x, state)
                    out.sum().backward()
        """
    [(line, message)] = findings(body)
    assert "carried across loop iterations" in message
    assert "before the loop" not in message
    program = textwrap.dedent(body) + "\ntrain(rnn, torch.zeros, [torch.rand(5, 2, 3)] * 3)\n"
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        run(program)
