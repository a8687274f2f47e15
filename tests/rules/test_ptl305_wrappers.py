"""PTL305: a CPU tensor handed to an ``nn.DataParallel`` / ``DistributedDataParallel`` wrapper of a
model on the GPU meets nothing on the CPU: the wrapper's forward moves (scatters) its inputs to
the model's devices first (torch's documented behaviour). Our program of the shape of torch's own
distributed_test.py (``ddp(torch.rand(1, 10))`` on ``ToyModel().cuda(rank)``, a class made in a
test method), reported before with every rule selected. The same CPU tensor given to the model on
the GPU itself raises "Expected all tensors to be on the same device" and still is reported."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = """\
import torch
from torch import nn


class Tests:
    def test_unused_params(self):
        class ToyModel(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net1 = nn.Linear(10, 10, bias=False)

            def forward(self, x):
                return self.net1(x)

        ddp = {model}
        for i in range(2):
            inp = torch.rand(1, 10)
            ddp(inp).sum().backward()
"""

CASES = {  # how the model is made, whether the CPU input is reported
    "a DataParallel wrapper": ("nn.DataParallel(ToyModel().cuda(self.rank), device_ids=[self.rank])", False),
    "a DistributedDataParallel wrapper": (
        "torch.nn.parallel.DistributedDataParallel(ToyModel().cuda(self.rank), device_ids=[self.rank])",
        False,
    ),
    "the model itself": ("ToyModel().cuda(self.rank)", True),
}


@pytest.mark.parametrize("case", CASES)
def test_a_wrapper_that_moves_its_inputs_is_silent(case):
    model, reported = CASES[case]
    source = PROGRAM.format(model=model)
    # every rule selected, as `check` runs by default (with PTL305 alone the wrapper was silent)
    result = lint_source(source, "ddp.py", selection=Selection.of(["ALL"]))
    line = source.splitlines().index("            inp = torch.rand(1, 10)") + 1
    assert [f.line for f in result.findings if f.code == "PTL305"] == ([line] if reported else [])
