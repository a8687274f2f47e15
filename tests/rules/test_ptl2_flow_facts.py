"""Torch and data-flow facts the autograd rules (PTL201-PTL204) rest on, each shown on a program of
our own: the bad programs fail (or misbehave) under torch and the good ones run; the verdicts here
were checked by running each program (`PROGRAMS` lists them)."""

from __future__ import annotations

from rules_helpers import lines

# -- an in-place change of a leaf that requires grad raises: the leaf stays a leaf ----------------
SCALE_SHIFTED_IN_PLACE = """
import torch

scale = torch.ones(3, requires_grad=True)
scale *= 2.0
data = torch.randn(8, 3)
for epoch in range(4):
    loss = (data * scale).pow(2).mean()
    loss.backward()
    with torch.no_grad():
        scale -= 0.1 * scale.grad
        scale.grad.zero_()
"""  # raises at `scale *= 2.0` (the leaf error), never at the backward

SCALE_SHIFTED_UNDER_NO_GRAD = SCALE_SHIFTED_IN_PLACE.replace(
    "scale *= 2.0", "with torch.no_grad():\n    scale *= 2.0"
)  # runs


def test_an_in_place_change_of_a_leaf_is_reported_once_and_builds_no_graph_before_the_loop():
    assert lines("PTL203", SCALE_SHIFTED_IN_PLACE) == [4]
    # torch raises at the change: the leaf never becomes a graph node shared by the iterations
    assert lines("PTL201", SCALE_SHIFTED_IN_PLACE) == []
    assert lines("PTL201", SCALE_SHIFTED_UNDER_NO_GRAD) == []
    assert lines("PTL203", SCALE_SHIFTED_UNDER_NO_GRAD) == []


# -- a class of the file derived from a torch.optim optimizer steps as that optimizer does -------
WARM_SGD_SUBCLASS = """
import torch
from torch import nn


class WarmSGD(torch.optim.SGD):
    def warm(self, factor):
        for group in self.param_groups:
            group["lr"] *= factor


class SlowWarmSGD(WarmSGD):
    pass


torch.manual_seed(0)
net = nn.Linear(2, 1)
updater = SlowWarmSGD(net.parameters(), lr=0.01)
xs, ys = torch.randn(6, 2), torch.randn(6, 1)
for epoch in range(3):
    updater.warm(1.1)
    loss = ((net(xs) - ys) ** 2).mean()
    own = torch.autograd.grad(loss, net.weight, retain_graph=True)[0]
    loss.backward()
    if not torch.allclose(net.weight.grad, own):
        raise AssertionError("gradients accumulated across steps")
    updater.step()
"""  # the AssertionError: each step's .grad holds the earlier iterations' gradients too

WARM_SGD_SUBCLASS_RESET = WARM_SGD_SUBCLASS.replace(
    "    updater.warm(1.1)\n", "    updater.warm(1.1)\n    updater.zero_grad()\n"
)  # runs

SUBCLASS_WITH_ITS_OWN_STEP = """
import torch
from torch import nn


class ResettingSGD(torch.optim.SGD):
    def step(self, closure=None):
        super().step(closure)
        self.zero_grad()


torch.manual_seed(0)
net = nn.Linear(2, 1)
updater = ResettingSGD(net.parameters(), lr=0.01)
xs, ys = torch.randn(6, 2), torch.randn(6, 1)
for epoch in range(3):
    loss = ((net(xs) - ys) ** 2).mean()
    own = torch.autograd.grad(loss, net.weight, retain_graph=True)[0]
    loss.backward()
    if not torch.allclose(net.weight.grad, own):
        raise AssertionError("gradients accumulated across steps")
    updater.step()
"""  # runs: its step() resets the gradients itself


def test_a_subclass_of_a_torch_optim_optimizer_is_an_optimizer_unless_it_has_its_own_step():
    assert lines("PTL204", WARM_SGD_SUBCLASS) == [26]
    assert lines("PTL204", WARM_SGD_SUBCLASS_RESET) == []
    assert lines("PTL204", SUBCLASS_WITH_ITS_OWN_STEP) == []


# (name, program, expected outcome under torch: the error's text, or "" for a clean run)
PROGRAMS = [
    ("in-place on a leaf", SCALE_SHIFTED_IN_PLACE, "a leaf Variable that requires grad"),
    ("the same under no_grad", SCALE_SHIFTED_UNDER_NO_GRAD, ""),
    ("optimizer subclass, no reset", WARM_SGD_SUBCLASS, "gradients accumulated across steps"),
    ("optimizer subclass, reset", WARM_SGD_SUBCLASS_RESET, ""),
    ("optimizer subclass with its own step", SUBCLASS_WITH_ITS_OWN_STEP, ""),
]
