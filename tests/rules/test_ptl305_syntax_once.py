"""Issue 15: what PTL305 reads of the syntax to find the calls of a module class of the file
(``_module_calls``: the calls of bare names, the attributes that hold the class, the names bound
to a DataParallel wrapper) is read once per file, not again for each parameter of each forward;
the findings stay. The real case is torch's ``testing/_internal/distributed/distributed_test.py``,
whose calls were scanned 29 times (with every rule: 1.78 -> 1.50 s of CPU for that file).

The program is ours, of that file's shape (test_ptl305_wrappers.py's, with a forward of two
parameters and a second model): the CPU tensor given to the model on the GPU is reported (as in
test_ptl305_wrappers.py, before and after this change); through the wrapper it is silent."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.rules.modules import _device_meetings

PROGRAM = """\
import torch
from torch import nn


class Tests:
    def test_unused_params(self):
        class ToyModel(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net1 = nn.Linear(10, 10, bias=False)

            def forward(self, x, scale=1.0):
                return self.net1(x) * scale

        class Other(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net2 = nn.Linear(10, 10)

            def forward(self, y, shift=0.0):
                return self.net2(y) + shift

        ddp = nn.DataParallel(ToyModel().cuda(self.rank), device_ids=[self.rank])
        model = ToyModel().cuda(self.rank)
        other = Other().cuda(self.rank)
        for i in range(2):
            inp = torch.rand(1, 10)
            ddp(inp, 2.0).sum().backward()
            model(inp, 2.0).sum().backward()
            other(torch.rand(1, 10).cuda(self.rank), 1.0).sum().backward()
"""


def test_the_findings_stay_and_the_syntax_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[str] = []
    find_held = _device_meetings._find_held_calls

    def counted_held(ctx, cls):  # type: ignore[no-untyped-def]
        held.append(cls.name)
        return find_held(ctx, cls)

    bare: list[int] = []
    build = _device_meetings._bare_calls.build

    def counted_bare(ctx):  # type: ignore[no-untyped-def]
        bare.append(1)
        return build(ctx)

    monkeypatch.setattr(_device_meetings, "_find_held_calls", counted_held)
    monkeypatch.setattr(_device_meetings._bare_calls, "build", counted_bare)
    result = lint_source(PROGRAM, "ddp.py", selection=Selection.of(["ALL"]))
    line = PROGRAM.splitlines().index("            inp = torch.rand(1, 10)") + 1
    assert [f.line for f in result.findings if f.code == "PTL305"] == [line]
    assert bare == [1], "the bare-name calls were not read: the program no longer tests the memo"
    assert sorted(held) == sorted(set(held)) and "ToyModel" in held
