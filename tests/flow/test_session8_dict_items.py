"""A dict's items by constant key (a session-8 false alarm of PTL402 on real code).

A speech-synthesis task kept its model's outputs in a dict and replaced one item by its detached
copy (or the model's forward replaced it by a sample drawn under ``@torch.no_grad()``) before
calling ``.numpy()`` on it. A store into a dict was read as "the dict now holds this value among
the others", so the old item's grad outlived its replacement. A dict's key names one value: a
read by that key after the store is the stored value, a read by another key any of them.
Each program is ours; each is run under torch here (the test says what torch did).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

REBOUND = """\
import torch
from torch import nn

lin = nn.Linear(4, 4)
ret = {"mel": lin(torch.randn(2, 4))}
ret["mel"] = ret["mel"]CHANGE
print(ret["mel"].numpy().shape)
"""

REPLACED_IN_FORWARD = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    {decorator}
    def sample(self, cond):
        return cond * 0.5 + torch.randn_like(cond)

    def forward(self, x):
        h = self.lin(x)
        ret = {{"cond": h, "mel": h * 2}}
        ret["mel"] = self.sample(ret["cond"])
        return ret


class Task:
    def build_model(self):
        self.model = Net()

    def validation_step(self, x):
        out = self.model(x)
        return out["mel"][0].cpu().numpy()


task = Task()
task.build_model()
print(task.validation_step(torch.randn(2, 4)).shape)
"""


def ptl402_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL402"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL402"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


def test_an_item_rebound_to_its_detached_copy_is_silent_and_runs(tmp_path: Path) -> None:
    code = REBOUND.replace("CHANGE", ".detach()")
    assert ptl402_lines(code) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13 prints (2, 4)


def test_an_item_rebound_to_a_tensor_with_grad_is_reported_and_raises(tmp_path: Path) -> None:
    code = REBOUND.replace("CHANGE", " * 2")
    assert ptl402_lines(code) == [7]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "requires grad" in proc.stderr


def test_an_item_replaced_by_a_no_grad_sample_in_forward_is_silent_and_runs(tmp_path: Path) -> None:
    code = REPLACED_IN_FORWARD.format(decorator="@torch.no_grad()")
    assert ptl402_lines(code) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13 prints (4,)


def test_an_item_replaced_by_a_sample_with_grad_is_reported_and_raises(tmp_path: Path) -> None:
    """Without ``no_grad`` every value the dict holds requires grad, whichever the key names."""
    code = REPLACED_IN_FORWARD.format(decorator="# no decorator")
    assert ptl402_lines(code) == [27]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "requires grad" in proc.stderr


def test_a_list_item_is_still_one_of_the_list_elements() -> None:
    """Unchanged for lists: a store adds its value to what the list holds (torch raises here:
    the element read by another index requires grad)."""
    code = textwrap.dedent(
        """\
        import torch
        from torch import nn

        lin = nn.Linear(4, 4)
        outs = [lin(torch.randn(2, 4))]
        outs[0] = outs[0].detach()
        outs.append(lin(torch.randn(2, 4)))
        print([o.numpy() for o in outs])
        """
    )
    assert ptl402_lines(code) == [8]


TWO_ENCODERS = """\
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        return {"mel": self.lin(x)}


class Encoder2(Encoder):
    pass


class Net(nn.Module):
    def __init__(self, midi=False):
        super().__init__()
        CHOICE

    def forward(self, x):
        ret = self.enc(x)
        ret["mel"] = STORED
        return ret


out = Net()(torch.randn(2, 4))
print(out["mel"].numpy().shape)
"""
TWO = "if midi:\n            self.enc = Encoder2()\n        else:\n            self.enc = Encoder()"
ONE = "self.enc = Encoder()"


def program(choice: str, stored: str) -> str:
    return TWO_ENCODERS.replace("CHOICE", choice).replace("STORED", stored)


def test_a_string_key_stored_into_an_unread_module_output_makes_it_a_mapping(tmp_path: Path) -> None:
    """The encoder is one of two classes: its output is not read, and was taken for the module's
    output tensor. A string key stored into it shows a mapping, whose item here has no grad.
    Torch 2.13 runs it and prints (2, 4) (a real speech-synthesis task, the session's diff audit)."""
    code = program(TWO, "torch.zeros(2, 4)")
    assert ptl402_lines(code) == []
    assert run(tmp_path, code).returncode == 0


def test_with_one_encoder_class_the_item_with_grad_is_still_reported(tmp_path: Path) -> None:
    code = program(ONE, 'ret["mel"] * 2')
    assert ptl402_lines(code) == [30]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "requires grad" in proc.stderr
    assert ptl402_lines(program(ONE, "torch.zeros(2, 4)")) == []


def test_with_two_encoder_classes_an_item_with_grad_is_not_proven() -> None:
    """Torch raises here, but the mapping's items are unknown once the encoder is not read: a
    miss rather than a finding resting on the module-output guess the store contradicts."""
    assert ptl402_lines(program(TWO, 'ret["mel"] * 2')) == []
