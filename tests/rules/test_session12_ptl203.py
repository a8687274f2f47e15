"""PTL203 in session 12 (issue 11): a leaf reached through `dict(...)` of pairs. Each program is
ours, written for the shape, and run under torch 2.13 by the tests below: the reported ones raise
"a leaf Variable that requires grad is being used in an in-place operation" at the reported line;
the neighbours run.

The general facts taught: `dict(pairs)` of an iterable of 2-item tuples holds the pairs' second
items as its values, as `{k: v for k, v in pairs}` does, so `dict(model.named_parameters())["w"]`
is a parameter of the model (core/flow/qualified.py); an augmented assignment reads its subscript
target before it writes it, so `params["w"] += 1` / `weights[0] *= 0.01` of a dict or list of leaves
changes that leaf in place (_flow_leaves.py); `self.register_parameter("alpha", nn.Parameter(...))`
binds `self.alpha` to a parameter, and a `register_buffer` / `register_parameter` of another
literal name does not hide the class's other parameters (_leaves.py).
"""

from __future__ import annotations

import pytest

from tests.rules.program_helpers import line_of, lines, run

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation"

# name: (the in-place call torch rejects, program)
REPORTED = {
    "dict_of_named_parameters": (
        'params["weight"].add_(1.0)',
        """
import torch.nn as nn

model = nn.Linear(3, 2)
params = dict(model.named_parameters())
params["weight"].add_(1.0)
""",
    ),
    "dict_inline_of_a_sequential": (
        ".zero_()",
        """
import torch.nn as nn

net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
dict(net.named_parameters())["0.bias"].zero_()
""",
    ),
    "dict_in_a_helper_read_by_a_loop_key": (
        "weights[k].mul_(0.5)",
        """
import torch.nn as nn


def shrink(model, names):
    weights = dict(model.named_parameters())
    for k in names:
        weights[k].mul_(0.5)


shrink(nn.Linear(4, 2), ["weight"])
""",
    ),
    "dict_of_zipped_leaves": (
        'params["b"].add_(0.1)',
        """
import torch

w = torch.randn(3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
params = dict(zip(["w", "b"], [w, b]))
params["b"].add_(0.1)
""",
    ),
    "dict_item_augmented": (
        'params["w"] += 1.0',
        """
import torch

params = {"w": torch.randn(3, requires_grad=True), "b": torch.zeros(3, requires_grad=True)}
params["w"] += 1.0
""",
    ),
    "list_item_augmented_in_a_helper": (
        "weights[0] *= 0.01",
        """
import torch


def init(n):
    weights = [torch.randn(n, n, requires_grad=True) for _ in range(2)]
    weights[0] *= 0.01
    return weights


init(4)
""",
    ),
    "dict_item_of_a_helper_augmented": (
        'params["w"] += 1.0',
        """
import torch


def make():
    return {"w": torch.randn(3, requires_grad=True), "b": torch.zeros(3, requires_grad=True)}


params = make()
params["w"] += 1.0
""",
    ),
    "register_parameter_in_forward": (
        "self.alpha.clamp_(0.0, 10.0)",
        """
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("alpha", nn.Parameter(torch.ones(1)))

    def forward(self, x):
        self.alpha.clamp_(0.0, 10.0)
        return x * self.alpha


Scale()(torch.randn(2))
""",
    ),
    "register_parameter_beside_a_buffer": (
        "self.slope.fill_(0.25)",
        """
import torch
import torch.nn as nn


class PReLUish(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("mask", torch.ones(n))
        self.register_parameter("slope", nn.Parameter(torch.empty(n)))
        self.reset()

    def reset(self):
        self.slope.fill_(0.25)


PReLUish(4)
""",
    ),
}

# name: (why it runs, program)
SILENT = {
    "under_no_grad": (
        "the in-place update runs under torch.no_grad()",
        """
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
params = dict(model.named_parameters())
with torch.no_grad():
    params["weight"].add_(1.0)
""",
    ),
    "through_data": (
        "`.data` is a tensor without grad sharing the parameter's storage",
        """
import torch.nn as nn

net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
dict(net.named_parameters())["0.bias"].data.zero_()
""",
    ),
    "dict_of_buffers": (
        "buffers do not require grad",
        """
import torch.nn as nn

bn = nn.BatchNorm1d(3)
dict(bn.named_buffers())["running_mean"].zero_()
""",
    ),
    "dict_item_augmented_under_no_grad": (
        "the augmented assignment runs under torch.no_grad()",
        """
import torch

params = {"w": torch.randn(3, requires_grad=True), "b": torch.zeros(3, requires_grad=True)}
with torch.no_grad():
    params["w"] += 1.0
""",
    ),
    "running_statistics_dict": (
        "the items are a float and a tensor without grad",
        """
import torch

w = torch.randn(3, requires_grad=True)
stats = {"loss": 0.0, "total": torch.zeros(())}
for _ in range(2):
    loss = (w ** 2).sum()
    stats["loss"] += loss.item()
    stats["total"] += loss.detach()
    loss.backward()
""",
    ),
    "items_without_grad_or_graph_nodes": (
        "a tensor without grad, and a graph node (not a leaf) changed in place",
        """
import torch

w = torch.randn(3, requires_grad=True)
outs = [torch.zeros(3), torch.ones(3)]
outs[0] += w.detach()
acc = {"g": w * 2}
acc["g"] += 1.0
""",
    ),
    "registered_parameter_under_no_grad_and_a_buffer": (
        "the parameter is clamped under torch.no_grad(); a buffer requires no grad",
        """
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("alpha", nn.Parameter(torch.ones(1)))
        self.register_buffer("seen", torch.zeros(1))

    def forward(self, x):
        with torch.no_grad():
            self.alpha.clamp_(0.0, 10.0)
        self.seen.add_(1)
        return x * self.alpha


Scale()(torch.randn(2))
""",
    ),
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_and_torch_raises(name: str) -> None:
    text, source = REPORTED[name]
    assert lines(source, "PTL203") == [line_of(source, text)]
    with pytest.raises(RuntimeError, match=LEAF_IN_PLACE):
        run(source)


@pytest.mark.parametrize("name", sorted(SILENT))
def test_neighbour_silent_and_runs(name: str) -> None:
    _, source = SILENT[name]
    assert lines(source, "PTL203") == []
    run(source)
