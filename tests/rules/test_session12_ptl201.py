"""PTL201 session 12: state detached element by element in place. A named tuple's fields are read
from its items (96ece56 kept them twice, so `for t in state: t.detach_()` left `state.h` on the
freed graph: a false alarm on a program that runs); `hidden[0].detach_()` changes that item of a
known tuple or list; nn.LSTMCell returns the tuple `(h, c)`. Every program is ours, run under
torch 2.13: each silent one runs, each reported neighbour raises 'backward through the graph a
second time'. The tests run both."""

from __future__ import annotations

import pytest

from tests.rules.program_helpers import FREED, line_of, lines, run

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
