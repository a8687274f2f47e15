"""PTL203 (and PTL205, which shares the leaf evidence): the parameters an optimizer holds,
walked as `for p in group["params"]` over `opt.param_groups` (issue 11, session 13, H-202).

Our own programs. Under torch 2.13 each reported program raises "RuntimeError: a leaf Variable
that requires grad is being used in an in-place operation" at its `# fails` line; each silent
neighbour runs to the end (under `no_grad`, through `.data`, an optimizer of a tensor that
requires no grad, a file that freezes parameters). Before this change none was reported."""

from __future__ import annotations

import pytest
from rules_helpers import found, marked

REPORTED = {
    "helper_decays_optimizer_params": 'import torch\nimport torch.nn as nn\n\nnet = nn.Linear(4, 2)\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n\n\ndef decay(optimizer, rate):\n    for g in optimizer.param_groups:\n        for p in g["params"]:\n            p.mul_(1 - rate)  # fails\n\n\ndecay(opt, 0.01)\n',
    "self_optimizer_with_param_group_dicts": 'import torch\nimport torch.nn as nn\n\n\nclass Agent:\n    def __init__(self):\n        self.policy = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))\n        self.optimizer = torch.optim.Adam(\n            [{"params": self.policy[0].parameters()}, {"params": self.policy[2].parameters(), "lr": 1e-4}]\n        )\n\n    def perturb(self, scale):\n        for group in self.optimizer.param_groups:\n            for weight in group["params"]:\n                weight.add_(scale * torch.randn_like(weight))  # fails\n\n\nagent = Agent()\nagent.perturb(0.01)\n',
    "indexed_param_group_of_chained_parameters": 'import itertools\n\nimport torch\nimport torch.nn as nn\n\nenc = nn.Linear(5, 3)\ndec = nn.Linear(3, 5)\noptimizer = torch.optim.RMSprop(itertools.chain(enc.parameters(), dec.parameters()), lr=1e-3)\nfor param in optimizer.param_groups[0]["params"]:\n    param.clamp_(-0.01, 0.01)  # fails\n',
    "filtered_parameters": 'import torch\nimport torch.nn as nn\n\nmodel = nn.Conv2d(1, 4, 3)\nopt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.01)\nparams = [p for g in opt.param_groups for p in g["params"]]\nfor group in opt.param_groups:\n    for p in group["params"]:\n        p.zero_()  # fails\n',
}

SILENT = {
    "under_no_grad": 'import torch\nimport torch.nn as nn\n\nnet = nn.Linear(4, 2)\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n\n\ndef decay(optimizer, rate):\n    with torch.no_grad():\n        for g in optimizer.param_groups:\n            for p in g["params"]:\n                p.mul_(1 - rate)\n\n\ndecay(opt, 0.01)\n',
    "through_data": 'import torch\nimport torch.nn as nn\n\n\nclass Agent:\n    def __init__(self):\n        self.policy = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))\n        self.optimizer = torch.optim.Adam(\n            [{"params": self.policy[0].parameters()}, {"params": self.policy[2].parameters(), "lr": 1e-4}]\n        )\n\n    def perturb(self, scale):\n        for group in self.optimizer.param_groups:\n            for weight in group["params"]:\n                weight.data.add_(scale * torch.randn_like(weight))\n\n\nagent = Agent()\nagent.perturb(0.01)\n',
    "optimizer_of_plain_tensor": 'import torch\n\nw = torch.zeros(3)\noptimizer = torch.optim.SGD([w], lr=0.1)\nfor param in optimizer.param_groups[0]["params"]:\n    param.clamp_(-0.01, 0.01)\n',
    "file_freezes_parameters": 'import torch\nimport torch.nn as nn\n\nnet = nn.Linear(4, 2)\nfor p in net.parameters():\n    p.requires_grad = False\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\nfor group in opt.param_groups:\n    for p in group["params"]:\n        p.mul_(0.5)\n',
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_optimizer_parameters_changed_in_place(name: str) -> None:
    program = REPORTED[name]
    assert found(program, "PTL203") == {marked(program): ["PTL203"]}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_neighbours_stay_silent(name: str) -> None:
    assert found(SILENT[name], "PTL203", "PTL205") == {}


def test_a_manual_step_over_param_groups_is_ptl205() -> None:
    """`p.sub_(lr * p.grad)` over the groups: a hand-written step (torch raises the leaf error)."""
    program = """\
import torch
import torch.nn as nn

net = nn.Linear(4, 2)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
net(torch.randn(3, 4)).sum().backward()
for group in opt.param_groups:
    for p in group["params"]:
        p.sub_(group["lr"] * p.grad)  # fails
"""
    assert found(program, "PTL203", "PTL205") == {marked(program): ["PTL205"]}
