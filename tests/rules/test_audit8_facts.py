"""Audit-8 (issue 11): facts from its false alarms, each with a program of our own run under torch
here. G3: `self.__setattr__(name, module)` registers the module as `add_module` does, so a plain
list of modules each registered that way is a lookup table, not a loss of parameters. Findings
1-6 and 39-40 (debatable): tensors kept out of `parameters()` on purpose and trained by an
optimizer of their own (a SAC temperature, DARTS's architecture weights) are not reported."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")

REGISTERED = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, in_size, sizes):
        super().__init__()
        self.fcs = []
        for i, size in enumerate(sizes):
            fc = nn.Linear(in_size, size)
            self.__setattr__("fc{}".format(i), fc)
            self.fcs.append(fc)
            in_size = size

    def forward(self, x):
        for fc in self.fcs:
            x = fc(x)
        return x


net = Net(4, [3, 2])
"""
# the same list with no registration: its layers' parameters are lost
UNREGISTERED = REGISTERED.replace('            self.__setattr__("fc{}".format(i), fc)\n', "")


def lines(source: str, code: str = "PTL301") -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit8>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings]


def parameters(source: str) -> int:
    namespace: dict[str, object] = {}
    exec(compile(source, "<audit8>", "exec"), namespace)
    return len(list(namespace["net"].parameters()))  # type: ignore[attr-defined]


def test_modules_registered_by_self_setattr_are_not_reported():
    assert parameters(REGISTERED) == 4  # both layers' weight and bias
    assert lines(REGISTERED) == []


def test_the_same_list_without_the_registration_is_reported():
    assert UNREGISTERED != REGISTERED
    assert parameters(UNREGISTERED) == 0
    assert lines(UNREGISTERED) == [9]


def test_setattr_on_another_object_registers_nothing_here():
    other = REGISTERED.replace('self.__setattr__("fc{}".format(i), fc)', 'torch.__setattr__("fc{}".format(i), fc)')
    assert lines(other) == [9]


# -- findings 1-6: a SAC temperature with its own optimizer ----------------------------------------
SAC = """
import torch
from torch import nn, optim


class Agent(nn.Module):
    def __init__(self, lr=0.1):
        super().__init__()
        self.actor = nn.Linear(3, 2)
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.alpha_optimizer = optim.Adam(params=[self.log_alpha], lr=lr)
        self.actor_optimizer = optim.Adam(self.actor.parameters(), lr=lr)

    def learn(self, state):
        log_pis = torch.log_softmax(self.actor(state), dim=-1)
        alpha_loss = -(self.log_alpha.exp() * (log_pis + 1.0).detach()).mean()
        self.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.alpha_optimizer.step()


agent = Agent()
before = agent.log_alpha.detach().clone()
agent.learn(torch.randn(4, 3))
"""


def run(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(source, "<audit8>", "exec"), namespace)
    return namespace


def test_a_temperature_trained_by_its_own_optimizer_is_not_reported():
    ran = run(SAC)
    agent, before = ran["agent"], ran["before"]
    assert not torch.equal(before, agent.log_alpha.detach())  # type: ignore[attr-defined]  # its optimizer moved it
    assert not any(p is agent.log_alpha for p in agent.parameters())  # type: ignore[attr-defined]
    assert lines(SAC) == []


def test_the_temperature_without_its_optimizer_is_reported():
    alone = SAC.replace("        self.alpha_optimizer = optim.Adam(params=[self.log_alpha], lr=lr)\n", "")
    assert alone != SAC
    assert lines(alone) == [10]


OWN_OPTIMIZER = "        self.alpha_optimizer = optim.Adam(params=[self.log_alpha], lr=lr)\n"
NO_OPTIMIZER = "        self.alpha_optimizer = None\n"
# the temperature stepped by hand from `torch.autograd.grad`
BY_HAND = """        (g,) = torch.autograd.grad(alpha_loss, [self.log_alpha])
        with torch.no_grad():
            self.log_alpha -= 0.1 * g
"""
STEPPED = """        self.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.alpha_optimizer.step()
"""


def test_other_ways_of_handing_the_tensor_to_an_optimizer():
    for variant in (
        SAC.replace("params=[self.log_alpha]", "params").replace(
            "        self.alpha_optimizer =", "        params = [self.log_alpha]\n        self.alpha_optimizer ="
        ),
        SAC.replace("params=[self.log_alpha]", '[{"params": [self.log_alpha], "lr": 0.01}]'),
        SAC.replace(OWN_OPTIMIZER, NO_OPTIMIZER).replace(
            "agent = Agent()\n", "agent = Agent()\nagent.alpha_optimizer = optim.SGD([agent.log_alpha], 0.1)\n"
        ),
        SAC.replace(OWN_OPTIMIZER, "").replace(STEPPED, BY_HAND),
    ):
        assert variant != SAC
        ran = run(variant)
        assert not torch.equal(ran["before"], ran["agent"].log_alpha.detach()), variant  # type: ignore[attr-defined]
        assert lines(variant) == [], variant


def test_an_optimizer_in_a_function_that_names_the_class_counts_one_elsewhere_does_not():
    """The server re-lints a class's findings when a function naming the class changes, not when an
    unrelated one does (core/incremental): only the first may excuse the finding."""
    alone = SAC.replace(OWN_OPTIMIZER, NO_OPTIMIZER)
    main = "def main():\n    agent = Agent()\n    return optim.SGD([agent.log_alpha], 0.1)\n"
    assert lines(alone + main) == []
    helper = "def make(agent):\n    return optim.SGD([agent.log_alpha], 0.1)\n"
    assert lines(alone + helper) == [10]


def test_a_scheduler_or_a_print_is_no_optimizer():
    alone = SAC.replace(OWN_OPTIMIZER, "").replace(STEPPED, "")
    for call in (
        "optim.lr_scheduler.StepLR(self.actor_optimizer, 1)",
        "print([self.log_alpha])",
        "optim.Adam(self.parameters())",
    ):
        actor = "        self.actor_optimizer = optim.Adam(self.actor.parameters(), lr=lr)\n"
        variant = alone.replace(actor, f"{actor}        self.other = {call}\n")
        assert variant != alone
        run(variant)
        assert lines(variant) == [10], variant


# -- findings 39-40: DARTS's architecture weights behind an accessor of their own ------------------
DARTS = """
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import Variable


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.op = nn.Linear(4, 4)
        self.alphas_normal = Variable(1e-3 * torch.randn(2, 3), requires_grad=True)
        self._arch_parameters = [self.alphas_normal]

    def arch_parameters(self):
        return self._arch_parameters

    def forward(self, x):
        weights = F.softmax(self.alphas_normal, dim=-1)
        return self.op(x) * weights[0, 0]


model = Network()
weights_optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
before = model.alphas_normal.detach().clone()
model(torch.randn(2, 4)).pow(2).sum().backward()
weights_optimizer.step()
"""


def test_architecture_weights_behind_their_own_accessor_are_not_reported():
    ran = run(DARTS)
    model, before = ran["model"], ran["before"]
    # the weights' optimizer leaves them alone, as DARTS's bilevel search needs
    assert torch.equal(before, model.alphas_normal.detach())  # type: ignore[attr-defined]
    assert lines(DARTS) == []


def test_registering_them_would_let_the_weights_optimizer_train_them():
    """PTL301's fix (`nn.Parameter(...)`) on this class changes the algorithm: the optimizer of
    the network's weights, built from `parameters()`, then steps the architecture too."""
    fixed = DARTS.replace(
        "Variable(1e-3 * torch.randn(2, 3), requires_grad=True)", "nn.Parameter(1e-3 * torch.randn(2, 3))"
    )
    ran = run(fixed)
    model, before = ran["model"], ran["before"]
    assert not torch.equal(before, model.alphas_normal.detach())  # type: ignore[attr-defined]


def test_a_getter_of_the_bare_tensor_is_no_parameter_group():
    getter = DARTS.replace("return self._arch_parameters", "return self.alphas_normal")
    getter = getter.replace("        self._arch_parameters = [self.alphas_normal]\n", "")
    assert lines(getter) == [12]
    assert lines(getter + "arch_optimizer = torch.optim.Adam([model.arch_parameters()], lr=0.1)\n") == []


# -- PTL302: a plain tensor made trainable and given its own optimizer is no buffer -----------------
SCALE = """
import torch
from torch import nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.scale = torch.ones(3)
        self.scale.requires_grad_(){optimizer}

    def forward(self, x):
        return self.fc(x) * self.scale


model = Scaled()
model(torch.randn(2, 4)).sum().backward()
"""


def test_ptl302_not_on_a_tensor_with_its_own_optimizer():
    own = SCALE.format(optimizer="\n        self.scale_optimizer = torch.optim.SGD([self.scale], lr=0.1)")
    ran = run(own)
    assert ran["model"].scale.grad is not None  # type: ignore[attr-defined]
    assert lines(own, "PTL302") == []
    assert lines(SCALE.format(optimizer=""), "PTL302") == [10]
    # a constant handed to an optimizer is never trained (no grad): still a buffer's business
    constant = own.replace("        self.scale.requires_grad_()\n", "")
    assert constant != own
    assert lines(constant, "PTL302") == [10]
