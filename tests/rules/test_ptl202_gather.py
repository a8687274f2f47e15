"""PTL202 through ``gather`` (issue 11): ``x.gather(dim, index)`` and ``torch.gather(x, dim,
index)`` have the shape of ``index``, so picking one score per sample of a batch (a ranking or
policy-gradient loss) leaves one value per sample, and ``backward()`` without a gradient raises.
A reduction after the gather, or an index of one element, runs. The programs are ours, written for
these tests; each is run under torch."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

NON_SCALAR = "grad can be implicitly created only for scalar outputs"

PICKED = """
import torch
import torch.nn.functional as F

scores = torch.randn(8, 4, requires_grad=True)
target = torch.randint(0, 4, (8,))
picked = F.softmax(scores, dim=1).gather(1, target.view(-1, 1))
picked.backward()
"""


def lines(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<loss>", selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def run_error(source: str) -> str | None:
    try:
        exec(compile(source, "<loss>", "exec"), {"__name__": "__loss__"})
    except RuntimeError as error:
        return str(error)
    return None


@pytest.mark.parametrize(
    "source",
    [
        PICKED,
        PICKED.replace(
            "F.softmax(scores, dim=1).gather(1, target.view(-1, 1))",
            "torch.gather(F.softmax(scores, dim=1), 1, target.view(-1, 1))",
        ),
        PICKED.replace("gather(1, target.view(-1, 1))", "gather(dim=1, index=target.view(-1, 1))"),
    ],
)
def test_one_value_per_sample_gathered(source: str) -> None:
    assert lines(source) == [8]
    assert NON_SCALAR in (run_error(source) or "")


@pytest.mark.parametrize(
    "source",
    [
        PICKED.replace("picked.backward()", "picked.mean().backward()"),
        PICKED.replace("torch.randint(0, 4, (8,))", "torch.randint(0, 4, (1,))").replace(
            "torch.randn(8, 4,", "torch.randn(1, 4,"
        ),
    ],
)
def test_a_reduced_or_single_gather_is_silent(source: str) -> None:
    assert source != PICKED
    assert lines(source) == []
    assert run_error(source) is None
