"""PTL201's documented case on the shapes audit-9 missed (M1, R1-R7): a backward through a graph
kept by ``backward(retain_graph=True)`` after an optimizer ``step()`` updated parameters the graph
saved. Every program is ours, written in the shape of the real code; each is run under torch 2.13
(CPU): the reported ones raise "modified by an inplace operation", their fixes and the silent
neighbours run.

How sure the finding is (``core/flow/optimizers.py``, ``rules/autograd/_retained_steps.py``):
an error where the optimizer is built in the file from the parameters of a module the kept graph
went through and the graph node is proven; a warning ("likely") where the tie rests on names
(``critic_optim`` of a function parameter ``critic``), on a callable parameter's output, on a file
that freezes parameters, or on a loop variable (each agent of a loop). Torch shows why: an
optimizer of unknown parameters stepped between two backwards of one loss runs when its model is
off the graph, or is a single layer applied to data (no weight saved); see ``test_likely_...``.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Severity
from pt_lsp.core.selection import Selection

IN_PLACE = "modified by an inplace operation"


def findings(source: str) -> list[tuple[int, Severity]]:
    result = lint_source(textwrap.dedent(source), "<audit9>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.severity) for f in result.findings if f.code == "PTL201"]


def run(source: str) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit9"}
    exec(compile(textwrap.dedent(source), "<audit9>", "exec"), namespace)


def line_of(source: str, text: str) -> int:
    lines = textwrap.dedent(source).splitlines()
    matches = [number for number, line in enumerate(lines, 1) if text in line]
    assert len(matches) == 1, (text, matches)
    return matches[0]


# -- r2: PPO's update in a function whose modules and optimizers are parameters (R2-R3) -------
PPO_UPDATE = """
import torch


def train_model(actor, critic, memory, actor_optim, critic_optim):
    states, actions, returns = memory
    for _ in range(2):
        mu = actor(states)
        log_prob = -((actions - mu) ** 2).sum(1)
        values = critic(states).squeeze(1)
        actor_loss = -(log_prob * (returns - values.detach())).mean()
        critic_loss = ((returns - values) ** 2).mean()
        loss = actor_loss + 0.5 * critic_loss
        critic_optim.zero_grad()
        loss.backward(retain_graph=True)
        critic_optim.step()
        actor_optim.zero_grad()
        loss.backward()  # second
        actor_optim.step()
"""

# The callers live in another file in the real code; here, to run the function under torch.
PPO_CALLER = """
from torch import nn

actor = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
critic = {critic}
memory = (torch.rand(5, 3), torch.rand(5, 2), torch.rand(5))
actor_optim = torch.optim.Adam(actor.parameters())
critic_optim = torch.optim.Adam({stepped}.parameters())
train_model(actor, critic, memory, actor_optim, critic_optim)
"""
MLP = "nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))"


def caller(critic: str = MLP, stepped: str = "critic") -> str:
    return PPO_CALLER.format(critic=critic, stepped=stepped)


def test_r2_parameters_of_a_function_reported_as_likely() -> None:
    """Torch: with two-layer models the second backward raises."""
    assert findings(PPO_UPDATE) == [(line_of(PPO_UPDATE, "# second"), Severity.WARNING)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(PPO_UPDATE + caller())


def test_r2_with_its_caller_in_the_file_is_an_error() -> None:
    """The caller builds each optimizer from its module's parameters (under the names the
    function steps them by): the tie is proven."""
    program = PPO_UPDATE + caller()
    assert findings(program) == [(line_of(program, "# second"), Severity.ERROR)]


PPO_FIXED = PPO_UPDATE.replace(
    """        critic_optim.zero_grad()
        loss.backward(retain_graph=True)
        critic_optim.step()
        actor_optim.zero_grad()
        loss.backward()  # second
        actor_optim.step()""",
    """        critic_optim.zero_grad()
        actor_optim.zero_grad()
        loss.backward()
        critic_optim.step()
        actor_optim.step()""",
)

# Neighbours: the optimizer named after a model off the kept graph; the graph rebuilt after the
# step; only zero_grad() between the backwards.
OFF_GRAPH = PPO_UPDATE.replace("loss = actor_loss + 0.5 * critic_loss", "loss = actor_loss")
REBUILT = PPO_UPDATE.replace(
    "        actor_optim.zero_grad()\n",
    "        values = critic(states).squeeze(1)\n"
    "        loss = actor_loss + 0.5 * ((returns - values) ** 2).mean()\n"
    "        actor_optim.zero_grad()\n",
)
ZERO_GRAD_ONLY = PPO_UPDATE.replace("        critic_optim.step()\n", "        critic_optim.zero_grad()\n")


@pytest.mark.parametrize(
    "program",
    [PPO_FIXED, OFF_GRAPH, REBUILT, ZERO_GRAD_ONLY],
    ids=["step-after-last-backward", "model-off-graph", "rebuilt-after-step", "zero-grad-only"],
)
def test_r2_fix_and_neighbours_silent_and_run(program: str) -> None:
    assert program != PPO_UPDATE
    assert findings(program) == []
    run(program + caller())


def test_likely_r2_runs_with_a_one_layer_critic() -> None:
    """Why the name tie is a warning: torch runs the same update when the critic is one layer
    applied to data (its weight is not saved) or when the stepped optimizer is another model's."""
    run(PPO_UPDATE + caller(critic="nn.Linear(3, 1)"))
    run(PPO_UPDATE + caller(stepped="nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))"))


# -- r1: MADDPG's joint actions built once before the loop over agents (R1) -------------------
AGENTS = """
import torch
import torch.nn.functional as F
from torch import nn


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, obs):
        return torch.tanh(self.fc2(F.relu(self.fc1(obs))))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, state, action):
        return self.fc2(F.relu(self.fc1(torch.cat([state, action], dim=1))))


class Agent:
    def __init__(self):
        self.actor = Actor()
        self.critic = Critic()
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=1e-3)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=1e-3)


def learn(agents, obs, states, actions, rewards):
    mu = torch.cat([agent.actor(obs[i]) for i, agent in enumerate(agents)], dim=1)
    for i, agent in enumerate(agents):
        critic_loss = F.mse_loss(agent.critic(states, actions).flatten(), rewards[:, i])
        agent.critic_optimizer.zero_grad()
        critic_loss.backward(retain_graph=True)
        agent.critic_optimizer.step()

        actor_loss = -agent.critic(states, mu).flatten().mean()
        agent.actor_optimizer.zero_grad()
        actor_loss.backward(retain_graph=True)  # actor
        agent.actor_optimizer.step()


learn([Agent(), Agent()], torch.rand(2, 5, 4), torch.rand(5, 8), torch.rand(5, 4), torch.rand(5, 2))
"""

# The fix: each agent's joint actions made anew, after the earlier agents' steps.
AGENTS_FIXED = AGENTS.replace(
    """    mu = torch.cat([agent.actor(obs[i]) for i, agent in enumerate(agents)], dim=1)
    for i, agent in enumerate(agents):
""",
    """    for i, agent in enumerate(agents):
        mu = torch.cat([other.actor(obs[j]) for j, other in enumerate(agents)], dim=1)
""",
)

# Each agent backwards through its own actor's output only (the others' detached): the kept
# graph of agent 0 is never met again, and torch runs it. The analysis folds the agents of the
# loop into one object; core/flow/per_item.py tells that each pass reads only its own agent's
# entry of `mus` with a graph and steps that agent's optimizer after its backward (silent).
OWN_ACTIONS = AGENTS.replace(
    """    mu = torch.cat([agent.actor(obs[i]) for i, agent in enumerate(agents)], dim=1)
    for i, agent in enumerate(agents):
""",
    """    mus = [agent.actor(obs[i]) for i, agent in enumerate(agents)]
    for i, agent in enumerate(agents):
        mu = torch.cat([mus[j] if j == i else mus[j].detach() for j in range(len(agents))], dim=1)
""",
)


def test_r1_joint_actions_before_the_agent_loop_reported() -> None:
    """Torch: the second agent's actor loss backwards through the first actor, stepped."""
    assert findings(AGENTS) == [(line_of(AGENTS, "# actor"), Severity.WARNING)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(AGENTS)


def test_r1_fix_silent_and_runs() -> None:
    assert AGENTS_FIXED != AGENTS
    assert findings(AGENTS_FIXED) == []
    run(AGENTS_FIXED)


def test_r1_own_actions_only_silent_and_runs() -> None:
    """Torch runs it (each agent's backward meets only its own, not yet stepped, actor)."""
    assert OWN_ACTIONS != AGENTS
    assert findings(OWN_ACTIONS) == []
    run(OWN_ACTIONS)


# -- BEAR: the Lagrange multiplier's loss through the critic values of the stepped actor (R4-R5)
LAGRANGE = """
import torch
import torch.nn.functional as F
from torch import nn


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(3, 16)
        self.l2 = nn.Linear(16, 2)

    def sample(self, state):
        return torch.tanh(self.l2(F.relu(self.l1(state))))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(5, 16)
        self.l2 = nn.Linear(16, 1)

    def q_all(self, state, action):
        return self.l2(F.relu(self.l1(torch.cat([state, action], 1))))


class Trainer:
    def __init__(self):
        self.actor = Actor()
        self.critic = Critic()
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=1e-3)
        self.log_lagrange = torch.zeros(1, requires_grad=True)
        self.lagrange_opt = torch.optim.Adam([self.log_lagrange], lr=1e-3)

    def train(self, state):
        actions = self.actor.sample(state)
        critic_qs = self.critic.q_all(state, actions)
        penalty = actions.pow(2).sum(1, keepdim=True)
        actor_loss = (-critic_qs + self.log_lagrange.exp() * penalty).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward(retain_graph=True)
        self.actor_optimizer.step()
        lagrange_loss = (-critic_qs + self.log_lagrange.exp() * (penalty - 0.05)).mean()
        self.lagrange_opt.zero_grad()
        (-lagrange_loss).backward()  # lagrange
        self.lagrange_opt.step()


Trainer().train(torch.rand(4, 3))
"""

# The multiplier's loss needs no gradient through the actor: detached, its graph is fresh.
LAGRANGE_FIXED = LAGRANGE.replace(
    "lagrange_loss = (-critic_qs + self.log_lagrange.exp() * (penalty - 0.05)).mean()",
    "lagrange_loss = (-critic_qs.detach() + self.log_lagrange.exp() * (penalty.detach() - 0.05)).mean()",
)


def test_bear_lagrange_loss_through_stepped_actor_methods_is_an_error() -> None:
    """The actor's ``sample`` and the critic's ``q_all`` are methods, not ``forward``: the
    nodes they make saved their module's weights all the same. Torch raises."""
    assert findings(LAGRANGE) == [(line_of(LAGRANGE, "# lagrange"), Severity.ERROR)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(LAGRANGE)


def test_bear_fix_silent_and_runs() -> None:
    assert LAGRANGE_FIXED != LAGRANGE
    assert findings(LAGRANGE_FIXED) == []
    run(LAGRANGE_FIXED)


# -- r7: a speaker classifier on the encoder's states, requires_grad toggled after the forward
VOICE = """
import torch
import torch.nn.functional as F
from torch import nn


class VoiceModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8))
        self.decoder = nn.Linear(8, 6)
        self.classifier = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, x):
        hidden = self.encoder(x)
        return self.decoder(hidden), self.classifier(hidden)


model = VoiceModel()
parameters_main = list(model.encoder.parameters()) + list(model.decoder.parameters())
parameters_sc = list(model.classifier.parameters())
optimizer_main = torch.optim.Adam(parameters_main, lr=1e-3)
optimizer_sc = torch.optim.Adam(parameters_sc, lr=1e-3)
for step in range(2):
    x, speaker = torch.rand(4, 6), torch.randint(0, 3, (4,))
    model.zero_grad()
    reconstruction, logits = model(x)
    l_main = F.mse_loss(reconstruction, x)
    l_sc = F.cross_entropy(logits, speaker)
    for p in parameters_sc:
        p.requires_grad_(False)
    l_main.backward(retain_graph=True)
    optimizer_main.step()
    for p in parameters_sc:
        p.requires_grad_(True)
    for p in parameters_main:
        p.requires_grad_(False)
    l_sc.backward()  # classifier
    optimizer_sc.step()
    for p in parameters_main:
        p.requires_grad_(True)
"""

# Without the toggles the file freezes nothing: the tie (parameter lists of model.encoder) and
# the node are proven.
VOICE_PLAIN = "\n".join(line for line in VOICE.splitlines() if "requires_grad_" not in line and "for p in" not in line)
VOICE_FIXED = VOICE.replace(
    """    l_main.backward(retain_graph=True)
    optimizer_main.step()""",
    """    l_main.backward(retain_graph=True)""",
).replace("    optimizer_sc.step()\n", "    optimizer_main.step()\n    optimizer_sc.step()\n")


def test_r7_classifier_on_the_encoder_reported() -> None:
    """Switching requires_grad off after the forward does not cut the recorded graph: torch
    raises. The file freezes parameters, so the node is not proven: a warning."""
    assert findings(VOICE) == [(line_of(VOICE, "# classifier"), Severity.WARNING)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(VOICE)


def test_r7_without_toggles_is_an_error() -> None:
    assert VOICE_PLAIN.count("requires_grad_") == 0
    assert findings(VOICE_PLAIN) == [(line_of(VOICE_PLAIN, "# classifier"), Severity.ERROR)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(VOICE_PLAIN)


def test_r7_steps_after_both_backwards_silent_and_run() -> None:
    assert VOICE_FIXED != VOICE
    assert findings(VOICE_FIXED) == []
    run(VOICE_FIXED)
