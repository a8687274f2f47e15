"""PTL201 on the shapes real training code gives its graphs (issue 11): losses returned as a tuple
and backwarded one by one, state kept by a module of ours inside ``nn.Sequential``, one method
backwarding the losses of two models that share a graph, state handed between methods through
``self``, a gradient penalty through ``requires_grad_(True)``, REINFORCE's log-probs in a global
policy, a GAN split into methods, a cache of a parameter. Each reported program raises under torch
(the tests run it); each silent neighbour (``.detach()``, ``retain_graph=True``, a fresh forward,
a cleared list) runs. The programs are ours, written for these tests."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection

FREED = "Trying to backward through the graph a second time"


def findings(source: str) -> list[tuple[int, str, int]]:
    """(line, message, number of fixes) of each PTL201 finding."""
    result = lint_source(textwrap.dedent(source), "<train>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.message, len(f.fixes)) for f in result.findings]


def marked(source: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if line.endswith("# bug")]


def run_error(source: str) -> str | None:
    """Run ``source`` under torch: the RuntimeError's message, or None when it runs through."""
    try:
        exec(compile(source, "<train>", "exec"), {"__name__": "__train__"})
    except RuntimeError as error:
        return str(error)
    return None


# the losses a helper returns as a tuple share the trunk's graph; a loop backwards each
TUPLE_OF_LOSSES = """
import torch
import torch.nn.functional as F
from torch import nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(5, 8)
        self.head_a = nn.Linear(8, 3)
        self.head_b = nn.Linear(8, 1)

    def forward(self, x):
        h = torch.tanh(self.trunk(x))
        return self.head_a(h), self.head_b(h)


def criterion(outputs, y, t):
    logits, value = outputs
    return F.cross_entropy(logits, y), (value.squeeze(1) - t).pow(2).mean()


net = TwoHeads()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y, t in [(torch.randn(4, 5), torch.randint(0, 3, (4,)), torch.randn(4))]:
    opt.zero_grad()
    for part in criterion(net(x), y, t):
        part.backward()  # bug
    opt.step()
"""


# `[out]` only where the result is not already a tuple or list: the loop backwards the tuple's items
TUPLE_CHOSEN_BY_ISINSTANCE = """
import torch
from torch import nn

trunk, a, b = nn.Linear(3, 4), nn.Linear(4, 1), nn.Linear(4, 1)


def losses_of(x):
    h = torch.relu(trunk(x))
    return a(h).mean(), b(h).mean()


out = losses_of(torch.randn(2, 3))
if not isinstance(out, (tuple, list)):
    out = [out]
for loss in out:
    loss.backward()  # bug
"""


# a module of ours inside nn.Sequential keeps its state in an attribute from batch to batch
STATE_IN_A_SEQUENTIAL = """
import torch
from torch import nn


class Integrator(nn.Module):
    def __init__(self, decay):
        super().__init__()
        self.decay = decay
        self.state = None

    def forward(self, x):
        if self.state is None:
            self.state = torch.zeros_like(x)
        self.state = self.decay * self.state + x
        return self.state


model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), Integrator(0.5))
opt = torch.optim.Adam(model.parameters())
for x in [torch.randn(2, 6) for _ in range(3)]:
    out = model(x)
    loss = out.pow(2).mean()
    opt.zero_grad()
    loss.backward()  # bug
    opt.step()
"""


# one update() method backwards each stage's loss; the second stage's loss ran through the first stage's output
ONE_METHOD_TWO_STAGES = """
import torch
from torch import nn


class Stage(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.net = nn.Linear(ch, 4)
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.1)

    def run(self, x):
        out = torch.relu(self.net(x))
        return out, out.pow(2).mean()

    def update(self, loss):
        self.opt.zero_grad()
        loss.backward()  # bug
        self.opt.step()


class Pipeline:
    def __init__(self):
        self.first = Stage(3)
        self.second = Stage(4)

    def train(self, data):
        for x in data:
            mid, first_loss = self.first.run(x)
            out, second_loss = self.second.run(mid)
            self.second.update(second_loss)
            self.first.update(first_loss)


Pipeline().train([torch.randn(2, 3)])
"""


# generate() sets self.fake, critic_step() uses it un-detached through a helper, in a critic loop
STATE_SHARED_BY_METHODS = """
import torch
from torch import nn


def penalty(critic, real, fake):
    mix = 0.5 * real + 0.5 * fake
    return critic(mix).pow(2).mean()


class Trainer:
    def __init__(self):
        self.gen = nn.Linear(3, 3)
        self.critic = nn.Linear(3, 1)
        self.opt_c = torch.optim.SGD(self.critic.parameters(), lr=0.1)
        self.opt_g = torch.optim.SGD(self.gen.parameters(), lr=0.1)

    def generate(self, z):
        self.fake = self.gen(z)

    def critic_step(self, real):
        loss = self.critic(self.fake.detach()).mean() - self.critic(real).mean()
        loss = loss + penalty(self.critic, real, self.fake)
        loss.backward()  # bug

    def step(self, z, real):
        self.generate(z)
        for _ in range(3):
            self.opt_c.zero_grad()
            self.critic_step(real)
            self.opt_c.step()
        self.opt_g.zero_grad()
        # range(3) always runs, so the critic steps have freed self.fake's graph on every path here
        # too (torch raises at the first line marked, before reaching this one)
        (-self.critic(self.fake).mean()).backward()  # bug
        self.opt_g.step()


t = Trainer()
for _ in range(2):
    t.step(torch.randn(4, 3), torch.randn(4, 3))
"""


# a gradient penalty's interpolates of a generator output made once before the critic loop
PENALTY_THROUGH_REQUIRES_GRAD = """
import torch
from torch import nn

gen = nn.Linear(3, 3)
critic = nn.Sequential(nn.Linear(3, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
opt_c = torch.optim.SGD(critic.parameters(), lr=0.01)


def gradient_penalty(real, fake):
    alpha = torch.rand(real.shape[0], 1)
    mixed = alpha * real + (1 - alpha) * fake
    mixed.requires_grad_(True)
    score = critic(mixed)
    grads = torch.autograd.grad(score.sum(), mixed, create_graph=True)[0]
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


real = torch.randn(4, 3)
fake = gen(torch.randn(4, 3))
for _ in range(3):
    opt_c.zero_grad()
    loss = critic(fake.detach()).mean() - critic(real).mean() + gradient_penalty(real, fake)
    loss.backward()  # bug
    opt_c.step()
"""


# an LSTM state carried after `if torch.cuda.is_available(): net.cuda()`
LSTM_AFTER_CUDA_BRANCH = """
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6)
        self.out = nn.Linear(6, 3)

    def forward(self, x, state):
        y, state = self.lstm(x, state)
        return self.out(y), state


net = Tagger()
if torch.cuda.is_available():
    net.cuda()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
state = (torch.zeros(1, 2, 6), torch.zeros(1, 2, 6))
for step in range(3):
    scores, state = net(torch.randn(5, 2, 4), state)
    loss = scores.pow(2).mean()
    opt.zero_grad()
    loss.backward()  # bug
    opt.step()
"""


# log-probs kept in policy.saved_log_probs by select_action, backwarded by finish_episode, never cleared
REINFORCE_GLOBAL_POLICY = """
import torch
from torch import nn
from torch.distributions import Categorical


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=-1)


policy = Policy()
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)


def select_action(state):
    m = Categorical(policy(state))
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    loss = torch.stack([-lp for lp in policy.saved_log_probs]).sum()
    optimizer.zero_grad()
    loss.backward()  # bug
    optimizer.step()
    del policy.rewards[:]


for episode in range(3):
    for t in range(4):
        select_action(torch.randn(4))
        policy.rewards.append(1.0)
    finish_episode()
"""


# a discriminator step without detach and a generator step split into methods
GAN_STEPS_AS_METHODS = """
import torch
from torch import nn


class GAN:
    def __init__(self):
        self.G = nn.Linear(2, 4)
        self.D = nn.Linear(4, 1)
        self.opt_g = torch.optim.Adam(self.G.parameters())
        self.opt_d = torch.optim.Adam(self.D.parameters())
        self.bce = nn.BCEWithLogitsLoss()

    def step_d(self, real, fake):
        self.opt_d.zero_grad()
        loss = self.bce(self.D(real), torch.ones(4, 1)) + self.bce(self.D(fake), torch.zeros(4, 1))
        loss.backward()
        self.opt_d.step()

    def step_g(self, fake):
        self.opt_g.zero_grad()
        loss = self.bce(self.D(fake), torch.ones(4, 1))
        loss.backward()  # bug
        self.opt_g.step()

    def train(self, batches):
        for real in batches:
            fake = self.G(torch.randn(4, 2))
            self.step_d(real, fake)
            self.step_g(fake)


GAN().train([torch.randn(4, 4) for _ in range(2)])
"""


# a module caching a tensor derived from its parameter across iterations
CACHE_OF_A_PARAMETER = """
import torch
from torch import nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(3, 3))
        self.cached = None

    def forward(self, x):
        if self.cached is None:
            self.cached = torch.tanh(self.weight) * 2
        return x @ self.cached


model = Scaled()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    loss = model(torch.randn(2, 3)).sum()
    opt.zero_grad()
    loss.backward()  # bug
    opt.step()
"""


# silent: the list is cleared in finish_episode as well
REINFORCE_CLEARED = """
import torch
from torch import nn
from torch.distributions import Categorical


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=-1)


policy = Policy()
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)


def select_action(state):
    m = Categorical(policy(state))
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    loss = torch.stack([-lp for lp in policy.saved_log_probs]).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


for episode in range(3):
    for t in range(4):
        select_action(torch.randn(4))
        policy.rewards.append(1.0)
    finish_episode()
"""


# silent: a flag set to False before the loop decides each `if not self.is_test`, and a list grown by
# extend([...]) unpacks item by item: the two losses share nothing
FLAG_AND_TRANSITION = """
import torch
from torch import nn


class Agent:
    def __init__(self):
        self.actor = nn.Linear(3, 2)
        self.critic = nn.Linear(3, 1)
        self.opt_a = torch.optim.Adam(self.actor.parameters())
        self.opt_c = torch.optim.Adam(self.critic.parameters())
        self.memory = []
        self.is_test = False

    def act(self, state):
        log_prob = torch.log_softmax(self.actor(state), -1)[0]
        if not self.is_test:
            self.memory = [state, log_prob]
        return 0

    def observe(self, reward):
        if not self.is_test:
            self.memory.extend([reward])

    def update(self):
        state, log_prob, reward = self.memory
        value_loss = (self.critic(state) - reward).pow(2).mean()
        self.opt_c.zero_grad()
        value_loss.backward()
        self.opt_c.step()
        policy_loss = -log_prob * reward
        self.opt_a.zero_grad()
        policy_loss.backward()
        self.opt_a.step()

    def train(self, steps):
        self.is_test = False
        for _ in range(steps):
            self.act(torch.randn(3))
            self.observe(1.0)
            self.update()


Agent().train(3)
"""


# the targets of a synthetic regression keep the graph of the "true" weights; a generator hands out
# slices of them batch by batch
BATCHES_FROM_A_GENERATOR = """
import torch


def batches(x, y, size):
    for start in range(0, len(x), size):
        yield x[start : start + size], y[start : start + size]


scale = torch.tensor([1.5, -2.0], requires_grad=True)
inputs = torch.randn(20, 2)
targets = (inputs * scale).sum(1)
w = torch.zeros(2, requires_grad=True)
for _ in range(2):
    for x, y in batches(inputs, targets, 5):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()  # bug
        with torch.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
"""


# REINFORCE as an agent class: the episode loop calls finish_episode(), which clears the rewards only
REINFORCE_AGENT = """
import torch
from torch import nn
from torch.distributions import Categorical


class Agent:
    def __init__(self):
        self.policy = nn.Linear(4, 2)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=1e-2)
        self.saved_log_probs = []
        self.rewards = []

    def act(self, state):
        dist = Categorical(torch.softmax(self.policy(state), -1))
        action = dist.sample()
        self.saved_log_probs.append(dist.log_prob(action))
        return action.item()

    def finish_episode(self):
        loss = torch.stack([-lp * r for lp, r in zip(self.saved_log_probs, self.rewards)]).sum()
        self.optimizer.zero_grad()
        loss.backward()  # bug
        self.optimizer.step()
        self.rewards = []


agent = Agent()
for episode in range(3):
    for t in range(4):
        agent.act(torch.randn(4))
        agent.rewards.append(1.0)
    agent.finish_episode()
"""


REPORTED = {
    "tuple of losses": TUPLE_OF_LOSSES,
    "tuple chosen by isinstance": TUPLE_CHOSEN_BY_ISINSTANCE,
    "state in a Sequential": STATE_IN_A_SEQUENTIAL,
    "one method, two stages": ONE_METHOD_TWO_STAGES,
    "state shared by methods": STATE_SHARED_BY_METHODS,
    "penalty through requires_grad_": PENALTY_THROUGH_REQUIRES_GRAD,
    "LSTM after a CUDA branch": LSTM_AFTER_CUDA_BRANCH,
    "REINFORCE through a global policy": REINFORCE_GLOBAL_POLICY,
    "GAN steps as methods": GAN_STEPS_AS_METHODS,
    "cache of a parameter": CACHE_OF_A_PARAMETER,
    "batches from a generator": BATCHES_FROM_A_GENERATOR,
    "REINFORCE in an agent class": REINFORCE_AGENT,
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_where_torch_raises(name: str) -> None:
    program = REPORTED[name]
    assert [line for line, _, _ in findings(program)] == marked(program)
    assert FREED in (run_error(program) or "")


# (program, what changes, into what): each neighbour runs under torch and is silent
SILENT = {
    "each loss retains the graph": (TUPLE_OF_LOSSES, "part.backward()", "part.backward(retain_graph=True)"),
    "two trunks, two graphs": (
        TUPLE_OF_LOSSES,
        "h = torch.tanh(self.trunk(x))\n        return self.head_a(h), self.head_b(h)",
        "return self.head_a(torch.tanh(self.trunk(x))), self.head_b(torch.tanh(self.trunk(x)))",
    ),
    "the kept state detached": (
        STATE_IN_A_SEQUENTIAL,
        "self.state = self.decay * self.state + x",
        "self.state = self.decay * self.state.detach() + x",
    ),
    "the first stage's output detached": (
        ONE_METHOD_TWO_STAGES,
        "self.second.run(mid)",
        "self.second.run(mid.detach())",
    ),
    "the fake detached for the penalty": (
        STATE_SHARED_BY_METHODS,
        "penalty(self.critic, real, self.fake)",
        "penalty(self.critic, real, self.fake.detach())",
    ),
    "interpolates of a detached fake": (
        PENALTY_THROUGH_REQUIRES_GRAD,
        "+ gradient_penalty(real, fake)",
        "+ gradient_penalty(real, fake.detach())",
    ),
    "a fresh fake per critic step": (
        PENALTY_THROUGH_REQUIRES_GRAD,
        "for _ in range(3):\n",
        "for _ in range(3):\n    fake = gen(torch.randn(4, 3))\n",
    ),
    "the LSTM state detached": (
        LSTM_AFTER_CUDA_BRANCH,
        "    scores, state = net(",
        "    state = tuple(s.detach() for s in state)\n    scores, state = net(",
    ),
    "the discriminator sees a detached fake": (
        GAN_STEPS_AS_METHODS,
        "self.step_d(real, fake)",
        "self.step_d(real, fake.detach())",
    ),
    "the cache recomputed in every call": (
        CACHE_OF_A_PARAMETER,
        "        if self.cached is None:\n            self.cached = torch.tanh(self.weight) * 2\n",
        "        self.cached = torch.tanh(self.weight) * 2\n",
    ),
    "the agent clears its log-probs too": (
        REINFORCE_AGENT,
        "        self.rewards = []\n",
        "        self.rewards = []\n        self.saved_log_probs = []\n",
    ),
    "targets made without a graph": (
        BATCHES_FROM_A_GENERATOR,
        "targets = (inputs * scale).sum(1)",
        "targets = (inputs * scale).sum(1).detach()",
    ),
}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_neighbour_runs(name: str) -> None:
    program, old, new = SILENT[name]
    assert old in program
    changed = program.replace(old, new)
    assert findings(changed) == []
    assert run_error(changed) is None


@pytest.mark.parametrize("program", [REINFORCE_CLEARED, FLAG_AND_TRANSITION])
def test_silent_programs_run(program: str) -> None:
    assert findings(program) == []
    assert run_error(program) is None


def test_messages_name_the_call_and_the_layer() -> None:
    [(_, message, _)] = findings(ONE_METHOD_TWO_STAGES)
    assert "this backward() in an earlier call of `update()`" in message
    assert "previous iteration" not in message
    [(_, message, fixes)] = findings(STATE_IN_A_SEQUENTIAL)
    assert "`model[2].state` is carried across loop iterations" in message
    assert fixes == 0  # `model[2].state` is None before the first batch: no detach to insert


def test_no_detach_fix_for_a_cache_the_module_fills_itself() -> None:
    # detaching `model.cached` would leave the loss without a path to the parameter
    [(_, message, fixes)] = findings(CACHE_OF_A_PARAMETER)
    assert "`model.cached`" in message and fixes == 0


def test_the_backward_method_is_reported_once_for_its_two_callers() -> None:
    assert len(findings(ONE_METHOD_TWO_STAGES)) == 1


# False alarms found on real code while these facts were taught (realcode, realcode2): each runs.
# A recursive helper detaches each tensor of a nested tuple or list of hidden states: not followed
# into its recursion, it may detach, so its result does not carry the graph it was given; and a list
# is no tensor, so `h.detach()` is not the branch a list takes.
REPACKAGED_HIDDEN = """
import torch
from torch import nn


def repackage(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage(v) for v in h)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cells = nn.ModuleList([nn.GRUCell(3, 3), nn.GRUCell(3, 3)])

    def forward(self, x, hidden):
        new_hidden = []
        for cell, h in zip(self.cells, hidden):
            x = cell(x, h)
            new_hidden.append(x)
        return x, new_hidden


net = Net()
hidden = [torch.zeros(2, 3), torch.zeros(2, 3)]
for _ in range(3):
    hidden = repackage(hidden)
    out, hidden = net(torch.randn(2, 3), hidden)
    out.sum().backward()
"""

# The same saliency helper called on two inputs builds two graphs; the input was made by a model
# zoo's preprocessing function (`*_Weights.DEFAULT.transforms()`), which is no model. Not run:
# torchvision is not a dependency.
SALIENCY_TWICE = """
import torch
from torchvision.models import ResNet18_Weights, resnet18

weights = ResNet18_Weights.DEFAULT
model = resnet18(weights=weights).eval()
preprocess = weights.transforms()
x = preprocess(torch.rand(3, 64, 64)).unsqueeze(0)


def saliency(inp):
    inp = inp.clone().requires_grad_(True)
    score = model(inp)
    score[0, score.argmax(1).item()].backward()
    return inp.grad.abs()


first = saliency(x)
second = saliency(x + 0.05 * torch.randn_like(x))
"""


def test_a_recursive_detaching_helper_is_trusted_to_detach() -> None:
    assert findings(REPACKAGED_HIDDEN) == []
    assert run_error(REPACKAGED_HIDDEN) is None
    kept = REPACKAGED_HIDDEN.replace("    hidden = repackage(hidden)\n", "")
    backward = next(n for n, line in enumerate(kept.splitlines(), 1) if "backward()" in line)
    assert [line for line, _, _ in findings(kept)] == [backward]
    assert FREED in (run_error(kept) or "")


def test_a_model_zoo_preprocessing_function_is_no_model() -> None:
    assert findings(SALIENCY_TWICE) == []


# A module that replaces its state on every call (`out, self.state = self.rnn(x, self.state)`):
# the state set up in __init__ is detached at the start of each iteration, and that runs.
STATE_REPLACED_PER_CALL = """
import torch
from torch import nn


class Tracker(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 5)
        self.head = nn.Linear(5, 1)
        self.state = torch.zeros(1, 2, 5)

    def forward(self, x):
        out, self.state = self.rnn(x, self.state)
        return self.head(out[-1])


model = Tracker()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    loss = model(torch.randn(4, 2, 3)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def test_state_a_module_replaces_per_call_gets_the_detach_fix() -> None:
    [(_, message, fixes)] = findings(STATE_REPLACED_PER_CALL)
    assert "`model.state` is carried" in message and fixes == 1
    assert FREED in (run_error(STATE_REPLACED_PER_CALL) or "")
    fixed = fix_source(STATE_REPLACED_PER_CALL, "<train>", unsafe=True)
    assert "model.state = model.state.detach()" in fixed.text
    assert findings(fixed.text) == []
    assert run_error(fixed.text) is None
