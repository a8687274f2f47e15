"""PTL201 session 12. State detached element by element in place: a named tuple's fields are read
from its items (96ece56 kept them twice, so `for t in state: t.detach_()` left `state.h` on the
freed graph: a false alarm on a program that runs, recall-6); `hidden[0].detach_()` changes that
item of a known tuple or list; nn.LSTMCell returns the tuple `(h, c)`. Audit-15 G1: a
`.backward(...)` whose result is unpacked is an object's own method; G3: a method of a model the
function calls, class out of view, may detach. A helper of `main()` that appends to a module
global's list hands it back to `main()`, whose loop backwards it (the list never cleared). Every
program is ours, run under torch 2.13: each silent one runs, each reported neighbour raises
'backward through the graph a second time'. The tests run both."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from tests.rules.program_helpers import FREED, line_of, lines, run, torch

NAMED_STATE = """
    from collections import namedtuple

    import torch
    from torch import nn

    State = namedtuple("State", ["h", "c"])
    cell = nn.LSTMCell(3, 4)
    head = nn.Linear(4, 1)
    opt = torch.optim.SGD(list(cell.parameters()) + list(head.parameters()), lr=0.1)
    state = State(torch.zeros(2, 4), torch.zeros(2, 4))
    for step in range(4):
        h, c = cell(torch.randn(2, 3), (state.h, state.c))
        state = State(h, c)
        loss = head(state.h).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        DETACH
"""


def test_named_tuple_detached_item_by_item_is_silent_and_runs() -> None:
    source = NAMED_STATE.replace("DETACH", "for t in state:\n            t.detach_()")
    assert lines(source, "PTL201") == []
    run(source)


def test_named_tuple_of_fields_read_after_a_typing_namedtuple_loop_is_silent() -> None:
    source = (
        NAMED_STATE.replace("from collections import namedtuple", "from typing import NamedTuple")
        .replace(
            'State = namedtuple("State", ["h", "c"])',
            "class State(NamedTuple):\n        h: torch.Tensor\n        c: torch.Tensor",
        )
        .replace("DETACH", "[t.detach_() for t in state]")
    )
    assert lines(source, "PTL201") == []
    run(source)


def test_named_tuple_carried_without_detach_is_reported_and_raises() -> None:
    source = NAMED_STATE.replace("DETACH", "pass")
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


CELL_STATE = """
    import torch
    from torch import nn

    cell = nn.LSTMCell(3, 4)
    head = nn.Linear(4, 1)
    opt = torch.optim.SGD(list(cell.parameters()) + list(head.parameters()), lr=0.1)
    state = (torch.zeros(2, 4), torch.zeros(2, 4))
    for step in range(4):
        state = cell(torch.randn(2, 3), state)
        loss = head(state[0]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        DETACH
"""


@pytest.mark.parametrize(
    "detach",
    ["for t in state:\n            t.detach_()", "state[0].detach_()\n        state[1].detach_()"],
    ids=["loop", "indexes"],
)
def test_lstm_cell_state_detached_in_place_is_silent_and_runs(detach: str) -> None:
    source = CELL_STATE.replace("DETACH", detach)
    assert lines(source, "PTL201") == []
    run(source)


@pytest.mark.parametrize("detach", ["pass", "state[0].detach_()"], ids=["none", "one-item"])
def test_lstm_cell_state_left_on_its_graph_is_reported_and_raises(detach: str) -> None:
    source = CELL_STATE.replace("DETACH", detach)
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


LAYERS = """
    import torch
    from torch import nn

    cells = nn.ModuleList([nn.GRUCell(3, 4), nn.GRUCell(4, 4)])
    head = nn.Linear(4, 1)
    opt = torch.optim.SGD(list(cells.parameters()) + list(head.parameters()), lr=0.1)
    hs = [torch.zeros(2, 4), torch.zeros(2, 4)]
    for step in range(4):
        h0 = cells[0](torch.randn(2, 3), hs[0])
        h1 = cells[1](h0, hs[1])
        hs = [h0, h1]
        loss = head(h1).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        hs[0].detach_()
        LAST
"""


def test_list_of_layer_states_detached_by_index_is_silent_and_runs() -> None:
    source = LAYERS.replace("LAST", "hs[-1].detach_()")
    assert lines(source, "PTL201") == []
    run(source)


def test_list_of_layer_states_with_one_left_is_reported_and_raises() -> None:
    source = LAYERS.replace("LAST", "pass")
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# -- audit-15 G1: a NumPy layer's own backward(), of a class a star import hides ------------------
CELL_MODULE = """
import numpy as np


class Cell:
    def __init__(self, n_in, n_h):
        self.W_ih = np.random.randn(n_h, n_in)
        self.W_hh = np.random.randn(n_h, n_h)

    def backward(self, delta, h, x, h_prev, scale=1.0):
        dz = delta * (1 - h**2) * scale
        return dz @ self.W_ih, dz @ self.W_hh
"""

AUTOGRADER = """
    import numpy as np
    import torch

    from numpy_cells import *

    cell = Cell(4, 3)
    delta, h = np.random.randn(2, 3), np.random.randn(2, 3)
    x, h_prev = np.random.randn(2, 4), np.random.randn(2, 3)
    FIRST
    SECOND
"""


@pytest.mark.parametrize(
    "first,second",
    [
        ("dx1, dh1 = cell.backward(delta, h, x, h_prev)", "dx2, dh2 = cell.backward(delta, h, x, h_prev)"),
        ("[dx1, dh1] = cell.backward(delta, h, x, h_prev)", "[dx2, dh2] = cell.backward(delta, h, x, h_prev)"),
        ("g1 = cell.backward(delta, h, x, h_prev, 0.5)", "g2 = cell.backward(delta, h, x, h_prev, 0.5)"),
    ],
    ids=["unpacked", "list-target", "five-arguments"],
)
def test_object_backward_giving_values_is_silent_and_runs(
    first: str, second: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = AUTOGRADER.replace("FIRST", first).replace("SECOND", second)
    assert lines(source, "PTL201") == []
    (tmp_path / "numpy_cells.py").write_text(CELL_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    run(source)


def test_tensor_backward_twice_beside_is_reported_and_raises() -> None:
    source = """
        import torch

        w = torch.randn(3, requires_grad=True)
        loss = (w * 2).pow(2).sum()
        loss.backward()
        loss.backward()
    """
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()") + 1]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# -- audit-15 G3: a method of a model handed in (class out of view) that detaches the state ----------
TRAIN_LOOP = """
    def fit(net, batches, criterion, optimizer):
        state = net.initial_state(4)
        for inputs, targets in batches:
            RESET
            optimizer.zero_grad()
            outputs, state = net.forward(inputs, state)
            loss = criterion(outputs.reshape(-1, 20), targets.reshape(-1))
            loss.backward()
            optimizer.step()
        return loss.item()
"""


def _fit_with_local_model(source: str) -> None:
    from torch import nn

    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(20, 8)
            self.rnn = nn.GRU(8, 8, batch_first=True)
            self.out = nn.Linear(8, 20)

        def initial_state(self, b: int) -> torch.Tensor:
            return torch.zeros(1, b, 8)

        def detached_state(self, h: torch.Tensor) -> torch.Tensor:
            return h.detach()

        def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            y, h = self.rnn(self.emb(x), h)
            return self.out(y), h

    model = LM()
    batches = [(torch.randint(0, 20, (4, 5)), torch.randint(0, 20, (4, 5))) for _ in range(3)]
    run(source)["fit"](model, batches, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), 0.1))


def test_state_passed_through_a_method_of_the_called_model_is_silent_and_runs() -> None:
    source = TRAIN_LOOP.replace("RESET", "state = net.detached_state(state)")
    assert lines(source, "PTL201") == []
    _fit_with_local_model(source)


def test_state_carried_without_the_method_is_reported_and_raises() -> None:
    source = TRAIN_LOOP.replace("RESET", "pass")
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        _fit_with_local_model(source)


def test_a_graph_freed_by_autograd_grad_is_named_so() -> None:
    """Audit-15 note: the message named a `torch.autograd.grad(...)` "the backward() on line N"."""
    source = """
        import torch

        x = torch.randn(4, requires_grad=True)
        y = (x ** 3).sum()
        (dy_dx,) = torch.autograd.grad(y, x)
        y.backward()
    """

    result = lint_source(textwrap.dedent(source), "<program>", selection=Selection.of(["PTL201"]))
    [finding] = result.findings
    assert finding.line == line_of(source, "y.backward()")
    assert f"freed by the `torch.autograd.grad()` on line {line_of(source, 'autograd.grad')}" in finding.message
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# -- a helper of main() that appends to a global model's list: the list main() backwards each episode --
REINFORCE = """
    import torch
    from torch import nn
    from torch.distributions import Categorical

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)
            self.saved_log_probs = []

        def forward(self, x):
            return torch.softmax(self.fc(x), -1)

    policy = Policy()
    optimizer = torch.optim.Adam(policy.parameters())

    def select_action(state):
        m = Categorical(policy(state))
        action = m.sample()
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def main():
        for episode in range(3):
            for t in range(4):
                select_action(torch.randn(4))
            loss = -torch.stack(policy.saved_log_probs).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            CLEAR

    main()
"""


def test_list_a_helper_fills_for_main_never_cleared_is_reported_and_raises() -> None:
    source = REINFORCE.replace("CLEAR", "pass")
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


@pytest.mark.parametrize("clear", ["del policy.saved_log_probs[:]", "policy.saved_log_probs.clear()"])
def test_list_a_helper_fills_for_main_cleared_is_silent_and_runs(clear: str) -> None:
    source = REINFORCE.replace("CLEAR", clear)
    assert lines(source, "PTL201") == []
    run(source)


def test_global_list_a_helper_fills_for_main_is_reported_and_raises() -> None:
    source = (
        REINFORCE.replace("            self.saved_log_probs = []\n", "")
        .replace(
            "    optimizer = torch.optim.Adam(policy.parameters())\n",
            "    optimizer = torch.optim.Adam(policy.parameters())\n    saved_log_probs = []\n",
        )
        .replace("policy.saved_log_probs", "saved_log_probs")
        .replace("CLEAR", "pass")
    )
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)
