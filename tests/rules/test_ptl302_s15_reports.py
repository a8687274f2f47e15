"""PTL302 from real reports (issue 11, session 15): our own programs of the reports' shapes.

Each program was run under torch 2.13 on fake CUDA (as ``pt-lsp run --device fake-cuda`` runs it):
the reported ones raise "Expected all tensors to be on the same device, but found at least two
devices, cuda:0 and cpu!" (checked here); each neighbour registers the tensor as a buffer, runs and
is silent.

- A focal loss whose class weights are made with ``torch.zeros(n)`` and then filled in place in
  ``__init__`` (``self.alpha[0] += alpha``, ``self.alpha[1:] += 1 - alpha``), read with
  ``self.alpha.gather(0, labels)`` in ``forward`` (yatengLG/Focal-Loss-Pytorch#17): a write
  through a subscript changes the tensor's values, not what the attribute holds (it used to
  exclude the attribute, as a rebinding would). A dict filled by key in ``__init__`` is still no
  plain tensor.
- A loss module of a classification head keeping its class weights as a plain tensor, passed to
  ``F.cross_entropy(weight=...)`` through a kwargs dict (open-mmlab/mmaction2#1456), and a
  perceptual loss's normalisation constants (hwjiang1510/LEAP#16): reported before this session.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from rules_helpers import source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")

MISMATCH = "Expected all tensors to be on the same device"


def _lines(text: str) -> list[int]:
    result = lint_source(source(text), selection=Selection.of(["PTL302"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def _at(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(source(text).splitlines(), 1) if needle in line)


def _run(tmp_path: Path, text: str) -> str | None:
    """Run the program on fake CUDA: the error it raises, or None."""
    from pt_lsp.runtime.fake_cuda import fake_cuda

    program = tmp_path / "prog.py"
    program.write_text(source(text))
    with fake_cuda(), contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(program.read_text(), str(program), "exec"), {"__name__": "__main__"})
        except RuntimeError as error:
            return str(error)
    return None


FOCAL = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2, num_classes=3):
        super().__init__()
        self.alpha = torch.zeros(num_classes)
        self.alpha[0] += alpha
        self.alpha[1:] += 1 - alpha
        self.gamma = gamma

    def forward(self, preds, labels):
        logp = F.log_softmax(preds, dim=1).gather(1, labels.view(-1, 1))
        alpha = self.alpha.gather(0, labels.view(-1))
        return (-alpha * (1 - logp.exp()).pow(self.gamma) * logp.squeeze(1)).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(10, 3).to(device)
loss_fn = FocalLoss().to(device)
loss = loss_fn(model(torch.randn(6, 10).to(device)), torch.randint(0, 3, (6,)).to(device))
loss.backward()
"""

VARIANTS = {
    "class weights set by index, multiplying the loss": (
        """
        import torch
        import torch.nn as nn

        class WeightedMSE(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weights = torch.ones(n)
                self.weights[0] = 0.1

            def forward(self, pred, target):
                return ((pred - target) ** 2 * self.weights).mean()

        loss_fn = WeightedMSE(4).cuda()
        loss = loss_fn(torch.randn(3, 4).cuda(), torch.randn(3, 4).cuda())
        """,
        "self.weights = torch.ones(n)",
    ),
    "a mask whose first column is set, used by masked_fill": (
        """
        import torch
        import torch.nn as nn

        class FirstTokenMask(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.mask = torch.zeros(n, n, dtype=torch.bool)
                self.mask[:, 0] = True

            def forward(self, scores):
                return scores.masked_fill(self.mask, 0.0)

        layer = FirstTokenMask(5).to("cuda")
        out = layer(torch.randn(2, 5, 5, device="cuda"))
        """,
        "self.mask = torch.zeros(",
    ),
}


def test_a_tensor_filled_in_place_in_init_is_reported(tmp_path: Path) -> None:
    assert _lines(FOCAL) == [_at(FOCAL, "self.alpha = torch.zeros(")]
    assert MISMATCH in (_run(tmp_path, FOCAL) or "")


def test_the_registered_neighbour_is_silent_and_runs(tmp_path: Path) -> None:
    fixed = FOCAL.replace(
        "        self.alpha = torch.zeros(num_classes)\n",
        '        self.register_buffer("alpha", torch.zeros(num_classes))\n',
    )
    assert fixed != FOCAL
    assert _lines(fixed) == []
    assert _run(tmp_path, fixed) is None


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_filled_in_place_are_reported(tmp_path: Path, name: str) -> None:
    text, needle = VARIANTS[name]
    assert _lines(text) == [_at(text, needle)]
    assert MISMATCH in (_run(tmp_path, text) or "")


def test_a_dict_filled_by_key_in_init_stays_silent() -> None:
    text = """
        import torch
        import torch.nn as nn

        class Stats(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)
                self.table = {}
                self.table["scale"] = 2.0

            def forward(self, x):
                return self.fc(x) * self.table["scale"]

        out = Stats().cuda()(torch.randn(2, 3).cuda())
        """
    assert _lines(text) == []
