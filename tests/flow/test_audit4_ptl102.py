"""PTL102 on `.data[0]` of a 0-dim tensor that is not a named loss (audit-4's PTL1xx sample:
`train_loss += F.cross_entropy(output, target).data[0]`): the pre-0.4 read of a Python number
raises IndexError today, and its fix is `.item()`, not `.detach()` (which keeps the `[0]`). A
result that keeps a dimension still gets `.detach()`. The programs are ours."""

from __future__ import annotations

import textwrap

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import apply_edits
from pt_lsp.core.selection import Selection

SOURCE = """
    import torch
    import torch.nn.functional as F

    w = torch.randn(4, 3, requires_grad=True)
    x, y = torch.randn(2, 4), torch.tensor([0, 2])
    output = x @ w
    total = F.cross_entropy(output, y).data[0]
    rows = F.cross_entropy(output, y, reduction="none").data[0]
    whole = (output * 2).sum().data[0]
    kept = (output * 2).sum(0, keepdim=True).data[0]
    """


def fixed() -> tuple[str, dict[int, tuple[str, str]]]:
    source = textwrap.dedent(SOURCE)
    result = lint_source(source, "<audit4>", selection=Selection.of(["PTL102"]))
    assert result.errors == []
    by_line = {f.line: (f.message, f.fixes[0].title) for f in result.findings}
    edits = [edit for f in result.findings for edit in f.fixes[0].edits]
    return apply_edits(source, edits), by_line


def test_ptl102_zero_dim_reads_become_item() -> None:
    text, by_line = fixed()
    assert sorted(by_line) == [8, 9, 10, 11]
    assert by_line[8] == (
        "`.data[0]` of a loss: an IndexError since PyTorch 0.4 (the loss is a 0-dim tensor); use `.item()`",
        "Replace `.data[0]` with `.item()`",
    )
    assert by_line[10][0].startswith("`.data[0]` of a full `.sum()`: an IndexError")
    assert by_line[10][1] == "Replace `.data[0]` with `.item()`"
    # a per-sample loss and a sum that keeps its dimension are indexed fine: `.detach()` there
    assert by_line[9][1] == by_line[11][1] == "Replace `.data` with `.detach()`"
    assert "F.cross_entropy(output, y).item()" in text
    assert '(output, y, reduction="none").detach()[0]' in text


def test_the_fixed_program_runs_and_the_legacy_one_raises() -> None:
    text, _ = fixed()
    namespace: dict[str, object] = {}
    exec(compile(text, "<fixed>", "exec"), namespace)
    assert isinstance(namespace["total"], float) and isinstance(namespace["whole"], float)
    assert isinstance(namespace["kept"], torch.Tensor)
    with pytest.raises(IndexError, match="0-dim"):
        exec(compile(textwrap.dedent(SOURCE), "<legacy>", "exec"), {})
