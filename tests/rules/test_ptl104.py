"""PTL104 tensor-new: `x.new(...)` only on evidence of a tensor, with the fix for each argument kind."""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL104"


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\nx = torch.zeros(2)\ny = x.new(3)\n",
        "import torch\ndef f():\n    x = torch.randn(2, 2)\n    return x.new(2, 2)\n",
        "def f(model):\n    w = next(model.parameters())\n    return w.new(1, 2)\n",
        "def f(model):\n    w = next(iter(model.parameters()))\n    return w.new()\n",
    ],
)
def test_tensor_receivers_report(snippet):
    assert len(lines(CODE, snippet)) == 1


@pytest.mark.parametrize(
    "snippet",
    [
        "import hashlib\nh = hashlib.new('md5')\n",
        "def f(x):\n    return x.new(3)\n",
        "class A:\n    def new(self):\n        return 1\na = A()\nb = a.new()\n",
        "from PIL import Image\nim = Image.new('RGB', (2, 2))\n",
        "import torch\nx = torch.zeros(2)\ny = x.new_empty(3)\nz = x.new_tensor([1])\n",
    ],
)
def test_silent(snippet):
    assert lines(CODE, snippet) == []


@pytest.mark.parametrize(
    ("call", "after", "applicability"),
    [
        ("x.new(2, 3)", "x.new_empty(2, 3)", Applicability.SAFE),
        ("x.new(x.size())", "x.new_empty(x.size())", Applicability.SAFE),
        ("x.new()", "x.new_empty(0)", Applicability.SAFE),
        ("x.new([1, 2])", "x.new_tensor([1, 2])", Applicability.SAFE),
        ("x.new(t)", "x.new_tensor(t)", Applicability.UNSAFE),
        ("(x + 1).new(2)", "(x + 1).new_empty(2)", Applicability.SAFE),
    ],
)
def test_fixes(call, after, applicability):
    text = f"import torch\nx = torch.zeros(2)\nt = torch.ones(2)\ny = {call}\n"
    [finding] = findings(CODE, text)
    assert finding.fix.applicability is applicability
    assert fixed(CODE, text) == f"import torch\nx = torch.zeros(2)\nt = torch.ones(2)\ny = {after}\n"


def test_argument_of_unknown_kind_has_no_fix():
    [finding] = findings(CODE, "import torch\ndef f(arg):\n    x = torch.zeros(2)\n    return x.new(arg)\n")
    assert finding.fixes == ()


def test_new_of_a_tensor_aliases_it_and_new_tensor_copies():
    import torch

    source = torch.tensor([1.0, 2.0])
    torch.zeros(1).new(source)[0] = 5.0
    assert source[0] == 5.0  # the symptom the rule describes
    with pytest.warns(UserWarning, match="detach"):
        copy = torch.zeros(1).new_tensor(source)
    copy[0] = 7.0
    assert source[0] == 5.0
