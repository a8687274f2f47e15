"""PTL103 legacy-tensor-constructor: what is flagged, and fixes that keep dtype and copy semantics."""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

try:  # NumPy serves only the tests that run torch; tests/conftest.py skips those where it is missing
    import numpy as np
except ImportError:  # pragma: no cover - a plain install without the dev extra
    np = None

CODE = "PTL103"


@pytest.mark.parametrize(
    "call",
    [
        "torch.FloatTensor([1.0, 2.0])",
        "torch.LongTensor(3, 4)",
        "torch.ByteTensor()",
        "torch.cuda.FloatTensor(2)",
        "torch.BoolTensor([1, 0])",
        "torch.Tensor([1, 2, 3])",
        "torch.Tensor(np.zeros(3))",
        "torch.Tensor(t.tolist())",
        "torch.Tensor([v * 2 for v in range(3)])",
        "torch.HalfTensor(n)",
    ],
)
def test_legacy_calls_report(call):
    assert lines(CODE, f"import numpy as np\nimport torch\nt = torch.ones(2)\nn = 4\nx = {call}\n") == [5]


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\nx = torch.Tensor(3, 4)\n",  # sizes
        "import torch\nx = torch.Tensor(3)\n",
        "import torch\nx = torch.Tensor()\n",
        "import torch\ndef f(n):\n    return torch.Tensor(n)\n",  # sizes or data: unknown
        "import torch\nx = torch.ones(3)\ny = torch.Tensor(x.size())\n",
        "import torch\nx = torch.ones(3)\ny = x.type(torch.FloatTensor)\n",
        "import torch\nx = torch.ones(3)\nok = isinstance(x, torch.LongTensor)\n",
        "from mylib import FloatTensor\nx = FloatTensor([1.0])\n",
        "import torch\ndef torch_like(torch):\n    return torch.FloatTensor([1.0])\n",  # shadowed
        "import torch\ndef range(n):\n    return n\nx = torch.Tensor(range(3))\n",  # not the builtin range
    ],
)
def test_silent(snippet):
    assert lines(CODE, snippet) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("torch.FloatTensor([1.0, 2.0])", "torch.tensor([1.0, 2.0], dtype=torch.float32)"),
        ("torch.LongTensor([[0, 1], [1, 2]])", "torch.tensor([[0, 1], [1, 2]], dtype=torch.int64)"),
        ("torch.DoubleTensor(3, 4)", "torch.empty(3, 4, dtype=torch.float64)"),
        ("torch.FloatTensor()", "torch.empty(0, dtype=torch.float32)"),
        ("torch.cuda.LongTensor([1])", 'torch.tensor([1], dtype=torch.int64, device="cuda")'),
        ("torch.FloatTensor(np.zeros(3))", "torch.as_tensor(np.zeros(3), dtype=torch.float32)"),
        ("torch.Tensor([1.5, 2])", "torch.tensor([1.5, 2])"),
        ("torch.Tensor([1, 2])", "torch.tensor([1, 2], dtype=torch.float32)"),
        ("torch.Tensor(np.arange(3))", "torch.as_tensor(np.arange(3), dtype=torch.float32)"),
        ("torch.LongTensor([len(t)])", "torch.as_tensor([len(t)], dtype=torch.int64)"),
        ("torch.Tensor((n, 2.0))", "torch.as_tensor((n, 2.0), dtype=torch.float32)"),
        ("torch.LongTensor(range(n))", "torch.as_tensor(range(n), dtype=torch.int64)"),
        ("torch.Tensor(list(t))", "torch.as_tensor(list(t), dtype=torch.float32)"),
    ],
)
def test_safe_fixes(before, after):
    text = f"import numpy as np\nimport torch\nn, t = 3, [1]\nx = {before}\n"
    [finding] = findings(CODE, text)
    assert finding.fix.applicability is Applicability.SAFE
    assert fixed(CODE, text, unsafe=False) == f"import numpy as np\nimport torch\nn, t = 3, [1]\nx = {after}\n"


def test_no_fix_when_the_argument_may_be_sizes_or_data():
    [finding] = findings(CODE, "import torch\ndef f(n):\n    return torch.FloatTensor(n)\n")
    assert finding.fixes == ()


def test_default_dtype_change_makes_the_torch_tensor_fix_unsafe():
    [finding] = findings(CODE, "import torch\ntorch.set_default_dtype(torch.float64)\nx = torch.Tensor([1, 2])\n")
    assert finding.fix.applicability is Applicability.UNSAFE


def test_alias_of_torch_is_used_in_the_fix():
    assert (
        fixed(CODE, "import torch as T\nx = T.LongTensor([1])\n")
        == "import torch as T\nx = T.tensor([1], dtype=T.int64)\n"
    )


# -- the safe rewrites really keep dtype and memory sharing, under torch -----------------------------
def _same(legacy, rewritten, source):
    assert legacy.dtype == rewritten.dtype and legacy.shape == rewritten.shape
    if legacy.numel() and source is not None:
        shares = lambda t: (
            t.data_ptr()
            == (source.data_ptr() if hasattr(source, "data_ptr") else source.__array_interface__["data"][0])
        )
        assert shares(legacy) == shares(rewritten)


@pytest.mark.parametrize(
    "name,dtype",
    [
        ("FloatTensor", "float32"),
        ("DoubleTensor", "float64"),
        ("LongTensor", "int64"),
        ("IntTensor", "int32"),
        ("ByteTensor", "uint8"),
    ],
)
def test_rewrites_match_torch(name, dtype):
    import torch

    legacy, target = getattr(torch, name), getattr(torch, dtype)
    literal = [[1.0, 2.5], [3.0, 4.0]]
    assert torch.equal(legacy(literal), torch.tensor(literal, dtype=target))
    for array in (np.arange(6, dtype=np.float32), np.arange(6, dtype=np.float64), np.arange(6)):
        _same(legacy(array), torch.as_tensor(array, dtype=target), array)
    tensor = torch.arange(4).to(target)
    _same(legacy(tensor), torch.as_tensor(tensor, dtype=target), tensor)
    assert legacy(2, 3).shape == torch.empty(2, 3, dtype=target).shape and legacy(2, 3).dtype == target
