"""PTL106 chained-slice-indexing: two bounded slices in a row on a tensor or an ndarray."""

from __future__ import annotations

import pytest
from rules_helpers import findings, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL106"


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\nx = torch.zeros(4, 4)\ny = x[0:2][1:3]\n",
        "import numpy as np\na = np.zeros((4, 4))\nb = a[0:2][1:3]\n",
        "import numpy as np\na = np.random.rand(4, 4).astype(np.float32)\nb = a[0:2][1:3]\n",
        "import torch\ndef f():\n    x = torch.softmax(torch.randn(3, 3), dim=0)\n    return x[0:2][0:1]\n",
        "import torch\ny = torch.eye(5)[1:4][0:2]\n",
    ],
)
def test_reports(snippet):
    assert len(lines(CODE, snippet)) == 1


@pytest.mark.parametrize(
    "snippet",
    [
        "xs = [1, 2, 3, 4]\ny = xs[0:3][1:2]\n",
        "s = 'abcdef'[1:5][0:2]\n",
        "def f(x):\n    return x[0:2][1:3]\n",
        "import torch\nx = torch.zeros(4, 4)\ny = x[1:][:2]\n",
        "import torch\nx = torch.zeros(4, 4)\ny = x[:3][1:]\n",
        "import torch\nx = torch.zeros(4, 4)\ny = x[0:2][0]\n",
        "import torch\nx = torch.zeros(4, 4)\ny = x[0:2, 1:3][0:1, :]\n",
        "import torch\nx = torch.zeros(4, 4)\ny = x[0:4:2][0:1]\n",
        # one-dimensional: dimension 0 is the only one
        "import torch\nx = torch.arange(10)\ny = x[2:8][1:3]\n",
        "import torch\nn = 10\nx = torch.randn(n)\ny = x[2:8][1:3]\n",
        "import numpy as np\nx = np.linspace(0, 1, 50)\ny = x[2:8][1:3]\n",
    ],
)
def test_silent(snippet):
    assert lines(CODE, snippet) == []


def test_three_slices_are_one_finding():
    assert lines(CODE, "import torch\nx = torch.zeros(4, 4)\ny = x[0:3][0:2][0:1]\n") == [3]


def test_fix_is_display_only_and_indexes_both_dimensions():
    [finding] = findings(CODE, "import torch\nx = torch.zeros(4, 4)\ny = (x * 2)[0:2][1:3]\n")
    assert finding.fix.applicability is Applicability.DISPLAY_ONLY
    assert [e.content for e in finding.fix.edits] == ["(x * 2)[0:2, 1:3]"]


def test_the_chained_form_slices_dimension_zero_twice():
    import torch

    x = torch.arange(16).reshape(4, 4)
    assert x[0:3][1:3].shape == (2, 4) and torch.equal(x[0:3][1:3], x[1:3])
    assert x[0:3, 1:3].shape == (3, 2)
