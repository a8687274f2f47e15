"""PTL203 in session 10 (issue 11). Each program is ours, written for the shape, and run under
torch 2.13 here.

- Audit-11 G7: ``x.detach_()`` on a leaf that requires grad is allowed: torch detaches it and sets
  ``requires_grad`` to False (no "leaf Variable ... in-place" error). On a view torch refuses with
  its own error ("Can't detach views in-place"), which is not this rule's subject either.
- Leaves the syntactic evidence lost and the flow analysis follows: an attribute of a plain class,
  an element of a list, an item of a dict, an unpacked pair, a method's return, parameters
  zipped; neighbours that are no leaf (computed, converted by ``.to(dtype)``, detached by another
  method) or are changed under ``no_grad`` stay silent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def ptl203_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL203"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL203"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


DETACH_LEAF = """\
import torch

weights = torch.randn(3, requires_grad=True)
weights.CALL
print(weights.requires_grad)
"""


def test_detach_in_place_on_a_leaf_is_silent_and_runs(tmp_path: Path) -> None:
    """torch 2.13 detaches the leaf and prints False."""
    code = DETACH_LEAF.replace("CALL", "detach_()")
    assert ptl203_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "False"


def test_zeroing_the_leaf_in_place_is_still_reported_and_raises(tmp_path: Path) -> None:
    """torch 2.13: RuntimeError "a leaf Variable that requires grad is being used in an in-place operation"."""
    code = DETACH_LEAF.replace("CALL", "zero_()")
    assert ptl203_lines(code) == [4]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "a leaf Variable that requires grad" in proc.stderr


# -- leaves the flow analysis follows through containers, attributes, returns and unpacking --------
# Each program raises under torch 2.13: RuntimeError "a leaf Variable that requires grad is being
# used in an in-place operation" (for `buf[1] = ...`: "a view of a leaf Variable ...").
FLOW_LEAVES = {
    "attribute of a plain class": (
        "class Model:\n"
        "    def __init__(self):\n"
        "        self.w = torch.randn(3, 3, requires_grad=True)\n\n"
        "    def reset(self):\n"
        "        self.w.uniform_(-0.1, 0.1)\n\n\n"
        "Model().reset()\n",
        6,
    ),
    "element of a list": (
        "params = [torch.randn(3, requires_grad=True) for _ in range(2)]\nfor p in params:\n    p.mul_(0.5)\n",
        3,
    ),
    "item of a dict": (
        'weights = {"w1": torch.randn(3, requires_grad=True), "b": torch.zeros(1, requires_grad=True)}\n'
        'weights["w1"].fill_(0.0)\n',
        2,
    ),
    "unpacked pair": ("a, b = torch.randn(2, requires_grad=True), torch.randn(2, requires_grad=True)\na.add_(b)\n", 2),
    "method's return": (
        "class Pool:\n"
        "    def make(self, n):\n"
        "        return torch.zeros(n, requires_grad=True)\n\n\n"
        "buf = Pool().make(4)\n"
        "buf[1] = 3.0\n",
        7,
    ),
    "parameters zipped": (
        "target, source = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)\n"
        "for tp, sp in zip(target.parameters(), source.parameters()):\n"
        "    tp.copy_(0.99 * tp + 0.01 * sp)\n",
        3,
    ),
}


@pytest.mark.parametrize("shape", sorted(FLOW_LEAVES))
def test_a_leaf_the_flow_follows_is_reported_and_raises(tmp_path: Path, shape: str) -> None:
    body, line = FLOW_LEAVES[shape]
    code = "import torch\n\n" + body
    assert ptl203_lines(code) == [line + 2]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "leaf Variable that requires grad" in proc.stderr


# Each neighbour runs under torch 2.13 (exit 0): the tensor changed in place is no leaf, or is
# changed under no_grad, or no longer requires grad.
FLOW_NEIGHBOURS = {
    "list of computed tensors": ("w = torch.randn(3, requires_grad=True)\nfor t in [w * 1.0, w + 1]:\n    t.mul_(2)\n"),
    "converted by .to(dtype)": "w = torch.randn(3, requires_grad=True)\ni = w.to(torch.float64)\ni.add_(1)\n",
    "item of a dict under no_grad": (
        'weights = {"w1": torch.randn(3, requires_grad=True)}\nwith torch.no_grad():\n    weights["w1"].fill_(0.0)\n'
    ),
    "attribute detached by another method": (
        "class Model:\n"
        "    def __init__(self):\n"
        "        self.w = torch.randn(3, 3, requires_grad=True)\n\n"
        "    def freeze(self):\n"
        "        self.w = self.w.detach()\n\n"
        "    def reset(self):\n"
        "        self.w.uniform_(-0.1, 0.1)\n\n\n"
        "m = Model()\nm.freeze()\nm.reset()\n"
    ),
}


@pytest.mark.parametrize("shape", sorted(FLOW_NEIGHBOURS))
def test_a_neighbour_that_is_no_leaf_is_silent_and_runs(tmp_path: Path, shape: str) -> None:
    code = "import torch\n\n" + FLOW_NEIGHBOURS[shape]
    assert ptl203_lines(code) == []
    assert run(tmp_path, code).returncode == 0


def test_a_method_tensors_do_not_have_is_silent(tmp_path: Path) -> None:
    """``zeros_`` is a ``torch.nn.init`` function, not a tensor method: torch 2.13 raises
    AttributeError ("'Parameter' object has no attribute 'zeros_'"), not the leaf error (a
    StyleGAN's ``self.noise.scale.zeros_()`` in the audit-10 pool)."""
    code = DETACH_LEAF.replace("torch.randn(3, requires_grad=True)", "torch.nn.Parameter(torch.randn(3))")
    code = code.replace("CALL", "zeros_()")
    assert ptl203_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "has no attribute 'zeros_'" in proc.stderr
    assert ptl203_lines(code.replace("zeros_()", "zero_()")) == [4]
