"""PTL302 on recall's xLSTM shape (benchmarks/recall/PTL302/04, tuned): a state made in `__init__`
on the device of an example input (`device=x_example.device`) is made on the CPU wherever every
instantiation in the file passes a CPU tensor; moving the block leaves it there. Our program, run
under torch: `.to("meta")` moves the layer and not the state, and `state_dict()` lacks it."""

from __future__ import annotations

import pytest
from rules_helpers import lines

CODE = "PTL302"

BLOCK = """
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, x_example):
        super().__init__()
        self.hidden = nn.Linear(x_example.shape[2], 2 * x_example.shape[2])
        self.state = torch.zeros(1, 1, x_example.shape[2], device=x_example.device)

    def forward(self, x):
        f, z = self.hidden(x).chunk(2, dim=-1)
        return torch.sigmoid(f) * self.state + torch.tanh(z)


x_example = {example}
block = Block(x_example)
"""
CPU = "torch.zeros(1, 5, 8)"


def test_a_state_on_the_device_of_a_cpu_example_is_reported():
    assert lines(CODE, BLOCK.format(example=CPU)) == [9]
    inline = BLOCK.format(example=CPU).replace("block = Block(x_example)", f"block = Block({CPU})")
    assert lines(CODE, inline) == [9]


@pytest.mark.parametrize(
    "example",
    [
        "torch.zeros(1, 5, 8, device='cuda')",  # placed by the caller
        "torch.zeros(1, 5, 8).to(device)",
        "load_example()",  # unknown
    ],
)
def test_an_example_placed_or_unknown_is_not(example):
    assert lines(CODE, BLOCK.format(example=example)) == []


def test_the_state_stays_behind_and_out_of_the_state_dict():
    torch = pytest.importorskip("torch")
    namespace: dict[str, object] = {}
    exec(compile(BLOCK.format(example=CPU), "<block>", "exec"), namespace)
    block = namespace["block"].to("meta")  # type: ignore[attr-defined]
    assert block.hidden.weight.device.type == "meta"
    assert block.state.device.type == "cpu"  # `model.to(device)` does not move it
    assert "state" not in block.state_dict()
    assert isinstance(block.state, torch.Tensor)
