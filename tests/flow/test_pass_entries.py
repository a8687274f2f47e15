"""A policy-gradient agent pools each step's log-probability (each from its own forward pass) and
every other episode backwards the pool's entries one by one, steps, and empties the pools
(audit-17 G1, our program of the shape): each backward runs through its own entry's graph, never
one an earlier backward freed, in every form the loop takes (``pool[i]`` over ``range``, ``zip``,
``enumerate``) and however the pool is emptied. Run under torch 2.13: those programs run; the
neighbours (a pool never emptied, an entry backwarded twice in one pass, entries sharing a
feature computed once before they were pooled) raise "Trying to backward through the graph a
second time" and stay reported."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from tests.flow.programs import reported_lines, run_program

PROGRAM = """\
import torch, torch.nn as nn
from torch.distributions import Categorical
torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=-1))
opt = torch.optim.Adam(policy.parameters())
rewards, log_probs = [], []
for episode in range(6):
    {feature}
    for t in range(5):
        m = Categorical({probs})
        action = m.sample()
        log_probs.append(m.log_prob(action))
        rewards.append(float(action.item() == 1))
    if episode % 2 == 1:
        opt.zero_grad()
{update}
        opt.step()
        {empty}
print("updates done")
"""

INDEX = """\
        for i in range(len(log_probs)):
            loss = -log_probs[i] * rewards[i]
            loss.backward()"""
ZIP = """\
        for lp, r in zip(log_probs, rewards):
            (-lp * r).backward()"""
ENUMERATE = """\
        for k, lp in enumerate(log_probs):
            (-lp * rewards[k]).backward()"""
TWICE = """\
        for i in range(len(log_probs)):
            (-log_probs[i] * rewards[i]).backward()
            (log_probs[i] * 0.1).backward()"""
OWN = "policy(torch.randn(4))"
SHARED = "policy(feature)"
EMPTIED = "rewards, log_probs = [], []"

CASES = {  # update, how the pools are emptied, probabilities, reported line or None
    "index, reassigned": (INDEX, EMPTIED, OWN, None),
    "zip, cleared": (ZIP, "log_probs.clear(); rewards.clear()", OWN, None),
    "enumerate, deleted": (ENUMERATE, "del log_probs[:], rewards[:]", OWN, None),
    "index, never emptied": (INDEX, "pass", OWN, 18),
    "zip, never emptied": (ZIP, "pass", OWN, 17),
    "an entry backwarded twice": (TWICE, EMPTIED, OWN, 18),
    "a feature shared by the entries": (INDEX, EMPTIED, SHARED, 18),
}


def program(case: str) -> str:
    update, empty, probs, _ = CASES[case]
    feature = "feature = torch.tanh(nn.Linear(4, 4)(torch.randn(4)))" if probs == SHARED else "pass"
    return PROGRAM.format(update=update, empty=empty, probs=probs, feature=feature)


@pytest.mark.parametrize("case", CASES)
def test_only_a_graph_an_earlier_backward_freed_is_reported(case):
    line = CASES[case][3]
    assert reported_lines(program(case), "PTL201") == ([line] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_behave_as_the_findings_say(tmp_path, case):
    run = run_program(tmp_path, program(case))
    reported = CASES[case][3] is not None
    assert ("Trying to backward through the graph a second time" in run.stderr) is reported
    assert (run.stdout.strip() == "updates done") is not reported


ZIPPED = """\
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Categorical
{nets}
opt = torch.optim.Adam([*actor.parameters(), *critic.parameters()], lr=1e-3)
for episode in range(2):
    log_probs, values = [], []
    opt.zero_grad()
    for t in range(5):
        {forward}
        dist = Categorical(probs)
        log_probs.append(dist.log_prob(dist.sample()))
        values.append(value)
    a_losses, c_losses = [], []
    for log_prob, value in zip(log_probs, values):
        advantage = 1.0 - {advantage}
        a_losses.append(-log_prob * advantage)
        c_losses.append(F.smooth_l1_loss(value, torch.ones(1)))
    torch.stack(a_losses).sum().backward()
    torch.stack(c_losses).sum().backward()
    opt.step()
print("updates done")
"""
SEPARATE = "actor = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=-1))\ncritic = nn.Linear(4, 1)"
SHARED_TRUNK = (
    "trunk = nn.Linear(4, 8)\nactor = nn.Sequential(nn.Linear(8, 2), nn.Softmax(dim=-1))\ncritic = nn.Linear(8, 1)"
)
FORWARD = "state = torch.randn(4); probs, value = actor(state), critic(state)"
FORWARD_TRUNK = "h = torch.tanh(trunk(torch.randn(4))); probs, value = actor(h), critic(h)"

ZIPPED_CASES = {  # nets, forward, advantage, whether the critic loss's backward is reported
    "separate nets, advantage of .item()": (SEPARATE, FORWARD, "value.item()", None),
    "separate nets, advantage keeps the critic's graph": (SEPARATE, FORWARD, "value.squeeze()", True),
    "a trunk both heads share": (SHARED_TRUNK, FORWARD_TRUNK, "value.item()", True),
}


def zipped(case: str) -> str:
    nets, forward, advantage, _ = ZIPPED_CASES[case]
    return ZIPPED.format(nets=nets, forward=forward, advantage=advantage)


@pytest.mark.parametrize("case", ZIPPED_CASES)
def test_zipped_lists_give_each_its_own_entry(case):
    """Audit-18 G7: the entries of two lists zipped have graphs of their own, beside what they
    share (one trunk's output)."""
    source = zipped(case)
    line = source.splitlines().index("    torch.stack(c_losses).sum().backward()") + 1
    assert reported_lines(source, "PTL201") == ([line] if ZIPPED_CASES[case][3] else [])


@pytest.mark.parametrize("case", ZIPPED_CASES)
def test_zipped_programs_behave_as_the_findings_say(tmp_path, case):
    run = run_program(tmp_path, zipped(case))
    reported = ZIPPED_CASES[case][3] is not None
    assert ("Trying to backward through the graph a second time" in run.stderr) is reported
    assert (run.stdout.strip() == "updates done") is not reported


STEP_PER_ENTRY = """\
import torch, torch.nn as nn
from torch.distributions import Categorical
torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=-1))
opt = torch.optim.Adam(policy.parameters())
log_probs = []
for t in range(4):
    m = Categorical(policy(torch.randn(4)))
    log_probs.append(m.log_prob(m.sample()))
for i in range(len(log_probs)):
    opt.zero_grad()
    loss = -log_probs[i] * 1.0
    loss.backward(retain_graph=True)
    {step}
print("updates done")
"""


@pytest.mark.parametrize("step", ["opt.step()", "pass"])
def test_an_entry_stands_for_the_parameters_it_saved(tmp_path, step):
    """Each pass takes its own entry, but every entry saved the parameters before the first
    update: a step per entry makes the next entry's backward raise "modified by an inplace
    operation" (njt005's REINFORCE with baseline, realcode13), and stays reported."""
    source = STEP_PER_ENTRY.format(step=step)
    reported = step != "pass"
    result = lint_source(source, "reinforce.py", selection=Selection.of(["PTL201"]))
    assert [(f.line, "updated in place" in f.message) for f in result.findings] == ([(13, True)] if reported else [])
    run = run_program(tmp_path, source)
    assert ("modified by an inplace operation" in run.stderr) is reported
    assert (run.stdout.strip() == "updates done") is not reported


@pytest.mark.parametrize(
    ("case", "pooled"),
    [("index, never emptied", True), ("zip, never emptied", True), ("a feature shared by the entries", False)],
)
def test_a_pool_never_emptied_is_named_with_its_fix(case, pooled):
    """A pool never emptied is not a graph built once before the loop: the message names the list
    and says to empty it after each update; a feature computed before the pool keeps the
    before-the-loop message."""
    result = lint_source(program(case), "prog.py", selection=Selection.of(["PTL201"]))
    (finding,) = result.findings
    assert ("`log_probs` still holds entries an earlier update backwarded" in finding.message) is pooled
    assert ("built once before the loop" in finding.message) is not pooled
    assert ("kept in `log_probs` by an earlier iteration" in finding.related[0].message) is pooled
