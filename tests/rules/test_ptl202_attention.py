"""PTL202 on a multi-head attention's output: ``out, weights = attn(q, k, v)`` gives ``out`` with
``embed_dim`` values per query position, so ``out.backward()`` has no implicit gradient. Our
programs, run under torch 2.13: the reported ones raise "grad can be implicitly created only for
scalar outputs"; the reduced neighbour runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

MODULE_LEVEL = """\
import torch
import torch.nn as nn

attn = nn.MultiheadAttention(8, 2)
q = torch.randn(5, 3, 8)
out, weights = attn(q, q, q)
out{reduce}.backward()
"""

IN_A_MODULE = """\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(embed_dim=8, num_heads=2)

    def forward(self, q):
        out, _ = self.attn(q, q, q)
        return out


out = Block()(torch.randn(5, 3, 8))
out{reduce}.backward()
"""


def lines(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "attn.py", selection=Selection.of(["PTL202"]))
    return [f.line for f in result.findings]


@pytest.mark.parametrize(("source", "line"), [(MODULE_LEVEL, 7), (IN_A_MODULE, 16)])
def test_the_attention_output_is_not_a_scalar(source, line):
    assert lines(source.format(reduce="")) == [line]
    assert lines(source.format(reduce=".sum()")) == []


def test_the_weights_item_is_not_claimed():
    """``need_weights=False`` makes it None: item 1 proves nothing here."""
    assert lines(MODULE_LEVEL.replace("out{reduce}.backward()", "weights.backward()")) == []


@pytest.mark.parametrize("source", [MODULE_LEVEL, IN_A_MODULE])
def test_the_programs_behave_as_the_findings_say(tmp_path, source):
    pytest.importorskip("torch")
    for reduce, fails in (("", True), (".sum()", False)):
        path = tmp_path / "attn.py"
        path.write_text(source.format(reduce=reduce))
        run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
        assert ("grad can be implicitly created only for scalar outputs" in run.stderr) is fails
        assert (run.returncode != 0) is fails
