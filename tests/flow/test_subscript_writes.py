"""A tensor written through a subscript (``buf[i] = policy(obs)``, ``out[:, t] = h``) takes the
graph and the grad requirement of what is written: torch records the copy (CopySlices) and the
buffer requires grad from then on; its device stays its own. Session 15's leftover (issue 11):
the flow kept such buffers graph-free, which hid PTL202 on an unrolled RNN's preallocated output
(the seq2seq decoders' ``outputs[t] = output``, e.g. rosacry/nptop models/seq2seq.py), PTL402 on a
policy's probabilities gathered into a buffer and PTL201 on a critic's value buffer allocated
once and refilled every epoch. Our programs, run under torch 2.13: each reported one raises at the
marked line; each silent neighbour runs (a returns buffer filled from rewards, writes under
``no_grad`` or of detached values, a reduction before backward, a buffer made per epoch)."""

from __future__ import annotations

import re

import pytest

from tests.flow.programs import reported_lines, run_program

RNN_BUFFER = """\
import torch
import torch.nn as nn

cell = nn.RNNCell(3, 5)
x = torch.randn(2, 7, 3)
h = torch.zeros(2, 5)
out = torch.zeros(2, 7, 5)
for t in range(7):
    h = cell(x[:, t], h)
    out[:, t] = h
out{reduce}.backward()  # line 11
print("ran")
"""

POLICY_BUFFER = """\
import torch
import torch.nn as nn

policy = nn.Linear(4, 2)
obs = torch.randn(8, 4)
probs = torch.zeros(8, 2)
{guard}for t in range(8):
{guard_indent}    probs[t] = torch.softmax(policy(obs[t]), dim=-1){detach}
print(probs.numpy())  # line 9
"""

SCORES_ADDED = """\
import torch
import torch.nn as nn

head = nn.Linear(4, 3)
x = torch.randn(6, 4)
scores = torch.zeros(6, 3)
for t in range(6):
    scores[t] += head(x[t])
print(scores.numpy())  # line 9
"""

VALUE_BUFFER = """\
import torch
import torch.nn as nn

critic = nn.Linear(4, 1)
opt = torch.optim.SGD(critic.parameters(), lr=0.1)
obs = torch.randn(8, 4)
{outer}for epoch in range(3):
{inner}    for t in range(8):
        values[t] = critic(obs[t]).squeeze()
    loss = values.pow(2).mean()
    opt.zero_grad()
    loss.backward()  # line 13
    opt.step()
print("ran")
"""

RETURNS_BUFFER = """\
import torch

rewards = torch.tensor([1.0, 0.0, 2.0, 1.0])
returns = torch.zeros(4)
running = 0.0
for t in reversed(range(4)):
    running = rewards[t] + 0.9 * running
    returns[t] = running
print(returns.numpy())
"""


def _value_buffer(per_epoch: bool) -> str:
    made = "values = torch.zeros(8)\n"
    return VALUE_BUFFER.format(outer="" if per_epoch else made, inner="    " + made if per_epoch else "")


CASES = {  # program, rule, reported line or None
    "unrolled RNN cell written into a preallocated output, backward": (
        RNN_BUFFER.format(reduce=""),
        "PTL202",
        11,
    ),
    "the same output summed first": (RNN_BUFFER.format(reduce=".sum()"), "PTL202", None),
    "policy probabilities gathered into a buffer, .numpy()": (
        POLICY_BUFFER.format(guard="", guard_indent="", detach=""),
        "PTL402",
        9,
    ),
    "the same with the probabilities detached": (
        POLICY_BUFFER.format(guard="", guard_indent="", detach=".detach()"),
        "PTL402",
        None,
    ),
    "the same filled under no_grad": (
        POLICY_BUFFER.format(guard="with torch.no_grad():\n    ", guard_indent="    ", detach=""),
        "PTL402",
        None,
    ),
    "head outputs added into a buffer item by item, .numpy()": (SCORES_ADDED, "PTL402", 9),
    "critic values refilled every epoch in one buffer made once": (_value_buffer(False), "PTL201", 13),
    "a fresh value buffer per epoch": (_value_buffer(True), "PTL201", None),
    "discounted returns of rewards written into a buffer, .numpy()": (RETURNS_BUFFER, "PTL402", None),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_subscript_writes(case: str, tmp_path) -> None:
    source, code, line = CASES[case]
    assert reported_lines(source, code) == ([line] if line else [])
    run = run_program(tmp_path, source)
    if line is None:
        assert run.returncode == 0, run.stderr
    else:
        assert run.returncode != 0
        raised = re.findall(r'File ".*prog\.py", line (\d+)', run.stderr)
        assert raised and int(raised[-1]) == line, run.stderr
