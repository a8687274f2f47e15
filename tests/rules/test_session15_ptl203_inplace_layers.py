"""PTL203: a layer built to work in place, kept by a class and applied to a parameter (issue 11,
session 15, H-202).

Our own programs, rebuilt from the structure of a real report (zylo117/Yet-Another-EfficientDet-
Pytorch#503: BiFPN fusion weights through `self.weight_relu = nn.ReLU(inplace=True)`), plus variants
that were in no report (the flag given by position: `nn.LeakyReLU(0.1, True)`, `nn.ReLU(True)`).
Every reported program is run under torch here: it raises "a leaf Variable that requires grad is
being used in an in-place operation" at its `# fails` line; every silent neighbour runs to its
end. Before this change none of the reported programs was reported."""

from __future__ import annotations

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

LEAF = "a leaf Variable that requires grad is being used in an in-place operation"

# -- PTL203 ----------------------------------------------------------------------------------------
REPORTED_203 = {
    # zylo117/Yet-Another-EfficientDet-Pytorch#503's shape: fusion weights through an in-place ReLU
    "fusion_weights_through_inplace_relu": """\
import torch
import torch.nn as nn


class Fusefeature(nn.Module):
    def __init__(self, e=1e-4):
        super().__init__()
        self.e = e
        self.weight = nn.Parameter(torch.ones(2))
        self.weight_relu = nn.ReLU(inplace=True)

    def forward(self, x):
        weight = self.weight_relu(self.weight)  # fails
        weight = weight / (torch.sum(weight, dim=0) + self.e)
        return weight[0] * x[0] + weight[1] * x[1]


Fusefeature()([torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)])
""",
    # variant: the flag given by position, a gate parameter through a leaky ReLU
    "gate_through_positional_leaky_relu": """\
import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(2))
        self.act = nn.LeakyReLU(0.1, True)

    def forward(self, x):
        a = self.act(self.alpha)  # fails
        return a[0] * x


Gate()(torch.randn(3))
""",
    # variant: a module-level layer `nn.ReLU(True)` applied to a leaf made with requires_grad
    "module_level_relu_true_on_leaf": """\
import torch
import torch.nn as nn

relu = nn.ReLU(True)
w = torch.randn(5, requires_grad=True)
h = relu(w)  # fails
""",
}

SILENT_203 = {
    "inplace_relu_on_activations": """\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv(x))


Block()(torch.randn(1, 3, 4, 4)).sum().backward()
""",
    "inplace_relu_on_a_clone": """\
import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(2))
        self.act = nn.LeakyReLU(0.1, True)

    def forward(self, x):
        return self.act(self.alpha.clone())[0] * x


Gate()(torch.randn(3)).sum().backward()
""",
    "same_name_out_of_place_elsewhere": """\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.conv(x))


class Fuse(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2))
        self.act = nn.ReLU()

    def forward(self, x):
        w = self.act(self.weight)
        return w[0] * x + w[1] * x


Fuse()(Block()(torch.randn(1, 3, 4, 4))).sum().backward()
""",
}


@pytest.mark.parametrize("name", sorted(REPORTED_203))
def test_ptl203_reported_where_torch_raises(name: str) -> None:
    program = REPORTED_203[name]
    assert failing_line(program, RuntimeError, LEAF) == marked(program)
    assert found(program, "PTL203") == {marked(program): ["PTL203"]}


@pytest.mark.parametrize("name", sorted(SILENT_203))
def test_ptl203_neighbours_run_and_stay_silent(name: str) -> None:
    run_strictly(SILENT_203[name])
    assert found(SILENT_203[name], "PTL203", "PTL205") == {}
