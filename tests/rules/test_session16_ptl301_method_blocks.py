"""A BiFPN keeps its fusion blocks in plain lists filled by a method of its own class that
returns ``nn.Sequential(...)`` (audit-19 M1, our program of the shape): the blocks are not
registered (torch 2.13: ``parameters()`` gives the stem's 2 tensors, ``state_dict()`` misses the
blocks) and PTL301 reports the list; with the unsafe fix the blocks are registered. A method that
may return something else than a module, or returns a module the class registers, proves nothing."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import apply_edits
from pt_lsp.core.selection import Selection
from tests.flow.programs import reported_lines, run_program

PROGRAM = """\
import torch
import torch.nn as nn


class TinyBiFPN(nn.Module):
    def __init__(self, channels=4, levels=3):
        super().__init__()
        self.stem = nn.Conv2d(channels, channels, 1)
        self.conv_td = []
        for _ in range(levels):
            self.conv_td.append(self.fusion_block(channels, channels))

    def fusion_block(self, cin, cout):
{body}

    def forward(self, x):
        x = self.stem(x)
        for block in self.conv_td:
            x = block(x)
        return x


net = TinyBiFPN()
net(torch.randn(2, 4, 8, 8))
print(len(list(net.parameters())))
"""

BODIES = {  # the method's body, whether the list is reported
    "a Sequential": ("        return nn.Sequential(nn.Conv2d(cin, cout, 1), nn.ReLU())", True),
    "a layer on either branch": (
        "        if cin == cout:\n            return nn.Conv2d(cin, cout, 1)\n        return nn.Conv2d(cin, cout, 3, padding=1)",
        True,
    ),
    "a layer or a function": (
        "        if cin == cout:\n            return torch.relu\n        return nn.Conv2d(cin, cout, 1)",
        False,
    ),
    "a registered layer": ("        self.shared = nn.Conv2d(cin, cout, 1)\n        return self.shared", False),
}


@pytest.mark.parametrize("case", BODIES)
def test_blocks_made_by_a_method_of_the_class(case: str) -> None:
    body, reported = BODIES[case]
    assert reported_lines(PROGRAM.format(body=body), "PTL301") == ([9] if reported else [])


def test_torch_misses_the_blocks_and_the_fix_registers_them(tmp_path) -> None:
    source = PROGRAM.format(body=BODIES["a Sequential"][0])
    assert run_program(tmp_path, source).stdout.strip() == "2"
    result = lint_source(source, "prog.py", selection=Selection.of(["PTL301"]))
    (finding,) = result.findings
    (fix,) = finding.fixes
    fixed = apply_edits(source, fix.edits)
    compile(fixed, "fixed.py", "exec")
    assert reported_lines(fixed, "PTL301") == []
    assert run_program(tmp_path, fixed).stdout.strip() == "8"  # the stem 2, each of the 3 blocks 2
