"""A model registering its layers with ``self.add_module("features", nn.Conv2d(...))`` and
running them as ``self.features(x)`` (audit-19 M3, our program of the shape): the registered
name is the attribute, so the activations of the model moved to the device are on the device,
and ``np.maximum`` of them raises under ``pt-lsp run --device fake-cuda`` ("can't convert cuda").
Reported as for ``self.features = nn.Conv2d(...)``; moved to the CPU first, silent and runs. A
computed name binds nothing the analysis reads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.flow.registered_names import registered
from tests.flow.programs import reported_lines

PROGRAM = """\
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        {register}
        self.add_module("head", nn.Linear(4, 2))

    def get_activations(self, x):
        return self.features(x)

    def forward(self, x):
        return self.head(self.features(x).mean((2, 3)))


def heatmap_of(model, x):
    activations = model.get_activations(x).detach(){move}
    return np.maximum(torch.mean(activations, dim=1).squeeze(), 0)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Net()
model.to(device)
x = torch.rand(1, 3, 8, 8).to(device)
print(type(heatmap_of(model, x)).__name__)
"""

CASES = {  # how `features` is registered, what is done before NumPy, reported
    "add_module": ('self.add_module("features", nn.Conv2d(3, 4, 3, padding=1))', "", True),
    "register_module": ('self.register_module("features", nn.Conv2d(3, 4, 3, padding=1))', "", True),
    "setattr": ('setattr(self, "features", nn.Conv2d(3, 4, 3, padding=1))', "", True),
    "an assignment": ("self.features = nn.Conv2d(3, 4, 3, padding=1)", "", True),
    "add_module, then cpu()": ('self.add_module("features", nn.Conv2d(3, 4, 3, padding=1))', ".cpu()", False),
}


def program(case: str) -> str:
    register, move, _ = CASES[case]
    return PROGRAM.format(register=register, move=move)


@pytest.mark.parametrize("case", CASES)
def test_a_registered_name_is_the_attribute(case: str) -> None:
    assert reported_lines(program(case), "PTL401") == ([21] if CASES[case][2] else [])


@pytest.mark.parametrize("case", ["add_module", "add_module, then cpu()"])
def test_torch_agrees_under_fake_cuda(case: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    (tmp_path / "prog.py").write_text(program(case))
    run = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "run", "--device", "fake-cuda", "prog.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert ("can't convert cuda" in run.stdout + run.stderr) is CASES[case][2], run.stderr[-2000:]


@pytest.mark.parametrize(
    "text",
    ['self.add_module(f"l{i}", layer)', "self.add_module(name, layer)", 'self.add_module("2d", layer)', "f(a, b)"],
)
def test_computed_or_odd_names_bind_nothing(text: str) -> None:
    call = ast.parse(text, mode="eval").body
    assert registered(call) is None
