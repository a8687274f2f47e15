"""PTL201 on audit-9's R4-R5 shape (BEAR): a graph kept by ``retain_graph=True`` on one side of
``if self.mode == 'auto':`` only, the actor stepped, then backwarded again under a second
``if self.mode == 'auto':``. The second test takes the side the first took as long as nothing
between them can rebind ``self.mode`` (``core/flow/correlated.py``), so the kept graph is met
stepped. Also: ``self.actor.sample_multiple(s)`` in a plain class's method analysed on its own
runs the method of the module class ``__init__`` assigns to ``self.actor``.

Every program is ours, in the shape of the real code, run under torch 2.13 (CPU): the reported
ones raise "modified by an inplace operation", the silent ones run."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Severity
from pt_lsp.core.selection import Selection

from .test_audit9_retain_then_step import AGENTS, OWN_ACTIONS

IN_PLACE = "modified by an inplace operation"


def findings(source: str) -> list[tuple[int, Severity]]:
    result = lint_source(textwrap.dedent(source), "<paths>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.severity) for f in result.findings if f.code == "PTL201"]


def run(source: str, call: str) -> None:
    """Runs ``source`` and then ``call`` (the trainer is built by another file in the real code)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "paths"}
    exec(compile(textwrap.dedent(source) + "\n" + call + "\n", "<paths>", "exec"), namespace)


def line_of(source: str, text: str) -> int:
    lines = textwrap.dedent(source).splitlines()
    matches = [number for number, line in enumerate(lines, 1) if text in line]
    assert len(matches) == 1, (text, matches)
    return matches[0]


BEAR = """
import torch
import torch.nn.functional as F
from torch import nn


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(3, 16)
        self.l2 = nn.Linear(16, 2)

    def sample_multiple(self, state, n):
        raw = self.l2(F.relu(self.l1(state))).unsqueeze(1).repeat(1, n, 1)
        return torch.tanh(raw), raw


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(5, 16)
        self.l2 = nn.Linear(16, 1)

    def q_all(self, state, action):
        return self.l2(F.relu(self.l1(torch.cat([state, action], 1))))


class Learner(object):
    def __init__(self, mode="auto"):
        self.actor = Actor()
        self.critic = Critic()
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=1e-3)
        self.mode = mode
        self.log_lagrange = torch.zeros((), requires_grad=True)
        self.lagrange_opt = torch.optim.Adam([self.log_lagrange], lr=1e-3)

    def switch_mode(self):
        self.mode = "fixed"

    def train(self, state):
        actions, raw = self.actor.sample_multiple(state, 4)
        critic_qs = self.critic.q_all(state, actions[:, 0, :])
        spread = raw.pow(2).mean()
        if self.mode == "auto":
            actor_loss = (-critic_qs + self.log_lagrange.exp() * spread).mean()
        else:
            actor_loss = (-critic_qs + 10.0 * spread).mean()
        self.actor_optimizer.zero_grad()
        if self.mode == "auto":
            actor_loss.backward(retain_graph=True)
        else:
            actor_loss.backward()
        self.actor_optimizer.step()
        threshold = 0.05
        if self.mode == "auto":
            lagrange_loss = (-critic_qs + self.log_lagrange.exp() * (spread - threshold)).mean()
            self.lagrange_opt.zero_grad()
            (-lagrange_loss).backward()  # lagrange
            self.lagrange_opt.step()
"""

AUTO = "Learner('auto').train(torch.rand(4, 3))"
FIXED_MODE = "Learner('fixed').train(torch.rand(4, 3))"

# The multiplier's loss needs no gradient through the actor: detached, nothing kept is met.
BEAR_DETACHED = BEAR.replace(
    "lagrange_loss = (-critic_qs + self.log_lagrange.exp() * (spread - threshold)).mean()",
    "lagrange_loss = (-critic_qs.detach() + self.log_lagrange.exp() * (spread.detach() - threshold)).mean()",
)

# A method of the learner runs between the two tests: it may rebind self.mode (here it does, so
# the second test goes the other way), so the two tests are not known to agree.
BEAR_SWITCHED = BEAR.replace(
    """        self.actor_optimizer.step()
        threshold = 0.05
""",
    """        self.actor_optimizer.step()
        self.switch_mode()
        threshold = 0.05
""",
)

# The condition held in a local flag, tested twice: the same correlation.
BEAR_FLAG = (
    BEAR.replace(
        '        if self.mode == "auto":\n            actor_loss.backward',
        "        if auto:\n            actor_loss.backward",
    )
    .replace(
        '        if self.mode == "auto":\n            lagrange_loss', "        if auto:\n            lagrange_loss"
    )
    .replace(
        "        spread = raw.pow(2).mean()\n",
        '        spread = raw.pow(2).mean()\n        auto = self.mode == "auto"\n',
    )
)

# The second test differs: which side it takes is not tied to the retain (silent, no proof).
BEAR_OTHER_TEST = BEAR.replace(
    '        if self.mode == "auto":\n            lagrange_loss',
    "        if self.log_lagrange is not None:\n            lagrange_loss",
)


def test_bear_retain_under_mode_then_lagrange_under_mode_is_reported() -> None:
    """Torch, mode 'auto': the Lagrange loss backwards through the stepped actor's kept graph
    and raises; mode 'fixed': the graph is freed and the second ``if`` is skipped, it runs."""
    assert findings(BEAR) == [(line_of(BEAR, "# lagrange"), Severity.ERROR)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(BEAR, AUTO)
    run(BEAR, FIXED_MODE)


def test_bear_flag_in_a_local_name_is_reported() -> None:
    """Torch: as above (mode 'auto' raises)."""
    assert BEAR_FLAG != BEAR and BEAR_FLAG.count("if auto:") == 2
    assert findings(BEAR_FLAG) == [(line_of(BEAR_FLAG, "# lagrange"), Severity.ERROR)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(BEAR_FLAG, AUTO)


def test_bear_detached_lagrange_loss_silent_and_runs() -> None:
    assert BEAR_DETACHED != BEAR
    assert findings(BEAR_DETACHED) == []
    run(BEAR_DETACHED, AUTO)


def test_bear_mode_switched_between_the_tests_silent_and_runs() -> None:
    """Torch: ``switch_mode`` sets the mode to 'fixed' after the step, the second ``if`` is
    skipped and it runs."""
    assert BEAR_SWITCHED != BEAR
    assert findings(BEAR_SWITCHED) == []
    run(BEAR_SWITCHED, AUTO)


def test_bear_second_test_on_something_else_silent() -> None:
    """Not proven (the two tests are unrelated to the analysis). Torch: with mode 'fixed' the
    graph is freed and this raises the freed-graph error, with 'auto' the in-place one; the rule
    says nothing either way, which is the price of not correlating unrelated tests."""
    assert BEAR_OTHER_TEST != BEAR
    assert findings(BEAR_OTHER_TEST) == []
    with pytest.raises(RuntimeError):
        run(BEAR_OTHER_TEST, FIXED_MODE)


def test_module_method_of_self_attribute_reached_without_correlation() -> None:
    """The plain learner is never built in the file: ``self.actor.sample_multiple`` is the
    ``Actor`` method ``__init__`` assigns, so its nodes saved the actor's weights. Unconditional
    retain: reported; torch raises."""
    plain = BEAR.replace(
        '        if self.mode == "auto":\n            actor_loss.backward(retain_graph=True)\n        else:\n            actor_loss.backward()\n',
        "        actor_loss.backward(retain_graph=True)\n",
    )
    assert plain != BEAR
    assert findings(plain) == [(line_of(plain, "# lagrange"), Severity.ERROR)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(plain, AUTO)


# -- MADDPG (audit-9 R1): the per-iteration graph ------------------------------------------------
def test_maddpg_own_actions_made_in_the_loop_body_silent_and_run() -> None:
    """Each agent's own actor output made inside the loop from the loop's item (the others' taken
    detached before the loop): the graph kept by one agent's backward is made anew in the next
    pass, so the next agent's backward never meets it. Torch runs it. R1 (the joint actions built
    once before the loop) stays reported: ``test_audit9_retain_then_step``."""
    agents = AGENTS
    own = agents.replace(
        """    mu = torch.cat([agent.actor(obs[i]) for i, agent in enumerate(agents)], dim=1)
    for i, agent in enumerate(agents):
""",
        """    mus = [agent.actor(obs[i]).detach() for i, agent in enumerate(agents)]
    for i, agent in enumerate(agents):
        own = agent.actor(obs[i])
        mu = torch.cat([own if j == i else mus[j] for j in range(len(agents))], dim=1)
""",
    )
    assert own != agents
    assert findings(own) == []
    assert findings(agents) != []
    namespace: dict[str, Any] = {"__name__": "paths"}
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(own), "<paths>", "exec"), namespace)


# The same list of actor outputs made before the loop, every agent's entry read with its graph:
# the second agent's backward goes through the first actor, stepped (R1 through a list).
ALL_ENTRIES = OWN_ACTIONS.replace(
    "mu = torch.cat([mus[j] if j == i else mus[j].detach() for j in range(len(agents))], dim=1)",
    "mu = torch.cat([mus[j] for j in range(len(agents))], dim=1)",
)


def test_maddpg_list_read_whole_in_the_loop_stays_reported() -> None:
    """Torch raises 'modified by an inplace operation' (the earlier agent's actor, stepped).
    Its neighbour reading only ``mus[j]`` under ``j == i`` and the rest detached is silent and
    runs: ``test_audit9_retain_then_step.test_r1_own_actions_only_silent_and_runs``."""
    assert ALL_ENTRIES != OWN_ACTIONS
    assert [severity for _, severity in findings(ALL_ENTRIES)] == [Severity.WARNING]
    assert findings(OWN_ACTIONS) == []
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=IN_PLACE):
        exec(compile(textwrap.dedent(ALL_ENTRIES), "<paths>", "exec"), {"__name__": "paths"})
