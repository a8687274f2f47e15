"""PTL402 on a model whose encoder is chosen by a conditional expression in ``__init__`` (issue 11,
session 9; the shape of the DiffSinger false alarm a session-8 audit reported, which ecc6f82
silenced for the if-statement form).

``self.enc = Encoder2() if midi else Encoder()``; ``forward`` stores a tensor under a key of the
encoder's output dict and returns it; the caller calls ``.numpy()`` on that item. Our programs,
run under torch 2.13 here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = """\
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.lin = nn.Linear(4, width)

    def forward(self, x):
        return {"mel": self.lin(x)}


class Encoder2(Encoder):
    pass


class Net(nn.Module):
    def __init__(self, midi=False):
        super().__init__()
        self.enc = CHOICE

    def forward(self, x):
        ret = self.enc(x)
        ret["mel"] = STORED
        return ret


out = Net()(torch.randn(2, 4))
print(out["mel"].numpy().shape)
"""


def program(choice: str, stored: str) -> str:
    return PROGRAM.replace("CHOICE", choice).replace("STORED", stored)


def ptl402_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL402"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL402"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


def test_a_fresh_tensor_stored_under_the_key_of_either_encoders_output_is_silent(tmp_path: Path) -> None:
    """Torch 2.13 runs it and prints (2, 4): the item holds ``torch.zeros(2, 4)``, no graph."""
    code = program("Encoder2() if midi else Encoder()", "torch.zeros(2, 4)")
    assert ptl402_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and "(2, 4)" in proc.stdout


def test_an_item_with_grad_from_one_encoder_class_chosen_by_its_width_is_reported(tmp_path: Path) -> None:
    """One class on both sides of the conditional: its forward is read, the item requires grad;
    torch 2.13 raises "Can't call numpy() on Tensor that requires grad"."""
    code = program("Encoder(4) if midi else Encoder(4)", 'ret["mel"] * 2')
    assert ptl402_lines(code) == [30]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "requires grad" in proc.stderr
