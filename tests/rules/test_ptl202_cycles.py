"""PTL202's reading of module outputs ends at cycles: an attribute rebound to a move of itself
(`self.critic = self.critic.cuda()`) leads back to every binding of the attribute, and a walk
that only stopped at the depth guard branched exponentially (audit-9 H1: a real file never
finished). The count of module-output reads stays small as the bindings grow."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.rules.autograd import _layer_shapes, _nonscalar


def program(moves: int) -> str:
    methods = "".join(f"\n    def to_cuda_{i}(self):\n        self.critic = self.critic.cuda()\n" for i in range(moves))
    return f"""\
import torch.nn as nn


class Agent:
    def __init__(self, small, use_cuda):
        if small:
            self.critic = nn.Linear(6, 1)
        else:
            self.critic = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
        if use_cuda:
            self.critic = self.critic.cuda()
{methods}
    def fit(self, x):
        loss = -self.critic(x)
        loss.backward()
"""


def reads(monkeypatch, source: str) -> tuple[int, list[str]]:
    counts = [0]
    for cls, name in ((_nonscalar.NonScalar, "_constructed_output"), (_layer_shapes.LayerShapes, "_module")):
        original = getattr(cls, name)

        def counted(*args, _original=original, **kwargs):
            counts[0] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, name, counted)
    result = lint_source(source, "agent.py", Selection(select=["PTL202"]))
    return counts[0], [f.code for f in result.findings]


@pytest.mark.parametrize("moves", [1, 2, 4, 8])
def test_a_self_move_cycle_is_read_once_per_binding(monkeypatch, moves):
    count, codes = reads(monkeypatch, program(moves))
    # x's shape is unknown: nothing to report, whatever the bindings; before the cycle cut the
    # reads grew as (bindings) ** 32 and one move already never finished.
    assert codes == []
    assert count <= 8 * (moves + 3), count


def test_the_cut_keeps_a_proof_that_needs_no_cycle(monkeypatch):
    source = program(2).replace("loss = -self.critic(x)", "loss = -self.critic(torch.randn(8, 6))")
    source = "import torch\n" + source.replace("if use_cuda:\n            self.critic = self.critic.cuda()\n", "")
    source = source.replace(
        "        else:\n            self.critic = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))\n", ""
    )
    source = source.replace("        if small:\n            self.critic", "        self.critic").replace(
        "    def to_cuda_0(self):\n        self.critic = self.critic.cuda()\n", ""
    )
    source = source.replace("    def to_cuda_1(self):\n        self.critic = self.critic.cuda()\n", "")
    compile(source, "agent.py", "exec")
    count, codes = reads(monkeypatch, source)
    assert codes == ["PTL202"], source
