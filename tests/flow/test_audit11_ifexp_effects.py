"""audit-11 G3: a conditional expression's call happens on its own side only.

``net = net.cuda() if use_cuda else net`` moves the module on one side: before, the analysis
applied ``net.cuda()`` to the state whatever the flag, so every output was "on a CUDA device" and
``loss.cpu() if use_cuda else loss`` (or ``preds.cpu().numpy() if use_cuda else preds.numpy()``)
was reported on the CPU side. Our programs: the flagged one runs under torch on the CPU and under
the fake-cuda proxy; its neighbour, which converts the loss without moving it, raises under
fake-cuda ("can't convert cuda:0 device type tensor to numpy") and stays reported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = """\
import torch
import torch.nn as nn

use_cuda = torch.cuda.is_available()
net = nn.Linear(3, 2)
net = net.cuda() if use_cuda else net
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
history = []
for step in range(3):
    data, target = torch.randn(4, 3), torch.randint(0, 2, (4,))
    if use_cuda:
        data, target = data.cuda(), target.cuda()
    output = net(data)
    loss = criterion(output, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    {convert}
    _, preds = torch.max(output.detach(), 1)
    preds = preds.cpu().numpy() if use_cuda else preds.numpy()
print("ran", len(history), preds.shape)
"""

MOVED = "loss = loss.cpu() if use_cuda else loss\n    history.append(loss.detach().numpy())"
NOT_MOVED = "history.append(loss.detach().numpy())"


def ptl401(source: str) -> list[int]:
    result = lint_source(source, "train.py", Selection.of(["PTL401"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def run(folder: Path, source: str, *device: str) -> subprocess.CompletedProcess[str]:
    (folder / "train.py").write_text(source)
    command = [sys.executable, "-m", "pt_lsp", "run", *device, "train.py"] if device else [sys.executable, "train.py"]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=180, check=False)


def test_conversions_on_the_side_the_flag_keeps_on_the_cpu_are_silent_and_run(tmp_path):
    source = PROGRAM.format(convert=MOVED)
    assert ptl401(source) == []
    plain = run(tmp_path, source)
    assert plain.returncode == 0 and "ran 3" in plain.stdout, plain.stderr
    proxied = run(tmp_path, source, "--device", "fake-cuda")
    assert "can't convert cuda" not in proxied.stdout + proxied.stderr


def test_a_loss_converted_without_moving_it_is_still_reported_and_raises(tmp_path):
    source = PROGRAM.format(convert=NOT_MOVED)
    assert ptl401(source) == [19]
    proxied = run(tmp_path, source, "--device", "fake-cuda")
    assert "can't convert cuda:0 device type tensor to numpy" in proxied.stdout + proxied.stderr


def test_a_module_moved_by_a_conditional_expression_is_on_cuda_on_one_side_only():
    """The state after the expression joins both sides: the output may be on CUDA (reported as
    "may be"), not proven on CUDA as when the call's effect leaked to the other side."""
    result = lint_source(PROGRAM.format(convert=NOT_MOVED), "train.py", Selection.of(["PTL401"]))
    assert [("may be" in f.message) for f in result.findings] == [True]
