"""PTL202 and PTL203 facts taught from real reports' shapes (issue 11, session 14, H-202).

Our own programs, rebuilt from the structure of real reports (a criterion picked from a dict of
losses, REINFORCE's log-probabilities handed to a `finish_episode` helper, a trainer class whose
`step` / `train` method shares its name with the optimizer's or the model's, Grad-CAM's
`gather` of the argmax class, an adapter that changes the weight of the layer it was given, a
layer named by a string through `getattr`, rows picked by random ids).
Every reported program is run under torch 2.13 here: it raises at its `# fails` line ("grad can
be implicitly created only for scalar outputs" / "a leaf Variable that requires grad is being used
in an in-place operation"); every silent neighbour runs to its end. Before this change none of the
reported programs was reported."""

from __future__ import annotations

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

NON_SCALAR = "grad can be implicitly created only for scalar outputs"
LEAF = "a leaf Variable that requires grad is being used in an in-place operation"

# -- PTL202 ----------------------------------------------------------------------------------------
REPORTED_202 = {
    # a name bound to the item of a dict display of loss modules holds that module
    "criterion_picked_from_a_dict": """\
import torch
import torch.nn as nn

LOSSES = {"mse": nn.MSELoss(reduction="none"), "l1": nn.L1Loss()}
model = nn.Linear(5, 2)
criterion = LOSSES["mse"]
loss = criterion(model(torch.randn(7, 5)), torch.randn(7, 2))
loss.backward()  # fails
""",
    "criterion_dict_in_a_function": """\
import torch
import torch.nn as nn


def main(kind):
    losses = {"bce": nn.BCEWithLogitsLoss(reduction="none"), "ce": nn.CrossEntropyLoss()}
    net = nn.Linear(4, 1)
    crit = losses["bce"]
    out = net(torch.randn(6, 4))
    loss = crit(out, torch.ones(6, 1))
    loss.backward()  # fails


main("bce")
""",
    "criterion_dict_kept_by_a_trainer": """\
import torch
import torch.nn as nn

CRITERIA = {"smooth": nn.SmoothL1Loss(reduction="none"), "mse": nn.MSELoss()}


class Trainer:
    def __init__(self, model):
        self.model = model
        self.criterion = CRITERIA["smooth"]

    def fit(self, x, y):
        loss = self.criterion(self.model(x), y)
        loss.backward()  # fails


Trainer(nn.Linear(3, 1)).fit(torch.randn(8, 3), torch.randn(8, 1))
""",
    # a list handed to a helper that stacks it: the count of the one call's list
    "log_probs_handed_to_finish_episode": """\
import torch
import torch.nn as nn

policy = nn.Linear(4, 2)


def finish_episode(log_probs, scale):
    loss = -torch.stack(log_probs) * scale
    loss.backward()  # fails


saved = []
for t in range(10):
    saved.append(torch.log_softmax(policy(torch.randn(4)), dim=-1)[0])
finish_episode(saved, 0.5)
""",
    "step_losses_concatenated_by_a_helper": """\
import torch
import torch.nn as nn

net = nn.Linear(3, 1)


def update(parts):
    total = torch.cat(parts)
    total.backward()  # fails


parts = []
for step in range(4):
    parts.append(net(torch.randn(3)).pow(2))
update(parts)
""",
    "losses_handed_to_a_method": """\
import torch
import torch.nn as nn


class Agent:
    def __init__(self):
        self.critic = nn.Linear(2, 1)

    def learn(self, values):
        loss = torch.stack(values).squeeze(1)
        loss.backward()  # fails


agent = Agent()
values = []
for t in range(5):
    values.append(agent.critic(torch.randn(2)))
agent.learn(values)
""",
    # a method named like a torch object's own (`self.opt.step()` beside `def step`)
    "trainer_step_beside_optimizer_step": """\
import torch
import torch.nn as nn


class EnergyTrainer:
    def __init__(self, dim):
        self.energy = nn.Sequential(nn.Linear(dim, 64), nn.SiLU(), nn.Linear(64, 1))
        self.opt = torch.optim.Adam(self.energy.parameters(), lr=1e-3)

    def step(self, pos, neg):
        loss = self.energy(pos) - self.energy(neg)
        self.opt.zero_grad()
        loss.backward()  # fails
        self.opt.step()


t = EnergyTrainer(3)
t.step(torch.randn(16, 3), torch.randn(16, 3))
""",
    "trainer_train_beside_model_train": """\
import torch
import torch.nn as nn


class Runner:
    def __init__(self):
        self.net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=0.1)
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, 10)

    def train(self, x):
        self.net.train()
        out = self.net(x)
        out.backward()  # fails
        self.optimizer.step()
        self.scheduler.step()


Runner().train(torch.randn(4, 5))
""",
    # argmax / argmin: the tensor's shape without the dim they reduce
    "gradcam_gathers_the_argmax_class": """\
import torch
import torch.nn as nn

net = nn.Linear(8, 5)
logits = net(torch.randn(4, 8))
idx = logits.argmax(dim=1)
score = logits.gather(1, idx.view(-1, 1))
score.backward()  # fails
""",
    "argmin_index_unsqueezed": """\
import torch
import torch.nn as nn

head = nn.Linear(6, 3)
dist = head(torch.randn(5, 6)).abs()
nearest = torch.argmin(dist, dim=1)
picked = dist.gather(1, nearest.unsqueeze(1))
picked.backward()  # fails
""",
    # `t[ids]` with ids from torch.randint / torch.randperm: a row of `t` per id
    "random_minibatch_by_index": """\
import torch
import torch.nn as nn

X = torch.randn(100, 3)
Y = torch.randn(100, 1)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(3):
    idx = torch.randint(0, 100, (16,))
    loss = (model(X[idx]) - Y[idx]) ** 2
    opt.zero_grad()
    loss.backward()  # fails
    opt.step()
""",
    "pairwise_scores_of_sampled_ids": """\
import torch
import torch.nn.functional as F

emb = torch.randn(50, 16, requires_grad=True)


def score(users, items):
    return (emb[users] * emb[items]).sum(dim=1)


users = torch.randint(0, 50, (20,))
items = torch.randint(0, 50, (20,))
loss = -F.logsigmoid(score(users, items))
loss.backward()  # fails
""",
}

SILENT_202 = {
    "minibatch_of_one_id": """\
import torch
import torch.nn as nn

X = torch.randn(100, 3)
Y = torch.randn(100, 1)
model = nn.Linear(3, 1)
for step in range(3):
    idx = torch.randint(0, 100, (1,))
    loss = (model(X[idx]) - Y[idx]) ** 2
    loss.backward()
""",
    "random_minibatch_reduced": """\
import torch
import torch.nn as nn

X = torch.randn(100, 3)
Y = torch.randn(100, 1)
model = nn.Linear(3, 1)
for step in range(3):
    idx = torch.randperm(100)[:16]
    loss = ((model(X[idx]) - Y[idx]) ** 2).mean()
    loss.backward()
""",
    "criterion_picked_is_a_mean": """\
import torch
import torch.nn as nn

LOSSES = {"mse": nn.MSELoss(reduction="none"), "l1": nn.L1Loss()}
model = nn.Linear(5, 2)
criterion = LOSSES["l1"]
loss = criterion(model(torch.randn(7, 5)), torch.randn(7, 2))
loss.backward()
""",
    "criterion_dict_changed_later": """\
import torch
import torch.nn as nn

LOSSES = {"mse": nn.MSELoss(reduction="none")}
LOSSES["mse"] = nn.MSELoss()
model = nn.Linear(5, 2)
criterion = LOSSES["mse"]
loss = criterion(model(torch.randn(7, 5)), torch.randn(7, 2))
loss.backward()
""",
    "one_step_episode": """\
import torch
import torch.nn as nn

policy = nn.Linear(4, 2)


def finish_episode(log_probs):
    loss = -torch.stack(log_probs)
    loss.backward()


saved = []
for t in range(1):
    saved.append(torch.log_softmax(policy(torch.randn(4)), dim=-1)[0])
finish_episode(saved)
""",
    "trainer_step_reduced": """\
import torch
import torch.nn as nn


class EnergyTrainer:
    def __init__(self, dim):
        self.energy = nn.Sequential(nn.Linear(dim, 64), nn.SiLU(), nn.Linear(64, 1))
        self.opt = torch.optim.Adam(self.energy.parameters(), lr=1e-3)

    def step(self, pos, neg):
        loss = (self.energy(pos) - self.energy(neg)).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


t = EnergyTrainer(3)
t.step(torch.randn(16, 3), torch.randn(16, 3))
""",
    "gather_of_one_row": """\
import torch
import torch.nn as nn

net = nn.Linear(8, 5)
logits = net(torch.randn(1, 8))
idx = logits.argmax(dim=1)
score = logits.gather(1, idx.view(-1, 1))
score.backward()
""",
}

# -- PTL203 ----------------------------------------------------------------------------------------
REPORTED_203 = {
    # the weight of a layer an object was given and keeps in `self.<attr>`
    "adapter_merges_into_the_given_layer": """\
import torch
import torch.nn as nn


class LoRALinear(nn.Module):
    def __init__(self, base, r=2):
        super().__init__()
        self.base = base
        self.A = nn.Parameter(torch.randn(r, base.in_features) * 0.01)
        self.B = nn.Parameter(torch.zeros(base.out_features, r))

    def merge(self):
        self.base.weight += self.B @ self.A  # fails


layer = LoRALinear(nn.Linear(6, 4))
layer.merge()
""",
    "head_bias_initialised_by_the_holder": """\
import torch.nn as nn


class Detector:
    def __init__(self, head, prior=-4.0):
        self.head = head
        self.prior = prior

    def init_bias(self):
        self.head.bias.fill_(self.prior)  # fails


conv = nn.Conv2d(16, 3, 1)
Detector(conv).init_bias()
""",
    "embedding_weight_copied_by_a_loader": """\
import torch
import torch.nn as nn


class VectorLoader:
    def __init__(self, embedding):
        self.embedding = embedding

    def load(self, vectors):
        self.embedding.weight.copy_(vectors)  # fails


VectorLoader(nn.Embedding(10, 4)).load(torch.randn(10, 4))
""",
    # `getattr(net, "fc")` with a literal name (or a name bound only to one) is `net.fc`
    "head_named_by_a_string": """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)
        self.cls = nn.Linear(3, 2)


net = Net()
head = "fc"
getattr(net, head).bias.zero_()  # fails
""",
    "classifier_weight_by_literal_name": """\
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Conv2d(3, 8, 3)
        self.classifier = nn.Linear(8, 4)


model = Backbone()
getattr(model, "classifier").weight.normal_(0, 0.01)  # fails
""",
}

SILENT_203 = {
    "named_head_under_no_grad": """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)


net = Net()
head = "fc"
with torch.no_grad():
    getattr(net, head).bias.zero_()
""",
    "named_batch_norm_statistics": """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)


net = Net()
getattr(net, "bn").running_mean.zero_()
""",
    "merged_under_no_grad": """\
import torch
import torch.nn as nn


class LoRALinear(nn.Module):
    def __init__(self, base, r=2):
        super().__init__()
        self.base = base
        self.A = nn.Parameter(torch.randn(r, base.in_features) * 0.01)
        self.B = nn.Parameter(torch.zeros(base.out_features, r))

    def merge(self):
        with torch.no_grad():
            self.base.weight += self.B @ self.A


layer = LoRALinear(nn.Linear(6, 4))
layer.merge()
""",
    "bias_through_data": """\
import torch.nn as nn


class Detector:
    def __init__(self, head, prior=-4.0):
        self.head = head
        self.prior = prior

    def init_bias(self):
        self.head.bias.data.fill_(self.prior)


conv = nn.Conv2d(16, 3, 1)
Detector(conv).init_bias()
""",
    "holder_given_a_plain_object": """\
import torch


class Box:
    def __init__(self):
        self.weight = torch.zeros(3)


class Holder:
    def __init__(self, inner):
        self.inner = inner

    def reset(self):
        self.inner.weight.zero_()


Holder(Box()).reset()
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


@pytest.mark.parametrize("name", sorted(REPORTED_203))
def test_ptl203_reported_where_torch_raises(name: str) -> None:
    program = REPORTED_203[name]
    assert failing_line(program, RuntimeError, LEAF) == marked(program)
    assert found(program, "PTL203") == {marked(program): ["PTL203"]}


@pytest.mark.parametrize("name", sorted(SILENT_203))
def test_ptl203_neighbours_run_and_stay_silent(name: str) -> None:
    run_strictly(SILENT_203[name])
    assert found(SILENT_203[name], "PTL203", "PTL205") == {}
