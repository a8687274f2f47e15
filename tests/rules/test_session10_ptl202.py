"""PTL202 in session 10 (issue 11): ``torch.stack`` / ``torch.cat`` of a list that ``append``
fills in loops of stated counts (a policy gradient's per-step losses, per-sample errors). Each
program is ours, written for the shape, and run under torch 2.13 here: the reported ones raise
"grad can be implicitly created only for scalar outputs"; the neighbours run and print "ran".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

REPORTED = {
    "policy gradient over zipped lists": (
        """\
import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=-1))
log_probs, rewards = [], []
for t in range(5):
    dist = torch.distributions.Categorical(policy(torch.randn(4)))
    log_probs.append(dist.log_prob(dist.sample()))
    rewards.append(1.0)
returns = torch.tensor(rewards)
terms = []
for lp, r in zip(log_probs, returns):
    terms.append(-lp * r)
loss = torch.stack(terms)
loss.backward()
""",
        15,
    ),
    "list reset per episode": (
        """\
import torch
import torch.nn as nn

policy = nn.Linear(4, 2)
for episode in range(2):
    per_step = []
    for s in range(4):
        per_step.append(policy(torch.randn(4)).pow(2).mean())
    torch.stack(per_step).backward()
""",
        9,
    ),
    "cat of rows appended": (
        """\
import torch
import torch.nn as nn

net = nn.Linear(3, 1)
errors = []
for i in range(4):
    errors.append((net(torch.randn(1, 3)) - torch.randn(1, 1)).pow(2))
batch = torch.cat(errors)
batch.backward()
""",
        9,
    ),
    "nested loops": (
        """\
import torch

w = torch.randn(2, requires_grad=True)
terms = []
for i in range(3):
    for j in range(2):
        terms.append((w * (i + j)).sum())
objective = torch.stack(terms, dim=0)
objective.backward()
""",
        9,
    ),
}

NEIGHBOURS = {
    "one iteration": "for i in range(1):\n    terms.append((w * i).sum())\ntorch.stack(terms).backward()\n",
    "appended under an if": (
        "for i in range(5):\n    if i == 2:\n        terms.append((w * i).sum())\ntorch.stack(terms).backward()\n"
    ),
    "loop left by break": "for i in range(5):\n    terms.append((w * i).sum())\n    break\ntorch.stack(terms).backward()\n",
    "reduced": "for i in range(5):\n    terms.append((w * i).sum())\ntorch.stack(terms).mean().backward()\n",
}


def ptl202_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("shape", sorted(REPORTED))
def test_a_list_appended_in_counted_loops_is_reported_and_raises(tmp_path: Path, shape: str) -> None:
    code, line = REPORTED[shape]
    assert ptl202_lines(code) == [line]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr


@pytest.mark.parametrize("shape", sorted(NEIGHBOURS))
def test_a_count_not_stated_or_a_reduction_is_silent_and_runs(tmp_path: Path, shape: str) -> None:
    code = "import torch\n\nw = torch.randn(2, requires_grad=True)\nterms = []\n" + NEIGHBOURS[shape] + 'print("ran")\n'
    assert ptl202_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ran"


# A transformer decoder layer maps its `tgt` to the same shape (torch 2.13: the reported program
# raises "grad can be implicitly created only for scalar outputs"; the reduced one runs).
TRANSFORMER = """\
import torch
import torch.nn as nn

layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, batch_first=True)
out = layer(torch.randn(2, 5, 8), torch.randn(2, 7, 8))
out.REDUCTION.backward()
print("ran")
"""


def test_a_transformer_layer_keeps_its_input_shape(tmp_path: Path) -> None:
    code = TRANSFORMER.replace("REDUCTION", "mean(dim=-1)")
    assert ptl202_lines(code) == [6]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr
    reduced = TRANSFORMER.replace("REDUCTION", "mean()")
    assert ptl202_lines(reduced) == []
    assert run(tmp_path, reduced).stdout.strip() == "ran"
