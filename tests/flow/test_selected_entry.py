"""MADDPG (audit-18 G6, our programs of the shape): every agent's action is made once before the
update loop, and agent k backwards through ``[a if i == k else a.detach() for i, a in
enumerate(all_actions)]``: its own action with its graph, the others detached. Each pass
backwards another entry's graph, so the programs run under torch 2.13. The neighbours pick the
same entry every pass (a constant, a name fixed before the loop) or detach nothing: they raise
"Trying to backward through the graph a second time" and stay reported."""

from __future__ import annotations

import ast

import pytest

from pt_lsp.core.flow.selected_entry import selection
from tests.flow.programs import reported_lines, run_program

METHOD = """\
import torch
import torch.nn as nn


class Agent:
    def __init__(self, idx, n_agents):
        self.id = idx
        self.actor = nn.Linear(4, 2)
        self.critic = nn.Linear(4 * n_agents + 2 * n_agents, 1)
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=1e-3)

    def act(self, obs):
        return torch.tanh(self.actor(obs))

    def learn(self, states, all_actions):
        actions = [{choice} for i, a in enumerate(all_actions)]
        critic_in = torch.cat([states.flatten(1)] + actions, dim=1)
        actor_loss = -self.critic(critic_in).mean()
        self.actor_opt.zero_grad()
        actor_loss.backward()
        self.actor_opt.step()


def update(agents, states):
    all_actions = [agent.act(states[:, i]) for i, agent in enumerate(agents)]
    for agent in agents:
        agent.learn(states, all_actions)


agents = [Agent(i, 2) for i in range(2)]
for step in range(3):
    update(agents, torch.randn(8, 2, 4))
print("ok")
"""

LOOP = """\
import torch
import torch.nn as nn

actors = [nn.Linear(4, 2) for _ in range(3)]
critic = nn.Linear(6, 1)
opts = [torch.optim.SGD(a.parameters(), lr=0.1) for a in actors]
j = 1
for episode in range(2):
    obs = torch.randn(5, 4)
    all_actions = [actor(obs) for actor in actors]
    for k in range(3):
        actions = [{choice} for i, a in enumerate(all_actions)]
        loss = -critic(torch.cat(actions, dim=1)).mean()
        opts[k].zero_grad()
        loss.backward()
        opts[k].step()
print("ok")
"""

CASES = {  # program, the comprehension's element, reported line or None
    "method, self.id": (METHOD, "a if i == self.id else a.detach()", None),
    "method, reversed test": (METHOD, "a.detach() if self.id != i else a", None),
    "method, .data": (METHOD, "a if self.id == i else a.data", None),
    "method, nothing detached": (METHOD, "a", 20),
    "loop, own index": (LOOP, "a if i == k else a.detach()", None),
    "loop, detach().clone()": (LOOP, "a if i == k else a.detach().clone()", None),
    "loop, constant": (LOOP, "a if i == 0 else a.detach()", 15),
    "loop, name fixed before": (LOOP, "a if i == j else a.detach()", 15),
}


@pytest.mark.parametrize("case", CASES)
def test_reported_only_where_a_pass_meets_a_freed_graph(case: str) -> None:
    program, choice, line = CASES[case]
    source = program.format(choice=choice)
    assert reported_lines(source, "PTL201") == ([line] if line else [])


@pytest.mark.parametrize("case", ["method, self.id", "loop, own index", "loop, constant", "method, nothing detached"])
def test_torch_agrees(case: str, tmp_path) -> None:
    program, choice, line = CASES[case]
    run = run_program(tmp_path, program.format(choice=choice))
    if line is None:
        assert run.returncode == 0, run.stderr
    else:
        assert "backward through the graph a second time" in run.stderr


@pytest.mark.parametrize(
    "text",
    [
        "[a if i == k else a * 2 for i, a in enumerate(xs)]",  # the other entries keep a graph
        "[a if i == k else a.detach() for i, a in enumerate(xs) if a is not None]",
        "[b if i == k else a.detach() for i, a in enumerate(xs)]",
        "[a if i == a else a.detach() for i, a in enumerate(xs)]",
        "[a if i < k else a.detach() for i, a in enumerate(xs)]",
        "[a if i == k else a.detach() for a in xs]",
    ],
)
def test_other_forms_are_not_a_selection(text: str) -> None:
    comp = ast.parse(text, mode="eval").body
    assert isinstance(comp, ast.ListComp)
    assert selection(comp) is None
