"""PTL202 facts taught from NEW real reports' shapes (issue 11, session 16, H-202).

Our own programs, rebuilt from the structure of the reports (table /work/notes/h202-s16-programs.txt):
- GAN-Geometry#4: the gradient of per-image activations of a layer, through a generator whose
  last width is written ``nn.Linear(64, 3 * 8 * 8)``: sizes and widths written as arithmetic of
  ints the code states count (``3 * 8 * 8``, ``16 * 5 * 5``, ``hidden * 2``).
- RecurrentAttentionConvolutionalNeuralNetwork#4: a rank loss ``torch.max(zero, ps1 - ps2 +
  margin)``: ``torch.max`` / ``torch.min`` given a tensor where a dim would be are the
  elementwise maximum (minimum) of the two, one tensor with both graphs, not a (values, indices)
  pair.
Every reported program raises at its ``# fails`` line under torch 2.13; every neighbour runs.
Before this change none of the reported programs was reported."""

from __future__ import annotations

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

NON_SCALAR = "grad can be implicitly created only for scalar outputs"

ACTIVATIONS = """\
import torch
import torch.nn as nn

generator = nn.Sequential(nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 3 * 8 * 8))
features = nn.Sequential(nn.Conv2d(3, 6, 3), nn.ReLU())


def objective(img):
    return features(img)[:, 2, 3, 3]


perturb_vecs = torch.randn(4, 16, requires_grad=True)
img = generator(perturb_vecs).view(-1, 3, 8, 8)
activs = objective(img){reduce}
grads = torch.autograd.grad(activs, perturb_vecs)[0]{mark}
"""

RANK_LOSS = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class RankLoss(nn.Module):
    def __init__(self, margin=0.05):
        super().__init__()
        self.margin = margin

    def forward(self, scores1, scores2, target):
        zero = torch.zeros(1)
        ps1 = F.softmax(scores1, dim=1)[target]
        ps2 = F.softmax(scores2, dim=1)[target]
        return torch.{extreme}(zero, ps1 - ps2 + self.margin){reduce}


scale1 = nn.Linear(20, 10)
scale2 = nn.Linear(20, 10)
batch = torch.randn(32, 20)
label = torch.randint(0, 10, (32,))
criterion_rank = RankLoss()
criterion_rank(scale1(batch), scale2(batch), label).backward(retain_graph=True){mark}
"""

PASSED_WIDTH = """\
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self, hidden, classes):
        super().__init__()
        self.fc = nn.Linear(16, hidden * 2)
        self.out = nn.Linear(hidden * 2, classes * {per_class})

    def forward(self, x):
        return self.out(torch.relu(self.fc(x)))


head = Head(8, 1)
head(torch.randn(1, 16)).backward(){mark}
"""

REPORTED_202 = {
    "GAN-Geometry#4: grad of per-image activations": ACTIVATIONS.format(reduce="", mark="  # fails"),
    "RA-CNN#4: elementwise max of a rank margin per row and label": RANK_LOSS.format(
        extreme="max", reduce="", mark="  # fails"
    ),
    "variant: elementwise min": RANK_LOSS.format(extreme="min", reduce="", mark="  # fails"),
    "variant: a width passed down and multiplied": PASSED_WIDTH.format(per_class=3, mark="  # fails"),
}

SILENT_202 = {
    "activations summed first": ACTIVATIONS.format(reduce=".sum()", mark=""),
    "rank losses averaged": RANK_LOSS.format(extreme="max", reduce=".mean()", mark=""),
    "a product of widths that is one": PASSED_WIDTH.format(per_class=1, mark=""),
    "max over a dim of one row stays a reduction": """\
import torch
import torch.nn as nn

fc = nn.Linear(4, 10)
best = torch.max(fc(torch.randn(1, 4)), 1)[0]
best.backward()
""",
}


@pytest.mark.parametrize("name", sorted(REPORTED_202))
def test_ptl202_reported_where_torch_raises(name: str) -> None:
    program = REPORTED_202[name]
    assert failing_line(program, RuntimeError, NON_SCALAR) == marked(program)
    assert found(program, "PTL202") == {marked(program): ["PTL202"]}


@pytest.mark.parametrize("name", sorted(SILENT_202))
def test_ptl202_neighbours_run_and_stay_silent(name: str) -> None:
    run_strictly(SILENT_202[name])
    assert found(SILENT_202[name], "PTL202") == {}
