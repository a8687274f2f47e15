"""PTL201 false alarms of the tenth audit (benchmarks/ecosystem/audit-10.md, G1, G2 and G4). Every
program is ours, with the shape of the code the audit read. Each runs under torch 2.13 and is
silent; beside it, a neighbour where the fact that makes it safe is missing raises under torch
and is still reported. The tests run both. The miss M1 is in test_ptl201_audit10_handed.py."""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Severity
from pt_lsp.core.flow.splits import split_ranges
from pt_lsp.core.selection import Selection
from pt_lsp.core.walk import NodeIndex

FREED = "backward through the graph a second time"


def findings(source: str, path: str = "<audit10>") -> list[tuple[int, Severity]]:
    result = lint_source(textwrap.dedent(source), path, selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.severity) for f in result.findings if f.code == "PTL201"]


def lines(source: str, path: str = "<audit10>") -> list[int]:
    return [line for line, _ in findings(source, path)]


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def run(source: str) -> dict[str, Any]:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit10"}
    exec(compile(textwrap.dedent(source), "<audit10>", "exec"), namespace)
    return namespace


# -- G1: an inner loop over range(n), n bound to a literal, runs ----------------------------------
# Each epoch warms a recurrent cell up over `warm` steps, then rolls it over `extra - warm` more
# (`extra = random.randint(1, 1) + warm`); both inner loops always run, so the state the loss
# reads is this epoch's.
WARM_UP = """
    import random
    import torch
    import torch.nn as nn

    cell = nn.Linear(3, 3)
    opt = torch.optim.SGD(cell.parameters(), lr=0.01)
    seq = torch.randn(6, 2, 3)
    for epoch in range(3):
        warm = 2
        extra = random.randint(1, 1) + warm
        for k in range(warm):
            state = torch.tanh(cell(seq[k]))
        first = state
        for k in range(warm, extra):
            state = torch.tanh(cell(seq[k]))
        loss = (first - state).pow(2).sum()
        loss.backward()  # backward
        opt.step()
        opt.zero_grad()
    """
# The neighbour: `warm = 0`, the inner loop never runs and the state made before the epochs is
# backwarded again in the second epoch.
NO_WARM_UP = """
    import torch
    import torch.nn as nn

    cell = nn.Linear(3, 3)
    opt = torch.optim.SGD(cell.parameters(), lr=0.01)
    seq = torch.randn(6, 2, 3)
    state = torch.tanh(cell(seq[0]))
    for epoch in range(3):
        warm = 0
        for k in range(warm):
            state = torch.tanh(cell(seq[k]))
        loss = state.pow(2).sum()
        loss.backward()  # backward
        opt.step()
        opt.zero_grad()
    """


def test_g1_inner_loops_over_names_bound_to_literals_run_silent() -> None:
    """Torch runs it: every epoch's loss is built from that epoch's states."""
    assert lines(WARM_UP) == []
    run(WARM_UP)


def test_g1_a_range_of_zero_still_reported() -> None:
    """Torch raises in the second epoch: the state of the first is backwarded again."""
    assert lines(NO_WARM_UP) == [line_of(NO_WARM_UP, "# backward")]
    with pytest.raises(RuntimeError, match=FREED):
        run(NO_WARM_UP)


@pytest.mark.parametrize(
    ("bound", "silent"),
    [
        ("warm = 3", True),
        ("warm = 1 + 1", True),
        ("warm = 2 * 1", True),
        ("warm = random.randint(1, 4)", True),
        ("warm = random.randint(0, 4)", False),  # may be 0
        ("warm = 1 - 1", False),
        ("warm = len(seq)", False),  # not read: unknown
    ],
)
def test_g1_what_a_bound_is_known_to_be(bound: str, silent: bool) -> None:
    program = NO_WARM_UP.replace("warm = 0", bound).replace("import torch\n", "import random\n    import torch\n", 1)
    assert (lines(program) == []) is silent


def test_g1_a_name_bound_twice_or_in_another_scope_is_not_read() -> None:
    """``warm`` bound again in the loop (or read in a function while bound at the module's top
    level by a loop): its value at the range is not the one assignment's."""
    twice = NO_WARM_UP.replace("warm = 0", "warm = 2").replace(
        "        loss = state", "        warm = 0\n        loss = state"
    )
    assert lines(twice) == [line_of(twice, "# backward")]


# -- G2: a constructor flag tested in the method that rolls out and in the one that updates -------
# With `joint=False` the two losses come from two nets and are backwarded one after the other;
# with `joint=True` one net gives both and one backward takes their sum. The flag is set only in
# `__init__`.
AGENT = """
    import torch
    import torch.nn as nn


    class Joint(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Linear(3, 6)
            self.policy = nn.Linear(6, 2)
            self.value = nn.Linear(6, 1)

        def forward(self, x):
            h = torch.relu(self.trunk(x))
            return self.policy(h), self.value(h)


    class Agent:
        def __init__(self, joint=False):
            self.joint = joint
            self.net = Joint()
            self.opt = torch.optim.SGD(self.net.parameters(), lr=0.01)
            self.pi = nn.Linear(3, 2)
            self.v = nn.Linear(3, 1)
            self.opt_pi = torch.optim.SGD(self.pi.parameters(), lr=0.01)
            self.opt_v = torch.optim.SGD(self.v.parameters(), lr=0.01)

        def rollout(self):
            obs = torch.randn(4, 3)
            if self.joint:
                logits, values = self.net(obs)
            else:
                logits, values = self.pi(obs), self.v(obs)
            returns = torch.randn(4, 1)
            adv = (returns - values).detach()
            pg = -(torch.log_softmax(logits, 1)[:, :1] * adv).mean()
            return pg, (returns - values).pow(2).mean()

        def train(self, epochs=2):
            for _ in range(epochs):
                pg, vf = self.rollout()
                if self.joint:
                    (pg + vf).backward()
                    self.opt.step()
                    self.opt.zero_grad()
                else:
                    pg.backward()
                    self.opt_pi.step()
                    self.opt_pi.zero_grad()
                    vf.backward()  # second
                    self.opt_v.step()
                    self.opt_v.zero_grad()


    Agent().train()
    Agent(joint=True).train()
    """
# The neighbour: a method called between the rollout and the update clears the flag, so the
# joint net's two outputs are backwarded one after the other.
SWITCHED = AGENT.replace(
    "                pg, vf = self.rollout()\n",
    "                pg, vf = self.rollout()\n                self.split_heads()\n",
).replace(
    "        def train(self, epochs=2):",
    "        def split_heads(self):\n            self.joint = False\n\n        def train(self, epochs=2):",
)


def test_g2_a_flag_set_once_in_init_takes_one_side_in_both_methods() -> None:
    """Torch runs both agents: the separate nets share nothing, the joint one backwards once."""
    assert lines(AGENT) == []
    run(AGENT)


def test_g2_a_flag_another_method_changes_still_reported() -> None:
    """Torch raises: the joint net's trunk is backwarded twice."""
    assert SWITCHED != AGENT
    assert lines(SWITCHED) == [line_of(SWITCHED, "# second")]
    with pytest.raises(RuntimeError, match=FREED):
        run(SWITCHED.replace("    Agent().train()\n", ""))


def test_g2_only_the_joint_agent_built_silent() -> None:
    """Torch runs it: one backward of the sum of the joint net's two outputs."""
    only_joint = AGENT.replace("    Agent().train()\n", "")
    assert lines(only_joint) == []
    run(only_joint)


# -- G4: tests of one option decide which outputs a pass assigns and whether they are used --------
CRITIC = """
    import argparse

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    parser = argparse.ArgumentParser()
    parser.add_argument("--head", default="aux", choices=["plain", "aux", "both"])
    cfg = parser.parse_args([])


    class Critic(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(5, 8)
            self.real_fake = nn.Linear(8, 1)
            self.classes = nn.Linear(8, 4)

        def forward(self, x):
            h = torch.relu(self.body(x))
            return self.real_fake(h), self.classes(h)


    critic, gen = Critic(), nn.Linear(3, 5)
    opt_c = torch.optim.Adam(critic.parameters())
    for it in range(2):
        x, y = torch.randn(6, 5), torch.randint(0, 4, (6,))
        critic.zero_grad()
        if cfg.head == "plain":
            score, _ = critic(x)
        elif cfg.head in ("aux", "both"):
            score, cls = critic(x)
        else:
            raise ValueError(cfg.head)
        cls_real = F.cross_entropy(cls, y) if cfg.head != "plain" else 0.0
        (F.softplus(-score).mean() + cls_real).backward()
        z = gen(torch.randn(6, 3)).detach()
        if cfg.head == "plain":
            score, _ = critic(z)
        else:
            score, cls = critic(z)
        cls_fake = 0.0 if cfg.head == "plain" else F.cross_entropy(cls, y)
        (F.softplus(score).mean() + cls_fake).backward()  # fake pass
        opt_c.step()
    """
# The neighbour: the option changes between the passes, and the fake pass reads the real
# pass's class scores.
CHANGED = CRITIC.replace(
    "        z = gen(torch.randn(6, 3)).detach()\n",
    '        z = gen(torch.randn(6, 3)).detach()\n        cfg.head = "plain" if cfg.head == "aux" else cfg.head\n',
).replace(
    '        cls_fake = 0.0 if cfg.head == "plain" else F.cross_entropy(cls, y)',
    "        cls_fake = F.cross_entropy(cls, y)",
)


@pytest.mark.parametrize("head", ["plain", "aux", "both"])
def test_g4_one_option_tested_on_both_passes_silent(head: str) -> None:
    """Torch runs it for each choice: the real pass's class scores are never read by the fake one."""
    assert lines(CRITIC) == []
    run(CRITIC.replace("parse_args([])", f'parse_args(["--head", "{head}"])'))


def test_g4_an_option_the_program_changes_still_reported() -> None:
    """Torch raises: the fake pass backwards the real pass's class scores again."""
    assert line_of(CHANGED, "# fake pass") in lines(CHANGED)
    with pytest.raises(RuntimeError, match=FREED):
        run(CHANGED)


# -- which flags are split (pt_lsp/core/flow/splits.py) -------------------------------------------
def split_tests(source: str) -> list[list[str]]:
    """The tests of each split of ``source``, as written."""
    tree = ast.parse(textwrap.dedent(source))
    found = split_ranges(tree, NodeIndex(tree), textwrap.dedent(source))
    return sorted(sorted(ast.unparse(test) for test in split.direct) for split in found.values())


FLAGGED = """
    def train(model, env, opt, x):
        for step in range(3):
            if {flag}:
                out = model(x)
            {between}
            if {flag}:
                out.sum().backward()
    """


@pytest.mark.parametrize(
    ("flag", "between", "split"),
    [
        ("opt.aux", "pass", True),
        ("opt.mode == 'a'", "pass", True),
        ("opt.aux", "opt = opt.other", False),  # rebound between the tests
        ("opt.aux", "opt.aux = False", False),  # the file assigns the attribute
        ("env.done", "env.step()", False),  # a method of its object may change it
        ("model.training", "pass", False),  # torch's own state (model.eval())
        ("use_cuda", "pass", False),  # not an attribute
        ("opt.cuda", "pass", False),  # a CUDA flag: the device rules read both branches
    ],
)
def test_which_flags_are_split(flag: str, between: str, split: bool) -> None:
    source = FLAGGED.format(flag=flag, between=between)
    assert bool(split_tests(source)) is split


def test_a_flag_of_self_is_split_only_where_init_alone_assigns_it() -> None:
    source = textwrap.dedent(
        """
        class Agent:
            def __init__(self, joint):
                self.joint = joint

            def train(self, x):
                if self.joint:
                    y = x
                if self.joint:
                    y.sum().backward()
        """
    )
    assert split_tests(source) == [["self.joint", "self.joint"]]
    reassigned = source + "\n    def flip(self):\n        self.joint = not self.joint\n"
    assert split_tests(reassigned) == []
    never = source.replace("self.joint = joint", "pass")  # set elsewhere (torch's `training`, a caller)
    assert split_tests(never) == []


# -- G2's real code also returned its episode from inside `while True:` ---------------------------
# Nothing leaves the loop but the return, so the call's value is the returned tuple; joined with a
# fall-through `None` its items were one unknown value, every one holding every graph.
EPISODE = """
    import torch
    import torch.nn as nn

    pi, v = nn.Linear(3, 2), nn.Linear(3, 1)
    opt_pi = torch.optim.SGD(pi.parameters(), lr=0.01)
    opt_v = torch.optim.SGD(v.parameters(), lr=0.01)


    def play(horizon):
        logps, values, t = [], [], 0
        while True:
            obs = torch.randn(1, 3)
            out = pi(obs)
            logps.append(torch.log_softmax(out, 1)[:, 0])
            values.append({value})
            t += 1
            if t == horizon:
                returns = torch.ones(horizon)
                value = torch.cat(values)
                adv = (returns - value).detach()
                return (torch.cat(logps) * adv).sum(), (returns - value).pow(2).mean()


    for episode in range(2):
        pg, vf = play(4)
        (-pg).backward()
        opt_pi.step()
        opt_pi.zero_grad()
        vf.backward()  # second
        opt_v.step()
        opt_v.zero_grad()
    """
SEPARATE = EPISODE.format(value="v(obs)[:, 0]")
# The neighbour: the value reads the policy's output too, so the second backward goes through
# the policy's graph, freed by the first.
SHARED = EPISODE.format(value="v(obs)[:, 0] + out[:, 1]")


def test_g2_a_tuple_returned_from_inside_while_true_keeps_its_items() -> None:
    """Torch runs it: the policy term and the value error share no graph."""
    assert lines(SEPARATE) == []
    run(SEPARATE)


def test_g2_items_that_share_a_graph_still_reported() -> None:
    """Torch raises: the value error goes through the policy's graph, freed by the first backward."""
    assert lines(SHARED) == [line_of(SHARED, "# second")]
    with pytest.raises(RuntimeError, match=FREED):
        run(SHARED)


# A method run from `__init__`, where the flag is known: the split's statements run once, as the
# state decides (they once ran the split again without end: the file was skipped as too deep).
KNOWN_FLAG = """
    import torch
    import torch.nn as nn


    class Agent:
        def __init__(self):
            self.joint = True
            self.net = nn.Linear(3, 2)
            self.train()

        def train(self):
            for _ in range(2):
                if self.joint:
                    out = self.net(torch.randn(4, 3))
                if self.joint:
                    out.sum().backward()
                    out.sum().backward()  # second


    Agent()
    """


def test_a_split_whose_flag_the_state_knows_runs_once() -> None:
    """Torch raises: the second backward of the same graph."""
    assert lines(KNOWN_FLAG) == [line_of(KNOWN_FLAG, "# second")]
    with pytest.raises(RuntimeError, match=FREED):
        run(KNOWN_FLAG)
