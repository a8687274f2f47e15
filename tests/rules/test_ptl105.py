"""PTL105 tensor-type-comparison: `x.type()` compared with dtypes and classes, never with strings."""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, lines

CODE = "PTL105"


@pytest.mark.parametrize(
    "condition",
    [
        "x.type() == torch.float32",
        "x.type() != torch.long",
        "x.type() is torch.FloatTensor",
        "torch.float64 == x.type()",
        "x.type() is not torch.cuda.FloatTensor",
        "x.type() in (torch.half, torch.float)",
        "x.type() == torch.Tensor",
        "x.type() not in [torch.int64]",
    ],
)
def test_reports(condition):
    assert lines(CODE, f"import torch\nx = torch.zeros(1)\nok = {condition}\n") == [3]


@pytest.mark.parametrize(
    "condition",
    [
        "x.type() == 'torch.FloatTensor'",
        "x.dtype == torch.float32",
        "x.type(torch.float32) is not None",
        "type(x) == torch.Tensor",
        "x.type() in ('torch.FloatTensor', 'torch.DoubleTensor')",
        "x.type() in (torch.float32, 'torch.FloatTensor')",
        "x.type() == other",
    ],
)
def test_silent(condition):
    assert lines(CODE, f"import torch\nx = torch.zeros(1)\nother = 'a'\nok = {condition}\n") == []


def test_shadowed_torch_is_not_torch():
    assert lines(CODE, "def f(x, torch):\n    return x.type() == torch.float32\n") == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("x.type() == torch.float32", "x.dtype == torch.float32"),
        ("x.type() is torch.LongTensor", "x.dtype is torch.int64"),
        ("torch.DoubleTensor != x.type()", "torch.float64 != x.dtype"),
        ("x.type() in (torch.HalfTensor, torch.bfloat16)", "x.dtype in (torch.float16, torch.bfloat16)"),
        ("x.type() == torch.cuda.HalfTensor", 'x.type() == "torch.cuda.HalfTensor"'),
        ("(x + 1).type() == torch.float", "(x + 1).dtype == torch.float"),
    ],
)
def test_fixes(before, after):
    assert (
        fixed(CODE, f"import torch\nx = torch.zeros(1)\nok = {before}\n")
        == f"import torch\nx = torch.zeros(1)\nok = {after}\n"
    )


def test_torch_tensor_class_and_mixed_cuda_have_no_fix():
    for condition in ("x.type() == torch.Tensor", "x.type() in (torch.cuda.FloatTensor, torch.float32)"):
        [finding] = findings(CODE, f"import torch\nx = torch.zeros(1)\nok = {condition}\n")
        assert finding.fixes == ()


def test_message_says_always_true_for_not_equal():
    [finding] = findings(CODE, "import torch\nx = torch.zeros(1)\nok = x.type() != torch.float32\n")
    assert "always True" in finding.message


def test_the_comparison_really_is_always_false_and_the_fix_is_not():
    import torch

    for dtype, cls in ((torch.float32, torch.FloatTensor), (torch.int64, torch.LongTensor)):
        x = torch.zeros(1, dtype=dtype)
        assert x.type() != dtype and x.type() is not cls
        assert x.dtype == dtype
