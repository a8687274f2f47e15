"""PTL304 recall (session 11, issue 11): dropout made and applied inside `forward`.

A new `nn.Dropout` is in training mode, and `model.eval()` only reaches registered submodules,
so inference stays random. Programs are ours, run under torch 2.13: after `m.eval()` two calls on
the same input differed (`torch.equal` printed False) for each reported one, and were equal for
each silent neighbour. Found on real code too: a style-transfer encoder applying
`nn.Dropout(0.2)(embedded)` in a method `forward` calls, in a project whose predict script calls
`model.eval()` (realcode11).
"""

from __future__ import annotations

from rules_helpers import findings, lines

TEMPLATE = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        {body}


m = M()
m.eval()
x = torch.ones(2, 4)
print(torch.equal(m(x), m(x)))
"""


def module(body: str) -> str:
    return TEMPLATE.format(body=body)


def test_a_dropout_made_and_applied_in_forward_is_reported():
    for body in (
        "return nn.Dropout(0.5)(self.fc(x))",
        "drop = nn.Dropout(p=0.3)\n        return drop(self.fc(x))",
        "return nn.Dropout2d(0.5)(self.fc(x).view(2, 4, 1, 1)).view(2, 4)",
        # assigned on every call: the new module replaces the one eval() switched
        "self.drop = nn.Dropout(0.5)\n        return self.drop(self.fc(x))",
    ):
        (finding,) = findings("PTL304", module(body))
        assert finding.line == 13, body
        assert "`model.eval()` does not reach it" in finding.message
        assert "training=self.training" in finding.message
        assert [r.span.start.line for r in finding.related] == [13, 13 + body.count("\n")], body


def test_dropout_kept_on_the_module_functional_or_dropping_nothing_is_silent():
    for body in (
        "return self.drop(self.fc(x))",
        "return F.dropout(self.fc(x), 0.5, training=self.training)",
        "return nn.Dropout(0.0)(self.fc(x))",
        "return nn.ReLU()(self.fc(x))",
    ):
        assert lines("PTL304", module(body)) == [], body


def test_a_dropout_made_lazily_is_left_alone():
    """Made once under a guard on the module: its mode is that of the first call. Here `eval()`
    comes first, so it stays active (torch printed False): a miss we accept, as for lazy layers,
    since after a first call in training mode `eval()` reaches it and the program is right."""
    lazy = "if not hasattr(self, 'extra'):\n            self.extra = nn.Dropout(0.5)\n        return self.extra(self.fc(x))"
    assert lines("PTL304", module(lazy)) == []
