"""PTL301 recall (session 11, issue 11): plain lists of modules built by list arithmetic or by a
method of the class.

Programs are ours, each run under torch 2.13: the reported ones printed ``0`` for
``len(list(m.parameters()))`` (the optimizer would train nothing), the fixed ones ran with their
layers registered (2 or 4 parameters) and the same output shape.
"""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

TEMPLATE = """
import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = {value}

    def _make(self):
        return [nn.Linear(4, 4) for _ in range(2)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


m = M()
print(len(list(m.parameters())), m(torch.randn(2, 4)).shape)
"""


def module(value: str) -> str:
    return TEMPLATE.format(value=value)


def test_lists_of_modules_made_by_arithmetic_or_a_method_are_reported_and_fixed():
    for value in (
        "[nn.Linear(4, 4)] * 2",  # two references to one module: both unregistered
        "[nn.Linear(4, 4)] + [nn.ReLU()]",
        "[nn.Linear(4, 4)] + [nn.Linear(4, 4) for _ in range(2)]",
        "self._make()",
    ):
        assert lines("PTL301", module(value)) == [8], value
        result = fixed("PTL301", module(value))
        compile(result, "<fixed>", "exec")
        assert "self.layers = nn.ModuleList(" in result, value
        assert findings("PTL301", result) == []


def test_lists_of_numbers_tensors_or_registered_modules_are_silent():
    for value in (
        "[0.5] * 2",
        "[torch.zeros(4)] + [torch.ones(4)]",
        "nn.ModuleList([nn.Linear(4, 4)] * 2)",
        "nn.ModuleList(self._make())",
        "[nn.Linear(4, 4)] * 2 + unknown_layers()",  # something we cannot identify goes in
    ):
        assert lines("PTL301", module(value)) == [], value
