"""PTL202 on an element of a list read with a computed index (issue 11, session 9).

A recurrent-attention classifier (a real report: "RuntimeError: grad can be implicitly created
only for scalar outputs" once the batch size went from 1 to 32) ranks the scores of one scale
against the next: ``scores`` is the list of per-scale outputs, the loop reads ``scores[i - 1]``
and ``scores[i]``, and the pairwise ranking loss keeps one value per pair of samples. The index
is not a constant, but every element of the list has the same known shape, so whichever element
it reads has several rows. Our programs, run under torch 2.13 here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

FORWARD_LIST = """\
import torch
import torch.nn.functional as F
from torch import nn


class TwoScales(nn.Module):
    def __init__(self):
        super().__init__()
        self.coarse = nn.Linear(6, 5)
        self.fine = nn.Linear(6, 5)

    def forward(self, x):
        return [self.coarse(x), self.fine(x * 0.5)]


def pair_rank(s1, s2, target, margin=0.05):
    p1 = F.softmax(s1, dim=1)[:, target]
    p2 = F.softmax(s2, dim=1)[:, target]
    return torch.clamp(p1 - p2 + margin, min=0)


model = TwoScales()
batch, label = torch.randn(8, 6), torch.randint(0, 5, (8,))
scores = model(batch)
for i in range(len(scores) - 1, 0, -1):
    pair_rank(scores[i - 1], scores[i], label)REDUCE.backward(retain_graph=i > 1)
"""

DISPLAY_IN_A_TRAINER = """\
import torch
import torch.nn.functional as F
from torch import nn


class PairRank(nn.Module):
    def __init__(self, margin):
        super().__init__()
        self.margin = margin

    def forward(self, s1, s2, target):
        p1 = F.softmax(s1, dim=1)[:, target.long()]
        p2 = F.softmax(s2, dim=1)[:, target.long()]
        return torch.clamp(p1 - p2 + self.margin, min=0)


class Trainer:
    def __init__(self, model):
        self.model = model
        self.criterion_rank = PairRank(0.05)

    def step(self, batch, label):
        scores = [self.model(batch), self.model(batch * 0.5)]
        MORE
        for i in range(len(scores) - 1, 0, -1):
            self.criterion_rank(scores[i - 1], scores[i], label).backward(retain_graph=i > 1)


Trainer(nn.Linear(6, 5)).step(torch.randn(8, 6), torch.randint(0, 5, (8,)))
"""


def ptl202_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


def test_an_element_of_a_list_a_forward_returns_read_by_a_loop_index_is_reported(tmp_path: Path) -> None:
    code = FORWARD_LIST.replace("REDUCE", "")
    assert ptl202_lines(code) == [26]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr


def test_the_reduced_ranking_loss_is_silent_and_runs(tmp_path: Path) -> None:
    code = FORWARD_LIST.replace("REDUCE", ".mean()")
    assert ptl202_lines(code) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13: two steps, no output


def test_a_list_display_in_a_trainer_method_is_reported(tmp_path: Path) -> None:
    code = DISPLAY_IN_A_TRAINER.replace("MORE", "pass")
    assert ptl202_lines(code) == [26]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr


def test_a_list_that_also_grows_is_not_followed() -> None:
    """An element appended later may be anything: whichever ``scores[i]`` reads is unknown."""
    code = DISPLAY_IN_A_TRAINER.replace("MORE", "scores.append(self.extra(batch))")
    assert ptl202_lines(code) == []
