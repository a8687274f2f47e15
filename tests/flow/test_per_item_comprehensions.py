"""A comprehension that differentiates entry ``i`` of per-item lists at its own index (a MAML
step: ``[autograd.grad(loss[i], params) for i in range(n)]`` over ``loss`` and ``logits`` built
per task by comprehensions; audit-12 G1, audit-11 G1's shape with the loop a comprehension): each
element reaches its own entry's graph, none that an earlier element freed. Our programs, run
under torch 2.13: the own-entry one runs; the neighbours (entry 0 every time, a logits tensor
shared by every task, the sum of all losses) raise "Trying to backward through the graph a second
time" and stay reported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = """\
import torch
from torch import nn
from torch.nn import functional as F


class Meta(nn.Module):
    def __init__(self, task_num):
        super().__init__()
        self.net = nn.Linear(4, 3)
        self.task_num = task_num

    def forward(self, x_spt, y_spt):
        {logits}
        loss = [F.cross_entropy(logits[i], y_spt[i]) for i in range(self.task_num)]
        grad = [torch.autograd.grad({loss}, self.net.parameters()) for i in range(self.task_num)]
        return [g[0] for g in grad]


meta = Meta(5)
out = meta(torch.randn(5, 8, 4), torch.randint(0, 3, (5, 8)))
print("ran:", len(out))
"""

PER_TASK = "logits = [self.net(x_spt[i]) for i in range(self.task_num)]"
SHARED = "logits = self.net(x_spt)"
CASES = {
    "own entry": (PER_TASK, "loss[i]", False),
    "entry 0 each time": (PER_TASK, "loss[0]", True),
    "shared logits": (SHARED, "loss[i]", True),
    "sum of every loss": (PER_TASK, "sum(loss)", True),
}


def program(case: str) -> str:
    logits, loss, _ = CASES[case]
    return PROGRAM.format(logits=logits, loss=loss)


@pytest.mark.parametrize("case", CASES)
def test_only_a_graph_an_earlier_element_freed_is_reported(case):
    result = lint_source(program(case), "meta.py", selection=Selection.of(["PTL201"]))
    assert [f.line for f in result.findings] == ([15] if CASES[case][2] else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_behave_as_the_findings_say(tmp_path, case):
    pytest.importorskip("torch")
    path = tmp_path / "meta.py"
    path.write_text(program(case))
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert ("Trying to backward through the graph a second time" in run.stderr) is CASES[case][2]
    assert (run.stdout.strip() == "ran: 5") is not CASES[case][2]
