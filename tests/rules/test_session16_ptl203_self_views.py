"""A name bound to a view of itself (``h = h[-1]``, ``out = out[:, -1]``, ``w = w[0]``) is no
endless chain of views (audit-19 END: ee0f1b3's view chains made PTL203 recurse until Python's
limit, and four real files, MikaelTornwall dd2424_project evaluate.py and three of jaehobang's
notebooks, were skipped with every finding lost). The file is analysed; what such a rebinding
views is left undecided (our program raises torch's 'a view of a leaf Variable that requires grad
is being used in an in-place operation' on ``w.add_(1.0)``, not reported: a miss, not a crash)."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = """\
import torch
import torch.nn as nn

rnn = nn.GRU(4, 8, batch_first=True)
head = nn.Linear(8, 2)


def last_state(x):
    out, h = rnn(x)
    h = h[-1]
    out = out[:, -1]
    return head(out + h)


w = head.weight
w = w{view}
print(last_state(torch.randn(3, 5, 4)).shape)
{change}
"""


@pytest.mark.parametrize("view", ["[0]", ".view(-1)", "[:1].view(-1)"])
@pytest.mark.parametrize("select", ["PTL203", "ALL"])
def test_a_name_viewing_itself_is_analysed(view: str, select: str) -> None:
    source = PROGRAM.format(view=view, change="with torch.no_grad():\n    w.add_(1.0)")
    result = lint_source(source, "prog.py", selection=Selection.of([select]))
    assert result.message is None
    assert [f.code for f in result.findings if f.code.startswith("PTL2")] == []


def test_other_findings_of_the_file_stay() -> None:
    source = PROGRAM.format(view="[0]", change="x = torch.autograd.Variable(torch.ones(2))")
    result = lint_source(source, "prog.py", selection=Selection.of(["ALL"]))
    assert result.message is None
    assert [f.code for f in result.findings] == ["PTL101"]
