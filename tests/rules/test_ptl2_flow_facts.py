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


# -- a name bound to a parameter is that parameter ------------------------------------------------
EMBEDDING_ROW_CLEARED_THROUGH_A_NAME = """
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab=10):
        super().__init__()
        self.emb = nn.Embedding(vocab, 4)
        self.out = nn.Linear(4, 3)
        self.clear_padding_row()

    def clear_padding_row(self):
        table = self.emb.weight
        table[0] = 0.0

    def forward(self, tokens):
        return self.out(self.emb(tokens))


print(Tagger()(torch.tensor([1, 2])).shape)
"""  # raises: a view of a leaf that requires grad is changed in place

EMBEDDING_ROW_CLEARED_UNDER_NO_GRAD = EMBEDDING_ROW_CLEARED_THROUGH_A_NAME.replace(
    "        table[0] = 0.0", "        with torch.no_grad():\n            table[0] = 0.0"
)  # runs
EMBEDDING_ROW_CLEARED_THROUGH_DATA = EMBEDDING_ROW_CLEARED_THROUGH_A_NAME.replace(
    "table = self.emb.weight", "table = self.emb.weight.data"
)  # runs: `.data` is not recorded


def test_a_name_bound_to_a_layer_parameter_is_that_leaf():
    assert lines("PTL203", EMBEDDING_ROW_CLEARED_THROUGH_A_NAME) == [14]
    assert lines("PTL203", EMBEDDING_ROW_CLEARED_UNDER_NO_GRAD) == []
    assert lines("PTL203", EMBEDDING_ROW_CLEARED_THROUGH_DATA) == []


# -- `t.requires_grad = True` succeeds on leaves only: from there on, t is one --------------------
BIAS_FLAGGED_THEN_INITIALISED = """
import torch

bias = torch.zeros(4)
bias.requires_grad = True
bias.uniform_(-0.1, 0.1)
x = torch.randn(5, 4)
(x + bias).pow(2).mean().backward()
print(bias.grad)
"""  # raises: the leaf error

BIAS_INITIALISED_THEN_FLAGGED = """
import torch

bias = torch.zeros(4)
bias.uniform_(-0.1, 0.1)
bias.requires_grad = True
x = torch.randn(5, 4)
(x + bias).pow(2).mean().backward()
print(bias.grad)
"""  # runs

BIAS_FLAGGED_THEN_REBOUND = """
import torch

bias = torch.zeros(4)
bias.requires_grad = True
bias = bias * 2
bias += 1
x = torch.randn(5, 4)
(x + bias).pow(2).mean().backward()
"""  # runs: `bias * 2` is a new tensor, not a leaf

BIAS_FLAGGED_IN_ONE_BRANCH = """
import sys

import torch

train = len(sys.argv) > 5
w = torch.zeros(3)
if train:
    w.requires_grad = True
w.fill_(1.0)
print(w)
"""  # runs as called (the flag is off); the change is not after the flag on every path


def test_a_tensor_whose_requires_grad_was_set_true_is_a_leaf_until_rebound():
    assert lines("PTL203", BIAS_FLAGGED_THEN_INITIALISED) == [5]
    assert lines("PTL203", BIAS_INITIALISED_THEN_FLAGGED) == []
    assert lines("PTL203", BIAS_FLAGGED_THEN_REBOUND) == []
    assert lines("PTL203", BIAS_FLAGGED_IN_ONE_BRANCH) == []


# -- nn.Linear keeps the leading dimensions, whatever its width ---------------------------------
MLP_OF_A_GROWN_LAYER_LIST = """
import torch
from torch import nn


def mlp(width, depth):
    layers = [nn.Linear(3, width), nn.ReLU()]
    for _ in range(depth):
        layers.append(nn.Linear(width, width))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers, nn.Linear(width, 1))


net = mlp(16, 2)
points = torch.rand(32, 3)
energy = net(points)
energy.backward()
"""  # raises: one energy per point

MLP_OF_A_GROWN_LAYER_LIST_SUMMED = MLP_OF_A_GROWN_LAYER_LIST.replace("energy.backward()", "energy.sum().backward()")

MLP_WITH_A_LAYER_THAT_POOLS_ROWS = """
import torch
from torch import nn


class Pool(nn.Module):
    def forward(self, x):
        return x.mean(dim=0, keepdim=True)


def mlp(width, blocks):
    layers = [nn.Linear(3, width), nn.ReLU()]
    layers.extend(blocks)
    return nn.Sequential(*layers, nn.Linear(width, 1))


net = mlp(16, [Pool()])
points = torch.rand(32, 3)
energy = net(points)
energy.backward()
"""  # runs: the pooling layer leaves one row

FIELD_OF_A_DEFAULT_WIDTH = """
import torch
from torch import nn


class Field(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, width), nn.Softplus(), nn.Linear(width, 1))

    def forward(self, xyz):
        return self.body(xyz)


field = Field()
xyz = torch.rand(50, 3, requires_grad=True)
potential = field(xyz)
(force,) = torch.autograd.grad(potential, xyz)
print(force.shape)
"""  # raises: one potential per point

FIELD_OF_A_DEFAULT_WIDTH_SUMMED = FIELD_OF_A_DEFAULT_WIDTH.replace(
    "torch.autograd.grad(potential, xyz)", "torch.autograd.grad(potential.sum(), xyz)"
)  # runs


def test_rows_pass_through_linear_layers_of_any_width_and_a_grown_list_of_them():
    assert lines("PTL202", MLP_OF_A_GROWN_LAYER_LIST) == [16]
    assert lines("PTL202", MLP_OF_A_GROWN_LAYER_LIST_SUMMED) == []
    assert lines("PTL202", MLP_WITH_A_LAYER_THAT_POOLS_ROWS) == []
    assert lines("PTL202", FIELD_OF_A_DEFAULT_WIDTH) == [17]
    assert lines("PTL202", FIELD_OF_A_DEFAULT_WIDTH_SUMMED) == []


# -- random.choices/sample/choice draw elements of their population ---------------------------------
CHOICES_FROM_KEPT_OUTPUTS = """
import random

import torch
from torch import nn

random.seed(0)
critic = nn.Linear(2, 1)
opt = torch.optim.SGD(critic.parameters(), lr=0.1)
seen = []
for step in range(6):
    seen.append(critic(torch.randn(2)).squeeze())
    opt.zero_grad()
    replay = random.choices(seen, k=3)
    loss = sum(v**2 for v in replay)
    loss.backward()
    opt.step()
"""  # raises: a drawn output's graph was freed by an earlier backward

CHOICES_FROM_KEPT_INPUTS = """
import random

import torch
from torch import nn

random.seed(0)
critic = nn.Linear(2, 1)
opt = torch.optim.SGD(critic.parameters(), lr=0.1)
seen = []
for step in range(6):
    seen.append(torch.randn(2))
    opt.zero_grad()
    replay = random.choices(seen, k=3)
    loss = sum(critic(v).squeeze() ** 2 for v in replay)
    loss.backward()
    opt.step()
"""  # runs: the graph is built anew from the drawn inputs


def test_values_drawn_by_random_from_a_list_are_its_elements():
    assert lines("PTL201", CHOICES_FROM_KEPT_OUTPUTS) == [15]
    assert lines("PTL201", CHOICES_FROM_KEPT_INPUTS) == []


# -- `if len(memory) < n: return` on a list that only grows stops returning after the warm-up -------
REPLAY_OF_KEPT_SCORES = """
import random

import torch
from torch import nn


class Learner:
    def __init__(self):
        self.policy = nn.Linear(3, 2)
        self.opt = torch.optim.SGD(self.policy.parameters(), lr=0.01)
        self.buffer = []

    def record(self, obs):
        score = self.policy(obs).log_softmax(-1)[0]
        self.buffer.append(score)

    def update(self):
        if len(self.buffer) < 3:
            return
        picked = random.sample(self.buffer, 2)
        loss = -(picked[0] + picked[1])
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


random.seed(1)
learner = Learner()
for t in range(10):
    learner.record(torch.randn(3))
    learner.update()
"""  # raises: a sampled score's graph was freed by an earlier update

REPLAY_OF_KEPT_OBSERVATIONS = """
import random

import torch
from torch import nn


class Learner:
    def __init__(self):
        self.policy = nn.Linear(3, 2)
        self.opt = torch.optim.SGD(self.policy.parameters(), lr=0.01)
        self.buffer = []

    def record(self, obs):
        self.buffer.append(obs)

    def update(self):
        if len(self.buffer) < 3:
            return
        picked = random.sample(self.buffer, 2)
        loss = -(self.policy(picked[0]).log_softmax(-1)[0] + self.policy(picked[1]).log_softmax(-1)[0])
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


random.seed(1)
learner = Learner()
for t in range(10):
    learner.record(torch.randn(3))
    learner.update()
"""  # runs

BACKWARD_ON_THE_LAST_CALL_ONLY = """
import torch
from torch import nn


class Episode:
    def __init__(self):
        self.policy = nn.Linear(3, 2)
        self.scores = []

    def observe(self, obs):
        self.scores.append(self.policy(obs).log_softmax(-1)[0])

    def finish(self, t):
        if t < 9:
            return
        loss = -(self.scores[0] + self.scores[-1])
        loss.backward()


episode = Episode()
for t in range(10):
    episode.observe(torch.randn(3))
    episode.finish(t)
"""  # runs: the guard is not a warm-up, the backward runs once

SCORES_RESET_AFTER_EACH_UPDATE = """
import torch
from torch import nn


class Episode:
    def __init__(self):
        self.policy = nn.Linear(3, 2)
        self.scores = []

    def observe(self, obs):
        self.scores.append(self.policy(obs).log_softmax(-1)[0])

    def update(self):
        if len(self.scores) < 4:
            return
        loss = -torch.stack(self.scores).sum()
        loss.backward()
        self.scores = []


episode = Episode()
for t in range(12):
    episode.observe(torch.randn(3))
    episode.update()
"""  # runs: the list is rebound after each update, so its length guard is no warm-up


def test_a_warm_up_guard_on_a_growing_list_does_not_hide_the_updates_after_it():
    assert lines("PTL201", REPLAY_OF_KEPT_SCORES) == [23]
    assert lines("PTL201", REPLAY_OF_KEPT_OBSERVATIONS) == []
    assert lines("PTL201", BACKWARD_ON_THE_LAST_CALL_ONLY) == []
    assert lines("PTL201", SCORES_RESET_AFTER_EACH_UPDATE) == []


# (name, program, expected outcome under torch: the error's text, or "" for a clean run)
PROGRAMS = [
    ("in-place on a leaf", SCALE_SHIFTED_IN_PLACE, "a leaf Variable that requires grad"),
    ("the same under no_grad", SCALE_SHIFTED_UNDER_NO_GRAD, ""),
    ("optimizer subclass, no reset", WARM_SGD_SUBCLASS, "gradients accumulated across steps"),
    ("optimizer subclass, reset", WARM_SGD_SUBCLASS_RESET, ""),
    ("optimizer subclass with its own step", SUBCLASS_WITH_ITS_OWN_STEP, ""),
    ("parameter through a name", EMBEDDING_ROW_CLEARED_THROUGH_A_NAME, "a view of a leaf Variable that requires grad"),
    ("parameter through a name, no_grad", EMBEDDING_ROW_CLEARED_UNDER_NO_GRAD, ""),
    ("parameter's .data through a name", EMBEDDING_ROW_CLEARED_THROUGH_DATA, ""),
    ("flagged, then initialised", BIAS_FLAGGED_THEN_INITIALISED, "a leaf Variable that requires grad"),
    ("initialised, then flagged", BIAS_INITIALISED_THEN_FLAGGED, ""),
    ("flagged, then rebound", BIAS_FLAGGED_THEN_REBOUND, ""),
    ("flagged in one branch", BIAS_FLAGGED_IN_ONE_BRANCH, ""),
    ("grown layer list", MLP_OF_A_GROWN_LAYER_LIST, "grad can be implicitly created only for scalar outputs"),
    ("grown layer list, summed", MLP_OF_A_GROWN_LAYER_LIST_SUMMED, ""),
    ("a layer pools the rows", MLP_WITH_A_LAYER_THAT_POOLS_ROWS, ""),
    ("default width", FIELD_OF_A_DEFAULT_WIDTH, "grad can be implicitly created only for scalar outputs"),
    ("default width, summed", FIELD_OF_A_DEFAULT_WIDTH_SUMMED, ""),
    ("choices of kept outputs", CHOICES_FROM_KEPT_OUTPUTS, "Trying to backward through the graph a second time"),
    ("choices of kept inputs", CHOICES_FROM_KEPT_INPUTS, ""),
    ("replay of kept scores", REPLAY_OF_KEPT_SCORES, "Trying to backward through the graph a second time"),
    ("replay of kept observations", REPLAY_OF_KEPT_OBSERVATIONS, ""),
    ("backward on the last call only", BACKWARD_ON_THE_LAST_CALL_ONLY, ""),
    ("scores reset after each update", SCORES_RESET_AFTER_EACH_UPDATE, ""),
]
