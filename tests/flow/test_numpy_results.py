"""What ``np.array(...)`` and the other NumPy array makers return is an ndarray: never a tensor,
no graph (audit-12 G2: a MAML learner whose ``forward`` does the meta step and returns
``np.array([l.item() ...]) / task_num``; the caller's ``np.save`` of the list was reported as a
CUDA tensor that requires grad). Our programs, run under torch 2.13: the NumPy one saves its
floats; the neighbour whose ``forward`` returns the loss raises "Can't call numpy() on Tensor
that requires grad" at ``np.save`` and stays reported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = textwrap.dedent(
    """\
    import argparse

    import numpy as np
    import torch
    from torch import nn


    class Meta(nn.Module):
        def __init__(self, task_num):
            super().__init__()
            self.net = nn.Linear(1, 1)
            self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
            self.task_num = task_num

        def forward(self, x, y):
            loss = (self.net(x) - y).pow(2).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            return {returned}


    parser = argparse.ArgumentParser()
    parser.add_argument("--task-num", type=int, default=2)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    maml = Meta(args.task_num).to(device)
    train_loss = []
    for step in range(3):
        x, y = torch.randn(8, 1).to(device), torch.randn(8, 1).to(device)
        train_loss.append(maml(x, y))
    np.save({path!r}, train_loss)
    print("saved")
    """
)

NUMPY = "np.array([loss.item(), loss.detach().cpu().numpy().item()]) / self.task_num"
LOSS = "loss / self.task_num"


def program(returned: str, path: str = "losses.npy") -> str:
    return PROGRAM.format(returned=returned, path=path)


def findings(source: str) -> list[tuple[str, int]]:
    result = lint_source(source, "meta.py", selection=Selection.of(["PTL401", "PTL402"]))
    return sorted((f.code, f.line) for f in result.findings)


def test_a_forward_returning_a_numpy_array_gives_no_tensor():
    assert findings(program(NUMPY)) == []


def test_a_forward_returning_the_loss_still_reports():
    assert findings(program(LOSS)) == [("PTL401", 32), ("PTL402", 32)]


@pytest.mark.parametrize(
    "expression",
    [
        "np.stack([np.zeros(3), np.ones(3)])",
        "np.asarray(losses) * 2",
        "np.concatenate([a, b]) - 1",
        "2 / np.array(losses)",
    ],
)
def test_array_makers_and_their_arithmetic_are_arrays(expression):
    source = textwrap.dedent(
        f"""\
        import numpy as np
        import torch

        w = torch.randn(3, requires_grad=True)
        losses = [float((w * 2).sum().item())]
        a, b = np.zeros(2), np.ones(2)
        value = {expression}
        print(np.array(value))
        """
    )
    assert findings(source) == []


def test_the_programs_behave_as_the_findings_say(tmp_path):
    pytest.importorskip("torch")
    quiet = tmp_path / "quiet.py"
    quiet.write_text(program(NUMPY, str(tmp_path / "a.npy")))
    run = subprocess.run([sys.executable, str(quiet)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "saved"
    loud = tmp_path / "loud.py"
    loud.write_text(program(LOSS, str(tmp_path / "b.npy")))
    run = subprocess.run([sys.executable, str(loud)], capture_output=True, text=True, timeout=120)
    assert "Can't call numpy() on Tensor that requires grad" in run.stderr
