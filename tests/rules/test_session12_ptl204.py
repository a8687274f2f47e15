"""PTL204 session 12: optimizers kept in a dict or a list and stepped by key or index
(`opts["g"].step()`, `optimizers[i].step()`, `self.optim["enc"].step()`). Every program is ours,
run under torch 2.13: in each reported one the stepped gradients add up across iterations (with
lr=0 and the same batch each step, the gradient after three steps is three times the first);
each silent neighbour resets them (`for o in opts.values(): o.zero_grad()`, the item's own
`zero_grad()`) and its gradient stays the one step's."""

from __future__ import annotations

import pytest

from tests.rules.program_helpers import line_of, lines, run

DICT = """
    import torch
    from torch import nn

    torch.manual_seed(0)
    G, D = nn.Linear(2, 4), nn.Linear(4, 1)
    opts = {"g": torch.optim.SGD(G.parameters(), lr=0.0), "d": torch.optim.SGD(D.parameters(), lr=0.0)}
    z = torch.randn(8, 2)
    first = None
    for step in range(3):
        RESET
        g_loss = -D(G(z)).mean()
        g_loss.backward()
        opts["g"].step()
        first = G.weight.grad.clone() if first is None else first
    ratio = (G.weight.grad / first).mean().item()
"""


@pytest.mark.parametrize("reset", ["pass", 'opts["d"].zero_grad()'], ids=["none", "other-key"])
def test_dict_item_stepped_without_its_reset_is_reported_and_accumulates(reset: str) -> None:
    source = DICT.replace("RESET", reset)
    assert lines(source, "PTL204") == [line_of(source, 'opts["g"].step()')]
    assert run(source)["ratio"] == pytest.approx(3.0)


@pytest.mark.parametrize(
    "reset",
    ["for o in opts.values():\n            o.zero_grad()", 'opts["g"].zero_grad()'],
    ids=["values", "own-key"],
)
def test_dict_item_reset_is_silent_and_does_not_accumulate(reset: str) -> None:
    source = DICT.replace("RESET", reset)
    assert lines(source, "PTL204") == []
    assert run(source)["ratio"] == pytest.approx(1.0)


LIST = """
    import torch
    from torch import nn

    torch.manual_seed(0)
    nets = [nn.Linear(3, 1), nn.Linear(3, 1)]
    optimizers = [torch.optim.SGD(n.parameters(), lr=0.0) for n in nets]
    x = torch.randn(4, 3)
    first = None
    for step in range(3):
        for i, net in enumerate(nets):
            RESET
            loss = net(x).pow(2).mean()
            loss.backward()
            optimizers[i].step()
        first = nets[0].weight.grad.clone() if first is None else first
    ratio = (nets[0].weight.grad / first).mean().item()
"""


def test_list_item_stepped_by_index_without_reset_is_reported_and_accumulates() -> None:
    source = LIST.replace("RESET", "pass")
    assert lines(source, "PTL204") == [line_of(source, "optimizers[i].step()")]
    assert run(source)["ratio"] == pytest.approx(3.0)


def test_list_item_reset_by_index_is_silent() -> None:
    source = LIST.replace("RESET", "optimizers[i].zero_grad()")
    assert lines(source, "PTL204") == []
    assert run(source)["ratio"] == pytest.approx(1.0)


TRAINER = """
    import torch
    from torch import nn

    class Trainer:
        def __init__(self):
            torch.manual_seed(0)
            self.enc, self.dec = nn.Linear(3, 2), nn.Linear(2, 3)
            self.optim = {
                "enc": torch.optim.SGD(self.enc.parameters(), lr=0.0),
                "dec": torch.optim.SGD(self.dec.parameters(), lr=0.0),
            }

        def step(self, x):
            RESET
            loss = (self.dec(self.enc(x)) - x).pow(2).mean()
            loss.backward()
            self.optim["enc"].step()
            self.optim["dec"].step()

    trainer = Trainer()
    x = torch.randn(5, 3)
    trainer.step(x)
    first = trainer.dec.weight.grad.clone()
    for i in range(2):
        trainer.step(x)
    ratio = (trainer.dec.weight.grad / first).mean().item()
"""


@pytest.mark.parametrize("reset", ["pass", 'self.optim["enc"].zero_grad()'], ids=["none", "one-key"])
def test_self_dict_items_stepped_in_a_step_method_are_reported(reset: str) -> None:
    source = TRAINER.replace("RESET", reset)
    found = lines(source, "PTL204")
    assert line_of(source, 'self.optim["dec"].step()') in found
    assert (line_of(source, 'self.optim["enc"].step()') in found) == (reset == "pass")
    assert run(source)["ratio"] == pytest.approx(3.0)


def test_self_dict_values_reset_is_silent() -> None:
    source = TRAINER.replace("RESET", "for opt in self.optim.values():\n                opt.zero_grad()")
    assert lines(source, "PTL204") == []
    assert run(source)["ratio"] == pytest.approx(1.0)
